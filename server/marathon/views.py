"""JSON shapes of plans and stored marathons (the HTTP planner and the CLI print the same)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.instants import instant
from server.marathon.planner import Plan
from server.program.models import SessionStatus
from server.program.runner import status_at
from server.zones import local_iso, local_times


def plan_json(plan: Plan) -> dict[str, Any]:
    """The planner's answer (DESIGN.md section 9), with each idle gap spelled out."""
    relay = plan.relay
    hub_zone = ZoneInfo(relay.hub_tz)
    hub_start, hub_end = relay.hub_interval()
    segments = []
    for position, segment in enumerate(plan.segments, start=1):
        zone = ZoneInfo(segment.host.tz)
        segments.append(
            {
                "position": position,
                "city": segment.host.city,
                "tz": segment.host.tz,
                "minutes": int((segment.end - segment.start).total_seconds() // 60),
                "window": str(segment.host.window),
                "fixed": segment.host.position is not None,
                "utc_start": instant(segment.start),
                "utc_end": instant(segment.end),
                "local_start": local_iso(segment.start, zone),
                "local_end": local_iso(segment.end, zone),
                "local_abbr": segment.start.astimezone(zone).tzname() or "",
                "local_end_abbr": segment.end.astimezone(zone).tzname() or "",
                "hub_start": local_iso(segment.start, hub_zone),
                "hub_end": local_iso(segment.end, hub_zone),
                "idle_before_minutes": segment.idle_before_minutes,
            }
        )
    return {
        "date": relay.day.isoformat(),
        "hub": {
            "tz": relay.hub_tz,
            "window": str(relay.hub_window),
            "start": instant(hub_start),
            "end": instant(hub_end),
        },
        "gap_minutes": relay.gap_minutes,
        "segments": segments,
        "gaps": _gaps(plan),
        "idle_minutes": plan.idle_minutes,
        "span_minutes": plan.span_minutes,
    }


def _gaps(plan: Plan) -> list[dict[str, Any]]:
    """Stretches of the stream with nobody on air beyond the handover gap."""
    gaps = []
    for before, after in zip(plan.segments, plan.segments[1:], strict=False):
        if after.idle_before_minutes > 0:
            gaps.append(
                {
                    "after": before.host.city,
                    "before": after.host.city,
                    "utc_start": instant(before.end),
                    "utc_end": instant(after.start),
                    "minutes": after.idle_before_minutes,
                }
            )
    return gaps


@dataclass(frozen=True)
class SegmentRow:
    """A stored segment with what its session says about it, in the viewer's language."""

    id: int
    session_id: int
    position: int
    fixed_position: int | None
    window: str
    minutes: int
    city: str
    title: str
    tz: str
    starts_at: datetime
    ends_at: datetime
    cancelled: bool


def segment_json(row: SegmentRow, now: datetime, viewer: ZoneInfo, hub: ZoneInfo) -> dict[str, Any]:
    status = (
        SessionStatus.cancelled if row.cancelled else status_at(row.starts_at, row.ends_at, now)
    )
    return {
        "id": row.id,
        "session": row.session_id,
        "position": row.position,
        "fixed_position": row.fixed_position,
        "city": row.city,
        "title": row.title,
        "status": status.value,
        "starts_at": instant(row.starts_at),
        "ends_at": instant(row.ends_at),
        "minutes": int((row.ends_at - row.starts_at).total_seconds() // 60),
        "planned_minutes": row.minutes,
        "window": row.window,
        "viewer": local_times(row.starts_at, row.ends_at, viewer),
        "host": {"city": row.city, **local_times(row.starts_at, row.ends_at, ZoneInfo(row.tz))},
        "hub": local_times(row.starts_at, row.ends_at, hub),
    }


def live_and_next(
    rows: list[SegmentRow], now: datetime
) -> tuple[int | None, dict[str, Any] | None]:
    """The segment on air now, and the next one to start (with minutes until it does)."""
    running = [r for r in rows if not r.cancelled]
    live = next((r.id for r in running if r.starts_at <= now < r.ends_at), None)
    upcoming = sorted((r for r in running if r.starts_at > now), key=lambda r: r.starts_at)
    if not upcoming:
        return live, None
    first = upcoming[0]
    seconds = (first.starts_at - now).total_seconds()
    return live, {
        "segment": first.id,
        "city": first.city,
        "starts_at": instant(first.starts_at),
        "starts_in_minutes": int(-(-seconds // 60)),
    }
