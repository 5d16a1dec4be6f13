"""The `marathons:` part of a program file: relays whose segment times come from the planner.

A marathon segment names a session of the same file; that session gives the host city and
zone and writes no start or end of its own: the planner decides them when the file is
imported, before anything is written, so a relay that cannot be planned stops the import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from pydantic import Field, model_validator
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.errors import Invalid
from server.marathon.models import HubIn, Marathon, MarathonChange, MarathonSegment, StrictInput
from server.marathon.planner import Host, Relay, plan_relay
from server.marathon.windows import parse_window
from server.program.models import Forum, Session

SLUG = r"^[a-z0-9][a-z0-9-]*$"


class TitleIn(StrictInput):
    """Either language may be left out (the other is shown in its place), not both."""

    en: str = ""
    ru: str = ""

    @model_validator(mode="after")
    def _either(self) -> TitleIn:
        if not (self.en.strip() or self.ru.strip()):
            raise ValueError("give it in English (en) or Russian (ru), or both")
        return self


class SegmentIn(StrictInput):
    session: str = Field(pattern=SLUG, max_length=120)
    minutes: int = Field(gt=0, le=24 * 60)
    window: str = "09:00-21:00"
    position: int | None = Field(default=None, ge=1)


class MarathonIn(StrictInput):
    slug: str = Field(pattern=SLUG, max_length=80)
    title: TitleIn
    date: date
    hub: HubIn
    gap_minutes: int = Field(default=5, ge=0, le=240)
    segments: list[SegmentIn] = Field(min_length=1)


class _SessionLike(Protocol):
    slug: str
    start: str | None
    end: str | None

    @property
    def host(self) -> Any: ...


@dataclass(frozen=True)
class PlannedSegment:
    start: datetime
    end: datetime
    position: int


def plan_marathons(
    marathons: list[MarathonIn], sessions: list[_SessionLike], forum_host: Any
) -> dict[str, PlannedSegment]:
    """Plan every marathon of a file; {session slug: its planned times and place}.

    Invalid names the path (`marathons.0.segments.3.window`) of anything wrong."""
    by_slug = {s.slug: (index, s) for index, s in enumerate(sessions)}
    planned: dict[str, PlannedSegment] = {}
    used: set[str] = set()
    for number, marathon in enumerate(marathons):
        where = f"marathons.{number}"
        hosts = []
        for index, segment in enumerate(marathon.segments):
            path = f"{where}.segments.{index}"
            session = _segment_session(by_slug, segment, path, used)
            host = session.host or forum_host
            hosts.append(
                Host(
                    city=host.city.en or host.city.ru,
                    tz=host.tz,
                    minutes=segment.minutes,
                    window=parse_window(segment.window, field=f"{path}.window"),
                    position=segment.position,
                )
            )
        relay = Relay(
            day=marathon.date,
            hub_tz=marathon.hub.tz,
            hub_window=parse_window(marathon.hub.window, field=f"{where}.hub.window"),
            gap_minutes=marathon.gap_minutes,
            hosts=tuple(hosts),
        )
        try:
            plan = plan_relay(relay)
        except Invalid as exc:
            raise _located(exc, where) from None
        for position, item in enumerate(plan.segments, start=1):
            slug = marathon.segments[item.index].session
            planned[slug] = PlannedSegment(item.start, item.end, position)
    return planned


def _segment_session(
    by_slug: dict[str, tuple[int, _SessionLike]],
    segment: SegmentIn,
    path: str,
    used: set[str],
) -> _SessionLike:
    if segment.session not in by_slug:
        raise Invalid(
            f"{path}.session: no session {segment.session!r} in this file", field=f"{path}.session"
        )
    if segment.session in used:
        raise Invalid(
            f"{path}.session: {segment.session!r} is already a marathon segment",
            field=f"{path}.session",
        )
    used.add(segment.session)
    index, session = by_slug[segment.session]
    if session.start is not None or session.end is not None:
        raise Invalid(
            f"sessions.{index}.start: {session.slug!r} is a marathon segment; its times come "
            "from the planner, so leave out start and end",
            field=f"sessions.{index}.start",
        )
    return session


def _located(exc: Invalid, where: str) -> Invalid:
    """The planner's `hosts[2].tz` becomes the file's `marathons.0.segments.2.tz`."""
    field = str(exc.details.get("field", ""))
    located = field.replace("hosts[", f"{where}.segments.").replace("]", "", 1) if field else where
    if field.startswith("hub"):
        located = f"{where}.{field}"
    message = exc.message
    if field and message.startswith(field):
        message = message[len(field) :].lstrip(": ")
    return Invalid(f"{located}: {message}", field=located or where)


async def import_marathons(
    db: AsyncSession,
    clock: Clock,
    forum: Forum,
    marathons: list[MarathonIn],
    planned: dict[str, PlannedSegment],
) -> dict[str, str]:
    """Write the file's marathons and segments; {"marathon slug": "created"|"updated"|...}."""
    outcomes = {}
    for item in marathons:
        marathon, outcome = await _upsert_marathon(db, clock, forum, item)
        changed = await _replace_segments(db, forum, marathon, item, planned)
        outcomes[item.slug] = "updated" if outcome == "unchanged" and changed else outcome
    return outcomes


async def _upsert_marathon(
    db: AsyncSession, clock: Clock, forum: Forum, item: MarathonIn
) -> tuple[Marathon, str]:
    query = select(Marathon).where(Marathon.forum_id == forum.id, Marathon.slug == item.slug)
    marathon = (await db.exec(query)).first()
    values: dict[str, Any] = {
        "title_en": item.title.en,
        "title_ru": item.title.ru,
        "day": item.date,
        "hub_tz": item.hub.tz,
        "hub_window": str(parse_window(item.hub.window, field="hub.window")),
        "gap_minutes": item.gap_minutes,
    }
    now = clock.now()
    if marathon is None:
        assert forum.id is not None
        marathon = Marathon(
            forum_id=forum.id, slug=item.slug, **values, created_at=now, updated_at=now
        )
        outcome = "created"
    elif any(getattr(marathon, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(marathon, key, value)
        marathon.updated_at = now
        outcome = "updated"
    else:
        outcome = "unchanged"
    db.add(marathon)
    await db.flush()
    return marathon, outcome


async def _replace_segments(
    db: AsyncSession,
    forum: Forum,
    marathon: Marathon,
    item: MarathonIn,
    planned: dict[str, PlannedSegment],
) -> bool:
    """Make the stored segments match the file's; True when anything differed."""
    query = select(Session.slug, Session.id).where(Session.forum_id == forum.id)
    rows = (await db.exec(query)).all()
    ids = {slug: session_id for slug, session_id in rows if session_id is not None}
    wanted: dict[int, tuple[str, int, int, int | None]] = {
        ids[s.session]: (
            str(parse_window(s.window, field="window")),
            s.minutes,
            planned[s.session].position,
            s.position,
        )
        for s in item.segments
    }
    stored_query = select(MarathonSegment).where(MarathonSegment.marathon_id == marathon.id)
    stored = {s.session_id: s for s in (await db.exec(stored_query)).all()}
    current = {
        sid: (s.window, s.minutes, s.position, s.fixed_position) for sid, s in stored.items()
    }
    if current == wanted:
        return False
    assert marathon.id is not None
    for session_id, segment in stored.items():
        if session_id not in wanted:
            await _forget_segment(db, segment)
    for session_id, (window, minutes, position, fixed) in wanted.items():
        segment = stored.get(session_id) or MarathonSegment(
            marathon_id=marathon.id, session_id=session_id, window=window, minutes=0, position=0
        )
        segment.window, segment.minutes = window, minutes
        segment.position, segment.fixed_position = position, fixed
        db.add(segment)
    await db.flush()
    return True


async def _forget_segment(db: AsyncSession, segment: MarathonSegment) -> None:
    """Drop a segment the file no longer lists; its history stays, detached from it."""
    await db.exec(
        update(MarathonChange)
        .where(col(MarathonChange.segment_id) == segment.id)
        .values(segment_id=None)
    )
    await db.delete(segment)
