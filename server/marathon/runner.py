"""The live runner: moves marathon segments scheduled → live → ended as the clock passes
their times, and announces each change and each handover on the bus.

Nothing is remembered between steps. Each step reads the segments' times (delays and early
ends are stored in them) and the status each session last announced, and moves every session
whose status is behind its times with a conditional UPDATE. Only the node whose UPDATE wins
announces, so a restarted runner catches up without repeating itself and several nodes can
run one each.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.db import Database
from server.marathon.models import Marathon, MarathonSegment
from server.marathon.service import MarathonData, forum_room, load_marathon_data, marathon_room
from server.marathon.views import status_at
from server.program.models import Forum, Session, SessionStatus
from server.program.service import bump_program_version
from server.program.zones import utc_z
from server.realtime.bus import Bus

log = logging.getLogger("pavilion.marathon")

# How far along a status is; a session only ever moves forward.
_PROGRESS = {
    SessionStatus.scheduled: 0,
    SessionStatus.delayed: 0,
    SessionStatus.live: 1,
    SessionStatus.ended: 2,
    SessionStatus.cancelled: 3,
}
_OPEN = [SessionStatus.scheduled, SessionStatus.delayed, SessionStatus.live]


@dataclass(frozen=True)
class _Announcement:
    at: datetime
    order: int  # at one instant: an end, then the handover, then the start
    rooms: tuple[str, ...]
    type: str
    data: dict[str, Any]


class MarathonRunner:
    """One per node; `start()` in the app's lifespan, `wake()` after a re-plan."""

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

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="marathon-runner")

    async def stop(self) -> None:
        """Stop after the step in progress, if any: a step cut off halfway would leave its
        database call running in the driver's thread after the app has shut down."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None

    def wake(self) -> None:
        """Look again now: times changed (a delay, an early end, a new plan)."""
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                upcoming = await self.step()
            except Exception:  # a failed step is retried at the next poll, never fatal
                log.exception("marathon runner step failed")
                upcoming = None
            if not self._stopping:
                await self._sleep(upcoming)

    async def _sleep(self, upcoming: datetime | None) -> None:
        # Polls too, so that re-plans made on another node are noticed.
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

    async def step(self) -> datetime | None:
        """Bring every open marathon up to the clock; the next instant something changes."""
        now = self._clock.now()
        announcements: list[_Announcement] = []
        upcoming: list[datetime] = []
        async with self._database.session() as db:
            for data in await _open_marathons(db):
                announcements += await _advance(db, data, now)
                upcoming += _next_changes(data, now)
            await db.commit()
        for item in sorted(announcements, key=lambda a: (a.at, a.order)):
            for room in item.rooms:
                await self._bus.publish(room, item.type, item.data)
        return min(upcoming, default=None)


async def _open_marathons(db: AsyncSession) -> list[MarathonData]:
    """Marathons with a segment not yet ended or cancelled."""
    open_ids = (
        select(MarathonSegment.marathon_id)
        .join(Session, col(Session.id) == MarathonSegment.session_id)
        .where(col(Session.status).in_(_OPEN))
        .distinct()
    )
    query = (
        select(Marathon, Forum)
        .join(Forum, col(Forum.id) == Marathon.forum_id)
        .where(col(Marathon.id).in_(open_ids))
    )
    return [
        await load_marathon_data(db, forum, marathon)
        for marathon, forum in (await db.exec(query)).all()
    ]


def _next_changes(data: MarathonData, now: datetime) -> list[datetime]:
    times = []
    for segment in data.running():
        session = data.session_of(segment)
        times += [t for t in (session.starts_at, session.ends_at) if t > now]
    return times


async def _advance(db: AsyncSession, data: MarathonData, now: datetime) -> list[_Announcement]:
    running = data.running()
    moved: list[tuple[int, SessionStatus]] = []
    for index, segment in enumerate(running):
        session = data.session_of(segment)
        wanted = status_at(session.starts_at, session.ends_at, now)
        if _PROGRESS[wanted] <= _PROGRESS[session.status]:
            continue
        if await _move(db, session, wanted, now):
            session.status = wanted
            moved.append((index, wanted))
    if moved:
        await bump_program_version(db, data.forum)
    return _announce(data, running, moved)


async def _move(db: AsyncSession, session: Session, wanted: SessionStatus, now: datetime) -> bool:
    """Conditional UPDATE: True only for the one runner that moved this session."""
    result = await db.exec(
        update(Session)
        .where(col(Session.id) == session.id, col(Session.status) == session.status)
        .values(status=wanted, updated_at=now)
    )
    return bool(result.rowcount == 1)


def _announce(
    data: MarathonData, running: list[MarathonSegment], moved: list[tuple[int, SessionStatus]]
) -> list[_Announcement]:
    out = []
    for index, status in moved:
        segment = running[index]
        session = data.session_of(segment)
        at = session.starts_at if status is SessionStatus.live else session.ends_at
        rooms = (f"session:{session.id}", marathon_room(data.marathon), forum_room(data.forum))
        payload = {**_who(data, segment), "status": status.value, "at": utc_z(at)}
        out.append(
            _Announcement(
                at, 0 if status is SessionStatus.ended else 2, rooms, "session.status", payload
            )
        )
        if status is SessionStatus.live:
            before = running[index - 1] if index > 0 else None
            out.append(_handover(data, before, segment, at))
        elif index == len(running) - 1:
            out.append(_handover(data, segment, None, at))
    return out


def _handover(
    data: MarathonData,
    before: MarathonSegment | None,
    after: MarathonSegment | None,
    at: datetime,
) -> _Announcement:
    rooms = [marathon_room(data.marathon), forum_room(data.forum)]
    rooms += [f"session:{s.session_id}" for s in (before, after) if s is not None]
    payload = {
        "marathon": data.marathon.slug,
        "from": _who(data, before) if before else None,
        "to": _who(data, after) if after else None,
        "at": utc_z(at),
    }
    return _Announcement(at, 1, tuple(rooms), "marathon.handover", payload)


def _who(data: MarathonData, segment: MarathonSegment) -> dict[str, Any]:
    session = data.session_of(segment)
    return {
        "segment": segment.id,
        "session": session.id,
        "city": session.host_city_en,
        "city_ru": session.host_city_ru,
    }
