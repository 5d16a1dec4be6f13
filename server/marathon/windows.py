"""Local working windows ("09:00-21:00", "18:00-02:00+1") and the UTC intervals they cover.

A window is a daily wall-clock range in a place's zone. Turning it into instants is where
DST bites: on the night clocks go forward a wall time may not exist, and on the night they go
back it may happen twice. A window edge that does not exist moves to the instant the clocks
jump; a repeated one is read generously (the earlier reading for a start, the later for an end),
so "inside working hours" holds under either reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.errors import Invalid

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})(\s*\+1)?\s*$")
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Window:
    """A daily local time range; `end_minute` may pass 1440 when the window ends after midnight."""

    start_minute: int
    end_minute: int

    @property
    def minutes(self) -> int:
        return self.end_minute - self.start_minute

    def __str__(self) -> str:
        suffix = "+1" if self.end_minute > MINUTES_PER_DAY else ""
        end = self.end_minute if suffix == "" else self.end_minute - MINUTES_PER_DAY
        return f"{_hhmm(self.start_minute)}-{_hhmm(end)}{suffix}"


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_window(text: str, *, field: str) -> Window:
    """`09:00-21:00`; a window ending after midnight says so: `18:00-02:00+1`; `00:00-24:00`
    is the whole day. An end before the start without `+1` is refused, as it is usually a typo."""
    match = _WINDOW.match(text or "")
    if match is None:
        raise Invalid(
            f"{field}: {text!r} is not a window like 09:00-21:00 (or 18:00-02:00+1 when it "
            "ends after midnight)",
            field=field,
        )
    h1, m1, h2, m2, next_day = match.groups()
    start, end = int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)
    if int(h1) > 23 or int(m1) > 59 or int(m2) > 59 or end > MINUTES_PER_DAY:
        raise Invalid(f"{field}: {text!r} has a time that is not on a clock", field=field)
    if next_day:
        end += MINUTES_PER_DAY
        if end - start > MINUTES_PER_DAY:
            raise Invalid(f"{field}: {text!r} is longer than a day", field=field)
    elif end <= start:
        raise Invalid(
            f"{field}: {text!r} ends before it starts; write {_hhmm(start)}-{_hhmm(end)}+1 "
            "if it is meant to end after midnight",
            field=field,
        )
    return Window(start, end)


def wall_to_utc(day: date, minute: int, zone: ZoneInfo, *, late: bool) -> datetime:
    """The instant a wall clock in `zone` shows `minute` minutes after midnight of `day`.

    A time the clocks skip maps to the instant of the jump; a time they repeat maps to its
    first occurrence, or to its second when `late` (used for the end of a window)."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    exists = first.astimezone(zone).replace(tzinfo=None) == wall
    if exists:
        return max(first, second) if late else min(first, second)
    return _transition_between(min(first, second), max(first, second), zone)


def _transition_between(low: datetime, high: datetime, zone: ZoneInfo) -> datetime:
    """The first minute in (low, high] whose UTC offset differs from low's (the jump)."""
    before = low.astimezone(zone).utcoffset()
    lo, hi = 0, int((high - low).total_seconds() // 60)
    while lo < hi:
        mid = (lo + hi) // 2
        if (low + timedelta(minutes=mid)).astimezone(zone).utcoffset() == before:
            lo = mid + 1
        else:
            hi = mid
    return low + timedelta(minutes=lo)


def daily_intervals(
    window: Window, zone: ZoneInfo, within: tuple[datetime, datetime]
) -> list[tuple[datetime, datetime]]:
    """The parts of `within` (a UTC interval) that fall inside the window on any local day,
    merged and in order. Empty when the window never meets `within`."""
    lo, hi = within
    first_day = lo.astimezone(zone).date() - timedelta(days=2)
    last_day = hi.astimezone(zone).date()
    pieces: list[tuple[datetime, datetime]] = []
    day = first_day
    while day <= last_day:
        start = wall_to_utc(day, window.start_minute, zone, late=False)
        end = wall_to_utc(day, window.end_minute, zone, late=True)
        start, end = max(start, lo), min(end, hi)
        if start < end:
            pieces.append((start, end))
        day += timedelta(days=1)
    return _merge(pieces)


def _merge(pieces: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(pieces):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def window_on(window: Window, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The window of one local day as a UTC interval (empty, start == end, if the clocks skip
    all of it that day)."""
    start = wall_to_utc(day, window.start_minute, zone, late=False)
    end = wall_to_utc(day, window.end_minute, zone, late=True)
    return start, max(start, end)
