"""The program editor over HTTP: only a forum's organisers use it; every check names its field
and `check` lists what a save would refuse without storing anything; a save refuses problems
and (unless confirmed) conflicts; moves, cancellations and restorations reach the people
registered once, by notice, push and mail in their language and zone.

The test forum (Moscow, 26–28 March 2027) has Hall A (300 seats) and Channel 1, the track
"industry", Anna Orlova and Budi Santoso, and one session, "opening" (26 March 10:00–11:00
Moscow, 07:00–08:00Z, in Hall A, moderated by Anna).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import Role
from server.accounts.service import grant
from server.app import create_app
from server.clock import FakeClock
from server.editor.api import router as editor_router
from server.notices.models import Notice
from server.program.models import Forum, Session
from server.program.service import get_forum
from server.realtime.bus import MemoryBus
from server.rooms.models import ChatMessage
from server.settings import Settings
from tests.conftest import checked_bus
from tests.factories import load_program, program_doc, session_doc, signed_in
from tests.roomclient import RoomClient
from tests.servers import serve_here
from tests.smtp_server import Inbox

ORGANISER = {"Authorization": "Bearer organiser-of-the-test-forum-0123"}
MODERATOR = {"Authorization": "Bearer moderator-of-the-opening-0123"}
ATTENDEE = {"Authorization": "Bearer attendee-of-the-forum-0123456"}
FORUM = "/api/v1/forums/test-forum"
SWEEP = timedelta(seconds=6)  # past the mail sweeper's 5 s


def opening_doc() -> dict[str, Any]:
    return program_doc(
        session_doc(
            "opening",
            "2027-03-26T10:00",
            "2027-03-26T11:00",
            cast=[{"person": "anna", "role": "moderator"}],
        )
    )


def form(**changes: Any) -> dict[str, Any]:
    """A session form: a talk on 27 March 10:00–11:00 Moscow on Channel 1."""
    return {
        "slug": "new-talk",
        "title_en": "New talk",
        "title_ru": "Новый доклад",
        "type": "panel",
        "format": "hybrid",
        "venue": "channel",
        "date": "2027-03-27",
        "start": "10:00",
        "end": "11:00",
        "host_tz": "Europe/Moscow",
        "host_city_en": "Kazan",
        "host_city_ru": "Казань",
    } | changes


async def _people(db: AsyncSession, clock: FakeClock) -> dict[str, int]:
    """The organiser, the opening's moderator and an attendee, signed in; the opening's id."""
    forum = await get_forum(db, "test-forum")
    opening = (await db.exec(select(Session).where(Session.slug == "opening"))).one()
    organiser = await signed_in(db, clock, "organiser@example.org", ORGANISER)
    await grant(db, organiser, Role.organiser, forum_id=forum.id)
    moderator = await signed_in(db, clock, "moderator@example.org", MODERATOR)
    await grant(db, moderator, Role.moderator, session_id=opening.id)
    await signed_in(db, clock, "attendee@example.org", ATTENDEE)
    await db.commit()
    assert opening.id is not None
    return {"opening": opening.id}


@pytest.fixture
def bus() -> MemoryBus:
    return checked_bus()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"marathon_runner": False})


@pytest.fixture
async def client(
    settings: Settings, clock: FakeClock, db: AsyncSession, bus: MemoryBus
) -> AsyncIterator[httpx.AsyncClient]:
    """The app on the test's bus (to read what it announced)."""
    app = create_app(settings, clock=clock, bus=bus)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=transport, base_url="http://pavilion.test") as c:
            yield c


@pytest.fixture
async def ids(db: AsyncSession, clock: FakeClock) -> dict[str, int]:
    await load_program(db, clock, opening_doc())
    return await _people(db, clock)


async def _state(client: httpx.AsyncClient) -> dict[str, Any]:
    answer = await client.get(f"{FORUM}/editor", headers=ORGANISER)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def _version(db: AsyncSession) -> int:
    forum = (await db.exec(select(Forum).execution_options(populate_existing=True))).one()
    return forum.program_version


def _error(answer: httpx.Response) -> tuple[int, str, str]:
    error = answer.json()["error"]
    assert error["message"].startswith(f"{error['field']}:"), error
    return answer.status_code, error["code"], error["field"]


# --- who may use it -------------------------------------------------------------------------


def _routes() -> list[tuple[str, str, str]]:
    found = []
    for route in editor_router.routes:
        assert isinstance(route, APIRoute)
        found += [(route.name, method, route.path) for method in sorted(route.methods)]
    return sorted(found)


# A valid body for every route of the router (a route without one fails the test below), so
# that what answers is the permission check, not the body's validation.
BODIES: dict[str, dict[str, Any] | None] = {
    "editor": None,
    "update_forum": {"tagline_en": "Changed"},
    "create_venue": {"slug": "hall-b", "name_en": "Hall B", "kind": "hall"},
    "update_venue": {"seats": 10},
    "delete_venue": None,
    "create_track": {"slug": "energy", "name_ru": "Энергетика"},
    "update_track": {"color": "#000000"},
    "delete_track": None,
    "create_person": {"slug": "chen", "name_en": "Chen Wei"},
    "update_person": {"country": "KZ"},
    "delete_person": None,
    "check_session": form(),
    "create_session": form(),
    "update_session": {"title_en": "Changed"},
    "cancel_session": None,
    "restore_session": None,
    "delete_session": None,
}


@pytest.mark.parametrize(("name", "method", "path"), _routes())
async def test_only_the_forums_organisers_may_use_the_editor(
    client: httpx.AsyncClient, ids: dict[str, int], name: str, method: str, path: str
) -> None:
    before = await _state(client)
    url = path.format(
        forum="test-forum", venue="hall-a", track="industry", person="anna", session=ids["opening"]
    )
    body = BODIES[name]

    answers = {
        who: (await client.request(method, url, json=body, headers=headers)).status_code
        for who, headers in (("nobody", {}), ("attendee", ATTENDEE), ("moderator", MODERATOR))
    }

    assert answers == {"nobody": 401, "attendee": 403, "moderator": 403}
    assert await _state(client) == before


async def test_the_editor_shows_everything_with_times_in_the_host_city(
    client: httpx.AsyncClient, ids: dict[str, int]
) -> None:
    state = await _state(client)

    assert state["forum"] == {
        "slug": "test-forum",
        "name_en": "Test Forum",
        "name_ru": "Тестовый форум",
        "tagline_en": "",
        "tagline_ru": "",
        "city_en": "Kazan",
        "city_ru": "Казань",
        "tz": "Europe/Moscow",
        "starts_on": "2027-03-26",
        "ends_on": "2027-03-28",
        "url": "",
    }
    assert [v["slug"] for v in state["venues"]] == ["hall-a", "channel"]
    assert [(p["slug"], p["email"], p["linked"]) for p in state["people"]] == [
        ("anna", "", False),
        ("budi", "", False),
    ]
    (opening,) = state["sessions"]
    assert {k: opening[k] for k in ("date", "start", "end", "end_date", "venue", "cast")} == {
        "date": "2027-03-26",
        "start": "10:00",
        "end": "11:00",
        "end_date": None,
        "venue": "hall-a",
        "cast": [{"person": "anna", "role": "moderator", "presence": "onsite"}],
    }
    assert (opening["starts_at"], opening["status"], opening["registered"]) == (
        "2027-03-26T07:00:00Z",
        "scheduled",
        0,
    )


# --- every check names its field -------------------------------------------------------------

UNCHECKABLE = [
    # A wall-clock time the clocks skip or repeat in the host's zone, and an unknown zone.
    ("start", {"host_tz": "Europe/Berlin", "date": "2027-03-28", "start": "02:30", "end": "04:00"}),
    ("end", {"host_tz": "Europe/Berlin", "date": "2027-03-28", "start": "01:00", "end": "02:15"}),
    ("start", {"host_tz": "Europe/Berlin", "date": "2027-10-31", "start": "02:30", "end": "04:00"}),
    ("end", {"host_tz": "Europe/Berlin", "date": "2027-10-31", "start": "01:00", "end": "02:30"}),
    ("host_tz", {"host_tz": "Mars/Olympus_Mons"}),
    (
        "departure_time",
        {
            "host_tz": "Europe/Berlin",
            "date": "2027-03-28",
            "start": "09:00",
            "end": "12:00",
            "type": "site_visit",
            "departure_time": "02:10",
            "departure_point_en": "Main entrance",
        },
    ),
]


@pytest.mark.parametrize(("field", "changes"), UNCHECKABLE)
async def test_a_time_that_does_not_exist_or_happens_twice_is_refused_naming_its_field(
    client: httpx.AsyncClient, db: AsyncSession, ids: dict[str, int], field: str, changes: dict
) -> None:
    version = await _version(db)

    checked = await client.post(f"{FORUM}/sessions/check", json=form(**changes), headers=ORGANISER)
    created = await client.post(f"{FORUM}/sessions", json=form(**changes), headers=ORGANISER)
    moved = await client.patch(
        f"{FORUM}/sessions/{ids['opening']}", json=changes, headers=ORGANISER
    )

    assert _error(checked) == _error(created) == _error(moved) == (422, "invalid", field)
    assert await _version(db) == version
    assert len((await _state(client))["sessions"]) == 1


async def test_check_lists_every_problem_and_conflict_and_stores_nothing(
    client: httpx.AsyncClient, db: AsyncSession, bus: MemoryBus, ids: dict[str, int]
) -> None:
    before, version = await _state(client), await _version(db)
    busy = form(
        slug="opening",
        title_en="",
        title_ru="",
        venue="hall-a",
        track="nowhere",
        date="2027-03-26",
        start="10:30",
        end="10:30",
        cast=[{"person": "anna", "role": "speaker"}, {"person": "zed", "role": "expert"}],
    )
    overlapping = form(
        venue="hall-a",
        date="2027-03-26",
        start="10:30",
        end="11:30",
        capacity_onsite=301,
        cast=[{"person": "anna", "role": "speaker"}],
    )

    problems = (await client.post(f"{FORUM}/sessions/check", json=busy, headers=ORGANISER)).json()
    conflicts = await client.post(f"{FORUM}/sessions/check", json=overlapping, headers=ORGANISER)
    outside = await client.post(
        f"{FORUM}/sessions/check", json=form(date="2027-03-29"), headers=ORGANISER
    )

    assert [(p["field"], p["code"]) for p in problems["problems"]] == [
        ("slug", "taken"),
        ("title_en", "required"),
        ("end", "end_not_after_start"),
        ("track", "unknown"),
        ("cast", "unknown"),
    ]
    assert all(p["message"].startswith(f"{p['field']}: ") for p in problems["problems"])
    assert problems["conflicts"] == []
    other = {"id": ids["opening"], "title_en": "Session opening", "title_ru": "Сессия opening"}
    assert conflicts.status_code == 200
    assert conflicts.json() == {
        "problems": [],
        "conflicts": [
            {
                "code": "person_busy",
                "field": "cast",
                "message": "cast: Anna Orlova is in «Session opening» at the same time",
                "other": other,
            },
            {
                "code": "venue_busy",
                "field": "venue",
                "message": "venue: «Session opening» is in Hall A at the same time",
                "other": other,
            },
            {
                "code": "capacity_above_seats",
                "field": "capacity_onsite",
                "message": "capacity_onsite: 301 is more than the 300 seats of Hall A",
                "other": None,
            },
        ],
    }
    assert [(c["code"], c["field"]) for c in outside.json()["conflicts"]] == [
        ("outside_forum", "date")
    ]
    assert await _state(client) == before
    assert await _version(db) == version
    assert await bus.history("forum:test-forum") == []


async def test_the_session_being_edited_does_not_conflict_with_itself(
    client: httpx.AsyncClient, ids: dict[str, int]
) -> None:
    state = await _state(client)
    (opening,) = state["sessions"]
    fields = {k: opening[k] for k in form() if k in opening} | {"cast": opening["cast"]}

    checked = await client.post(
        f"{FORUM}/sessions/check", json={**fields, "session": ids["opening"]}, headers=ORGANISER
    )

    assert checked.json() == {"problems": [], "conflicts": []}


SAVE_REFUSALS = [
    # (what the form changes, the status, code and field a save answers)
    ({"start": "11:00", "end": "10:00"}, (422, "invalid", "end")),
    ({"title_en": "", "title_ru": " "}, (422, "invalid", "title_en")),
    ({"venue": "hall-z"}, (422, "invalid", "venue")),
    ({"slug": "opening"}, (409, "conflict", "slug")),
    (
        {
            "date": "2027-03-26",
            "start": "10:30",
            "end": "11:30",
            "cast": [{"person": "anna", "role": "speaker"}],
        },
        (409, "conflict", "cast"),
    ),
    (
        {"venue": "hall-a", "date": "2027-03-26", "start": "10:30", "end": "11:30"},
        (409, "conflict", "venue"),
    ),
    ({"date": "2027-03-29"}, (409, "conflict", "date")),
    ({"venue": "hall-a", "capacity_onsite": 301}, (422, "invalid", "capacity_onsite")),
]


@pytest.mark.parametrize(("changes", "refusal"), SAVE_REFUSALS)
async def test_a_save_refuses_what_check_lists_naming_the_field(
    client: httpx.AsyncClient,
    db: AsyncSession,
    ids: dict[str, int],
    changes: dict[str, Any],
    refusal: tuple[int, str, str],
) -> None:
    version = await _version(db)

    created = await client.post(f"{FORUM}/sessions", json=form(**changes), headers=ORGANISER)

    assert _error(created) == refusal
    assert await _version(db) == version
    assert len((await _state(client))["sessions"]) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {
            "date": "2027-03-26",
            "start": "10:30",
            "end": "11:30",
            "cast": [{"person": "anna", "role": "speaker"}],
        },
        {"venue": "hall-a", "date": "2027-03-26", "start": "10:30", "end": "11:30"},
        {"date": "2027-03-29"},
    ],
)
async def test_a_confirmed_save_goes_ahead_despite_overlaps_and_dates(
    client: httpx.AsyncClient, ids: dict[str, int], changes: dict[str, Any]
) -> None:
    created = await client.post(
        f"{FORUM}/sessions", json=form(**changes, confirm=True), headers=ORGANISER
    )

    assert created.status_code == 201, created.text
    assert created.json()["slug"] == "new-talk"


async def test_capacity_above_the_seats_is_refused_even_when_confirmed(
    client: httpx.AsyncClient, ids: dict[str, int]
) -> None:
    created = await client.post(
        f"{FORUM}/sessions",
        json=form(venue="hall-a", capacity_onsite=301, confirm=True),
        headers=ORGANISER,
    )

    assert _error(created) == (422, "invalid", "capacity_onsite")
    assert created.json()["error"]["reason"] == "capacity_above_seats"


async def test_an_end_at_or_before_the_start_is_the_next_day_only_with_an_end_date(
    client: httpx.AsyncClient, ids: dict[str, int]
) -> None:
    night = form(slug="night", date="2027-03-26", start="23:00", end="01:00")

    refused = await client.post(f"{FORUM}/sessions", json=night, headers=ORGANISER)
    created = await client.post(
        f"{FORUM}/sessions", json=night | {"end_date": "2027-03-27"}, headers=ORGANISER
    )

    assert _error(refused) == (422, "invalid", "end")
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["starts_at"], body["ends_at"], body["end_date"]) == (
        "2027-03-26T20:00:00Z",
        "2027-03-26T22:00:00Z",
        "2027-03-27",
    )


async def test_a_change_refuses_only_the_conflicts_it_brings(
    client: httpx.AsyncClient, ids: dict[str, int]
) -> None:
    clash = form(venue="hall-a", date="2027-03-26", start="10:30", end="11:30", confirm=True)
    created = (await client.post(f"{FORUM}/sessions", json=clash, headers=ORGANISER)).json()
    url = f"{FORUM}/sessions/{created['id']}"

    renamed = await client.patch(url, json={"title_en": "Renamed"}, headers=ORGANISER)
    later = await client.patch(url, json={"start": "10:45", "end": "12:00"}, headers=ORGANISER)
    to_anna = await client.patch(
        url, json={"cast": [{"person": "anna", "role": "speaker"}]}, headers=ORGANISER
    )

    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["title_en"] == "Renamed"
    # Still in Hall A at the same time as the opening: the same conflict, not a new one.
    assert later.status_code == 200, later.text
    assert _error(to_anna) == (409, "conflict", "cast")


async def test_names_may_be_given_in_one_language(
    client: httpx.AsyncClient, ids: dict[str, int]
) -> None:
    venue = await client.post(
        f"{FORUM}/venues",
        json={"slug": "zal-b", "name_ru": "Зал Б", "kind": "hall"},
        headers=ORGANISER,
    )
    nameless = await client.post(f"{FORUM}/tracks", json={"slug": "nameless"}, headers=ORGANISER)
    talk = await client.post(
        f"{FORUM}/sessions", json=form(title_en="", host_city_en=""), headers=ORGANISER
    )
    program = await client.get(f"{FORUM}/program", params={"lang": "en"})

    assert venue.status_code == 201, venue.text
    assert (venue.json()["name_en"], venue.json()["name_ru"]) == ("", "Зал Б")
    assert _error(nameless) == (422, "invalid", "name_en")
    assert talk.status_code == 201, talk.text
    titles = [s["title"] for day in program.json()["days"] for s in day["sessions"]]
    assert titles == ["Session opening", "Новый доклад"]


# --- venues, tracks, people -------------------------------------------------------------------


async def test_venues_tracks_and_people_are_added_changed_and_deleted(
    client: httpx.AsyncClient, bus: MemoryBus, ids: dict[str, int]
) -> None:
    added = await client.post(
        f"{FORUM}/venues",
        json={
            "slug": "hall-b",
            "name_en": "Hall B",
            "name_ru": "Зал Б",
            "kind": "hall",
            "seats": 40,
        },
        headers=ORGANISER,
    )
    again = await client.post(
        f"{FORUM}/venues",
        json={"slug": "hall-b", "name_en": "B", "kind": "hall"},
        headers=ORGANISER,
    )
    seats = await client.patch(f"{FORUM}/venues/hall-b", json={"seats": 60}, headers=ORGANISER)
    null_name = await client.patch(
        f"{FORUM}/venues/hall-b", json={"name_en": None}, headers=ORGANISER
    )
    renamed = await client.patch(
        f"{FORUM}/tracks/industry", json={"name_en": "Heavy industry"}, headers=ORGANISER
    )
    person = await client.post(
        f"{FORUM}/people",
        json={"slug": "chen", "name_en": "Chen Wei", "country": "CN", "bio_en": "Engineer."},
        headers=ORGANISER,
    )
    emailed = await client.patch(
        f"{FORUM}/people/budi", json={"email": "Budi@Example.ORG"}, headers=ORGANISER
    )
    anna = await client.patch(
        f"{FORUM}/people/anna", json={"position_en": "Chief engineer"}, headers=ORGANISER
    )
    gone = await client.delete(f"{FORUM}/venues/hall-b", headers=ORGANISER)
    missing = await client.delete(f"{FORUM}/venues/hall-b", headers=ORGANISER)

    assert added.status_code == 201, added.text
    assert added.json() | {"id": 0} == {
        "id": 0,
        "slug": "hall-b",
        "name_en": "Hall B",
        "name_ru": "Зал Б",
        "kind": "hall",
        "seats": 40,
        "address_en": "",
        "address_ru": "",
        "stream_url": "",
        "position": 0,
    }
    assert _error(again) == (409, "conflict", "slug")
    assert seats.json()["seats"] == 60
    assert _error(null_name) == (422, "invalid", "name_en")
    assert renamed.json()["name_en"] == "Heavy industry"
    assert (person.status_code, person.json()["linked"], person.json()["bio_en"]) == (
        201,
        False,
        "Engineer.",
    )
    # An email links the person to that address's account (made, and invited, if none).
    assert (emailed.json()["email"], emailed.json()["linked"]) == ("budi@example.org", True)
    assert anna.json()["position_en"] == "Chief engineer"
    assert gone.json() == {"deleted": "hall-b"}
    assert _error(missing) == (404, "not_found", "venue")
    changed = await bus.history("forum:test-forum") or []
    assert {e.type for e in changed} == {"program.changed"}
    assert all(e.data["reason"] == "edited" for e in changed)
    # Of these changes only Anna's shows in a session (the opening): the others in none.
    assert [e.data["sessions"] for e in changed] == [[], [], [], [], [], [ids["opening"]], []]


async def test_what_a_session_uses_cannot_be_deleted(
    client: httpx.AsyncClient, ids: dict[str, int]
) -> None:
    await client.patch(
        f"{FORUM}/sessions/{ids['opening']}", json={"track": "industry"}, headers=ORGANISER
    )

    venue = await client.delete(f"{FORUM}/venues/hall-a", headers=ORGANISER)
    track = await client.delete(f"{FORUM}/tracks/industry", headers=ORGANISER)
    anna = await client.delete(f"{FORUM}/people/anna", headers=ORGANISER)
    budi = await client.delete(f"{FORUM}/people/budi", headers=ORGANISER)

    assert _error(venue) == (409, "conflict", "venue")
    assert _error(track) == (409, "conflict", "track")
    assert _error(anna) == (409, "conflict", "person")
    assert budi.json() == {"deleted": "budi"}


async def test_forum_settings_change_and_are_checked(
    client: httpx.AsyncClient, ids: dict[str, int]
) -> None:
    changed = await client.patch(
        FORUM, json={"tagline_ru": "Промышленность", "ends_on": "2027-03-29"}, headers=ORGANISER
    )
    bad_zone = await client.patch(FORUM, json={"tz": "Moscow"}, headers=ORGANISER)
    backwards = await client.patch(FORUM, json={"ends_on": "2027-03-01"}, headers=ORGANISER)
    shown = await client.get(FORUM, params={"lang": "en"})

    assert changed.status_code == 200, changed.text
    assert (changed.json()["tagline_ru"], changed.json()["ends_on"]) == (
        "Промышленность",
        "2027-03-29",
    )
    assert _error(bad_zone) == (422, "invalid", "tz")
    assert _error(backwards) == (422, "invalid", "ends_on")
    # The English page shows the Russian tagline rather than nothing.
    assert (shown.json()["tagline"], shown.json()["ends_on"]) == ("Промышленность", "2027-03-29")


# --- deleting -------------------------------------------------------------------------------


async def test_a_session_nobody_registered_for_is_deleted(
    client: httpx.AsyncClient, bus: MemoryBus, ids: dict[str, int]
) -> None:
    url = f"{FORUM}/sessions/{ids['opening']}"

    deleted = await client.delete(url, headers=ORGANISER)

    assert deleted.json() == {"deleted": True, "cancelled": False}
    assert (await _state(client))["sessions"] == []
    assert (await client.get(f"{FORUM}/sessions/{ids['opening']}")).status_code == 404
    (event,) = await bus.history("forum:test-forum") or []
    assert (event.type, event.data) == (
        "program.changed",
        {"forum": "test-forum", "sessions": [ids["opening"]], "reason": "edited"},
    )


async def test_a_session_whose_room_saw_anything_is_cancelled_not_deleted(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock, ids: dict[str, int]
) -> None:
    # A chat message is keyed by its room's name: were the session deleted, SQLite could give
    # its id to the next session, and that one's room would show this message.
    speaker = await signed_in(db, clock, "chatty@example.org", {"Authorization": "Bearer chat"})
    assert speaker.id is not None
    db.add(
        ChatMessage(
            room=f"session:{ids['opening']}:staff",
            user_id=speaker.id,
            text="see you backstage",
            created_at=clock.now(),
        )
    )
    await db.commit()

    answer = await client.delete(f"{FORUM}/sessions/{ids['opening']}", headers=ORGANISER)

    assert answer.json() == {"deleted": False, "cancelled": True}
    (kept,) = (await _state(client))["sessions"]
    assert (kept["id"], kept["status"]) == (ids["opening"], "cancelled")


# --- telling the registered, with real sockets and a real SMTP server ---------------------------

PEOPLE = {
    # who: (language, zone)
    "berlin": ("en", "Europe/Berlin"),
    "jakarta": ("ru", "Asia/Jakarta"),
    "bystander": ("en", "UTC"),
}


def _header(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer token-of-{who}-for-the-editor"}


@dataclass
class Node:
    url: str
    http: httpx.AsyncClient
    users: dict[str, int]
    talk: int  # a talk on 27 March 10:00–11:00 Moscow in Hall A, made through the editor


@pytest.fixture
async def node(
    settings: Settings, smtp_port: int, db: AsyncSession, clock: FakeClock
) -> AsyncIterator[Node]:
    """The app served in this test's loop (the FakeClock drives its mail sweeper), mailing
    through the test's SMTP server; Berlin (English) and Jakarta (Russian) registered for the
    talk, a bystander not."""
    await load_program(db, clock, opening_doc())
    await _people(db, clock)
    users = {}
    for who, (language, zone) in PEOPLE.items():
        user = await signed_in(db, clock, f"{who}@example.org", _header(who))
        user.language, user.tz = language, zone
        db.add(user)
        assert user.id is not None
        users[who] = user.id
    await db.commit()
    mailing = settings.model_copy(
        update={"smtp_url": f"smtp://127.0.0.1:{smtp_port}", "mail_from": "Forum <f@p.test>"}
    )
    async with serve_here(create_app(mailing, clock=clock)) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            made = await http.post(
                f"{FORUM}/sessions",
                json=form(venue="hall-a", capacity_onsite=50),
                headers=ORGANISER,
            )
            assert made.status_code == 201, made.text
            talk = made.json()["id"]
            for who in ("berlin", "jakarta"):
                answer = await http.post(
                    f"/api/v1/sessions/{talk}/registrations",
                    json={"mode": "onsite"},
                    headers=_header(who),
                )
                assert answer.status_code == 200, answer.text
            yield Node(url, http, users, talk)


async def _inbox_of(node: Node, who: str, *rooms: str) -> RoomClient:
    client = await RoomClient.open(node.url, _header(who)["Authorization"].split()[1])
    for room in (f"user:{node.users[who]}", *rooms):
        await client.join(room)
    return client


async def _notices(db: AsyncSession) -> list[tuple[int, str, str]]:
    query = select(Notice.user_id, Notice.kind, Notice.key).order_by(col(Notice.id))
    return [(u, k.value, key) for u, k, key in (await db.exec(query)).all()]


async def test_moving_a_session_tells_each_registered_person_once_in_their_language_and_zone(
    node: Node, db: AsyncSession, clock: FakeClock, inbox: Inbox
) -> None:
    sockets = {who: await _inbox_of(node, who) for who in PEOPLE}
    url = f"{FORUM}/sessions/{node.talk}"
    before = (await node.http.get(f"{FORUM}/editor", headers=ORGANISER)).json()["sessions"]

    moved = await node.http.patch(url, json={"start": "12:00", "end": "13:00"}, headers=ORGANISER)
    pushes = {
        who: await sockets[who].push(f"user:{node.users[who]}", "notice")
        for who in ("berlin", "jakarta")
    }
    clock.advance(SWEEP)
    await inbox.wait(2)
    renamed = await node.http.patch(url, json={"title_en": "Newer talk"}, headers=ORGANISER)
    clock.advance(SWEEP)
    await asyncio.sleep(0.5)  # the sweeper had its chance to send anything more

    assert moved.status_code == 200, moved.text
    old = next(s for s in before if s["id"] == node.talk)
    sequence = moved.json()["sequence"]
    assert (moved.json()["starts_at"], sequence) == ("2027-03-27T09:00:00Z", old["sequence"] + 1)
    assert renamed.status_code == 200
    key = f"moved:{node.talk}:{sequence}"
    assert await _notices(db) == [
        (node.users["berlin"], "session_moved", key),
        (node.users["jakarta"], "session_moved", key),
    ]
    for push in pushes.values():
        assert (push["data"]["kind"], push["data"]["session"]) == ("session_moved", node.talk)
        assert push["data"]["data"]["was_starts_at"] == "2027-03-27T07:00:00Z"
    assert sorted(rcpt for rcpt, _ in inbox.messages) == [
        ["berlin@example.org"],
        ["jakarta@example.org"],
    ]
    (english,) = inbox.to("berlin@example.org")
    (russian,) = inbox.to("jakarta@example.org")
    assert english["Subject"] == "New time: New talk"
    assert "10:00–11:00 (Europe/Berlin)" in english.get_content()
    assert russian["Subject"] == "Новое время: Новый доклад"
    assert "16:00–17:00 (Asia/Jakarta)" in russian.get_content()
    assert sockets["bystander"].types(f"user:{node.users['bystander']}") == []
    for client in sockets.values():
        await client.close()


async def test_cancelling_and_restoring_tell_the_registered_and_the_rooms(
    node: Node, db: AsyncSession, clock: FakeClock, inbox: Inbox
) -> None:
    rooms = ("forum:test-forum", f"session:{node.talk}")
    berlin = await _inbox_of(node, "berlin", *rooms)
    url = f"{FORUM}/sessions/{node.talk}"

    cancelled = await node.http.post(f"{url}/cancel", json=None, headers=ORGANISER)
    told = await berlin.push(f"user:{node.users['berlin']}", "notice")
    status = await berlin.push(f"session:{node.talk}", "session.status")
    changed = await berlin.push("forum:test-forum", "program.changed")
    again = await node.http.post(f"{url}/cancel", headers=ORGANISER)
    restored = await node.http.post(f"{url}/restore", headers=ORGANISER)
    back = await berlin.push(f"user:{node.users['berlin']}", "notice", after=1)
    clock.advance(SWEEP)
    await inbox.wait(4)

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert restored.json()["status"] == "scheduled"
    assert restored.json()["sequence"] == cancelled.json()["sequence"] + 1
    assert told["data"]["kind"] == "session_cancelled"
    assert back["data"]["kind"] == "session_restored"
    assert status["data"] == {"session": node.talk, "status": "cancelled"}
    assert changed["data"] == {"forum": "test-forum", "sessions": [node.talk], "reason": "edited"}
    assert _error(again) == (409, "conflict", "session")
    subjects = sorted(m["Subject"] for _, m in inbox.messages)
    assert subjects == sorted(
        [
            "Cancelled: New talk",
            "Отменено: Новый доклад",
            "Back in the program: New talk",
            "Снова в программе: Новый доклад",
        ]
    )
    await berlin.close()


async def test_deleting_a_session_people_registered_for_cancels_it_instead(
    node: Node, db: AsyncSession, clock: FakeClock, inbox: Inbox
) -> None:
    deleted = await node.http.delete(f"{FORUM}/sessions/{node.talk}", headers=ORGANISER)
    clock.advance(SWEEP)
    await inbox.wait(2)

    assert deleted.json() == {"deleted": False, "cancelled": True}
    sessions = (await node.http.get(f"{FORUM}/editor", headers=ORGANISER)).json()["sessions"]
    talk = next(s for s in sessions if s["id"] == node.talk)
    assert (talk["status"], talk["registered"]) == ("cancelled", 2)
    assert [kind for _, kind, _ in await _notices(db)] == ["session_cancelled"] * 2
    assert sorted(m["Subject"] for _, m in inbox.messages) == [
        "Cancelled: New talk",
        "Отменено: Новый доклад",
    ]
