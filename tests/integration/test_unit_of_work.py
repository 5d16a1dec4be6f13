"""One unit of work per request: events collected with `publish_after` go out only once the
transaction that caused them commits, in order, and never when it rolls back (server/unit.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import Role
from server.accounts.service import grant
from server.app import create_app
from server.clock import FakeClock
from server.db import Database
from server.migrate import upgrade
from server.program.service import get_forum
from server.realtime.bus import MemoryBus
from server.rooms.models import Announcement
from server.settings import Settings
from server.unit import call_after, publish_after
from tests.factories import load_program, make_user, program_doc, session_doc, signed_in

AT = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
async def database(database_url: str, clock: FakeClock) -> AsyncIterator[Database]:
    await upgrade(database_url)
    found = Database(database_url)
    async with found.session() as db:
        await make_user(db, clock, "author@example.org")  # id 1, the announcements' author
        await db.commit()
    yield found
    await found.dispose()


def _stored(db: AsyncSession, text: str) -> Announcement:
    row = Announcement(room="forum:f", author_id=1, text=text, created_at=AT)
    db.add(row)
    return row


async def _texts(database: Database) -> list[str]:
    async with database.session() as db:
        return list((await db.exec(select(Announcement.text))).all())


async def test_events_go_out_after_the_commit_in_the_order_collected(database: Database) -> None:
    bus = MemoryBus()
    seen: list[tuple[str, list[str]]] = []
    async with database.unit(bus) as db:
        _stored(db, "one")
        publish_after(db, "forum:f", "announcement", {"n": 1})
        call_after(db, lambda: seen.append(("callback", [])))
        publish_after(db, "forum:f", "announcement", {"n": 2})
        assert await bus.history("forum:f") in (None, [])  # nothing before the commit

    history = await bus.history("forum:f") or []
    assert [e.data for e in history] == [{"n": 1}, {"n": 2}]
    assert seen == [("callback", [])]
    assert await _texts(database) == ["one"]


async def test_a_unit_that_fails_writes_nothing_and_tells_nobody(database: Database) -> None:
    bus = MemoryBus()
    called: list[str] = []
    with pytest.raises(RuntimeError):
        async with database.unit(bus) as db:
            _stored(db, "lost")
            publish_after(db, "forum:f", "announcement", {"n": 1})
            call_after(db, lambda: called.append("no"))
            raise RuntimeError("the verb failed")

    assert await bus.history("forum:f") in (None, [])
    assert called == []
    assert await _texts(database) == []


async def test_what_a_deliberate_early_commit_kept_is_told_even_if_the_unit_then_fails(
    database: Database,
) -> None:
    bus = MemoryBus()
    with pytest.raises(RuntimeError):
        async with database.unit(bus) as db:
            _stored(db, "kept")
            publish_after(db, "forum:f", "announcement", {"n": "kept"})
            await db.commit()  # e.g. a wrong password is counted although the answer is 401
            _stored(db, "lost")
            publish_after(db, "forum:f", "announcement", {"n": "lost"})
            raise RuntimeError("then it failed")

    assert [e.data for e in await bus.history("forum:f") or []] == [{"n": "kept"}]
    assert await _texts(database) == ["kept"]


class SeeingBus(MemoryBus):
    """A bus that, on each push, reads what another connection can see of the database."""

    def __init__(self, database: Database) -> None:
        super().__init__()
        self.database = database
        self.seen: list[tuple[str, list[str]]] = []

    async def publish(self, room: str, type: str, data: dict[str, Any]) -> tuple[str, int]:
        self.seen.append((type, await _texts(self.database)))
        return await super().publish(room, type, data)

    async def deliver(self, room: str, type: str, data: dict[str, Any]) -> None:
        await self.publish(room, type, data)


ORGANISER = {"Authorization": "Bearer organiser-of-the-test-forum-0123"}


async def test_a_request_publishes_only_what_it_committed(
    settings: Settings, database: Database, clock: FakeClock
) -> None:
    """Over HTTP: when the bus hears of an announcement, any other connection already reads
    it (the route's unit committed first); a refused one stores and pushes nothing."""
    async with database.session() as db:
        await load_program(
            db, clock, program_doc(session_doc("opening", "2027-03-26T10:00", "2027-03-26T11:00"))
        )
        forum = await get_forum(db, "test-forum")
        organiser = await signed_in(db, clock, "organiser@example.org", ORGANISER)
        await grant(db, organiser, Role.organiser, forum_id=forum.id)
        await db.commit()
    bus = SeeingBus(database)
    app = create_app(settings, clock=clock, bus=bus)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://pavilion.test") as http,
    ):
        said = await http.post(
            "/api/v1/rooms/forum:test-forum/announcements",
            json={"text": "hello"},
            headers=ORGANISER,
        )
        refused = await http.post(
            "/api/v1/rooms/forum:test-forum/announcements",
            json={"text": "x" * 5000},
            headers=ORGANISER,
        )

    assert (said.status_code, refused.status_code) == (201, 422)
    assert bus.seen == [("announcement", ["hello"])]
