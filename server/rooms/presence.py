"""Presence: how many are in a session room (online, and of those checked in on site), pushed
as counts to the room; who they are, to its staff only.

The hub says when this node's membership of a room changes; with the next tally flush this
node tells the bus its members and publishes the room's totals across nodes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.attendance.models import Badge, CheckIn, Mode, Registration, Status
from server.db import Database
from server.program.models import Session
from server.realtime.bus import Bus, Event
from server.realtime.hub import Hub
from server.rooms import views

# The staff's list of who is in a room is sent at most this often per room (it names everyone).
LIST_EVERY_SECONDS = 2.0
# Who checked in at the door changes only when a badge is scanned: read again this often.
CHECKED_IN_SECONDS = 10.0
NAMES_KEPT = 100_000


class Presence:
    """Counts a node's session rooms and pushes them (volatile: not numbered, not kept in the
    rooms' history; a joiner's snapshot has the latest). A flush costs set operations and, at
    most every CHECKED_IN_SECONDS per session, one query; the staff list is sent at most every
    LIST_EVERY_SECONDS per room, naming people from a cache."""

    def __init__(
        self, database: Database, hub: Hub, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._database = database
        self._hub = hub
        self._bus: Bus = hub.bus
        self._now = now
        self._dirty: set[str] = set()
        self._unlisted: dict[str, float] = {}  # room -> when its staff list may go next
        self._listed_at: dict[str, float] = {}
        self._latest: dict[str, dict[str, int]] = {}
        self._checked_in: dict[int, tuple[float, frozenset[int]]] = {}
        self._names: dict[int, str] = {}
        hub.membership_listeners.append(self._changed)
        hub.event_listeners.append(self._heard)

    def latest(self, room: str) -> dict[str, int] | None:
        """The room's last known counts ({"online", "onsite"}), if this node knows them."""
        return self._latest.get(room)

    async def counts_now(self, room: str) -> dict[str, int]:
        """The room's counts: the last known, or read now (and kept, for the next joiner)."""
        known = self._latest.get(room)
        if known is not None:
            return known
        everyone = await self._bus.presence(room)
        onsite = everyone & await self._checked_in_here(room)
        counts = {"online": len(everyone), "onsite": len(onsite)}
        if self._hub.has_members(room):
            self._latest[room] = counts
        return counts

    def _changed(self, room: str) -> None:
        if room.startswith("session:") and not room.endswith(":staff"):
            self._dirty.add(room)
            if not self._hub.has_members(room):
                self._latest.pop(room, None)

    def _heard(self, room: str, event: Event) -> None:
        """Counts published by any node (this one included) are the latest."""
        if event.type == "presence.counts" and self._hub.has_members(room):
            self._latest[room] = event.data

    async def flush(self) -> None:
        dirty, self._dirty = self._dirty, set()
        for room in dirty:
            await self._count(room)
        now = self._now()
        for room, due in list(self._unlisted.items()):
            if due <= now:
                del self._unlisted[room]
                await self._list(room)

    async def _count(self, room: str) -> None:
        await self._bus.set_presence(room, self._hub.local_users(room))
        everyone = await self._bus.presence(room)
        onsite = everyone & await self._checked_in_here(room)
        counts = {"online": len(everyone), "onsite": len(onsite)}
        if self._hub.has_members(room):
            self._latest[room] = counts
        await self._bus.publish_volatile(room, "presence.counts", counts)
        due = self._listed_at.get(room, 0.0) + LIST_EVERY_SECONDS
        if due <= self._now():
            await self._list(room, everyone, onsite)
        else:
            self._unlisted[room] = due

    async def _list(
        self, room: str, everyone: set[int] | None = None, onsite: set[int] | None = None
    ) -> None:
        if everyone is None or onsite is None:
            everyone = await self._bus.presence(room)
            onsite = everyone & await self._checked_in_here(room)
        self._listed_at[room] = self._now()
        if not self._hub.has_members(room):
            self._listed_at.pop(room, None)
        known = await self._names_of(everyone)
        await self._bus.publish_volatile(
            f"{room}:staff", "presence.list", {"people": _people(everyone, onsite, known)}
        )

    async def _checked_in_here(self, room: str) -> frozenset[int]:
        session_id = int(room.split(":")[1])
        cached = self._checked_in.get(session_id)
        if cached is not None and cached[0] > self._now():
            return cached[1]
        async with self._database.session() as db:
            found = frozenset(await checked_in(db, session_id))
        self._checked_in[session_id] = (self._now() + CHECKED_IN_SECONDS, found)
        return found

    async def _names_of(self, users: set[int]) -> views.Names:
        missing = [u for u in users if u not in self._names]
        if missing:
            if len(self._names) + len(missing) > NAMES_KEPT:
                self._names.clear()
            async with self._database.session() as db:
                self._names.update(await views.names(db, missing))
        return {u: self._names[u] for u in users if u in self._names}


def _people(users: set[int], onsite: set[int], known: views.Names) -> list[dict[str, Any]]:
    return sorted(
        ({**views.person(u, known), "onsite": u in onsite} for u in users),
        key=lambda p: (str(p["name"]).casefold(), p["id"]),
    )


async def counts_and_people(
    db: AsyncSession, room: str, users: set[int], *, names: bool = True
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """{"online", "onsite"} and (unless `names` is False) the list of who is there (for
    staff), read now."""
    onsite = users & await checked_in(db, int(room.split(":")[1]))
    counts = {"online": len(users), "onsite": len(onsite)}
    if not names:
        return counts, []
    return counts, _people(users, onsite, await views.names(db, users))


async def checked_in(db: AsyncSession, session_id: int) -> set[int]:
    """Those with a confirmed on-site seat here whose forum badge was scanned at a door (a
    hall's worth at most: read whole, intersected with who is present in Python)."""
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
        )
        .group_by(col(Registration.user_id))
    )
    return set((await db.exec(query)).all())
