"""Rendered programs are cached, and never served stale after the program changes."""

from datetime import UTC, datetime

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import FakeClock
from server.program import service
from server.program.cache import BoundedCache
from server.program.models import Session, SessionUpdate
from server.program.schemas import ProgramPublic, SessionPublic
from tests.factories import load_program, program_doc, session_doc


async def test_a_moved_session_shows_its_new_time_at_once(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock
) -> None:
    await load_program(
        db, clock, program_doc(session_doc("opening", "2027-03-26T10:00", "2027-03-26T11:00"))
    )
    before = (await client.get("/api/v1/forums/test-forum/program?tz=Asia/Jakarta")).json()
    forum = await service.get_forum(db, "test-forum")
    opening = (await db.exec(select(Session))).one()

    await service.update_session(
        db, clock, forum, opening, SessionUpdate(starts_at=datetime(2027, 3, 26, 7, 30, tzinfo=UTC))
    )
    await db.commit()
    after = (await client.get("/api/v1/forums/test-forum/program?tz=Asia/Jakarta")).json()

    assert before["days"][0]["sessions"][0]["viewer"]["start"] == "2027-03-26T14:00:00+07:00"
    assert after["days"][0]["sessions"][0]["viewer"]["start"] == "2027-03-26T14:30:00+07:00"


async def test_renaming_a_person_in_a_reimport_reaches_the_program(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock
) -> None:
    cast = [{"person": "anna", "role": "moderator"}]
    doc = program_doc(session_doc("opening", "2027-03-26T10:00", "2027-03-26T11:00", cast=cast))
    await load_program(db, clock, doc)
    await client.get("/api/v1/forums/test-forum/program")
    doc["people"][0]["name"]["en"] = "Anna Orlova-Kim"

    await load_program(db, clock, doc)
    after = (await client.get("/api/v1/forums/test-forum/program")).json()

    assert after["days"][0]["sessions"][0]["speakers"][0]["name"] == "Anna Orlova-Kim"


async def test_the_program_answer_matches_its_documented_schema(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock
) -> None:
    visit = session_doc(
        "plant",
        "2027-03-27T10:00",
        "2027-03-27T13:00",
        type="site_visit",
        format="onsite",
        departure={"point": {"en": "Gate B", "ru": "Вход Б"}, "at": "2027-03-27T09:00"},
        track="industry",
        cast=[{"person": "anna", "role": "host"}],
    )
    await load_program(db, clock, program_doc(visit))

    program = (await client.get("/api/v1/forums/test-forum/program?tz=Pacific/Auckland")).json()
    alone = (
        await client.get(
            f"/api/v1/forums/test-forum/sessions/{program['days'][0]['sessions'][0]['id']}"
        )
    ).json()

    assert ProgramPublic.model_validate(program).model_dump(mode="json") == program
    assert SessionPublic.model_validate(alone).model_dump(mode="json") == alone


def test_the_cache_evicts_the_least_recently_used_past_its_size() -> None:
    cache: BoundedCache[bytes] = BoundedCache(10, len)
    cache.put("a", b"1234")
    cache.put("b", b"5678")
    cache.get("a")

    cache.put("c", b"90ab")

    assert (cache.get("a"), cache.get("b"), cache.get("c"), cache.weight) == (
        b"1234",
        None,
        b"90ab",
        8,
    )


def test_the_cache_skips_a_body_larger_than_itself() -> None:
    cache: BoundedCache[bytes] = BoundedCache(3, len)

    cache.put("big", b"1234")

    assert (len(cache), cache.get("big")) == (0, None)


async def test_a_browser_revalidates_the_program_with_its_etag(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock
) -> None:
    await load_program(
        db, clock, program_doc(session_doc("opening", "2027-03-26T10:00", "2027-03-26T11:00"))
    )
    first = await client.get("/api/v1/forums/test-forum/program?tz=Asia/Jakarta")
    etag = first.headers["etag"]

    same = await client.get(
        "/api/v1/forums/test-forum/program?tz=Asia/Jakarta", headers={"If-None-Match": etag}
    )
    other_zone = await client.get(
        "/api/v1/forums/test-forum/program?tz=Asia/Tokyo", headers={"If-None-Match": etag}
    )
    forum = await service.get_forum(db, "test-forum")
    opening = (await db.exec(select(Session))).one()
    await service.update_session(
        db, clock, forum, opening, SessionUpdate(title_en="Opening, moved")
    )
    await db.commit()
    changed = await client.get(
        "/api/v1/forums/test-forum/program?tz=Asia/Jakarta", headers={"If-None-Match": etag}
    )

    assert (first.headers["cache-control"], same.status_code, same.content) == (
        "no-cache",
        304,
        b"",
    )
    assert (other_zone.status_code, changed.status_code) == (200, 200)
    assert changed.headers["etag"] != etag
    assert changed.json()["days"][0]["sessions"][0]["title"] == "Opening, moved"
