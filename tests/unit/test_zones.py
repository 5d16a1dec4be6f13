from datetime import UTC, datetime

import pytest

from server.errors import Invalid
from server.zones import local_instant, local_times, parse_local_date, parse_zone


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "../../etc/passwd", "", "Europe/", "x" * 65])
def test_parse_zone_refuses_what_is_not_an_iana_zone_and_names_the_field(name: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_zone(name, field="tz")
    assert caught.value.details == {"field": "tz"}
    assert caught.value.message.startswith("tz: ")


def test_local_times_show_the_abbreviation_in_force_at_each_end_across_a_dst_change() -> None:
    # Europe moves its clocks at 01:00 UTC on Sunday 28 March 2027.
    start = datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
    end = datetime(2027, 3, 28, 1, 30, tzinfo=UTC)

    shown = local_times(start, end, parse_zone("Europe/Berlin"))

    assert shown == {
        "tz": "Europe/Berlin",
        "start": "2027-03-28T01:30:00+01:00",
        "end": "2027-03-28T03:30:00+02:00",
        "abbr": "CET",
        "utc_offset": "+01:00",
        "end_abbr": "CEST",
        "end_utc_offset": "+02:00",
    }


def test_local_times_give_negative_and_half_hour_offsets() -> None:
    start = datetime(2027, 3, 28, 13, 0, tzinfo=UTC)
    end = datetime(2027, 3, 28, 13, 45, tzinfo=UTC)

    buenos_aires = local_times(start, end, parse_zone("America/Argentina/Buenos_Aires"))
    kathmandu = local_times(start, end, parse_zone("Asia/Kathmandu"))

    assert (buenos_aires["start"], buenos_aires["utc_offset"]) == (
        "2027-03-28T10:00:00-03:00",
        "-03:00",
    )
    assert (kathmandu["start"], kathmandu["utc_offset"]) == ("2027-03-28T18:45:00+05:45", "+05:45")


@pytest.mark.parametrize(
    "value", ["2027-02-30", "2027-13-01", "20270328", "28.03.2027", "2027-03-28T00:00"]
)
def test_parse_local_date_refuses_impossible_or_malformed_dates(value: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_local_date(value)
    assert caught.value.details == {"field": "date"}


def test_parse_local_date_reads_a_calendar_date() -> None:
    assert parse_local_date("2028-02-29").isoformat() == "2028-02-29"


def test_local_instant_converts_host_wall_time_to_utc() -> None:
    assert local_instant("2027-03-28T12:00", "Asia/Jakarta", field="start") == datetime(
        2027, 3, 28, 5, 0, tzinfo=UTC
    )


def test_local_instant_keeps_an_explicit_offset() -> None:
    assert local_instant("2027-03-28T12:00:00+02:00", "Asia/Jakarta", field="start") == datetime(
        2027, 3, 28, 10, 0, tzinfo=UTC
    )


def test_local_instant_refuses_the_hour_that_clocks_skip() -> None:
    with pytest.raises(Invalid, match="does not exist in Europe/Berlin"):
        local_instant("2027-03-28T02:30", "Europe/Berlin", field="sessions.0.start")


def test_local_instant_refuses_the_hour_that_clocks_repeat() -> None:
    with pytest.raises(Invalid, match="happens twice in Europe/Berlin") as caught:
        local_instant("2026-10-25T02:30", "Europe/Berlin", field="sessions.0.start")
    assert caught.value.details == {"field": "sessions.0.start"}
