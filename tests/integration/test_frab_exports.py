"""schedule.json and schedule.xml (frab) and the JSON-LD, read back by validators and readers
nobody here wrote: voc/schedule's JSON schema and XSD (vendored in tests/data/voc-schedule/,
see its README), schedule-convert's frab XML importer, and the checks conference apps make."""

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import httpx
import jsonschema
import pytest
import xmlschema
import yaml
from schedule_convert.importers import FrabXmlImporter
from sqlmodel.ext.asyncio.session import AsyncSession

from server.cli import DEMO_FORUM
from server.clock import FakeClock
from server.errors import Invalid
from tests.factories import load_program, program_doc, session_doc

VOC = Path(__file__).parent.parent / "data" / "voc-schedule"
SCHEDULE = "/api/v1/forums/demo-forum/schedule"


@pytest.fixture
async def demo(db: AsyncSession, clock: FakeClock) -> None:
    await load_program(db, clock, yaml.safe_load(DEMO_FORUM.read_text(encoding="utf-8")))


def json_errors(document: dict[str, Any]) -> list[str]:
    schema = json.loads((VOC / "schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft6Validator(schema, format_checker=jsonschema.FormatChecker())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def api_instants(program: dict[str, Any]) -> dict[str, tuple[datetime, datetime]]:
    def parse(value: str) -> datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    return {
        s["uid"]: (parse(s["starts_at"]), parse(s["ends_at"]))
        for day in program["days"]
        for s in day["sessions"]
    }


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_schedule_json_is_valid_against_the_schema_it_declares(
    client: httpx.AsyncClient, demo: None, lang: str
) -> None:
    document = (await client.get(f"{SCHEDULE}.json?lang={lang}")).json()

    assert document["$schema"] == "https://c3voc.de/schedule/schema.json"
    assert json_errors(document) == []


async def test_schedule_json_persons_are_frab_persons_with_their_public_names(
    client: httpx.AsyncClient, demo: None
) -> None:
    document = (await client.get(f"{SCHEDULE}.json")).json()
    conference = document["schedule"]["conference"]
    persons = [
        p
        for day in conference["days"]
        for room in day["rooms"].values()
        for event in room
        for p in event["persons"]
    ]

    assert persons
    assert {frozenset(p) for p in persons} == {
        frozenset({"id", "guid", "public_name", "biography", "role"})
    }
    assert conference["acronym"] == "demo_forum"


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_schedule_xml_is_valid_against_the_frab_xsd(
    client: httpx.AsyncClient, demo: None, lang: str
) -> None:
    response = await client.get(f"{SCHEDULE}.xml?lang={lang}")

    schema = xmlschema.XMLSchema(VOC / "schedule.xml.xsd")
    errors = [str(e.reason) for e in schema.iter_errors(response.text)]
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml"
    assert errors == []


async def test_schedule_xml_is_recognised_by_giggity_and_schedule_convert(
    client: httpx.AsyncClient, demo: None
) -> None:
    body = (await client.get(f"{SCHEDULE}.xml")).text

    # Giggity picks its Pentabarf parser from the first KiB; schedule-convert from 5000 chars.
    head = body[:1024].lower()
    assert "<schedule" in head and "<conference" in head
    assert FrabXmlImporter().check(body[:5000])


async def test_schedule_convert_reads_every_session_at_the_apis_instants(
    client: httpx.AsyncClient, demo: None
) -> None:
    program = (await client.get("/api/v1/forums/demo-forum/program?lang=en")).json()
    body = (await client.get(f"{SCHEDULE}.xml?lang=en")).content

    conference = FrabXmlImporter().parse(io.BytesIO(body))
    conference.prepare()

    read = {
        str(e.guid): (
            e.start.astimezone(UTC),
            e.start.astimezone(UTC) + timedelta(minutes=e.duration),
        )
        for e in conference.events
    }
    assert conference.title == "Crossroads 2027 International Industrial Forum"
    assert read == api_instants(program)


async def test_schedule_convert_reads_titles_rooms_and_speakers(
    client: httpx.AsyncClient, demo: None
) -> None:
    program = (await client.get("/api/v1/forums/demo-forum/program?lang=ru")).json()
    body = (await client.get(f"{SCHEDULE}.xml?lang=ru")).content

    conference = FrabXmlImporter().parse(io.BytesIO(body))

    read = {
        str(e.guid): (e.title, e.room.name, sorted(s.name for s in e.speakers))
        for e in conference.events
    }
    expected = {
        s["uid"]: (
            s["title"],
            s["venue"]["name"] if s["venue"] else s["host"]["city"],
            sorted(p["name"] for p in s["speakers"]),
        )
        for day in program["days"]
        for s in day["sessions"]
    }
    assert read == expected


def giggity_instants(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    """Events' times as Giggity's PentabarfParser reads them (app/src/main/java/net/gaast/
    giggity/Schedule.java): the `<day>`'s date at 06:00, the event's `start` on it, the next
    morning when that is earlier; then `duration` on top. Local times in the forum's zone."""
    root = ElementTree.fromstring(body)
    zone = ZoneInfo(root.findtext("conference/time_zone_name", ""))
    read = {}
    for day in root.iter("day"):
        day_change = datetime.fromisoformat(day.get("date", "")).replace(hour=6, tzinfo=zone)
        for event in day.iter("event"):
            hours, minutes = (int(n) for n in event.findtext("start", "").split(":"))
            start = day_change.replace(hour=hours, minute=minutes)
            if start < day_change:
                start += timedelta(days=1)
            hours, minutes = (int(n) for n in event.findtext("duration", "").split(":"))
            end = start + timedelta(hours=hours, minutes=minutes)
            read[event.get("guid", "")] = (start.astimezone(UTC), end.astimezone(UTC))
    return read


async def test_giggity_reads_sessions_after_midnight_on_the_right_morning(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock
) -> None:
    await load_program(
        db,
        clock,
        program_doc(
            session_doc("late", "2027-03-26T23:30", "2027-03-27T00:45"),
            session_doc("dawn", "2027-03-27T01:00", "2027-03-27T02:00"),
            session_doc("morning", "2027-03-27T06:00", "2027-03-27T07:00"),
        ),
    )
    program = (await client.get("/api/v1/forums/test-forum/program")).json()

    body = (await client.get("/api/v1/forums/test-forum/schedule.xml")).content

    root = ElementTree.fromstring(body)
    days = {e.findtext("slug"): d.get("date") for d in root.iter("day") for e in d.iter("event")}
    assert days == {
        "test-forum-late": "2027-03-26",
        "test-forum-dawn": "2027-03-26",
        "test-forum-morning": "2027-03-27",
    }
    assert giggity_instants(body) == api_instants(program)


async def test_schedule_xml_is_documented_in_openapi(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()

    operation = spec["paths"]["/api/v1/forums/{forum}/schedule.xml"]["get"]
    assert list(operation["responses"]["200"]["content"]) == ["application/xml"]
    assert {p["name"] for p in operation["parameters"]} == {"forum", "lang"}


# --- schema.org JSON-LD ---------------------------------------------------------------------

ORGANIZER = {"name": {"en": "Kazan Forum Directorate", "ru": "Дирекция форума"}}
COVER = "https://forum.example/cover.jpg"
PAVILION = "http://pavilion.test/"


def jsonld_program(**forum: Any) -> dict[str, Any]:
    doc = program_doc(
        session_doc("open", "2027-03-26T10:00", "2027-03-26T11:00", capacity={"onsite": 30}),
        session_doc(
            "stream",
            "2027-03-26T12:00",
            "2027-03-26T13:00",
            format="online",
            venue="channel",
            cast=[{"person": "anna", "role": "speaker"}],
        ),
        session_doc(
            "closed",
            "2027-03-26T15:00",
            "2027-03-26T17:00",
            access="invite_only",
            type="expert_session",
        ),
        **forum,
    )
    doc["venues"][0]["address"] = {"en": "12 Factory Street", "ru": "Заводская улица, 12"}
    doc["people"][0]["photo_url"] = "https://forum.example/anna.jpg"
    return doc


async def jsonld_of(client: httpx.AsyncClient, lang: str = "en") -> dict[str, Any]:
    response = await client.get(f"/api/v1/forums/test-forum/jsonld?lang={lang}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def by_name(series: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"].removeprefix("Session "): e for e in series["subEvent"]}


def offer(url: str, availability: str) -> dict[str, Any]:
    return {
        "@type": "Offer",
        "price": 0,
        "availability": f"https://schema.org/{availability}",
        "url": url,
    }


async def test_jsonld_names_the_organiser_and_the_picture_on_the_forum_and_each_session(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock
) -> None:
    organizer = {**ORGANIZER, "url": "https://forum.example/"}
    await load_program(db, clock, jsonld_program(organizer=organizer, image=COVER))

    english, russian = await jsonld_of(client, "en"), await jsonld_of(client, "ru")

    expected = {
        "@type": "Organization",
        "name": "Kazan Forum Directorate",
        "url": "https://forum.example/",
    }
    assert (english["organizer"], english["image"]) == (expected, [COVER])
    assert russian["organizer"]["name"] == "Дирекция форума"
    assert [(e["organizer"], e["image"]) for e in english["subEvent"]] == [(expected, [COVER])] * 3


async def test_jsonld_drops_the_organiser_and_the_picture_once_the_program_names_none(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock
) -> None:
    await load_program(db, clock, jsonld_program(organizer=ORGANIZER, image=COVER))
    before = await jsonld_of(client)
    await load_program(db, clock, jsonld_program())

    after = await jsonld_of(client)

    assert ("organizer" in before, "image" in before) == (True, True)
    events = [after, *after["subEvent"]]
    assert [{"organizer", "image"} & set(e) for e in events] == [set()] * 4


async def test_jsonld_offers_free_registration_and_a_closed_session_is_not_free_to_attend(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock
) -> None:
    await load_program(db, clock, jsonld_program())

    series = await jsonld_of(client)

    events = by_name(series)
    assert (series["isAccessibleForFree"], series["offers"]) == (
        True,
        offer(f"{PAVILION}?forum=test-forum", "InStock"),
    )
    assert {name: (e["isAccessibleForFree"], e.get("offers")) for name, e in events.items()} == {
        "open": (True, offer(events["open"]["url"], "LimitedAvailability")),
        "stream": (True, offer(events["stream"]["url"], "InStock")),
        "closed": (False, None),
    }
    assert events["open"]["url"].startswith(f"{PAVILION}?forum=test-forum&session=")


async def test_jsonld_addresses_are_postal_addresses_inside_places(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock
) -> None:
    await load_program(db, clock, jsonld_program())

    series = await jsonld_of(client)

    events = by_name(series)
    assert series["location"][0] == {
        "@type": "Place",
        "name": "Kazan",
        "address": {"@type": "PostalAddress", "addressLocality": "Kazan"},
    }
    assert events["open"]["location"][0] == {
        "@type": "Place",
        "name": "Hall A",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "12 Factory Street",
            "addressLocality": "Kazan",
        },
        "maximumAttendeeCapacity": 300,
    }
    assert [loc["@type"] for loc in events["stream"]["location"]] == ["VirtualLocation"]


async def test_jsonld_performers_carry_their_photo(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock
) -> None:
    await load_program(db, clock, jsonld_program())

    events = by_name(await jsonld_of(client))

    assert events["stream"]["performer"] == [
        {"@type": "Person", "name": "Anna Orlova", "image": "https://forum.example/anna.jpg"}
    ]


async def test_a_program_file_refuses_an_image_that_is_not_a_web_address(
    db: AsyncSession, clock: FakeClock
) -> None:
    with pytest.raises(Invalid) as refused:
        await load_program(db, clock, jsonld_program(image="cover.jpg"))

    assert refused.value.details["field"] == "forum.image"
    assert str(refused.value).startswith("forum.image: String should match pattern")
