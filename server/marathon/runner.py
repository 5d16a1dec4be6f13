"""The live runner: moves marathon segments scheduled → live → ended as the clock passes
their times, and announces each change and each handover on the bus.

The loop, the conditional move and the rule of what is due are the program's
(server/program/runner.py): the program's runner moves every other session, this one the
segments, because a segment's change also hands the stream over to the next capital.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.instants import instant
from server.marathon.models import Marathon, MarathonSegment
from server.marathon.service import MarathonData, forum_room, load_marathon_data, marathon_room
from server.program.models import Forum, Session, SessionStatus
from server.program.runner import OPEN, PROGRESS, ClockRunner, move_status, status_at
from server.program.service import bump_program_version
from server.unit import publish_after

log = logging.getLogger("pavilion.marathon")


def relay_sessions() -> Select[int]:
    """The ids of the sessions this runner moves (the program's runner leaves them alone)."""
    return sa_select(col(MarathonSegment.session_id))


@dataclass(frozen=True)
class _Announcement:
    at: datetime
    order: int  # at one instant: an end, then the handover, then the start
    rooms: tuple[str, ...]
    type: str
    data: dict[str, Any]


class MarathonRunner(ClockRunner):
    """One per node; `start()` in the app's lifespan, `wake()` after a re-plan."""

    name = "marathon-runner"

    async def step(self) -> datetime | None:
        """Bring every open marathon up to the clock; the next instant something changes."""
        now = self._clock.now()
        announcements: list[_Announcement] = []
        upcoming: list[datetime] = []
        async with self._database.unit(self._bus) as db:
            marathons = await _open_marathons(db)
            for data in marathons:
                announcements += await _advance(db, data, now)
                upcoming += _next_changes(data, now)
            for item in sorted(announcements, key=lambda a: (a.at, a.order)):
                for room in item.rooms:
                    publish_after(db, room, item.type, item.data)
        self.follow({data.forum.slug for data in marathons})
        return min(upcoming, default=None)


async def _open_marathons(db: AsyncSession) -> list[MarathonData]:
    """Marathons with a segment not yet ended or cancelled."""
    open_ids = (
        select(MarathonSegment.marathon_id)
        .join(Session, col(Session.id) == MarathonSegment.session_id)
        .where(col(Session.status).in_(OPEN))
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
        if PROGRESS[wanted] <= PROGRESS[session.status]:
            continue
        assert session.id is not None
        if await move_status(db, session.id, session.status, wanted, now):
            session.status = wanted
            moved.append((index, wanted))
    if moved:
        await bump_program_version(db, data.forum)
    return _announce(data, running, moved)


def _announce(
    data: MarathonData, running: list[MarathonSegment], moved: list[tuple[int, SessionStatus]]
) -> list[_Announcement]:
    out = []
    for index, status in moved:
        segment = running[index]
        session = data.session_of(segment)
        at = session.starts_at if status is SessionStatus.live else session.ends_at
        rooms = (f"session:{session.id}", marathon_room(data.marathon), forum_room(data.forum))
        payload = {**_who(data, segment), "status": status.value, "at": instant(at)}
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
        "at": instant(at),
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
