"""The program page in a real browser: zones, languages, filters, the session page, keyboard.

Expected times are worked out by hand from the demo file (server/program/demo/forum.yaml),
whose marathon is planned on import: 90-minute segments with 10-minute handovers from 05:00
UTC on 2027-03-28, the day Europe switches to summer time (CEST, UTC+2). marathon-jakarta
runs 12:00-13:30 in Jakarta (WIB, UTC+7; 05:00-06:30 UTC), marathon-berlin 15:20-16:50 in
Berlin (13:20-14:50 UTC); in Jakarta that is 20:20-21:50.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.conftest import BROWSER_ZONE, LiveServer, save_screenshot

pytestmark = pytest.mark.browser

MARATHON_DAY = "2027-03-28"


def demo_session(program: dict[str, Any], slug: str) -> dict[str, Any]:
    return next(item for item in program["sessions"] if item["slug"] == slug)


def local_day(program: dict[str, Any], item: dict[str, Any], zone: str) -> str:
    """The date a session starts on in `zone` (its times in the file are host wall times; a
    marathon's segments have none: the server plans them inside the hub's window, on the
    marathon's date in the hub's zone)."""
    if "start" not in item:
        marathon = next(
            m
            for m in program["marathons"]
            if any(segment["session"] == item["slug"] for segment in m["segments"])
        )
        assert zone == marathon["hub"]["tz"], "a segment's day is known here only in the hub's zone"
        return str(marathon["date"])
    host = (item.get("host") or {}).get("tz") or program["forum"]["tz"]
    start = item["start"]
    wall = start if isinstance(start, datetime) else datetime.fromisoformat(str(start))
    if wall.tzinfo is None:
        wall = wall.replace(tzinfo=ZoneInfo(host))
    return wall.astimezone(ZoneInfo(zone)).date().isoformat()


def sessions_on(program: dict[str, Any], day: str, zone: str) -> list[dict[str, Any]]:
    return [item for item in program["sessions"] if local_day(program, item, zone) == day]


async def open_program(page: Page, server: LiveServer, query: str) -> Locator:
    await page.goto(f"{server.url}/?{query}")
    # Chained, not "pv-program [data-session-slug]": after a re-render Playwright's
    # evaluate_all answered [] for that descendant selector while count() answered 2.
    rows = page.locator("pv-program").locator("[data-session-slug]")
    await expect(rows.first).to_be_visible()
    return rows


async def slugs_of(rows: Locator) -> list[str]:
    return sorted(await rows.evaluate_all("rows => rows.map(r => r.dataset.sessionSlug)"))


async def test_program_shows_marathon_times_in_jakarta_and_host_city(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    await open_program(page, live_server, "forum=demo-forum&lang=en")
    picker = page.get_by_test_id("tz-input")
    await expect(picker).to_have_value(BROWSER_ZONE)

    await picker.fill("Asia/Jakarta")
    await picker.press("Enter")
    await page.locator("pv-program").locator(f'.day-tabs a[data-date="{MARATHON_DAY}"]').click()

    jakarta = page.locator('[data-session-slug="marathon-jakarta"]')
    berlin = page.locator('[data-session-slug="marathon-berlin"]')
    await expect(jakarta.get_by_test_id("viewer-time")).to_have_text("12:00–13:30 WIB")
    await expect(jakarta.get_by_test_id("host-time")).to_have_count(0)  # host zone is the viewer's
    await expect(berlin.get_by_test_id("viewer-time")).to_have_text("20:20–21:50 WIB")
    await expect(berlin.get_by_test_id("host-time")).to_have_text("Berlin 15:20 CEST")
    assert re.search(r"[?&]tz=Asia(%2F|/)Jakarta(&|$)", page.url), page.url
    assert f"date={MARATHON_DAY}" in page.url
    await save_screenshot(page, tmp_path, "program-jakarta.png")


async def test_forum_time_and_my_time_buttons_switch_the_zone(
    page: Page, live_server: LiveServer
) -> None:
    await open_program(page, live_server, f"forum=demo-forum&lang=en&date={MARATHON_DAY}")
    jakarta = page.locator('[data-session-slug="marathon-jakarta"]')
    jakarta_time = jakarta.get_by_test_id("viewer-time")

    await page.get_by_role("button", name="Forum time (Europe/Moscow)").click()
    await expect(jakarta_time).to_have_text("08:00–09:30 MSK")
    await expect(page.get_by_test_id("tz-input")).to_have_value("Europe/Moscow")

    await page.get_by_role("button", name=f"My time ({BROWSER_ZONE})").click()
    await expect(jakarta_time).to_have_text("07:00–08:30 CEST")
    assert re.search(r"[?&]tz=Europe(%2F|/)Berlin(&|$)", page.url), page.url


async def test_switching_to_russian_shows_russian_labels_and_titles(
    page: Page, live_server: LiveServer
) -> None:
    await open_program(page, live_server, f"forum=demo-forum&lang=en&date={MARATHON_DAY}")
    await expect(page.get_by_role("heading", level=2, name="Program")).to_be_visible()

    await page.get_by_role("navigation", name="Language").get_by_role("link", name="RU").click()

    await expect(page.get_by_role("heading", level=2, name="Программа")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    title = demo_session(live_server.program, "marathon-jakarta")["title"]["ru"]
    await expect(
        page.locator('[data-session-slug="marathon-jakarta"] .session-title')
    ).to_have_text(title)
    await expect(page.get_by_text("Часовой пояс", exact=True)).to_be_visible()
    await expect(page.locator('[data-testid="filter-format"] option[value="online"]')).to_have_text(
        "Онлайн"
    )
    assert re.search(r"[?&]lang=ru(&|$)", page.url), page.url


async def test_format_filter_leaves_only_online_sessions_and_no_match_shows_empty_state(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    zone = "Europe/Moscow"
    rows = await open_program(
        page, live_server, f"forum=demo-forum&lang=en&tz={zone}&date={MARATHON_DAY}"
    )
    await save_screenshot(page, tmp_path, "program-moscow.png")
    day = sessions_on(live_server.program, MARATHON_DAY, zone)
    online = sorted(item["slug"] for item in day if item["format"] == "online")

    await page.get_by_test_id("filter-format").select_option("online")

    await expect(rows).to_have_count(len(online))
    assert await slugs_of(rows) == online
    assert re.search(r"[?&]format=online(&|$)", page.url), page.url

    no_online = next(
        venue["slug"]
        for venue in live_server.program["venues"]
        if not any(i.get("venue") == venue["slug"] and i["format"] == "online" for i in day)
    )
    await page.get_by_test_id("filter-venue").select_option(no_online)

    await expect(page.get_by_test_id("empty-state")).to_be_visible()
    await expect(rows).to_have_count(0)

    await page.get_by_test_id("empty-state").get_by_role("button", name="Clear filters").click()
    await expect(rows).to_have_count(len(day))


async def test_session_page_shows_speakers_and_a_calendar_link_that_serves_icalendar(
    page: Page, live_server: LiveServer
) -> None:
    program = live_server.program
    zone = "Europe/Moscow"
    item = next(i for i in program["sessions"] if i.get("cast"))
    people = {p["slug"]: p["name"]["en"] for p in program["people"]}
    day = local_day(program, item, zone)
    await open_program(page, live_server, f"forum=demo-forum&lang=en&tz={zone}&date={day}")

    await page.locator(f'[data-session-slug="{item["slug"]}"] a[data-session-link]').click()

    session_page = page.get_by_test_id("session-page")
    await expect(session_page.locator("#session-title")).to_have_text(item["title"]["en"])
    names = session_page.locator('[data-testid="speakers"] .speaker-name')
    await expect(names).to_have_count(len(item["cast"]))
    assert sorted(await names.all_text_contents()) == sorted(
        people[member["person"]] for member in item["cast"]
    )
    link = session_page.get_by_role("link", name="Add to calendar")
    href = await link.get_attribute("href")
    assert href is not None
    response = await page.request.get(urljoin(page.url, href))
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in await response.text()

    await session_page.get_by_role("link", name="Back to program").click()
    await expect(page.locator(f'[data-session-slug="{item["slug"]}"]')).to_be_visible()
    assert "session=" not in page.url


async def test_keyboard_reaches_the_zone_picker_and_opens_a_session_with_enter(
    page: Page, live_server: LiveServer
) -> None:
    await open_program(page, live_server, f"forum=demo-forum&lang=en&date={MARATHON_DAY}")

    async def tab_until(condition: str, limit: int) -> bool:
        for _ in range(limit):
            await page.keyboard.press("Tab")
            if await page.evaluate(condition):
                return True
        return False

    assert await tab_until("() => document.activeElement.dataset.testid === 'tz-input'", 10)
    assert await tab_until("() => document.activeElement.matches('a[data-session-link]')", 40)
    title = await page.evaluate("() => document.activeElement.textContent.trim()")

    await page.keyboard.press("Enter")

    heading = page.locator("#session-title")
    await expect(heading).to_have_text(title)
    await expect(heading).to_be_focused()
    assert re.search(r"[?&]session=\d+(&|$)", page.url), page.url


async def test_an_unknown_zone_in_the_url_shows_the_apis_message(
    page: Page, live_server: LiveServer
) -> None:
    await page.goto(f"{live_server.url}/?forum=demo-forum&lang=en&tz=Mars/Olympus_Mons")

    alert = page.locator("pv-program").get_by_role("alert")
    await expect(alert).to_contain_text("Could not load the program")
    await expect(alert).to_contain_text("Mars/Olympus_Mons")
