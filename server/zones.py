"""Time zones: parse IANA names strictly, show an instant in a zone with its abbreviation, and
read a wall-clock time in a zone as an instant.

A shared kernel module (it was `server/program/zones.py`): accounts, attendance, marathons,
the editor and the showrooms all read zones, and accounts sit below the program, so the
zones cannot live in the program domain. Instants in UTC are written by `server.instants`."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


def local_instant(value: str, tz: str, *, field: str) -> datetime:
    """A wall-clock time in `tz` (or an instant with an offset) as a UTC instant.

    Refuses a local time that the clocks skip (it never happens) or repeat (it happens twice).
    """
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(
            f"{field}: {value!r} is not a date-time like 2027-03-26T10:00", field=field
        ) from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    zone = parse_zone(tz, field=field)
    early, late = parsed.replace(tzinfo=zone, fold=0), parsed.replace(tzinfo=zone, fold=1)
    instant = early.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != parsed:
        raise Invalid(f"{field}: {value} does not exist in {tz} (clocks go forward)", field=field)
    if early.utcoffset() != late.utcoffset():
        raise Invalid(
            f"{field}: {value} happens twice in {tz} (clocks go back); give an offset", field=field
        )
    return instant
