"""Stand analytics for its exhibitor, per local day: visits, unique visitors, time on the
stand, contact requests (answered, missed, time to answer) and meetings booked.

A visit starts when the stand's page opens and is pinged while it stays open (at most
`PING_SECONDS` apart); its time on the stand runs from the start to the last ping. Days are
the viewer's local days (their IANA zone): an exhibitor in Tokyo sees Tokyo's days.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.clock import Clock
from server.errors import NotFound
from server.expo.models import (
    ContactRequest,
    ContactState,
    Lead,
    LeadEvent,
    LeadEventKind,
    Meeting,
    Stand,
    StandStaff,
    StandVisit,
)
from server.expo.queries import staffed_stand, stand_by_slug
from server.expo.schemas import AnalyticsPublic, DayFigures, PingPublic, VisitPublic
from server.zones import parse_zone

PING_SECONDS = 30
MAX_DAYS = 31


async def start_visit(
    db: AsyncSession, clock: Clock, slug: str, visitor_id: int | None
) -> VisitPublic:
    """A stand's page opened (by a signed-in visitor, or anonymously: `visitor_id` None)."""
    stand = await stand_by_slug(db, slug)
    assert stand.id is not None
    now = clock.now()
    visit = StandVisit(
        stand_id=stand.id,
        visitor_id=visitor_id,
        key=secrets.token_urlsafe(24),
        started_at=now,
        last_seen_at=now,
    )
    db.add(visit)
    await db.flush()
    assert visit.id is not None
    return VisitPublic(visit=visit.id, key=visit.key, ping_seconds=PING_SECONDS)


async def ping_visit(db: AsyncSession, clock: Clock, visit_id: int, key: str) -> PingPublic:
    """The page is still open. A ping after a long silence (a sleeping laptop) does not count
    the silence as time on the stand: the visit ends at its last ping plus one interval."""
    visit = await db.get(StandVisit, visit_id)
    if visit is None or not secrets.compare_digest(visit.key, key):
        raise NotFound(f"visit: no visit {visit_id}", field="visit")
    now = clock.now()
    gap = timedelta(seconds=2 * PING_SECONDS)
    visit.last_seen_at = min(now, visit.last_seen_at + gap)
    db.add(visit)
    seconds = (visit.last_seen_at - visit.started_at).total_seconds()
    return PingPublic(visit=visit_id, seconds=seconds)


def _day(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


@dataclass
class _Day:
    visits: int = 0
    visitors: set[int | str] = field(default_factory=set)
    seconds: float = 0.0
    requests: int = 0
    answered: int = 0
    missed: int = 0
    answer_seconds: list[float] = field(default_factory=list)
    meetings: int = 0
    scans: int = 0

    def figures(self, day: date) -> DayFigures:
        waited = self.answer_seconds
        return DayFigures(
            date=day,
            visits=self.visits,
            unique_visitors=len(self.visitors),
            minutes_on_stand=round(self.seconds / 60, 1),
            contact_requests=self.requests,
            answered=self.answered,
            missed=self.missed,
            median_seconds_to_answer=round(median(waited), 1) if waited else None,
            meetings_booked=self.meetings,
            badge_scans=self.scans,
        )


async def report(
    db: AsyncSession, clock: Clock, slug: str, staff: User, tz: str, days: int
) -> AnalyticsPublic:
    """The last `days` local days (today included) of the stand, in the IANA zone `tz`
    (its staff only)."""
    stand = await staffed_stand(db, slug, staff)
    zone = parse_zone(tz, field="tz")
    today = _day(clock.now(), zone)
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), zone)
    rows = {first + timedelta(days=i): _Day() for i in range(days)}
    _count_visits(rows, await _visits(db, stand, since), zone)
    _count_requests(rows, await _requests(db, stand, since), zone)
    for meeting in await _meetings(db, stand, since):
        row = rows.get(_day(meeting.created_at, zone))
        if row is not None:
            row.meetings += 1
    for scan in await _scans(db, stand, since):
        row = rows.get(_day(scan.at, zone))
        if row is not None:
            row.scans += 1
    return AnalyticsPublic(
        stand=stand.slug, tz=zone.key, days=[row.figures(day) for day, row in sorted(rows.items())]
    )


async def _visits(db: AsyncSession, stand: Stand, since: datetime) -> Sequence[StandVisit]:
    query = (
        select(StandVisit)
        .where(StandVisit.stand_id == stand.id, StandVisit.started_at >= since)
        .where(  # the stand's own staff looking at their page are not visitors
            or_(
                col(StandVisit.visitor_id).is_(None),
                col(StandVisit.visitor_id).not_in(
                    select(StandStaff.user_id).where(StandStaff.stand_id == stand.id)
                ),
            )
        )
    )
    return (await db.exec(query)).all()


def _count_visits(rows: dict[date, _Day], visits: Sequence[StandVisit], zone: ZoneInfo) -> None:
    for visit in visits:
        row = rows.get(_day(visit.started_at, zone))
        if row is None:
            continue
        row.visits += 1
        row.visitors.add(visit.visitor_id if visit.visitor_id is not None else f"anon:{visit.id}")
        row.seconds += (visit.last_seen_at - visit.started_at).total_seconds()


async def _requests(db: AsyncSession, stand: Stand, since: datetime) -> Sequence[ContactRequest]:
    query = select(ContactRequest).where(
        ContactRequest.stand_id == stand.id, ContactRequest.created_at >= since
    )
    return (await db.exec(query)).all()


def _count_requests(
    rows: dict[date, _Day], requests: Sequence[ContactRequest], zone: ZoneInfo
) -> None:
    for request in requests:
        row = rows.get(_day(request.created_at, zone))
        if row is None:
            continue
        row.requests += 1
        if request.state is ContactState.answered and request.answered_at is not None:
            row.answered += 1
            row.answer_seconds.append((request.answered_at - request.created_at).total_seconds())
        elif request.state is ContactState.missed:
            row.missed += 1


async def _meetings(db: AsyncSession, stand: Stand, since: datetime) -> Sequence[Meeting]:
    query = (
        select(Meeting)
        .join(Lead, col(Lead.id) == Meeting.lead_id)
        .where(Lead.stand_id == stand.id, Meeting.created_at >= since)
    )
    return (await db.exec(query)).all()


async def _scans(db: AsyncSession, stand: Stand, since: datetime) -> Sequence[LeadEvent]:
    leads = select(Lead.id).where(Lead.stand_id == stand.id)
    query = select(LeadEvent).where(
        col(LeadEvent.lead_id).in_(leads),
        LeadEvent.kind == LeadEventKind.badge_scan,
        LeadEvent.at >= since,
    )
    return (await db.exec(query)).all()
