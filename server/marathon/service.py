"""The marathon's verbs: find it, plan its day, apply a plan, absorb a delay or an early end.

Segment times live in the program's sessions, so a re-plan is a change of the program: it
raises each moved session's iCal SEQUENCE and the forum's program version in one transaction,
and announces `program.changed` once that transaction commits (server/unit.py), so nothing is
announced that a reader could not see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.attendance.service import attendees
from server.clock import Clock
from server.errors import Conflict, NotFound
from server.instants import instant
from server.marathon.models import ChangeKind, Marathon, MarathonChange, MarathonSegment
from server.marathon.planner import Host, NoPlan, Plan, Relay, plan_relay, squeeze_relay
from server.marathon.views import SegmentRow
from server.marathon.windows import parse_window
from server.notices import service as notices
from server.notices.models import NoticeKind
from server.program import service as program
from server.program.models import Forum, Session, SessionStatus, SessionUpdate
from server.program.runner import status_at
from server.unit import publish_after


def marathon_room(marathon: Marathon) -> str:
    return f"marathon:{marathon.id}"


def forum_room(forum: Forum) -> str:
    return f"forum:{forum.slug}"


@dataclass(frozen=True)
class MarathonData:
    """A marathon with its segments (in planned order) and their sessions."""

    forum: Forum
    marathon: Marathon
    segments: list[MarathonSegment]
    sessions: dict[int, Session]

    def session_of(self, segment: MarathonSegment) -> Session:
        return self.sessions[segment.session_id]

    def running(self) -> list[MarathonSegment]:
        """Segments whose session is not cancelled, in order."""
        return [
            s for s in self.segments if self.session_of(s).status is not SessionStatus.cancelled
        ]

    def segment(self, segment_id: int) -> MarathonSegment:
        for segment in self.segments:
            if segment.id == segment_id:
                return segment
        raise NotFound(
            f"segment: no segment {segment_id} in marathon {self.marathon.slug!r}",
            field="segment",
        )

    def rows(self, lang: str) -> list[SegmentRow]:
        rows = []
        for segment in self.segments:
            session = self.session_of(segment)
            assert segment.id is not None and session.id is not None
            rows.append(
                SegmentRow(
                    id=segment.id,
                    session_id=session.id,
                    position=segment.position,
                    fixed_position=segment.fixed_position,
                    window=segment.window,
                    minutes=segment.minutes,
                    city=session.host_city_ru if lang == "ru" else session.host_city_en,
                    title=session.title_ru if lang == "ru" else session.title_en,
                    tz=session.host_tz,
                    starts_at=session.starts_at,
                    ends_at=session.ends_at,
                    cancelled=session.status is SessionStatus.cancelled,
                )
            )
        return rows


async def list_marathons(db: AsyncSession, forum: Forum) -> list[Marathon]:
    """The forum's marathons, by date."""
    query = select(Marathon).where(Marathon.forum_id == forum.id)
    return list((await db.exec(query.order_by(col(Marathon.day), col(Marathon.slug)))).all())


async def load_marathon(db: AsyncSession, forum: Forum, slug: str) -> MarathonData:
    """A marathon of the forum with its segments and sessions, or NotFound naming it."""
    query = select(Marathon).where(Marathon.forum_id == forum.id, Marathon.slug == slug)
    marathon = (await db.exec(query)).first()
    if marathon is None:
        raise NotFound(f"marathon: no marathon {slug!r} in forum {forum.slug!r}", field="marathon")
    return await load_marathon_data(db, forum, marathon)


async def load_marathon_data(db: AsyncSession, forum: Forum, marathon: Marathon) -> MarathonData:
    query = (
        select(MarathonSegment, Session)
        .join(Session, col(Session.id) == MarathonSegment.session_id)
        .where(MarathonSegment.marathon_id == marathon.id)
        .order_by(col(MarathonSegment.position), col(MarathonSegment.id))
    )
    pairs = (await db.exec(query.execution_options(populate_existing=True))).all()
    return MarathonData(
        forum=forum,
        marathon=marathon,
        segments=[segment for segment, _ in pairs],
        sessions={session.id: session for _, session in pairs if session.id is not None},
    )


def _host(data: MarathonData, segment: MarathonSegment, **changes: Any) -> Host:
    session = data.session_of(segment)
    values: dict[str, Any] = {
        "city": session.host_city_en,
        "tz": session.host_tz,
        "minutes": segment.minutes,
        "window": parse_window(segment.window, field="window"),
        "position": segment.fixed_position,
    }
    return Host(**(values | changes))


def day_relay(data: MarathonData) -> Relay:
    """The whole day as the planner sees it: every running segment at its requested length."""
    marathon = data.marathon
    return Relay(
        day=marathon.day,
        hub_tz=marathon.hub_tz,
        hub_window=parse_window(marathon.hub_window, field="hub_window"),
        gap_minutes=marathon.gap_minutes,
        hosts=tuple(_host(data, segment) for segment in data.running()),
    )


def plan_day(data: MarathonData) -> Plan:
    """The best plan for the whole day, from scratch (nothing stored)."""
    return plan_relay(day_relay(data))


async def apply_day_plan(db: AsyncSession, clock: Clock, data: MarathonData) -> Plan:
    """Plan the whole day from scratch and move the sessions to it."""
    plan = plan_day(data)
    running = data.running()
    moves = [(running[s.index], s.start, s.end) for s in plan.segments]
    await _apply(db, clock, data, moves)
    db.add(MarathonChange(marathon_id=_id(data.marathon), kind=ChangeKind.planned, at=clock.now()))
    _announce(db, data, [m[0] for m in moves], "planned")
    return plan


@dataclass(frozen=True)
class Replan:
    plan: Plan
    shortened: list[dict[str, Any]]


@dataclass(frozen=True)
class Move:
    """One segment of a re-plan: its times before and after (UTC)."""

    segment: MarathonSegment
    session: Session
    was_starts_at: datetime
    was_ends_at: datetime
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class DelayPreview:
    """What a delay would do to the day, nothing stored: the live segment and every one
    after it, in their new order."""

    segment: MarathonSegment
    minutes: int
    accept_shorter: bool
    replan: Replan
    moves: list[Move]


def _delay_replan(
    data: MarathonData, segment_id: int, minutes: int, now: datetime, accept_shorter: bool
) -> tuple[MarathonSegment, Replan]:
    """The live segment running `minutes` longer, and the rest of the day planned again."""
    segment = data.segment(segment_id)
    session = _live_session(data, segment, now)
    new_end = session.ends_at + timedelta(minutes=minutes)
    cause = f"a {minutes}-minute delay"
    return segment, _replan(data, segment, new_end, now, accept_shorter, cause)


def preview_delay(
    clock: Clock,
    data: MarathonData,
    segment_id: int,
    minutes: int,
    *,
    accept_shorter: bool = False,
) -> DelayPreview:
    """What `record_delay` would make of the day now, without storing anything: the
    re-planned segments with their old and new times. Refused exactly as `record_delay` is
    (NoPlan naming the first host pushed out of its window; Conflict unless the segment is
    on air)."""
    segment, replan = _delay_replan(data, segment_id, minutes, clock.now(), accept_shorter)
    return DelayPreview(segment, minutes, accept_shorter, replan, _moves(data, segment, replan))


async def record_delay(
    db: AsyncSession,
    clock: Clock,
    data: MarathonData,
    segment_id: int,
    minutes: int,
    *,
    accept_shorter: bool = False,
    public_url: str = "",
) -> Replan:
    """The live segment runs `minutes` longer; the rest of the day is planned again, and the
    people registered for each segment that moves are told (`session_delayed`, or
    `session_moved` for one that moves earlier), with a link under `public_url`.

    Refused (NoPlan, naming the host) when a later host would leave its window, unless
    `accept_shorter`, which shortens the later segments that no longer fit in full."""
    data = await _locked(db, clock, data)
    segment, replan = _delay_replan(data, segment_id, minutes, clock.now(), accept_shorter)
    await _store_replan(db, clock, data, segment, replan, ChangeKind.delay, minutes, public_url)
    return replan


async def end_early(
    db: AsyncSession,
    clock: Clock,
    data: MarathonData,
    segment_id: int,
    *,
    accept_shorter: bool = False,
    public_url: str = "",
) -> Replan:
    """The live segment ends now (at the next whole minute); the rest moves up if it can,
    and the people registered for each segment that moves are told (`session_moved`)."""
    data = await _locked(db, clock, data)
    segment = data.segment(segment_id)
    now = clock.now()
    session = _live_session(data, segment, now)
    new_end = _next_minute(now)
    if new_end >= session.ends_at:
        raise Conflict(
            f"segment: {session.host_city_en} ends at {session.ends_at:%H:%M} UTC anyway",
            field="segment",
        )
    replan = _replan(data, segment, new_end, now, accept_shorter, "ending early")
    await _store_replan(db, clock, data, segment, replan, ChangeKind.ended_early, None, public_url)
    return replan


async def _locked(db: AsyncSession, clock: Clock, data: MarathonData) -> MarathonData:
    """The marathon, locked for this transaction and read again: two re-plans posted at the
    same moment are applied one after the other, each to the day the other left."""
    await db.exec(
        update(Marathon).where(col(Marathon.id) == data.marathon.id).values(updated_at=clock.now())
    )
    return await load_marathon_data(db, data.forum, data.marathon)


def _next_minute(instant: datetime) -> datetime:
    whole = instant.replace(second=0, microsecond=0)
    return whole if whole == instant else whole + timedelta(minutes=1)


def _live_session(data: MarathonData, segment: MarathonSegment, now: datetime) -> Session:
    session = data.session_of(segment)
    state = status_at(session.starts_at, session.ends_at, now)
    if session.status is SessionStatus.cancelled or state is not SessionStatus.live:
        shown = "cancelled" if session.status is SessionStatus.cancelled else state.value
        raise Conflict(
            f"segment: {session.host_city_en} is not on air now (it is {shown}); only the "
            "live segment can run late or end early",
            field="segment",
        )
    return session


def _replan(
    data: MarathonData,
    live: MarathonSegment,
    new_end: datetime,
    now: datetime,
    accept_shorter: bool,
    cause: str,
) -> Replan:
    """Plan the live segment (pinned where it now is) and every segment after it."""
    running = data.running()
    at = running.index(live)
    rest = running[at + 1 :]
    session = data.session_of(live)
    pinned = _host(
        data,
        live,
        minutes=math.ceil((new_end - session.starts_at).total_seconds() / 60),
        position=1,
        within=(session.starts_at, new_end),
    )
    hosts = [pinned] + [_later_host(data, s, live.position, len(rest) + 1) for s in rest]
    relay = Relay(
        day=data.marathon.day,
        hub_tz=data.marathon.hub_tz,
        hub_window=parse_window(data.marathon.hub_window, field="hub_window"),
        gap_minutes=data.marathon.gap_minutes,
        hosts=tuple(hosts),
        not_before=now,
    )
    segments = [live, *rest]
    shortened: dict[int, int] = {}
    try:
        plan = plan_relay(relay)
    except NoPlan:
        if not accept_shorter:
            raise _refusal(
                cause,
                _first_pushed_out(relay),
                "Send accept_shorter to shorten the segments that no longer fit",
                segments,
            ) from None
        try:
            plan, shortened = squeeze_relay(relay)
        except NoPlan as refusal:
            raise _refusal(cause, refusal, "even with shorter segments", segments) from None
    return Replan(
        plan=plan,
        shortened=[
            {
                "segment": segments[index].id,
                "city": relay.hosts[index].city,
                "from": relay.hosts[index].minutes,
                "to": minutes,
            }
            for index, minutes in sorted(shortened.items())
        ],
    )


def _first_pushed_out(relay: Relay) -> NoPlan:
    """The first host, in the current order, that would leave its window (what an organiser
    sees happen), rather than whichever host the exact search happened to leave out."""
    try:
        squeeze_relay(relay, shortest_share=1.0)
    except NoPlan as refusal:
        return refusal
    return NoPlan(
        "the rest of the day no longer fits", host=relay.hosts[-1].city, index=len(relay.hosts) - 1
    )


def _refusal(cause: str, refusal: NoPlan, advice: str, segments: list[MarathonSegment]) -> NoPlan:
    """The planner's refusal as the organiser's: naming the host (its English city, and its
    `segment` id, so that a client can name it in the reader's language)."""
    message = f"{cause} would push {refusal.host} out of its hours: {refusal.message}. {advice}"
    error = NoPlan(message, host=refusal.host, index=refusal.index)
    error.details["field"] = "minutes"
    if 0 <= refusal.index < len(segments):
        error.details["segment"] = segments[refusal.index].id
    return error


def _later_host(
    data: MarathonData, segment: MarathonSegment, live_position: int, count: int
) -> Host:
    """A segment after the live one keeps its current length and, if fixed, its place
    (counted from the live one; a place that no longer exists, after cancellations, is
    dropped rather than refused)."""
    session = data.session_of(segment)
    fixed = segment.fixed_position
    relative = None if fixed is None else fixed - live_position + 1
    return _host(
        data,
        segment,
        minutes=math.ceil((session.ends_at - session.starts_at).total_seconds() / 60),
        position=relative if relative is not None and 2 <= relative <= count else None,
    )


async def _store_replan(
    db: AsyncSession,
    clock: Clock,
    data: MarathonData,
    live: MarathonSegment,
    replan: Replan,
    kind: ChangeKind,
    minutes: int | None,
    public_url: str,
) -> None:
    planned = _moves(data, live, replan)
    moves = [(m.segment, m.starts_at, m.ends_at) for m in planned]
    await _apply(db, clock, data, moves, first_position=live.position)
    db.add(
        MarathonChange(
            marathon_id=_id(data.marathon),
            segment_id=live.id,
            kind=kind,
            minutes=minutes,
            shortened=",".join(f"{s['segment']}:{s['to']}" for s in replan.shortened),
            at=clock.now(),
        )
    )
    await _tell_moved(db, clock, data, planned, public_url)
    _announce(db, data, [m[0] for m in moves], kind.value)


def _moves(data: MarathonData, live: MarathonSegment, replan: Replan) -> list[Move]:
    """The re-plan's segments (the live one first) with their times now and planned."""
    running = data.running()
    segments = running[running.index(live) :]
    moves = []
    for planned in replan.plan.segments:
        segment = segments[planned.index]
        session = data.session_of(segment)
        moves.append(
            Move(
                segment=segment,
                session=session,
                was_starts_at=session.starts_at,
                was_ends_at=session.ends_at,
                starts_at=planned.start,
                ends_at=planned.end,
            )
        )
    return moves


async def _tell_moved(
    db: AsyncSession, clock: Clock, data: MarathonData, moves: list[Move], public_url: str
) -> list[notices.Told]:
    """Tell the people registered for each segment whose start moved (once per SEQUENCE, so
    call after `_apply` raised it): later is `session_delayed` by so many minutes, earlier is
    `session_moved` from its old start."""
    told: list[notices.Told] = []
    for move in moves:
        shift = round((move.starts_at - move.was_starts_at).total_seconds() / 60)
        if shift == 0:
            continue
        session = move.session
        assert session.id is not None
        kind, key, facts = (
            (NoticeKind.session_delayed, "delayed", {"minutes": shift})
            if shift > 0
            else (NoticeKind.session_moved, "moved", {"was_starts_at": instant(move.was_starts_at)})
        )
        told += await notices.tell(
            db,
            clock,
            users=await attendees(db, session.id),
            kind=kind,
            key=f"{key}:{session.id}:{session.sequence}",
            session=program.session_facts(data.forum, session),
            data=facts,
            link=f"{public_url.rstrip('/')}/?forum={data.forum.slug}&session={session.id}",
        )
    return told


async def _apply(
    db: AsyncSession,
    clock: Clock,
    data: MarathonData,
    moves: list[tuple[MarathonSegment, datetime, datetime]],
    *,
    first_position: int = 1,
) -> None:
    """Give each segment its new times and place (SEQUENCE rises where times change)."""
    for position, (segment, start, end) in enumerate(moves, start=first_position):
        session = data.session_of(segment)
        changes = SessionUpdate(starts_at=start, ends_at=end)
        await program.update_session(db, clock, data.forum, session, changes)
        segment.position = position
        db.add(segment)
    data.marathon.updated_at = clock.now()
    db.add(data.marathon)
    await db.flush()


def _announce(
    db: AsyncSession, data: MarathonData, moved: list[MarathonSegment], reason: str
) -> None:
    """`program.changed` on the forum's and the marathon's rooms, once the unit commits."""
    event = {
        "forum": data.forum.slug,
        "marathon": data.marathon.slug,
        "reason": reason,
        "sessions": [segment.session_id for segment in moved],
    }
    publish_after(db, forum_room(data.forum), "program.changed", event)
    publish_after(db, marathon_room(data.marathon), "program.changed", event)


def _id(marathon: Marathon) -> int:
    assert marathon.id is not None, "the marathon must be stored first"
    return marathon.id
