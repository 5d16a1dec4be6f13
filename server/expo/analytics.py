"""Stand analytics for its exhibitor, per local day: visits, unique visitors, time on the
stand, contact requests (answered, missed, time to answer) and meetings booked.

A visit starts when the stand's page opens and is pinged while it stays open (at most
`PING_SECONDS` apart); its time on the stand runs from the start to the last ping. Days are
the viewer's local days (their IANA zone): an exhibitor in Tokyo sees Tokyo's days.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import date, datetime, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.errors import NotFound
from server.expo.models import (
    ContactRequest,
    ContactState,
    Lead,
    LeadEvent,
    Meeting,
    Stand,
    StandStaff,
    StandVisit,
)

PING_SECONDS = 30
MAX_DAYS = 31


async def start_visit(
    db: AsyncSession, clock: Clock, stand: Stand, visitor_id: int | None
) -> StandVisit:
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
    await db.commit()
    return visit


async def ping_visit(db: AsyncSession, clock: Clock, visit_id: int, key: str) -> StandVisit:
    """The page is still open. A ping after a long silence (a sleeping laptop) does not count
    the silence as time on the stand: the visit ends at its last ping plus one interval."""
    visit = await db.get(StandVisit, visit_id)
    if visit is None or not secrets.compare_digest(visit.key, key):
        raise NotFound(f"visit: no visit {visit_id}", field="visit")
    now = clock.now()
    gap = timedelta(seconds=2 * PING_SECONDS)
    visit.last_seen_at = min(now, visit.last_seen_at + gap)
    db.add(visit)
    await db.commit()
    return visit


def _day(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


async def report(
    db: AsyncSession, clock: Clock, stand: Stand, tz: str, days: int
) -> dict[str, Any]:
    """The last `days` local days (today included) of the stand, in `tz`."""
    zone = ZoneInfo(tz)
    today = _day(clock.now(), zone)
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), zone)
    rows: dict[date, dict[str, Any]] = {
        first + timedelta(days=i): {
            "visits": 0,
            "visitors": set(),
            "seconds": 0.0,
            "requests": 0,
            "answered": 0,
            "missed": 0,
            "answer_seconds": [],
            "meetings": 0,
        }
        for i in range(days)
    }
    visits = (
        await db.exec(
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
    ).all()
    for visit in visits:
        row = rows.get(_day(visit.started_at, zone))
        if row is None:
            continue
        row["visits"] += 1
        row["visitors"].add(
            visit.visitor_id if visit.visitor_id is not None else f"anon:{visit.id}"
        )
        row["seconds"] += (visit.last_seen_at - visit.started_at).total_seconds()
    requests = (
        await db.exec(
            select(ContactRequest).where(
                ContactRequest.stand_id == stand.id, ContactRequest.created_at >= since
            )
        )
    ).all()
    for request in requests:
        row = rows.get(_day(request.created_at, zone))
        if row is None:
            continue
        row["requests"] += 1
        if request.state is ContactState.answered and request.answered_at is not None:
            row["answered"] += 1
            row["answer_seconds"].append((request.answered_at - request.created_at).total_seconds())
        elif request.state is ContactState.missed:
            row["missed"] += 1
    meetings = (
        await db.exec(
            select(Meeting)
            .join(Lead, col(Lead.id) == Meeting.lead_id)
            .where(Lead.stand_id == stand.id, Meeting.created_at >= since)
        )
    ).all()
    for meeting in meetings:
        row = rows.get(_day(meeting.created_at, zone))
        if row is not None:
            row["meetings"] += 1
    leads = (await db.exec(select(Lead.id).where(Lead.stand_id == stand.id))).all()
    scans = (
        await db.exec(
            select(LeadEvent).where(
                col(LeadEvent.lead_id).in_(leads),
                LeadEvent.kind == "badge_scan",
                LeadEvent.at >= since,
            )
        )
    ).all()
    scans_by_day: dict[date, int] = defaultdict(int)
    for scan in scans:
        scans_by_day[_day(scan.at, zone)] += 1
    return {
        "stand": stand.slug,
        "tz": tz,
        "days": [
            {
                "date": day.isoformat(),
                "visits": row["visits"],
                "unique_visitors": len(row["visitors"]),
                "minutes_on_stand": round(row["seconds"] / 60, 1),
                "contact_requests": row["requests"],
                "answered": row["answered"],
                "missed": row["missed"],
                "median_seconds_to_answer": round(median(row["answer_seconds"]), 1)
                if row["answer_seconds"]
                else None,
                "meetings_booked": row["meetings"],
                "badge_scans": scans_by_day.get(day, 0),
            }
            for day, row in sorted(rows.items())
        ],
    }
