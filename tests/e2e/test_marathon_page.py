"""The marathon page in a real browser, against a server whose clock stands at MARATHON_NOW.

Expected times are worked out by hand from the demo plan (8 segments of 90 minutes with
10-minute handovers from 05:00 UTC on 2027-03-28): at 09:35 UTC Tashkent (08:20-09:50 UTC,
13:20 in Tashkent, UTC+5) is on air and Cairo starts at 10:00 UTC, in 25 minutes. Europe is
on summer time that day (CEST, UTC+2), so Tashkent starts at 10:20 in Berlin and at 15:20 in
Jakarta (WIB, UTC+7).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, Route, expect

from tests.e2e.conftest import LiveServer, save_screenshot

pytestmark = pytest.mark.browser

MARATHON = "forum=demo-forum&marathon=capitals"


async def open_marathon(page: Page, server: LiveServer, query: str) -> Locator:
    await page.goto(f"{server.url}/?{MARATHON}&{query}")
    marathon = page.locator("pv-marathon").get_by_test_id("marathon-page")
    await expect(marathon).to_be_visible()
    return marathon


def block(marathon: Locator, city: str) -> Locator:
    """A capital's segment on the timeline."""
    return marathon.locator(f'.mblock[data-city="{city}"]')


async def test_marathon_shows_tashkent_live_and_cairo_next_in_the_browsers_zone(
    page: Page, marathon_server: LiveServer, tmp_path: Path
) -> None:
    marathon = await open_marathon(page, marathon_server, "lang=en")
    tashkent = block(marathon, "Tashkent")

    await expect(marathon.get_by_test_id("live-label")).to_have_text("Live now: Tashkent")
    await expect(marathon.get_by_test_id("next-label")).to_have_text("Next: Cairo in 25 min")
    await expect(marathon.get_by_test_id("marathon-now")).to_have_attribute("data-phase", "live")
    await expect(marathon.locator('.timeline [aria-current="time"]')).to_have_count(1)
    await expect(tashkent.locator("a")).to_have_attribute("aria-current", "time")
    await expect(tashkent).to_have_class(re.compile(r"\bstate-live\b"))
    await expect(tashkent.get_by_test_id("viewer-time")).to_have_text("10:20 CEST")
    await expect(tashkent.get_by_test_id("host-time")).to_have_text("13:20 UTC+5")
    await expect(block(marathon, "Cairo").get_by_test_id("viewer-time")).to_have_text("12:00 CEST")
    await expect(block(marathon, "Cairo").get_by_test_id("host-time")).to_have_text("12:00 EET")

    marker = await marathon.get_by_test_id("now-marker").bounding_box()
    live = await tashkent.bounding_box()
    assert marker is not None and live is not None
    assert live["x"] < marker["x"] < marker["x"] + marker["width"] < live["x"] + live["width"]
    # The picture for the README: the live panel, the timeline and the world strip.
    await marathon.get_by_test_id("marathon-now").evaluate("panel => panel.scrollIntoView()")
    await save_screenshot(page, tmp_path, "marathon.png")


async def test_marathon_in_russian_uses_the_russian_labels_and_city_names(
    page: Page, marathon_server: LiveServer
) -> None:
    marathon = await open_marathon(page, marathon_server, "lang=ru")

    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    await expect(marathon.locator("#marathon-title")).to_have_text("Марафон столиц")
    await expect(marathon.get_by_test_id("live-label")).to_have_text("Сейчас в эфире: Ташкент")
    await expect(marathon.get_by_test_id("next-label")).to_have_text("Далее: Каир через 25 мин")
    await expect(block(marathon, "Ташкент").locator("a")).to_have_attribute("aria-current", "time")
    await expect(marathon.get_by_role("heading", level=3, name="День марафона")).to_be_visible()
    await expect(marathon.get_by_test_id("marathon-back")).to_have_text("← Назад к программе")


async def test_a_zone_in_the_url_moves_the_viewer_times_but_not_the_host_times(
    page: Page, marathon_server: LiveServer
) -> None:
    marathon = await open_marathon(page, marathon_server, "lang=en&tz=Asia/Jakarta")
    tashkent = block(marathon, "Tashkent")

    await expect(tashkent.get_by_test_id("viewer-time")).to_have_text("15:20 WIB")
    await expect(tashkent.get_by_test_id("host-time")).to_have_text("13:20 UTC+5")
    await expect(page.get_by_test_id("tz-input")).to_have_value("Asia/Jakarta")
    await expect(marathon.get_by_test_id("next-label")).to_have_text("Next: Cairo in 25 min")


async def test_world_strip_lists_the_capitals_from_east_to_west_with_their_time_now(
    page: Page, marathon_server: LiveServer
) -> None:
    marathon = await open_marathon(page, marathon_server, "lang=en")
    capitals = marathon.get_by_test_id("world-strip").locator("li")
    await expect(capitals).to_have_count(8)

    cities = await capitals.evaluate_all("items => items.map(item => item.dataset.city)")

    assert cities[:3] == ["Beijing", "Jakarta", "Tashkent"]
    assert sorted(cities[3:7]) == ["Berlin", "Cairo", "Paris", "Rome"]  # all UTC+2 that day
    assert cities[7:] == ["Buenos Aires"]
    clock = '[data-city="{}"] .capital-clock'
    await expect(marathon.locator(clock.format("Beijing"))).to_have_text("17:35 CST")
    await expect(marathon.locator(clock.format("Buenos Aires"))).to_have_text("06:35 UTC−3")
    await expect(marathon.locator('.capital.is-live[data-city="Tashkent"]')).to_have_count(1)


async def test_program_links_to_the_marathon_and_the_marathon_links_back(
    page: Page, marathon_server: LiveServer
) -> None:
    await page.goto(f"{marathon_server.url}/?forum=demo-forum&lang=en")
    link = page.get_by_test_id("marathon-banner").get_by_role("link", name="Marathon of Capitals")

    await link.click()

    title = page.locator("#marathon-title")
    await expect(title).to_have_text("Marathon of Capitals")
    await expect(title).to_be_focused()
    assert re.search(r"[?&]marathon=capitals(&|$)", page.url), page.url

    await page.get_by_test_id("marathon-back").click()

    await expect(link).to_be_focused()
    assert "marathon=" not in page.url


async def test_a_segment_opens_its_session_and_back_returns_to_the_marathon_by_keyboard(
    page: Page, marathon_server: LiveServer
) -> None:
    marathon = await open_marathon(page, marathon_server, "lang=en")
    segment = block(marathon, "Cairo").locator("a")
    session_id = await segment.get_attribute("data-session-id")

    await segment.focus()
    await page.keyboard.press("Enter")

    session_page = page.get_by_test_id("session-page")
    await expect(session_page.locator("#session-title")).to_contain_text("Cairo")
    assert re.search(rf"[?&]session={session_id}(&|$)", page.url), page.url
    back = session_page.get_by_role("link", name="Back to the marathon")
    await back.focus()
    await page.keyboard.press("Enter")
    await expect(segment).to_be_focused()
    assert "session=" not in page.url


async def test_an_unknown_zone_or_marathon_shows_the_apis_message(
    page: Page, marathon_server: LiveServer
) -> None:
    await page.goto(f"{marathon_server.url}/?{MARATHON}&lang=en&tz=Mars/Olympus_Mons")
    alert = page.locator("pv-marathon").get_by_role("alert")
    await expect(alert).to_contain_text("Could not load the marathon")
    await expect(alert).to_contain_text("Mars/Olympus_Mons")

    await page.goto(f"{marathon_server.url}/?forum=demo-forum&marathon=nope&lang=en")
    await expect(alert).to_contain_text("no marathon 'nope'")


async def test_now_moves_on_with_the_page_between_fetches_and_a_failed_refresh_keeps_the_day(
    page: Page, marathon_server: LiveServer
) -> None:
    fetches: list[str] = []

    async def first_answer_only(route: Route) -> None:
        fetches.append(route.request.url)
        await (route.continue_() if len(fetches) == 1 else route.abort())

    await page.route("**/api/v1/forums/demo-forum/marathons/capitals?*", first_answer_only)
    await page.clock.install()  # a browser clock far from the server's day: it must not matter
    marathon = await open_marathon(page, marathon_server, "lang=en")
    await expect(marathon.get_by_test_id("live-label")).to_have_text("Live now: Tashkent")

    await page.clock.run_for("26:00")  # 09:35 + 26 min on the page's monotonic clock: 10:01

    await expect(marathon.get_by_test_id("live-label")).to_have_text("Live now: Cairo")
    await expect(marathon.get_by_test_id("next-label")).to_have_text("Next: Paris in 1 h 39 min")
    await expect(marathon.get_by_test_id("stale")).to_contain_text("could not be refreshed")
    assert len(fetches) >= 2, fetches  # it asked again at least once a minute
