"""The marathon over HTTP: the planner, the day in the viewer's zone, and re-plans by organisers.

The test relay: Jakarta (fixed first), Cairo (window 09:00-15:00 EET, i.e. 07:00-13:00Z) and
Buenos Aires, 90 minutes each with 10-minute handovers on 28 March 2027, hub Moscow
08:00-23:00. Buenos Aires opens at 12:00Z, so the planner runs Jakarta 08:40-10:10Z,
Cairo 10:20-11:50Z, Buenos Aires 12:00-13:30Z, with no idle time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import icalendar
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import Role
from server.accounts.service import grant
from server.app import create_app
from server.clock import FakeClock
from server.program.models import Session
from server.program.service import get_forum
from server.realtime.bus import MemoryBus
from server.settings import Settings
from tests.conftest import checked_bus
from tests.factories import load_program, marathon_doc, signed_in

AUTH = {"Authorization": "Bearer organiser-token-for-tests"}
JAKARTA_MODERATOR = {"Authorization": "Bearer jakarta-moderator-token"}
CAIRO_MODERATOR = {"Authorization": "Bearer cairo-moderator-token"}
ATTENDEE = {"Authorization": "Bearer attendee-token"}
RELAY = "/api/v1/forums/test-forum/marathons/relay"


@pytest.fixture
def bus() -> MemoryBus:
    return checked_bus()


@pytest.fixture
async def client(
    settings: Settings, clock: FakeClock, db: AsyncSession, bus: MemoryBus
) -> AsyncIterator[httpx.AsyncClient]:
    """The app on the shared bus, so that tests can read what it announced."""
    app = create_app(settings, clock=clock, bus=bus)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=transport, base_url="http://pavilion.test") as c:
            yield c


@pytest.fixture
async def relay(db: AsyncSession, clock: FakeClock) -> None:
    doc = marathon_doc(positions={"jakarta": 1}, windows={"cairo": "09:00-15:00"})
    await load_program(db, clock, doc)
    forum = await get_forum(db, "test-forum")
    sessions = {s.slug: s.id for s in (await db.exec(select(Session))).all()}
    people = [
        (AUTH, Role.organiser, {"forum_id": forum.id}),
        (JAKARTA_MODERATOR, Role.moderator, {"session_id": sessions["relay-jakarta"]}),
        (CAIRO_MODERATOR, Role.moderator, {"session_id": sessions["relay-cairo"]}),
        (ATTENDEE, None, {}),
    ]
    for index, (header, role, scope) in enumerate(people):
        user = await signed_in(db, clock, f"person{index}@example.org", header)
        if role is not None:
            await grant(db, user, role, **scope)
    await db.commit()


def times(body: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {s["city"]: (s["starts_at"][11:16], s["ends_at"][11:16]) for s in body["segments"]}


async def day(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get(RELAY, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def segment_id(body: dict[str, Any], city: str) -> int:
    return next(s["id"] for s in body["segments"] if s["city"] == city)


PLANNED = {
    "Jakarta": ("08:40", "10:10"),
    "Cairo": ("10:20", "11:50"),
    "Buenos Aires": ("12:00", "13:30"),
}

# --- the stateless planner ------------------------------------------------------------------

PLAN_BODY = {
    "date": "2026-07-07",
    "hub": {"tz": "Europe/Moscow", "window": "08:00-23:00"},
    "gap_minutes": 5,
    "hosts": [
        {"city": "Jakarta", "tz": "Asia/Jakarta", "minutes": 45},
        {"city": "Buenos Aires", "tz": "America/Argentina/Buenos_Aires", "minutes": 45},
    ],
}


async def test_the_planner_answers_the_contract_shape(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/marathons/plan", json=PLAN_BODY)

    assert response.status_code == 200
    body = response.json()
    assert [
        (s["city"], s["utc_start"], s["local_start"], s["hub_start"]) for s in body["segments"]
    ] == [
        (
            "Jakarta",
            "2026-07-07T11:10:00Z",
            "2026-07-07T18:10:00+07:00",
            "2026-07-07T14:10:00+03:00",
        ),
        (
            "Buenos Aires",
            "2026-07-07T12:00:00Z",
            "2026-07-07T09:00:00-03:00",
            "2026-07-07T15:00:00+03:00",
        ),
    ]
    assert (body["idle_minutes"], body["span_minutes"], body["hub"]["window"]) == (
        0,
        95,
        "08:00-23:00",
    )


def with_host(**change: Any) -> dict[str, Any]:
    body = {**PLAN_BODY, "hosts": [dict(h) for h in PLAN_BODY["hosts"]]}
    body["hosts"][1].update(change)
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (with_host(tz="Mars/Olympus_Mons"), "hosts[1].tz"),
        (with_host(window="21:00-09:00"), "hosts[1].window"),
        (with_host(minutes=0), "hosts[1].minutes"),
        (with_host(minutes=-30), "hosts[1].minutes"),
        (with_host(position=0), "hosts[1].position"),
        (with_host(color="red"), "hosts[1].color"),
        ({**PLAN_BODY, "date": "2026-02-30"}, "date"),
        ({**PLAN_BODY, "hub": {"tz": "Europe/Moscow", "window": "23:00-08:00"}}, "hub.window"),
        ({**PLAN_BODY, "gap_minutes": -1}, "gap_minutes"),
        ({**PLAN_BODY, "hosts": []}, "hosts"),
        (
            {
                **PLAN_BODY,
                "hosts": [{"city": f"C{i}", "tz": "UTC", "minutes": 10} for i in range(17)],
            },
            "hosts",
        ),
    ],
)
async def test_bad_plan_requests_name_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/marathons/plan", json=body)

    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid", field)
    assert error["message"].startswith(field)


async def test_a_relay_that_cannot_be_planned_names_the_host(client: httpx.AsyncClient) -> None:
    # 09:00-18:00 in Honolulu is 19:00Z-04:00Z; the hub is open 05:00Z-17:00Z.
    body = with_host(city="Honolulu", tz="Pacific/Honolulu", window="09:00-18:00")
    body["hub"] = {"tz": "Europe/Moscow", "window": "08:00-20:00"}

    response = await client.post("/api/v1/marathons/plan", json=body)

    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["host"]) == ("no_plan", "Honolulu")
    assert "does not overlap the hub's window" in error["message"]


# --- a stored marathon ----------------------------------------------------------------------


async def test_the_day_shows_every_zone_and_what_is_live_and_next(
    client: httpx.AsyncClient, relay: None, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 3, 28, 9, 0, tzinfo=UTC))

    body = await day(client, tz="Europe/Berlin")

    assert times(body) == PLANNED
    jakarta = body["segments"][0]
    assert (jakarta["viewer"]["start"], jakarta["host"]["start"], jakarta["hub"]["start"]) == (
        "2027-03-28T10:40:00+02:00",
        "2027-03-28T15:40:00+07:00",
        "2027-03-28T11:40:00+03:00",
    )
    assert (jakarta["status"], body["live"]) == ("live", jakarta["id"])
    assert body["next"] == {
        "segment": segment_id(body, "Cairo"),
        "city": "Cairo",
        "starts_at": "2027-03-28T10:20:00Z",
        "starts_in_minutes": 80,
    }


async def test_between_segments_nothing_is_live_and_the_next_is_named(
    client: httpx.AsyncClient, relay: None, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 3, 28, 10, 15, tzinfo=UTC))

    body = await day(client, lang="ru")

    assert (body["live"], body["next"]["city"], body["next"]["starts_in_minutes"]) == (
        None,
        "Каир",
        5,
    )
    assert [s["status"] for s in body["segments"]] == ["ended", "scheduled", "scheduled"]


async def test_an_unknown_marathon_or_zone_is_refused(
    client: httpx.AsyncClient, relay: None
) -> None:
    missing = await client.get("/api/v1/forums/test-forum/marathons/nope")
    bad_zone = await client.get(RELAY, params={"tz": "Europe/Atlantis"})

    assert (missing.status_code, missing.json()["error"]["field"]) == (404, "marathon")
    assert (bad_zone.status_code, bad_zone.json()["error"]["field"]) == (422, "tz")


async def test_the_forum_lists_its_marathons(client: httpx.AsyncClient, relay: None) -> None:
    response = await client.get("/api/v1/forums/test-forum/marathons", params={"lang": "ru"})

    assert response.json() == [
        {
            "slug": "relay",
            "title": "Эстафета столиц",
            "date": "2027-03-28",
            "hub": {"tz": "Europe/Moscow", "window": "08:00-23:00"},
        }
    ]


# --- organisers' actions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "unauthorized"),
        ({"Authorization": "Bearer not-a-session"}, 401, "unauthorized"),
        (ATTENDEE, 403, "forbidden"),
        (CAIRO_MODERATOR, 403, "forbidden"),
    ],
)
async def test_replanning_needs_an_organiser_or_the_segments_moderator(
    client: httpx.AsyncClient,
    relay: None,
    clock: FakeClock,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    clock.set(datetime(2027, 3, 28, 9, 0, tzinfo=UTC))
    jakarta = segment_id(await day(client), "Jakarta")

    for path, body in [
        (f"{RELAY}/segments/{jakarta}/delay", {"minutes": 10}),
        (f"{RELAY}/segments/{jakarta}/end", None),
        (f"{RELAY}/apply", None),
        (f"{RELAY}/plan", None),
    ]:
        response = await client.post(path, json=body, headers=headers)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), path
    assert times(await day(client)) == PLANNED


async def test_a_moderator_may_delay_their_own_segment_but_not_plan_the_day(
    client: httpx.AsyncClient, relay: None, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 3, 28, 9, 0, tzinfo=UTC))
    jakarta = segment_id(await day(client), "Jakarta")

    delayed = await client.post(
        f"{RELAY}/segments/{jakarta}/delay", json={"minutes": 5}, headers=JAKARTA_MODERATOR
    )
    applied = await client.post(f"{RELAY}/apply", headers=JAKARTA_MODERATOR)

    assert (delayed.status_code, applied.status_code) == (200, 403)
    assert times(delayed.json())["Jakarta"] == ("08:40", "10:15")


async def test_a_delay_shifts_every_later_segment_and_raises_their_sequence(
    client: httpx.AsyncClient, relay: None, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 3, 28, 9, 0, tzinfo=UTC))
    before = await sequences(client)
    jakarta = segment_id(await day(client), "Jakarta")

    response = await client.post(
        f"{RELAY}/segments/{jakarta}/delay", json={"minutes": 20}, headers=AUTH
    )

    assert response.status_code == 200, response.text
    assert (times(response.json()), response.json()["shortened"]) == (
        {
            "Jakarta": ("08:40", "10:30"),
            "Cairo": ("10:40", "12:10"),
            "Buenos Aires": ("12:20", "13:50"),
        },
        [],
    )
    assert times(await day(client)) == times(response.json())
    after = await sequences(client)
    assert {uid: after[uid] - before[uid] for uid in before} == {uid: 1 for uid in before}


async def sequences(client: httpx.AsyncClient) -> dict[str, int]:
    """SEQUENCE of each relay session in the forum's iCalendar feed, by UID."""
    feed = await client.get("/api/v1/forums/test-forum/program.ics")
    calendar = icalendar.Calendar.from_ical(feed.content)
    return {
        str(e["UID"]): int(e["SEQUENCE"])
        for e in calendar.walk("VEVENT")
        if str(e["SUMMARY"]).startswith("Relay")
    }


async def test_a_delay_that_pushes_a_host_out_of_its_window_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, relay: None, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 3, 28, 9, 0, tzinfo=UTC))
    jakarta = segment_id(await day(client), "Jakarta")
    before = await sequences(client)

    response = await client.post(
        f"{RELAY}/segments/{jakarta}/delay", json={"minutes": 80}, headers=AUTH
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["host"], error["field"]) == ("no_plan", "Cairo", "minutes")
    # Cairo would run 11:40-13:10Z, past 15:00 EET (13:00Z).
    assert "Cairo would be on air 13:40 EET–15:10 EET" in error["message"]
    assert "accept_shorter" in error["message"]
    assert times(await day(client)) == PLANNED
    assert await sequences(client) == before


async def test_an_organiser_may_accept_a_shorter_segment_instead(
    client: httpx.AsyncClient, relay: None, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 3, 28, 9, 0, tzinfo=UTC))
    body = await day(client)

    response = await client.post(
        f"{RELAY}/segments/{segment_id(body, 'Jakarta')}/delay",
        json={"minutes": 80, "accept_shorter": True},
        headers=AUTH,
    )

    assert response.status_code == 200, response.text
    assert times(response.json()) == {
        "Jakarta": ("08:40", "11:30"),
        "Cairo": ("11:40", "13:00"),
        "Buenos Aires": ("13:10", "14:40"),
    }
    assert response.json()["shortened"] == [
        {"segment": segment_id(body, "Cairo"), "city": "Cairo", "from": 90, "to": 80}
    ]


async def test_only_the_live_segment_can_run_late(
    client: httpx.AsyncClient, relay: None, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 3, 28, 9, 0, tzinfo=UTC))
    cairo = segment_id(await day(client), "Cairo")

    response = await client.post(
        f"{RELAY}/segments/{cairo}/delay", json={"minutes": 5}, headers=AUTH
    )

    assert response.status_code == 409
    assert response.json()["error"]["message"].startswith("segment: Cairo is not on air now")


@pytest.mark.parametrize(
    ("body", "field"), [({"minutes": 0}, "minutes"), ({"minutes": 600}, "minutes"), ({}, "minutes")]
)
async def test_a_bad_delay_is_refused_naming_the_field(
    client: httpx.AsyncClient, relay: None, clock: FakeClock, body: dict[str, Any], field: str
) -> None:
    clock.set(datetime(2027, 3, 28, 9, 0, tzinfo=UTC))
    jakarta = segment_id(await day(client), "Jakarta")

    response = await client.post(f"{RELAY}/segments/{jakarta}/delay", json=body, headers=AUTH)

    assert (response.status_code, response.json()["error"]["field"]) == (422, field)


async def test_ending_early_moves_the_rest_up_where_windows_allow(
    client: httpx.AsyncClient, relay: None, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 3, 28, 9, 0, 20, tzinfo=UTC))
    jakarta = segment_id(await day(client), "Jakarta")

    response = await client.post(f"{RELAY}/segments/{jakarta}/end", headers=AUTH)

    # Jakarta ends at the next whole minute; Cairo follows the handover; Buenos Aires cannot
    # start before 09:00 local (12:00Z).
    assert response.status_code == 200, response.text
    assert times(response.json()) == {
        "Jakarta": ("08:40", "09:01"),
        "Cairo": ("09:11", "10:41"),
        "Buenos Aires": ("12:00", "13:30"),
    }


async def test_apply_plans_the_whole_day_again_and_announces_it(
    client: httpx.AsyncClient, relay: None, clock: FakeClock, bus: MemoryBus
) -> None:
    clock.set(datetime(2027, 3, 28, 9, 0, tzinfo=UTC))
    jakarta = segment_id(await day(client), "Jakarta")
    await client.post(f"{RELAY}/segments/{jakarta}/delay", json={"minutes": 20}, headers=AUTH)
    seen = len(await bus.history("forum:test-forum") or [])

    response = await client.post(f"{RELAY}/apply", headers=AUTH)

    assert response.status_code == 200
    assert times(await day(client)) == PLANNED
    announced = (await bus.history("forum:test-forum") or [])[seen:]
    assert [(e.type, e.data["reason"], len(e.data["sessions"])) for e in announced] == [
        ("program.changed", "planned", 3)
    ]


async def test_the_preview_plans_without_changing_anything(
    client: httpx.AsyncClient, relay: None, clock: FakeClock
) -> None:
    response = await client.post(f"{RELAY}/plan", headers=AUTH)

    assert [(s["city"], s["utc_start"][11:16]) for s in response.json()["segments"]] == [
        (city, start) for city, (start, _) in PLANNED.items()
    ]


async def test_two_delays_posted_at_once_both_count(
    client: httpx.AsyncClient, relay: None, clock: FakeClock
) -> None:
    clock.set(datetime(2027, 3, 28, 9, 0, tzinfo=UTC))
    path = f"{RELAY}/segments/{segment_id(await day(client), 'Jakarta')}/delay"

    first, second = await asyncio.gather(
        client.post(path, json={"minutes": 10}, headers=AUTH),
        client.post(path, json={"minutes": 10}, headers=JAKARTA_MODERATOR),
    )

    assert (first.status_code, second.status_code) == (200, 200)
    assert times(await day(client)) == {
        "Jakarta": ("08:40", "10:30"),
        "Cairo": ("10:40", "12:10"),
        "Buenos Aires": ("12:20", "13:50"),
    }
