"""A small world for room tests: the attendance program (an open round table, a closed
expert session, ...), people with known bearer tokens, and their roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import select

from server.accounts.models import Role
from server.accounts.service import grant
from server.attendance import invites
from server.clock import Clock
from server.db import Database
from server.program.models import Forum, Session
from tests.factories import attendance_doc, load_program, signed_in
from tests.migrated import migrated

PEOPLE = ("moderator", "organiser", "alice", "bob", "carol", "invitee")


@dataclass(frozen=True)
class World:
    url: str
    tokens: dict[str, str]  # person -> bearer token
    user_ids: dict[str, int]
    sessions: dict[str, int]  # session slug -> id
    forum: str
    database_url: str = ""

    def room(self, slug: str) -> str:
        return f"session:{self.sessions[slug]}"


def token_of(person: str) -> str:
    return f"test-token-{person}-0123456789abcdef"


async def build_world(database_url: str, clock: Clock) -> tuple[dict[str, int], dict[str, int]]:
    """Migrate and fill the database; (user ids, session ids).

    The moderator runs the round table and the closed session; the organiser organises the
    forum; alice, bob and carol are attendees; only `invitee` is invited to the closed one."""
    await migrated(database_url)
    database = Database(database_url)
    try:
        async with database.session() as db:
            await load_program(db, clock, attendance_doc())
            forum = (await db.exec(select(Forum))).one()
            sessions = {s.slug: s.id for s in (await db.exec(select(Session))).all()}
            users = {}
            for person in PEOPLE:
                header = {"Authorization": f"Bearer {token_of(person)}"}
                user = await signed_in(db, clock, f"{person}@rooms.test", header)
                users[person] = user
            await grant(db, users["moderator"], Role.moderator, session_id=sessions["round-table"])
            await grant(
                db, users["moderator"], Role.moderator, session_id=sessions["closed-session"]
            )
            await grant(db, users["organiser"], Role.organiser, forum_id=forum.id)
            await db.commit()
            closed = await db.get(Session, sessions["closed-session"])
            assert closed is not None
            token = await invites.invite(db, clock, closed, "invitee@rooms.test")
            await invites.accept(db, clock, users["invitee"], token)
            await db.commit()
            ids: dict[str, Any] = {p: u.id for p, u in users.items()}
            return ids, {k: v for k, v in sessions.items() if v is not None}
    finally:
        await database.dispose()
