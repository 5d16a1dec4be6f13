"""The marathon's controls and what is on now, in a real browser, against a demo server of
this module's own whose clock stands at MARATHON_NOW (its runners move the program to it).

At 09:35 UTC on 2027-03-28 Tashkent (08:20-09:50 UTC) is on air and Cairo follows at 10:00
UTC, 12:00 in Berlin (CEST); the ordinary session "panel-regions-investment" (12:00-13:30
Moscow, 09:00-10:30 UTC) is running. A 15-minute delay of Tashkent moves Cairo to 10:15 UTC,
12:15-13:45 in Berlin.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from server.clock import FakeClock
from tests.e2e.conftest import (
    MARATHON_NOW,
    LiveServer,
    people_in,
    save_screenshot,
    serve_demo,
    sign_in,
)

pytestmark = pytest.mark.browser

MARATHON = "forum=demo-forum&marathon=capitals&lang=en"
PANEL = "panel-regions-investment"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo on a clock stopped at MARATHON_NOW, for this module alone (it re-plans)."""
    yield from serve_demo(tmp_path_factory.mktemp("e2e-controls"), FakeClock(MARATHON_NOW))


def session_id(server: LiveServer, slug: str) -> int:
    program = httpx.get(f"{server.url}/api/v1/forums/demo-forum/program").json()
    return next(s["id"] for d in program["days"] for s in d["sessions"] if s["slug"] == slug)


def wait_until_live(server: LiveServer, slug: str) -> None:
    """The runners move the program to the clock as the server starts: wait for it (the page
    itself would learn of it from the forum's room, or its next poll)."""
    wanted = session_id(server, slug)
    deadline = time.monotonic() + 15
    while wanted not in httpx.get(f"{server.url}/api/v1/forums/demo-forum/now").json()["live"]:
        assert time.monotonic() < deadline, f"{slug} never went live"
        time.sleep(0.1)


async def test_the_organiser_delays_the_live_segment_and_an_attendees_page_follows(
    browser: Browser, server: LiveServer, tmp_path: Path
) -> None:
    async with people_in(browser, 2) as (organiser, attendee):
        await sign_in(organiser.page, server, "organiser@demo.pavilion.test")
        await sign_in(attendee.page, server, "attendee@demo.pavilion.test")
        for person in (organiser, attendee):
            await person.page.goto(f"{server.url}/?{MARATHON}")
            await expect(person.page.get_by_test_id("live-label")).to_have_text(
                "Live now: Tashkent"
            )
        cairo = attendee.page.locator('pv-marathon .mblock[data-city="Cairo"]')
        await expect(cairo.get_by_test_id("viewer-time")).to_have_text("12:00 CEST")
        await attendee.page.evaluate("window.notReloaded = true")
        await expect(attendee.page.get_by_test_id("marathon-controls")).to_have_count(0)

        await organiser.page.get_by_test_id("delay-open").click()
        dialog = organiser.page.get_by_test_id("marathon-dialog")
        await expect(dialog).to_be_visible()
        await expect(dialog.get_by_test_id("delay-minutes")).to_be_focused()
        await dialog.get_by_test_id("delay-minutes").fill("15")
        preview = dialog.get_by_test_id("delay-preview")
        after = preview.locator('tr[data-city="Cairo"]').get_by_test_id("preview-after")
        await expect(after).to_have_text("12:15–13:45 CEST")
        await expect(preview.locator('tr[data-city="Tashkent"] td').nth(2)).to_have_text(
            "ends 15 min later"
        )
        await save_screenshot(organiser.page, tmp_path, "marathon-delay.png")
        await dialog.get_by_test_id("delay-confirm").click()

        await expect(dialog).to_be_hidden()
        await expect(organiser.page.get_by_test_id("delay-open")).to_be_focused()
        await expect(cairo.get_by_test_id("viewer-time")).to_have_text("12:15 CEST")
        await expect(attendee.page.get_by_test_id("next-label")).to_have_text(
            "Next: Cairo in 40 min"
        )
        assert await attendee.page.evaluate("window.notReloaded") is True


async def test_the_preview_names_the_host_a_delay_would_push_out_of_its_hours(
    browser: Browser, server: LiveServer
) -> None:
    async with people_in(browser, 1) as (organiser,):
        await sign_in(organiser.page, server, "organiser@demo.pavilion.test")
        await organiser.page.goto(f"{server.url}/?{MARATHON}")
        await organiser.page.get_by_test_id("delay-open").click()
        dialog = organiser.page.get_by_test_id("marathon-dialog")
        await dialog.get_by_test_id("delay-minutes").fill("240")

        refused = dialog.get_by_test_id("delay-refused")
        await expect(refused).to_contain_text("would be pushed out of its host city's hours")
        await expect(dialog.get_by_test_id("delay-confirm")).to_be_disabled()
        await organiser.page.keyboard.press("Escape")
        await expect(dialog).to_be_hidden()


async def test_the_program_marks_what_is_live_at_the_servers_time(
    page: Page, server: LiveServer, tmp_path: Path
) -> None:
    wait_until_live(server, PANEL)
    title = next(s for s in server.program["sessions"] if s["slug"] == PANEL)["title"]["en"]

    await page.goto(f"{server.url}/?forum=demo-forum&date=2027-03-28&lang=en")

    row = page.locator(f'pv-program li[data-session-slug="{PANEL}"]')
    await expect(row.locator('[data-badge="status-live"]')).to_have_text("Live now")
    ended = page.locator('pv-program li[data-session-slug="panel-green-retrofit"]')
    await expect(ended.locator('[data-badge="status-ended"]')).to_have_text("Ended")
    strip = page.get_by_test_id("now-next")
    await expect(strip.get_by_test_id("now-next-live")).to_contain_text(title)
    await expect(strip.get_by_test_id("now-next-live")).to_contain_text("until 12:30 CEST")
    await expect(strip.get_by_test_id("now-next-next")).to_be_visible()
    await save_screenshot(page, tmp_path, "program-now.png")
