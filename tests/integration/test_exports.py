"""iCalendar, frab schedule.json and JSON-LD, read back the way real clients read them."""

from datetime import UTC, datetime

import httpx
import icalendar
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import FakeClock
from server.program import service
from server.program.models import Session, SessionStatus, SessionUpdate
from tests.factories import load_program, program_doc, session_doc

PARIS = {"city": {"en": "Paris", "ru": "Париж"}, "tz": "Europe/Paris"}
VISIT = {
    "type": "site_visit",
    "format": "onsite",
    "capacity": {"onsite": 40},
    "departure": {"point": {"en": "Gate B", "ru": "Вход Б"}, "at": "2027-03-27T09:00"},
}


@pytest.fixture
async def forum(db: AsyncSession, clock: FakeClock) -> None:
    await load_program(
        db,
        clock,
        program_doc(
            session_doc(
                "round-table",
                "2027-03-26T10:00",
                "2027-03-26T11:30",
                type="round_table",
                capacity={"onsite": 30, "online": 500},
                cast=[{"person": "anna", "role": "moderator"}],
            ),
            # Paris on the day Europe moves its clocks (01:00 UTC, 28 March 2027).
            session_doc(
                "paris",
                "2027-03-28T11:00",
                "2027-03-28T11:45",
                host=PARIS,
                format="online",
                venue="channel",
            ),
            session_doc("plant", "2027-03-27T10:00", "2027-03-27T14:00", **VISIT),
            session_doc(
                "closed",
                "2027-03-26T15:00",
                "2027-03-26T17:00",
                type="expert_session",
                access="invite_only",
            ),
        ),
    )


def api_instants(program: dict) -> dict[str, tuple[datetime, datetime]]:
    def parse(value: str) -> datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    return {
        s["uid"]: (parse(s["starts_at"]), parse(s["ends_at"]))
        for day in program["days"]
        for s in day["sessions"]
    }


async def test_ics_events_start_and_end_at_the_apis_instants(
    client: httpx.AsyncClient, forum: None
) -> None:
    program = (await client.get("/api/v1/forums/test-forum/program")).json()
    response = await client.get("/api/v1/forums/test-forum/program.ics")

    calendar = icalendar.Calendar.from_ical(response.content)
    events = {
        str(e["UID"]).removesuffix("@pavilion"): (e.decoded("DTSTART"), e.decoded("DTEND"))
        for e in calendar.walk("VEVENT")
    }
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert events == api_instants(program)


async def test_ics_states_times_in_the_host_zone_with_a_vtimezone_for_each(
    client: httpx.AsyncClient, forum: None
) -> None:
    calendar = icalendar.Calendar.from_ical(
        (await client.get("/api/v1/forums/test-forum/program.ics")).content
    )

    used = {e["DTSTART"].params["TZID"] for e in calendar.walk("VEVENT")}
    defined = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    paris = next(e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == "Session paris")
    assert used == {"Europe/Moscow", "Europe/Paris"}
    assert defined == used
    assert paris.decoded("DTSTART").isoformat() == "2027-03-28T11:00:00+02:00"


async def test_ics_uid_is_stable_and_sequence_rises_when_a_session_moves(
    client: httpx.AsyncClient, forum: None, db: AsyncSession, clock: FakeClock
) -> None:
    def uid_and_sequence(body: bytes) -> dict[str, int]:
        cal = icalendar.Calendar.from_ical(body)
        return {str(e["UID"]): int(e["SEQUENCE"]) for e in cal.walk("VEVENT")}

    before = uid_and_sequence((await client.get("/api/v1/forums/test-forum/program.ics")).content)
    forum_row = await service.get_forum(db, "test-forum")
    paris = (await db.exec(select(Session).where(Session.slug == "paris"))).one()
    await service.update_session(
        db,
        clock,
        forum_row,
        paris,
        SessionUpdate(
            starts_at=datetime(2027, 3, 28, 9, 10, tzinfo=UTC),
            ends_at=datetime(2027, 3, 28, 9, 55, tzinfo=UTC),
        ),
    )
    await service.update_session(
        db, clock, forum_row, paris, SessionUpdate(status=SessionStatus.delayed)
    )
    await db.commit()

    after = uid_and_sequence((await client.get("/api/v1/forums/test-forum/program.ics")).content)

    paris_uid = f"{paris.uid}@pavilion"
    assert set(after) == set(before)
    assert after == {**before, paris_uid: before[paris_uid] + 2}


async def test_an_unchanged_update_keeps_the_sequence(
    db: AsyncSession, clock: FakeClock, forum: None
) -> None:
    forum_row = await service.get_forum(db, "test-forum")
    paris = (await db.exec(select(Session).where(Session.slug == "paris"))).one()

    await service.update_session(
        db, clock, forum_row, paris, SessionUpdate(status=SessionStatus.scheduled)
    )

    assert paris.sequence == 0


async def test_one_session_ics_is_an_attachment_with_that_event_only(
    client: httpx.AsyncClient, forum: None
) -> None:
    program = (await client.get("/api/v1/forums/test-forum/program")).json()
    paris = next(s for d in program["days"] for s in d["sessions"] if s["slug"] == "paris")

    response = await client.get(f"/api/v1/forums/test-forum/sessions/{paris['id']}.ics")

    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert response.headers["content-disposition"] == 'attachment; filename="test-forum-paris.ics"'
    assert [str(e["UID"]) for e in events] == [f"{paris['uid']}@pavilion"]


FRAB_EVENT_FIELDS = {
    "guid",
    "id",
    "date",
    "start",
    "duration",
    "room",
    "slug",
    "url",
    "title",
    "subtitle",
    "track",
    "type",
    "language",
    "abstract",
    "description",
    "persons",
    "links",
    "attachments",
    "recording_license",
    "do_not_record",
    "logo",
}


async def test_schedule_json_has_every_frab_field(client: httpx.AsyncClient, forum: None) -> None:
    schedule = (await client.get("/api/v1/forums/test-forum/schedule.json")).json()["schedule"]
    conference = schedule["conference"]
    events = [e for day in conference["days"] for room in day["rooms"].values() for e in room]

    assert {
        "acronym",
        "title",
        "start",
        "end",
        "daysCount",
        "timeslot_duration",
        "time_zone_name",
        "rooms",
        "days",
    } <= set(conference)
    assert [d["date"] for d in conference["days"]] == ["2027-03-26", "2027-03-27", "2027-03-28"]
    assert {"index", "date", "day_start", "day_end", "rooms"} == set(conference["days"][0])
    assert len(events) == 4
    for event in events:
        assert set(event) == FRAB_EVENT_FIELDS


async def test_schedule_json_dates_carry_the_offset_and_durations_are_hh_mm(
    client: httpx.AsyncClient, forum: None
) -> None:
    conference = (await client.get("/api/v1/forums/test-forum/schedule.json")).json()["schedule"][
        "conference"
    ]
    events = {
        e["slug"]: e for day in conference["days"] for room in day["rooms"].values() for e in room
    }

    paris = events["test-forum-paris"]
    table = events["test-forum-round-table"]
    assert (paris["date"], paris["start"], paris["duration"], paris["room"]) == (
        "2027-03-28T12:00:00+03:00",
        "12:00",
        "00:45",
        "Channel 1",
    )
    assert (table["duration"], table["persons"][0]["public_name"], table["type"]) == (
        "01:30",
        "Anna Orlova",
        "round_table",
    )


async def test_jsonld_is_an_event_series_with_attendance_modes_and_capacities(
    client: httpx.AsyncClient, forum: None
) -> None:
    response = await client.get("/api/v1/forums/test-forum/jsonld")
    body = response.json()
    events = {e["name"]: e for e in body["subEvent"]}

    assert response.headers["content-type"] == "application/ld+json"
    assert (body["@context"], body["@type"]) == ("https://schema.org", "EventSeries")
    table = events["Session round-table"]
    assert table["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert [loc["@type"] for loc in table["location"]] == ["Place", "VirtualLocation"]
    assert (table["maximumPhysicalAttendeeCapacity"], table["maximumVirtualAttendeeCapacity"]) == (
        30,
        500,
    )
    paris = events["Session paris"]
    assert paris["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert [loc["@type"] for loc in paris["location"]] == ["VirtualLocation"]
    plant = events["Session plant"]
    assert plant["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert plant["maximumPhysicalAttendeeCapacity"] == 40
    assert "maximumVirtualAttendeeCapacity" not in plant
