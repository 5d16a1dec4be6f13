"""Presence: how many are in a session room (online, and of those checked in on site), pushed
as counts to the room; who they are, to its staff only.

The hub says when this node's membership of a room changes; with the next tally flush this
node tells the bus its members and publishes the room's totals across nodes.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.attendance.models import Badge, CheckIn, Mode, Registration, Status
from server.db import Database
from server.program.models import Session
from server.realtime.bus import Bus
from server.realtime.hub import Hub
from server.rooms import views


class Presence:
    def __init__(self, database: Database, hub: Hub) -> None:
        self._database = database
        self._hub = hub
        self._bus: Bus = hub.bus
        self._dirty: set[str] = set()
        hub.membership_listeners.append(self._changed)

    def _changed(self, room: str) -> None:
        if room.startswith("session:") and not room.endswith(":staff"):
            self._dirty.add(room)

    async def flush(self) -> None:
        dirty, self._dirty = self._dirty, set()
        for room in dirty:
            await self._bus.set_presence(room, self._hub.local_users(room))
            everyone = await self._bus.presence(room)
            async with self._database.session() as db:
                counts, people = await counts_and_people(db, room, everyone)
            await self._bus.publish(room, "presence.counts", counts)
            await self._bus.publish(f"{room}:staff", "presence.list", {"people": people})


async def counts(db: AsyncSession, room: str, users: set[int]) -> dict[str, int]:
    """{"online", "onsite"} alone: what a joining attendee's snapshot needs (no names)."""
    onsite = await _checked_in(db, int(room.split(":")[1]), users)
    return {"online": len(users), "onsite": len(onsite)}


async def counts_and_people(
    db: AsyncSession, room: str, users: set[int]
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """{"online", "onsite"} and the list of who is there (for staff)."""
    onsite = await _checked_in(db, int(room.split(":")[1]), users)
    known = await views.names(db, users)
    people = sorted(
        ({**views.person(u, known), "onsite": u in onsite} for u in users),
        key=lambda p: (str(p["name"]).casefold(), p["id"]),
    )
    return {"online": len(users), "onsite": len(onsite)}, people


async def _checked_in(db: AsyncSession, session_id: int, users: set[int]) -> set[int]:
    """Those of `users` with an on-site seat here whose forum badge was scanned at a door."""
    if not users:
        return set()
    query = (
        select(Registration.user_id)
        .join(Session, col(Session.id) == Registration.session_id)
        .join(
            Badge,
            (col(Badge.user_id) == Registration.user_id)
            & (col(Badge.forum_id) == Session.forum_id),
        )
        .join(CheckIn, col(CheckIn.badge_id) == Badge.id)
        .where(
            Registration.session_id == session_id,
            Registration.mode == Mode.onsite,
            Registration.status == Status.confirmed,
            col(Registration.user_id).in_(users),
        )
        .group_by(col(Registration.user_id))
    )
    return set((await db.exec(query)).all())
