"""Time zones: parse IANA names strictly and show an instant in a zone with its abbreviation."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from server.errors import Invalid

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_zone(name: str, *, field: str = "tz") -> ZoneInfo:
    """The ZoneInfo for an IANA name, or `Invalid` naming `field` and the reason."""
    if not name or len(name) > 64:
        raise Invalid(f"{field}: expected an IANA time zone such as Europe/Moscow", field=field)
    try:
        return _zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"{field}: unknown time zone {name!r}; expected an IANA name such as Asia/Jakarta",
            field=field,
        ) from None


def zone_names() -> list[str]:
    """Every IANA zone this machine knows, sorted (for pickers)."""
    return sorted(z for z in available_timezones() if "/" in z or z == "UTC")


def utc_z(instant: datetime) -> str:
    """An instant as RFC 3339 UTC with a `Z` (the API's form of a stored instant)."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_offset(offset: timedelta | None) -> str:
    """+07:00, -03:00, +05:45 (never a bare Z: these are local offsets)."""
    minutes = int((offset or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def local_iso(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).isoformat(timespec="seconds")


def local_times(start: datetime, end: datetime, zone: ZoneInfo) -> dict[str, str]:
    """Start and end of an interval as seen in `zone`, with the abbreviation and UTC offset
    in force at each end (they differ when the interval crosses a DST change)."""
    local_start = start.astimezone(zone)
    local_end = end.astimezone(zone)
    return {
        "tz": zone.key,
        "start": local_start.isoformat(timespec="seconds"),
        "end": local_end.isoformat(timespec="seconds"),
        "abbr": local_start.tzname() or "",
        "utc_offset": format_offset(local_start.utcoffset()),
        "end_abbr": local_end.tzname() or "",
        "end_utc_offset": format_offset(local_end.utcoffset()),
    }


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def parse_local_date(value: str, *, field: str = "date") -> date:
    """A YYYY-MM-DD calendar date, or `Invalid` naming the field (2026-02-30 is refused)."""
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(
            f"{field}: {value!r} is not a calendar date in the form YYYY-MM-DD", field=field
        ) from None
