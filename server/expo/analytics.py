"""Stand analytics for its exhibitor, per local day: visits, unique visitors, time on the
stand, contact requests (answered, missed, time to answer) and meetings booked.

A visit starts when the stand's page opens and is pinged while it stays open (at most
`PING_SECONDS` apart); its time on the stand runs from the start to the last ping. Days are
the viewer's local days (their IANA zone): an exhibitor in Tokyo sees Tokyo's days.

Unique visitors are people: a signed-in visitor is their account, an anonymous one the id of
their signed visitor cookie, bounded per address (server/expo/visitors.py); a visitor (or an
address without a cookie) opens at most `VisitLimits.per_minute` visits a minute.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.clock import Clock
from server.errors import NotFound, RateLimited
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
from server.expo.visitors import AnonymousClient, new_token
from server.zones import parse_zone

PING_SECONDS = 30
MAX_DAYS = 31


@dataclass(frozen=True)
class VisitLimits:
    """Visits one visitor (or one address without a visitor cookie) may open a minute, and
    anonymous visitor ids one address is given a day (the app's settings)."""

    per_minute: int = 30
    ids_per_day: int = 20


@dataclass(frozen=True)
class StartedVisit:
    visit: VisitPublic
    cookie: str | None  # a new anonymous visitor's signed cookie, to set


async def start_visit(
    db: AsyncSession,
    clock: Clock,
    slug: str,
    visitor_id: int | None,
    anonymous: AnonymousClient | None = None,
    *,
    secret: str = "",
    limits: VisitLimits = VisitLimits(),
) -> StartedVisit:
    """A stand's page opened, by a signed-in visitor (`visitor_id`) or an anonymous client
    (`anonymous`, its cookie signed with `secret`); RateLimited past `limits.per_minute`."""
    stand = await stand_by_slug(db, slug)
    assert stand.id is not None
    now = clock.now()
    key = client = cookie = None
    if visitor_id is not None:
        await _within_rate(db, col(StandVisit.visitor_id) == visitor_id, now, limits)
    elif anonymous is not None:
        client = anonymous.address
        # A cookie is one visitor's own rate; without one, the address's visits share one.
        cookied = anonymous.visitor is not None
        who = col(StandVisit.visitor_key if cookied else StandVisit.client)
        key, cookie = await _anonymous_visitor(db, anonymous, now, limits, secret)
        await _within_rate(db, who == (key if cookied else client), now, limits)
    visit = StandVisit(
        stand_id=stand.id,
        visitor_id=visitor_id,
        key=secrets.token_urlsafe(24),
        started_at=now,
        last_seen_at=now,
        visitor_key=key,
        client=client,
    )
    db.add(visit)
    await db.flush()
    assert visit.id is not None
    return StartedVisit(
        VisitPublic(visit=visit.id, key=visit.key, ping_seconds=PING_SECONDS), cookie
    )


async def _within_rate(db: AsyncSession, who: Any, now: datetime, limits: VisitLimits) -> None:
    since = now - timedelta(minutes=1)
    query = select(func.count(), func.min(StandVisit.started_at)).where(
        who, col(StandVisit.started_at) > since
    )
    count, oldest = (await db.exec(query)).one()
    if count >= limits.per_minute:
        wait = max(1, math.ceil((oldest - since).total_seconds()))
        raise RateLimited(
            f"visits: at most {limits.per_minute} a minute; try again in {wait} s",
            retry_after=wait,
        )


async def _anonymous_visitor(
    db: AsyncSession, client: AnonymousClient, now: datetime, limits: VisitLimits, secret: str
) -> tuple[str, str | None]:
    """Who an anonymous visit counts as, and a new cookie to give if one is minted."""
    if client.visitor is not None:
        return f"v:{client.visitor}", None
    given = select(func.count(func.distinct(StandVisit.visitor_key))).where(
        col(StandVisit.client) == client.address,
        col(StandVisit.visitor_key).startswith("v:"),
        col(StandVisit.started_at) > now - timedelta(days=1),
    )
    if (await db.exec(given)).one() >= limits.ids_per_day:
        return f"a:{client.address}", None  # this address's cookie-less visits: one visitor
    visitor, cookie = new_token(secret)
    return f"v:{visitor}", cookie


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
        row.visitors.add(
            visit.visitor_id
            if visit.visitor_id is not None
            else visit.visitor_key or f"anon:{visit.id}"  # visits from before visitor keys
        )
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
