"""The time zone definitions every .ics carries (server/calendars.py): only the changes around the
calendar's own instants, one component each, onsets in the offset they leave."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from server.calendars import ics, vtimezone


def _components(tz: icalendar.Timezone) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            part.name,
            _text(part["DTSTART"]),
            _text(part["TZOFFSETFROM"]),
            _text(part["TZOFFSETTO"]),
            str(part["TZNAME"]),
        )
        for part in tz.subcomponents
    ]


def _text(value: Any) -> str:
    """A property's value as written in the file."""
    written = value.to_ical()
    return written.decode() if isinstance(written, bytes) else written


def test_berlin_is_described_by_the_changes_around_the_date_with_onsets_in_the_old_offset() -> None:
    meeting = datetime(2027, 3, 29, 8, 0, tzinfo=UTC)  # 10:00 in Berlin, the day after the change

    tz = vtimezone("Europe/Berlin", meeting, meeting)

    assert _components(tz) == [  # the change in force, and the next one
        ("DAYLIGHT", "20270328T020000", "+0100", "+0200", "CEST"),
        ("STANDARD", "20271031T030000", "+0200", "+0100", "CET"),
    ]
    assert not any("RDATE" in part or "RRULE" in part for part in tz.subcomponents)


def test_a_span_across_several_changes_lists_each_once() -> None:
    tz = vtimezone(
        "America/New_York",
        datetime(2027, 3, 12, 15, 0, tzinfo=UTC),
        datetime(2027, 11, 8, 15, 0, tzinfo=UTC),
    )

    assert _components(tz) == [
        ("STANDARD", "20261101T020000", "-0400", "-0500", "EST"),
        ("DAYLIGHT", "20270314T020000", "-0500", "-0400", "EDT"),
        ("STANDARD", "20271107T020000", "-0400", "-0500", "EST"),
        ("DAYLIGHT", "20280312T020000", "-0500", "-0400", "EDT"),
    ]


def test_a_zone_without_changes_is_one_observance_and_utc_needs_none() -> None:
    cal = icalendar.Calendar()
    for uid, start in (
        ("tokyo", datetime(2027, 3, 29, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))),
        ("utc", datetime(2027, 3, 29, 10, 0, tzinfo=UTC)),
    ):
        event = icalendar.Event()
        event.add("uid", uid)
        event.add("dtstart", start)
        cal.add_component(event)

    zones = icalendar.Calendar.from_ical(ics(cal)).walk("VTIMEZONE")

    assert [str(tz["TZID"]) for tz in zones] == ["Asia/Tokyo"]
    assert _components(zones[0]) == [("STANDARD", "20260328T100000", "+0900", "+0900", "JST")]
