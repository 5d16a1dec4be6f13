"""The program endpoint against a real app and database: grouping, filters, and bad input."""

from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import FakeClock
from tests.factories import load_program, program_doc, session_doc

JAKARTA = {"city": {"en": "Jakarta", "ru": "Джакарта"}, "tz": "Asia/Jakarta"}


@pytest.fixture
async def forum(db: AsyncSession, clock: FakeClock) -> None:
    await load_program(
        db,
        clock,
        program_doc(
            # 23:30-01:00 Moscow: crosses midnight for a Moscow viewer.
            session_doc("night-talk", "2027-03-27T23:30", "2027-03-28T01:00", format="hybrid"),
            session_doc(
                "jakarta",
                "2027-03-28T12:00",
                "2027-03-28T12:45",
                host=JAKARTA,
                format="online",
                venue="channel",
                cast=[{"person": "budi", "role": "host", "presence": "remote"}],
            ),
            session_doc("morning", "2027-03-27T10:00", "2027-03-27T11:00", type="round_table"),
        ),
    )


def slugs_by_day(body: dict[str, Any]) -> dict[str, list[str]]:
    return {day["date"]: [s["slug"] for s in day["sessions"]] for day in body["days"]}


async def test_program_groups_sessions_by_the_viewers_local_start_day(
    client: httpx.AsyncClient, forum: None
) -> None:
    moscow = (await client.get("/api/v1/forums/test-forum/program?tz=Europe/Moscow")).json()
    auckland = (await client.get("/api/v1/forums/test-forum/program?tz=Pacific/Auckland")).json()

    # night-talk starts 20:30Z: Saturday 23:30 in Moscow, Sunday 09:30 in Auckland (NZDT).
    assert slugs_by_day(moscow) == {
        "2027-03-27": ["morning", "night-talk"],
        "2027-03-28": ["jakarta"],
    }
    assert slugs_by_day(auckland) == {
        "2027-03-27": ["morning"],
        "2027-03-28": ["night-talk", "jakarta"],
    }


async def test_a_session_crossing_midnight_shows_both_ends_in_the_viewer_zone(
    client: httpx.AsyncClient, forum: None
) -> None:
    body = (await client.get("/api/v1/forums/test-forum/program?tz=Europe/Moscow")).json()
    night = next(s for d in body["days"] for s in d["sessions"] if s["slug"] == "night-talk")

    assert night["viewer"]["start"] == "2027-03-27T23:30:00+03:00"
    assert night["viewer"]["end"] == "2027-03-28T01:00:00+03:00"
    assert (night["starts_at"], night["ends_at"]) == (
        "2027-03-27T20:30:00Z",
        "2027-03-27T22:00:00Z",
    )


async def test_program_shows_host_city_time_beside_the_viewers(
    client: httpx.AsyncClient, forum: None
) -> None:
    body = (
        await client.get("/api/v1/forums/test-forum/program?tz=America/Argentina/Buenos_Aires")
    ).json()
    jakarta = next(s for d in body["days"] for s in d["sessions"] if s["slug"] == "jakarta")

    assert jakarta["viewer"] == {
        "tz": "America/Argentina/Buenos_Aires",
        "start": "2027-03-28T02:00:00-03:00",
        "end": "2027-03-28T02:45:00-03:00",
        "abbr": "-03",
        "utc_offset": "-03:00",
        "end_abbr": "-03",
        "end_utc_offset": "-03:00",
    }
    assert jakarta["host"] == {
        "city": "Jakarta",
        "tz": "Asia/Jakarta",
        "start": "2027-03-28T12:00:00+07:00",
        "end": "2027-03-28T12:45:00+07:00",
        "abbr": "WIB",
        "utc_offset": "+07:00",
        "end_abbr": "WIB",
        "end_utc_offset": "+07:00",
    }
    assert jakarta["speakers"] == [
        {
            "name": "Budi Santoso",
            "role": "host",
            "presence": "remote",
            "position": "",
            "organisation": "",
            "country": "ID",
        }
    ]


async def test_program_defaults_to_the_forums_home_zone(
    client: httpx.AsyncClient, forum: None
) -> None:
    body = (await client.get("/api/v1/forums/test-forum/program")).json()

    assert body["tz"] == "Europe/Moscow"


async def test_date_filter_keeps_only_that_local_day(
    client: httpx.AsyncClient, forum: None
) -> None:
    body = (
        await client.get("/api/v1/forums/test-forum/program?tz=Pacific/Auckland&date=2027-03-28")
    ).json()

    assert (body["date"], slugs_by_day(body)) == (
        "2027-03-28",
        {"2027-03-28": ["night-talk", "jakarta"]},
    )


async def test_filters_by_venue_type_and_format(client: httpx.AsyncClient, forum: None) -> None:
    base = "/api/v1/forums/test-forum/program?tz=Europe/Moscow"
    by_venue = (await client.get(f"{base}&venue=channel")).json()
    by_type = (await client.get(f"{base}&type=round_table")).json()
    by_format = (await client.get(f"{base}&format=hybrid")).json()
    nothing = (await client.get(f"{base}&format=onsite")).json()

    assert slugs_by_day(by_venue) == {"2027-03-28": ["jakarta"]}
    assert slugs_by_day(by_type) == {"2027-03-27": ["morning"]}
    assert slugs_by_day(by_format) == {"2027-03-27": ["morning", "night-talk"]}
    assert nothing["days"] == []


async def test_russian_program_uses_russian_titles_and_cities(
    client: httpx.AsyncClient, forum: None
) -> None:
    body = (await client.get("/api/v1/forums/test-forum/program?lang=ru&date=2027-03-28")).json()
    jakarta = body["days"][0]["sessions"][0]

    assert (jakarta["title"], jakarta["host"]["city"], jakarta["speakers"][0]["name"]) == (
        "Сессия jakarta",
        "Джакарта",
        "Буди Сантосо",
    )


@pytest.mark.parametrize(
    ("query", "field", "status"),
    [
        ("tz=Mars/Olympus", "tz", 422),
        ("tz=../../etc/passwd", "tz", 422),
        ("date=2027-02-30", "date", 422),
        ("date=tomorrow", "date", 422),
        ("venue=hall-z", "venue", 422),
        ("type=keynote", "type", 422),
        ("format=telepathy", "format", 422),
        ("lang=de", "lang", 422),
    ],
)
async def test_bad_program_queries_get_a_4xx_naming_the_field(
    client: httpx.AsyncClient, forum: None, query: str, field: str, status: int
) -> None:
    response = await client.get(f"/api/v1/forums/test-forum/program?{query}")

    assert response.status_code == status
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid", field)
    assert error["message"].startswith(f"{field}: ")


async def test_an_unknown_forum_is_404_naming_it(client: httpx.AsyncClient, forum: None) -> None:
    response = await client.get("/api/v1/forums/no-such-forum/program")

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": "forum: no forum 'no-such-forum'",
            "field": "forum",
        }
    }


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/api/v1/forums/test-forum/sessions/abc", 422, "session"),
        ("/api/v1/forums/test-forum/sessions/0", 422, "session"),
        ("/api/v1/forums/test-forum/sessions/9999", 404, "session"),
        ("/api/v1/forums/test-forum/sessions/9999.ics", 404, "session"),
        ("/api/v1/forums/test-forum/sessions/1?tz=Nowhere", 422, "tz"),
        ("/api/v1/forums/nope/sessions/1", 404, "forum"),
        ("/api/v1/forums/nope", 404, "forum"),
        ("/api/v1/forums/nope/program.ics", 404, "forum"),
        ("/api/v1/forums/nope/schedule.json", 404, "forum"),
        ("/api/v1/forums/nope/jsonld", 404, "forum"),
        ("/api/v1/forums/test-forum/program.ics?lang=xx", 422, "lang"),
        ("/api/v1/forums?lang=de", 422, "lang"),
        ("/api/v1/forums/test-forum?lang=de", 422, "lang"),
        ("/api/v1/forums/test-forum/schedule.json?lang=de", 422, "lang"),
        ("/api/v1/forums/test-forum/jsonld?lang=de", 422, "lang"),
        ("/api/v1/forums/test-forum/sessions/1.ics?lang=de", 422, "lang"),
        (f"/api/v1/forums/{'x' * 81}/program", 422, "forum"),
        ("/api/v1/forums/test-forum/program?tz=" + "A" * 65, 422, "tz"),
    ],
)
async def test_every_program_endpoint_names_what_was_wrong(
    client: httpx.AsyncClient, forum: None, path: str, status: int, field: str
) -> None:
    response = await client.get(path)

    assert (response.status_code, response.json()["error"]["field"]) == (status, field)


async def test_a_session_of_another_forum_is_not_found_through_this_one(
    client: httpx.AsyncClient, forum: None, db: AsyncSession, clock: FakeClock
) -> None:
    await load_program(
        db,
        clock,
        program_doc(
            session_doc("other", "2027-03-26T10:00", "2027-03-26T11:00"), slug="other-forum"
        ),
    )
    other = (await client.get("/api/v1/forums/other-forum/program")).json()["days"][0]["sessions"][
        0
    ]

    response = await client.get(f"/api/v1/forums/test-forum/sessions/{other['id']}")

    assert response.status_code == 404


async def test_one_session_answers_like_its_program_entry(
    client: httpx.AsyncClient, forum: None
) -> None:
    program = (await client.get("/api/v1/forums/test-forum/program?tz=Asia/Jakarta")).json()
    entry = program["days"][-1]["sessions"][-1]

    alone = (
        await client.get(f"/api/v1/forums/test-forum/sessions/{entry['id']}?tz=Asia/Jakarta")
    ).json()

    assert alone == entry


async def test_forum_lists_and_card(client: httpx.AsyncClient, forum: None) -> None:
    forums = (await client.get("/api/v1/forums")).json()
    card = (await client.get("/api/v1/forums/test-forum?lang=ru")).json()

    assert [f["slug"] for f in forums] == ["test-forum"]
    assert (card["name"], card["tz"], [v["slug"] for v in card["venues"]]) == (
        "Тестовый форум",
        "Europe/Moscow",
        ["hall-a", "channel"],
    )
