"""iCalendar files as the app writes them: each event stated in its zone, and that zone described
by a VTIMEZONE limited to the calendar's own dates.

Every .ics the app writes (program.ics, a session's .ics, the agenda feeds, meeting invitations)
goes out through `ics`. A zone is described only around the instants the calendar uses: the
transition in force at its first instant, the ones up to its last, and the next one after it,
each as a component of its own with one DTSTART and no RDATE or RRULE. Mozilla's ical.js
(Thunderbird) reads only the first value of a comma-separated RDATE list, so the 1970–2038
definitions python icalendar writes put summer times an hour off there; and their DAYLIGHT onsets
were stated in the new offset. Here DTSTART is the onset's wall-clock time in the offset before it
(RFC 5545 3.6.5: Europe/Berlin's spring 2027 change is DTSTART:20270328T020000,
TZOFFSETFROM:+0100, TZOFFSETTO:+0200)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import icalendar

from server.zones import parse_zone

# How far before the first instant the transition in force is looked for, and after the last
# one the next: a year reaches the previous and next change of any zone with clock changes.
REACH = timedelta(days=366)
_DAY = 86400
_TIMED = ("DTSTART", "DTEND", "DUE", "RECURRENCE-ID")


@dataclass(frozen=True)
class Observance:
    """A zone's offset, abbreviation and whether it is daylight saving time."""

    offset: timedelta
    name: str
    daylight: bool


@dataclass(frozen=True)
class Transition:
    """The zone changes from `before` to `after` at the UTC instant `at`."""

    at: datetime
    before: Observance
    after: Observance


def ics(cal: icalendar.Calendar) -> bytes:
    """The calendar as iCalendar text, with a VTIMEZONE for each TZID its events use (unless
    it describes that zone already), limited to the instants stated in that zone."""
    described = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    used = _instants_by_zone(cal)
    for tzid in sorted(used.keys() - described, reverse=True):
        instants = used[tzid]
        cal.subcomponents.insert(0, vtimezone(tzid, min(instants), max(instants)))
    return bytes(cal.to_ical())


def _instants_by_zone(cal: icalendar.Calendar) -> dict[str, list[datetime]]:
    """The instants (in UTC) stated with a TZID in the calendar's components, by TZID."""
    found: dict[str, list[datetime]] = {}
    for component in cal.walk():
        if component.name in ("VTIMEZONE", "STANDARD", "DAYLIGHT"):
            continue
        for name in _TIMED:
            value = component.get(name)
            tzid = value.params.get("TZID") if value is not None else None
            if tzid and isinstance(value.dt, datetime) and value.dt.tzinfo is not None:
                found.setdefault(str(tzid), []).append(value.dt.astimezone(UTC))
    return found


def vtimezone(tzid: str, first: datetime, last: datetime) -> icalendar.Timezone:
    """The zone `tzid` from the change in force at `first` to the first change after `last`
    (both aware instants): one STANDARD or DAYLIGHT component per change."""
    zone = parse_zone(tzid, field="tzid")
    changes = _changes_around(zone, first.astimezone(UTC).date(), last.astimezone(UTC).date())
    before = [c for c in changes if c.at <= first]
    after = [c for c in changes if c.at > last]
    kept = [c for c in changes if first < c.at <= last]
    if before:
        kept.insert(0, before[-1])
    else:  # no change for a year before: the offset in force, since the start of that year
        start = first - REACH
        state = observance(zone, start)
        kept.insert(0, Transition(start, state, state))
    kept.extend(after[:1])
    tz = icalendar.Timezone()
    tz.add("tzid", tzid)
    for change in kept:
        tz.add_component(_component(change))
    return tz


def _component(change: Transition) -> icalendar.Component:
    part = icalendar.TimezoneDaylight() if change.after.daylight else icalendar.TimezoneStandard()
    # The onset as the wall clock showed it just before: in the offset it leaves.
    onset = (change.at + change.before.offset).replace(tzinfo=None, microsecond=0)
    part.add("dtstart", onset)
    part.add("tzoffsetfrom", change.before.offset)
    part.add("tzoffsetto", change.after.offset)
    part.add("tzname", change.after.name)
    return part


@lru_cache(maxsize=256)
def _changes_around(zone: ZoneInfo, first: date, last: date) -> tuple[Transition, ...]:
    """The zone's changes from a REACH before the day `first` to a REACH after the day `last`
    (UTC days), kept: a program's .ics files ask for the same days again and again."""
    start = datetime.combine(first, time(), UTC) - REACH
    end = datetime.combine(last + timedelta(days=1), time(), UTC) + REACH
    return tuple(transitions(zone, start, end))


def observance(zone: ZoneInfo, at: datetime) -> Observance:
    local = at.astimezone(zone)
    return Observance(
        offset=local.utcoffset() or timedelta(0),
        name=local.tzname() or "",
        daylight=bool(local.dst()),
    )


def transitions(zone: ZoneInfo, start: datetime, end: datetime) -> Iterator[Transition]:
    """The zone's changes of offset, name or daylight saving between two aware instants,
    found day by day and then to the second (zones change at most once a day)."""
    at = int(start.timestamp())
    stop = int(end.timestamp())
    state = _at(zone, at)
    while at < stop:
        step = min(at + _DAY, stop)
        next_state = _at(zone, step)
        if next_state != state:
            moment = _first_second_of(zone, at, step, state)
            yield Transition(datetime.fromtimestamp(moment, UTC), state, _at(zone, moment))
        at, state = step, next_state


def _first_second_of(zone: ZoneInfo, low: int, high: int, state: Observance) -> int:
    """The first second in (low, high] at which the zone is no longer in `state`."""
    while high - low > 1:
        middle = (low + high) // 2
        if _at(zone, middle) == state:
            low = middle
        else:
            high = middle
    return high


def _at(zone: ZoneInfo, timestamp: int) -> Observance:
    return observance(zone, datetime.fromtimestamp(timestamp, UTC))
