"""Showroom abuse, as an attacker would try it: one visitor booking every meeting slot of a
stand, and anonymous visits from one place inflating a stand's unique visitors. Browsers are
real HTTP clients against the app, each with its own address and cookie jar."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from server.app import create_app
from server.clock import FakeClock
from server.expo.importer import import_pack
from server.expo.media import MediaStore
from server.expo.packs import read_pack
from server.settings import Settings
from tests.factories import signed_in
from tests.showroom_packs import stand_doc, write_pack

STAND = "/api/v1/stands/omega-works"
STAFF = {"Authorization": "Bearer staff"}
ALWAYS = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "00:00", "to": "23:59"}
]
Browser = Callable[..., httpx.AsyncClient]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"showroom_visitor_ids_per_day": 5, "showroom_visits_per_minute": 1000}
    )


@pytest.fixture
async def app(settings: Settings, clock: FakeClock, db: AsyncSession) -> AsyncIterator[FastAPI]:
    """The app, and a stand whose one staff member (`staff`) is always on duty."""
    await signed_in(db, clock, "staff@abuse.test", STAFF)
    for person in ("mallory", "alice"):
        await signed_in(db, clock, f"{person}@abuse.test", {"Authorization": f"Bearer {person}"})
    await db.commit()
    staff = {"email": "staff@abuse.test", "name": "Staff", "tz": "Europe/Moscow", "duty": ALWAYS}
    pack = read_pack(
        write_pack(settings.media_dir / "pack", [stand_doc("omega-works", staff=[staff])])
    )
    await import_pack(db, clock, pack, MediaStore(settings.media_dir / "showrooms"))
    await db.commit()
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[Browser]:
    """`browser("10.0.0.7")`: a new browser (its own cookie jar) at that address."""
    opened: list[httpx.AsyncClient] = []

    def make(address: str = "10.0.0.1", **headers: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        made = httpx.AsyncClient(
            transport=transport, base_url="http://pavilion.test", headers=headers
        )
        opened.append(made)
        return made

    yield make
    for made in opened:
        await made.aclose()


async def unique_visitors(browser: Browser) -> int:
    figures = await browser().get(
        f"{STAND}/analytics", params={"days": 1, "tz": "UTC"}, headers=STAFF
    )
    assert figures.status_code == 200, figures.text
    return int(figures.json()["days"][-1]["unique_visitors"])


async def publish_slots(browser: Browser, count: int) -> list[int]:
    times = [(f"2027-03-25T{10 + i}:00", f"2027-03-25T{10 + i}:30") for i in range(count)]
    made = await browser().post(
        f"{STAND}/slots",
        json={"slots": [{"start": start, "end": end} for start, end in times]},
        headers=STAFF,
    )
    assert made.status_code == 201, made.text
    return [slot["id"] for slot in made.json()]


async def test_one_visitor_cannot_book_every_meeting_slot_of_a_stand(browser: Browser) -> None:
    slots = await publish_slots(browser, 5)
    mallory = browser(Authorization="Bearer mallory")
    alice = browser(Authorization="Bearer alice")

    booked = [await mallory.post(f"{STAND}/meetings", json={"slot": s}) for s in slots]
    other = await alice.post(f"{STAND}/meetings", json={"slot": slots[2]})

    assert [b.status_code for b in booked] == [201, 201, 409, 409, 409]
    refusal = booked[2].json()["error"]
    assert (refusal["code"], refusal["reason"], refusal["params"]) == (
        "conflict",
        "meeting_limit",
        {"most": 2},
    )
    assert other.status_code == 201  # the slots stay free for other visitors


async def test_a_visitor_who_cancels_a_meeting_may_book_another(browser: Browser) -> None:
    slots = await publish_slots(browser, 3)
    mallory = browser(Authorization="Bearer mallory")
    first = await mallory.post(f"{STAND}/meetings", json={"slot": slots[0]})
    await mallory.post(f"{STAND}/meetings", json={"slot": slots[1]})

    cancelled = await mallory.delete(f"/api/v1/meetings/{first.json()['id']}")
    third = await mallory.post(f"{STAND}/meetings", json={"slot": slots[2]})

    assert (cancelled.status_code, third.status_code) == (204, 201)


async def test_meetings_that_have_ended_do_not_count(browser: Browser, clock: FakeClock) -> None:
    slots = await publish_slots(browser, 3)
    mallory = browser(Authorization="Bearer mallory")
    for slot in slots[:2]:
        await mallory.post(f"{STAND}/meetings", json={"slot": slot})
    extra = await browser().post(
        f"{STAND}/slots",
        json={"slots": [{"start": "2027-03-26T10:00", "end": "2027-03-26T10:30"}]},
        headers=STAFF,
    )
    clock.advance(timedelta(days=5, hours=12))  # past both meetings (25 March)

    later = await mallory.post(f"{STAND}/meetings", json={"slot": extra.json()[0]["id"]})

    assert later.status_code == 201, later.text


async def test_reloads_and_pings_of_one_anonymous_browser_count_one_visitor(
    browser: Browser,
) -> None:
    anonymous = browser("10.0.0.9")
    given = []
    for _ in range(10):
        opened = await anonymous.post(f"{STAND}/visits")
        assert opened.status_code == 201, opened.text
        given.append(opened.headers.get("set-cookie"))
        for _ in range(3):
            visit, key = opened.json()["visit"], opened.json()["key"]
            await anonymous.post(f"/api/v1/visits/{visit}/ping", json={"key": key})

    assert await unique_visitors(browser) == 1
    assert given[0] is not None and "HttpOnly" in given[0] and given[1:] == [None] * 9


async def test_anonymous_visits_without_cookies_cannot_inflate_a_stands_unique_visitors(
    browser: Browser,
) -> None:
    """The audit's attack: 6 real visitors, then 50 anonymous visits from one address that
    keep dropping the cookie. The address gets 5 visitor ids (the test's setting); past that,
    its cookie-less visits count as one visitor."""
    for n in range(6):  # real people, each in their own browser at their own address
        seen = await browser(f"10.1.0.{n}").post(f"{STAND}/visits")
        assert seen.status_code == 201
    answers = [(await browser("10.66.6.6").post(f"{STAND}/visits")).status_code for _ in range(50)]

    assert answers == [201] * 50
    assert await unique_visitors(browser) == 6 + 5 + 1


async def test_a_forged_visitor_cookie_counts_as_none(browser: Browser) -> None:
    forger = browser("10.0.0.5")
    for n in range(10):
        forger.cookies.set("pavilion_visitor", f"visitor{n}.AAAAAAAAAAAAAAAAAAAAAAAA")
        await forger.post(f"{STAND}/visits")
        forger.cookies.clear()

    assert await unique_visitors(browser) == 5 + 1


async def test_signed_in_visits_count_once_per_person(browser: Browser) -> None:
    mallory = browser("10.0.0.3", Authorization="Bearer mallory")
    for _ in range(20):
        await mallory.post(f"{STAND}/visits")

    assert await unique_visitors(browser) == 1


async def test_visits_opened_too_fast_from_one_address_are_refused_for_a_while(
    app: FastAPI, settings: Settings, clock: FakeClock
) -> None:
    strict = create_app(settings.model_copy(update={"showroom_visits_per_minute": 5}), clock=clock)
    transport = httpx.ASGITransport(app=strict, client=("10.9.9.9", 40000))
    async with (
        strict.router.lifespan_context(strict),
        httpx.AsyncClient(transport=transport, base_url="http://pavilion.test") as cookieless,
    ):
        answers = []
        for _ in range(7):
            answers.append(await cookieless.post(f"{STAND}/visits"))
            cookieless.cookies.clear()
        clock.advance(timedelta(seconds=61))
        later = await cookieless.post(f"{STAND}/visits")

    assert [a.status_code for a in answers] == [201] * 5 + [429] * 2
    assert answers[5].json()["error"]["code"] == "rate_limited"
    assert int(answers[5].headers["retry-after"]) == 60
    assert later.status_code == 201
