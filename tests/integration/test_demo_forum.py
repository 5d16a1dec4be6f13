"""The demo forum, loaded as `make demo` loads it, is right in every zone (values pinned by hand).

The marathon of capitals runs on Sunday 28 March 2027, the day Europe moves its clocks
forward at 01:00 UTC: Paris, Berlin and Rome host at CEST (+02:00) that day, while on the
Friday before they were at CET (+01:00).
"""

from typing import Any

import httpx
import pytest
import yaml
from sqlmodel.ext.asyncio.session import AsyncSession

from server.cli import DEMO_FORUM
from server.clock import FakeClock
from tests.factories import load_program


@pytest.fixture
async def demo(db: AsyncSession, clock: FakeClock) -> None:
    await load_program(db, clock, yaml.safe_load(DEMO_FORUM.read_text(encoding="utf-8")))


async def program_in(client: httpx.AsyncClient, tz: str) -> dict[str, dict[str, Any]]:
    """slug -> session, each with the viewer day it is listed under."""
    body = (await client.get("/api/v1/forums/demo-forum/program", params={"tz": tz})).json()
    return {s["slug"]: {**s, "day": day["date"]} for day in body["days"] for s in day["sessions"]}


# (slug, zone) -> (listed under day, viewer start, viewer abbreviation). The planner puts
# Jakarta at 05:00Z (08:00 Moscow), then 90-minute segments with 10-minute handovers:
# Paris at 11:40Z and Buenos Aires at 16:40Z.
PINNED = {
    ("marathon-jakarta", "Asia/Jakarta"): ("2027-03-28", "2027-03-28T12:00:00+07:00", "WIB"),
    ("marathon-jakarta", "Europe/Moscow"): ("2027-03-28", "2027-03-28T08:00:00+03:00", "MSK"),
    ("marathon-jakarta", "America/Argentina/Buenos_Aires"): (
        "2027-03-28",
        "2027-03-28T02:00:00-03:00",
        "-03",
    ),
    ("marathon-jakarta", "Pacific/Auckland"): ("2027-03-28", "2027-03-28T18:00:00+13:00", "NZDT"),
    ("marathon-paris", "Asia/Jakarta"): ("2027-03-28", "2027-03-28T18:40:00+07:00", "WIB"),
    ("marathon-paris", "Europe/Moscow"): ("2027-03-28", "2027-03-28T14:40:00+03:00", "MSK"),
    ("marathon-paris", "America/Argentina/Buenos_Aires"): (
        "2027-03-28",
        "2027-03-28T08:40:00-03:00",
        "-03",
    ),
    # Past midnight in Auckland: listed under Monday there.
    ("marathon-paris", "Pacific/Auckland"): ("2027-03-29", "2027-03-29T00:40:00+13:00", "NZDT"),
    ("marathon-buenos-aires", "Asia/Jakarta"): ("2027-03-28", "2027-03-28T23:40:00+07:00", "WIB"),
    ("marathon-buenos-aires", "Europe/Moscow"): ("2027-03-28", "2027-03-28T19:40:00+03:00", "MSK"),
    ("marathon-buenos-aires", "America/Argentina/Buenos_Aires"): (
        "2027-03-28",
        "2027-03-28T13:40:00-03:00",
        "-03",
    ),
    ("marathon-buenos-aires", "Pacific/Auckland"): (
        "2027-03-29",
        "2027-03-29T05:40:00+13:00",
        "NZDT",
    ),
}


@pytest.mark.parametrize(("slug", "tz"), list(PINNED))
async def test_demo_marathon_is_right_in_every_viewer_zone(
    client: httpx.AsyncClient, demo: None, slug: str, tz: str
) -> None:
    session = (await program_in(client, tz))[slug]

    assert (session["day"], session["viewer"]["start"], session["viewer"]["abbr"]) == PINNED[
        (slug, tz)
    ]


# slug -> (host start, host abbreviation): Europe is on summer time from 01:00 UTC that day.
HOSTS = {
    "marathon-jakarta": ("2027-03-28T12:00:00+07:00", "WIB"),
    "marathon-beijing": ("2027-03-28T14:40:00+08:00", "CST"),
    "marathon-tashkent": ("2027-03-28T13:20:00+05:00", "+05"),
    "marathon-cairo": ("2027-03-28T12:00:00+02:00", "EET"),
    "marathon-paris": ("2027-03-28T13:40:00+02:00", "CEST"),
    "marathon-berlin": ("2027-03-28T15:20:00+02:00", "CEST"),
    "marathon-rome": ("2027-03-28T17:00:00+02:00", "CEST"),
    "marathon-buenos-aires": ("2027-03-28T13:40:00-03:00", "-03"),
}


async def test_demo_marathon_hosts_see_their_own_local_times(
    client: httpx.AsyncClient, demo: None
) -> None:
    program = await program_in(client, "Pacific/Auckland")

    shown = {
        slug: (program[slug]["host"]["start"], program[slug]["host"]["abbr"]) for slug in HOSTS
    }

    assert shown == HOSTS


async def test_berlin_viewers_move_from_cet_to_cest_during_the_forum(
    client: httpx.AsyncClient, demo: None
) -> None:
    program = await program_in(client, "Europe/Berlin")

    friday = {
        s["viewer"]["utc_offset"]
        for s in program.values()
        if s["starts_at"].startswith("2027-03-26")
    }
    sunday = {
        s["viewer"]["utc_offset"] for s in program.values() if s["starts_at"] >= "2027-03-28T01:00"
    }

    assert (friday, sunday) == ({"+01:00"}, {"+02:00"})
    assert program["marathon-berlin"]["viewer"]["start"] == "2027-03-28T15:20:00+02:00"


async def test_a_session_after_midnight_moves_day_between_zones(
    client: httpx.AsyncClient, demo: None
) -> None:
    moscow = await program_in(client, "Europe/Moscow")
    auckland = await program_in(client, "Pacific/Auckland")
    night = [s for s in moscow.values() if s["viewer"]["start"].startswith("2027-03-27T23:30")]

    assert len(night) == 1
    slug = night[0]["slug"]
    assert night[0]["viewer"]["end"].startswith("2027-03-28T")
    assert (moscow[slug]["day"], auckland[slug]["day"]) == ("2027-03-27", "2027-03-28")
    assert auckland[slug]["viewer"]["start"] == "2027-03-28T09:30:00+13:00"


async def test_demo_has_the_sessions_the_forum_is_built_around(
    client: httpx.AsyncClient, demo: None
) -> None:
    program = await program_in(client, "Europe/Moscow")
    by_type: dict[str, list[dict[str, Any]]] = {}
    for session in program.values():
        by_type.setdefault(session["type"], []).append(session)

    expert = program["expert-tech-sovereignty"]
    roles = [s["role"] for s in expert["speakers"]]
    assert (expert["access"], roles.count("moderator"), roles.count("speaker")) == (
        "invite_only",
        1,
        8,
    )
    assert program["round-table-supply-chains"]["capacity"]["onsite"] == 30
    assert program["closing-concert"]["format"] == "online"
    assert program["closing-concert"]["viewer"]["start"] == "2027-03-28T20:00:00+03:00"
    assert len(by_type["project_defence"]) >= 3
    assert all(
        s["site_visit"] and s["site_visit"]["departure_point"] for s in by_type["site_visit"]
    )
    assert len([slug for slug in program if slug.startswith("marathon-")]) == 8
