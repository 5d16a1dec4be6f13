"""The program's clock: every session goes scheduled → live → ended as the clock passes its
times, and each change is announced once.

`ClockRunner` is the loop that the program's runner and the marathon's share: step, then
sleep until the next instant something changes (or a minute, to notice changes made on
another node), or until woken. A running one also follows the rooms of the forums it saw
(`forum:{slug}`): a `program.changed` published there by any node (an organiser moved a
session, the marathon re-planned) wakes it, so that new times are followed at once.

Nothing is remembered between steps. A step reads the times and the status each session
last announced, and moves every session whose status is behind its times with a conditional
UPDATE; only the node whose UPDATE wins announces, so a restarted runner catches up without
repeating itself and every node may run one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Select, func, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.db import Database, rows
from server.program.models import Forum, Session, SessionStatus
from server.program.service import bump_program_version
from server.realtime.bus import RESET, Bus
from server.unit import publish_after

log = logging.getLogger("pavilion.program")

# How far along a status is; a session only ever moves forward. `delayed` stays as it is
# until its (new) times pass, as `scheduled` does.
PROGRESS = {
    SessionStatus.scheduled: 0,
    SessionStatus.delayed: 0,
    SessionStatus.live: 1,
    SessionStatus.ended: 2,
    SessionStatus.cancelled: 3,
}
OPEN = (SessionStatus.scheduled, SessionStatus.delayed, SessionStatus.live)
WAITING = (SessionStatus.scheduled, SessionStatus.delayed)


class StatusReason(StrEnum):
    """The `reason` of the `program.changed` a runner announces."""

    status = "status"  # sessions went live or ended on the clock


def status_at(starts_at: datetime, ends_at: datetime, now: datetime) -> SessionStatus:
    """Where a session stands at `now`, from its times alone."""
    if now < starts_at:
        return SessionStatus.scheduled
    if now < ends_at:
        return SessionStatus.live
    return SessionStatus.ended


async def move_status(
    db: AsyncSession,
    session_id: int,
    was: SessionStatus,
    wanted: SessionStatus,
    now: datetime,
) -> bool:
    """Conditional UPDATE: True only for the one runner that moved this session."""
    result = await db.exec(
        update(Session)
        .where(col(Session.id) == session_id, col(Session.status) == was)
        .values(status=wanted, updated_at=now)
    )
    return bool(result.rowcount == 1)


class ClockRunner:
    """A clock-driven loop, one per node: `start()` in the app's lifespan, `wake()` when
    times changed. Subclasses give `step()`; a step calls `follow()` with the forums it saw."""

    name = "runner"

    def __init__(
        self, database: Database, clock: Clock, bus: Bus, *, poll: timedelta = timedelta(minutes=1)
    ) -> None:
        self._database = database
        self._clock = clock
        self._bus = bus
        self._poll = poll
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._followers: dict[str, asyncio.Task[None]] = {}

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Stop after the step in progress, if any: a step cut off halfway would leave its
        database call running in the driver's thread after the app has shut down."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None
        followers, self._followers = list(self._followers.values()), {}
        for follower in followers:
            follower.cancel()
        await asyncio.gather(*followers, return_exceptions=True)

    def wake(self) -> None:
        """Look again now: times changed (a delay, an early end, a session moved)."""
        self._wake.set()

    async def step(self) -> datetime | None:
        """Bring what this runner moves up to the clock; the next instant something changes."""
        raise NotImplementedError

    def follow(self, forums: Iterable[str]) -> None:
        """Be woken by `program.changed` in these forums' rooms (only while running: a step
        called by hand, as tests do, starts nothing)."""
        if self._task is None or self._stopping:
            return
        for slug in forums:
            room = f"forum:{slug}"
            if room not in self._followers:
                self._followers[room] = asyncio.create_task(
                    self._listen(room), name=f"{self.name}:{room}"
                )

    async def _listen(self, room: str) -> None:
        while not self._stopping:
            try:
                async for event in self._bus.subscribe(room):
                    if event.type == RESET or (
                        event.type == "program.changed"
                        and event.data.get("reason") != StatusReason.status
                    ):
                        self.wake()  # (after a reset, whatever was missed is looked at too)
            except Exception:  # the bus went away for a moment; the poll covers the gap
                log.warning("%s: lost %s, following it again", self.name, room, exc_info=True)
                await asyncio.sleep(1)

    async def _run(self) -> None:
        while not self._stopping:
            try:
                upcoming = await self.step()
            except Exception:  # a failed step is retried at the next poll, never fatal
                log.exception("%s step failed", self.name)
                upcoming = None
            if not self._stopping:
                await self._sleep(upcoming)

    async def _sleep(self, upcoming: datetime | None) -> None:
        # Polls too, so that changes made on another node are noticed even without the bus.
        deadline = self._clock.now() + self._poll
        if upcoming is not None:
            deadline = min(deadline, upcoming)
        sleeper = asyncio.ensure_future(self._clock.sleep_until(deadline))
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            woken.cancel()
            self._wake.clear()


_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class _Moved:
    session: int
    forum: int
    status: SessionStatus
    at: datetime


class ProgramRunner(ClockRunner):
    """Moves every session of every program on the clock, except those `others` selects
    (the ids of sessions another runner moves: the marathon's segments, with their
    handovers). Cancelled sessions stay cancelled.

    Each move bumps the forum's program version and, after the commit, announces
    `session.status {"session", "status"}` in `session:{id}` and one
    `program.changed {"forum", "sessions", "reason": "status"}` per forum in `forum:{slug}`."""

    name = "program-runner"

    def __init__(
        self,
        database: Database,
        clock: Clock,
        bus: Bus,
        *,
        others: Select[*tuple[Any, ...]] | None = None,
        poll: timedelta = timedelta(minutes=1),
    ) -> None:
        super().__init__(database, clock, bus, poll=poll)
        self._others = others

    def _mine(self, query: _Query) -> _Query:
        if self._others is None:
            return query
        return query.where(col(Session.id).not_in(self._others))

    async def step(self) -> datetime | None:
        now = self._clock.now()
        async with self._database.unit(self._bus) as db:
            moved = await self._advance(db, now)
            forums = await _forums(db)
            for forum_id in sorted({m.forum for m in moved}):
                await bump_program_version(db, forums[forum_id])
            upcoming = await self._next_change(db, now)
            slugs = {forum_id: forum.slug for forum_id, forum in forums.items()}
            _announce(db, moved, slugs)
        self.follow(slugs.values())
        return upcoming

    async def _advance(self, db: AsyncSession, now: datetime) -> list[_Moved]:
        """Move every open session whose times have passed its status."""
        due = self._mine(
            sa_select(
                col(Session.id),
                col(Session.forum_id),
                col(Session.status),
                col(Session.starts_at),
                col(Session.ends_at),
            )
            .where(col(Session.status).in_(OPEN))
            .where(
                (col(Session.status).in_(WAITING) & (col(Session.starts_at) <= now))
                | (col(Session.ends_at) <= now)
            )
            .order_by(col(Session.starts_at), col(Session.id))
        )
        moved = []
        for session_id, forum_id, status, starts_at, ends_at in await rows(db, due):
            wanted = status_at(starts_at, ends_at, now)
            if PROGRESS[wanted] <= PROGRESS[status]:
                continue
            if await move_status(db, session_id, status, wanted, now):
                at = starts_at if wanted is SessionStatus.live else ends_at
                moved.append(_Moved(session_id, forum_id, wanted, at))
        return moved

    async def _next_change(self, db: AsyncSession, now: datetime) -> datetime | None:
        """The next start of a waiting session, or end of an open one, after `now`."""
        starts = self._mine(
            sa_select(func.min(col(Session.starts_at))).where(
                col(Session.status).in_(WAITING), col(Session.starts_at) > now
            )
        )
        ends = self._mine(
            sa_select(func.min(col(Session.ends_at))).where(
                col(Session.status).in_(OPEN), col(Session.ends_at) > now
            )
        )
        found = [(await rows(db, query))[0][0] for query in (starts, ends)]
        return min((instant for instant in found if instant is not None), default=None)


def _announce(db: AsyncSession, moved: list[_Moved], slugs: dict[int, str]) -> None:
    """What moved, once the step commits: ends before starts at the same instant, as a person
    would tell it."""
    for item in sorted(moved, key=lambda m: (m.at, -PROGRESS[m.status], m.session)):
        data = {"session": item.session, "status": item.status.value}
        publish_after(db, f"session:{item.session}", "session.status", data)
    for forum_id in sorted({m.forum for m in moved}):
        slug = slugs[forum_id]
        ids = [m.session for m in moved if m.forum == forum_id]
        event = {"forum": slug, "sessions": ids, "reason": StatusReason.status.value}
        publish_after(db, f"forum:{slug}", "program.changed", event)


async def _forums(db: AsyncSession) -> dict[int, Forum]:
    """Every forum (a handful), by id."""
    return {f.id: f for f in (await db.exec(select(Forum))).all() if f.id is not None}
