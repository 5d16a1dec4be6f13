"""Badges, the door and the attendance list in a real browser.

The server is the shared demo one. Every test makes its own people (signed up through the
API, so no failed sign-in counts against the throttle) and seats them on site at the
industrial robotics panel, which has 1,200 seats in the Plenary Hall and no other test uses.

Expected times are worked out by hand from the demo file: the panel starts at 14:00 in Kazan
(Europe/Moscow, MSK, UTC+3) on 2027-03-27, before Europe moves to summer time, so at 12:00 CET
in the browser's Berlin.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import DEMO_FORUM_SLUG, LiveServer, save_screenshot
from tests.signups import mailed_signup_tokens, sign_up

pytestmark = pytest.mark.browser

ORGANISER = "organiser@demo.pavilion.test"
DEMO_PASSWORD = "demo-password"
NEW_PASSWORD = "a-long-enough-password"
ROBOTICS = "panel-industrial-robotics"
DOOR = "plenary-hall"
FORUM = f"forum={DEMO_FORUM_SLUG}"


def fresh_email() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}@example.test"


def robotics_title(server: LiveServer) -> str:
    item = next(s for s in server.program["sessions"] if s["slug"] == ROBOTICS)
    title: str = item["title"]["en"]
    return title


async def robotics_id(server: LiveServer) -> int:
    async with httpx.AsyncClient(base_url=server.url) as client:
        program = (await client.get(f"/api/v1/forums/{DEMO_FORUM_SLUG}/program")).json()
    return next(
        s["id"] for day in program["days"] for s in day["sessions"] if s["slug"] == ROBOTICS
    )


async def sign_up_on_page(page: Page, server: LiveServer, name: str) -> str:
    """A new account, signed in for the page (the API shares the browser context's cookies)."""
    email = fresh_email()
    asked = await page.request.post(
        f"{server.url}/api/v1/auth/signup",
        data={"email": email, "password": NEW_PASSWORD, "name": name, "organisation": "Gearworks"},
    )
    assert asked.status == 202, await asked.text()
    assert server.database_url is not None
    token = (await mailed_signup_tokens(server.database_url))[email]
    made = await page.request.post(
        f"{server.url}/api/v1/auth/signup/confirm", data={"token": token}
    )
    assert made.status == 200, await made.text()
    return email


async def sign_in_on_page(page: Page, server: LiveServer, email: str) -> None:
    response = await page.request.post(
        f"{server.url}/api/v1/auth/login", data={"email": email, "password": DEMO_PASSWORD}
    )
    assert response.status == 200, await response.text()


async def seated_guest(server: LiveServer, name: str) -> dict[str, Any]:
    """Someone else (a bearer token, not the page's cookie) with an on-site seat at the
    robotics panel: their email and badge."""
    email = fresh_email()
    assert server.database_url is not None
    async with httpx.AsyncClient(base_url=server.url) as client:
        signed = await sign_up(
            client,
            server.database_url,
            email=email,
            password=NEW_PASSWORD,
            name=name,
            organisation="Kama Gears",
        )
        assert signed.status_code == 200, signed.text
        auth = {"Authorization": f"Bearer {signed.json()['token']}"}
        session = await robotics_id(server)
        taken = await client.post(
            f"/api/v1/sessions/{session}/registrations", json={"mode": "onsite"}, headers=auth
        )
        assert taken.status_code == 200 and taken.json()["status"] == "confirmed", taken.text
        badge = await client.get(f"/api/v1/forums/{DEMO_FORUM_SLUG}/badge", headers=auth)
        assert badge.status_code == 200, badge.text
    return {"email": email, **badge.json()}


def forged(token: str) -> str:
    """The token with one character of its payload changed (the signature no longer fits)."""
    payload, signature = token.split(".")
    swapped = "B" if payload[4] == "A" else "A"
    return f"{payload[:4]}{swapped}{payload[5:]}.{signature}"


async def scan(page: Page, code: str) -> None:
    field = page.get_by_test_id("door-form").get_by_label("Badge code")
    await field.fill(code)
    await field.press("Enter")


async def test_a_person_with_an_on_site_seat_finds_their_badge_from_my_agenda_with_a_qr_code(
    page: Page, live_server: LiveServer
) -> None:
    session = await robotics_id(live_server)
    await sign_up_on_page(page, live_server, "Bella Badge")
    taken = await page.request.post(
        f"{live_server.url}/api/v1/sessions/{session}/registrations", data={"mode": "onsite"}
    )
    assert taken.status == 200, await taken.text()
    await page.goto(f"{live_server.url}/?{FORUM}&lang=en&view=agenda")

    await page.get_by_test_id("agenda-page").get_by_role("link", name="My badge").click()

    card = page.get_by_test_id("badge-card")
    await expect(card.get_by_test_id("badge-name")).to_have_text("Bella Badge")
    await expect(card.get_by_test_id("badge-organisation")).to_have_text("Gearworks")
    await expect(card).to_contain_text(live_server.program["forum"]["name"]["en"])
    qr = card.get_by_role("img", name="QR code of the badge of Bella Badge")
    await expect(qr).to_be_visible()
    await page.wait_for_function(
        "image => image.complete && image.naturalWidth > 0", arg=await qr.element_handle()
    )
    await expect(page.get_by_role("button", name="Print")).to_be_visible()
    await expect(page.locator("#badge-title")).to_be_focused()
    assert re.search(r"[?&]view=badge(&|$)", page.url), page.url
    badge = await page.request.get(f"{live_server.url}/api/v1/forums/{DEMO_FORUM_SLUG}/badge")
    mine = await badge.json()
    await expect(card).to_have_attribute("data-token", mine["token"])

    # Printed, the badge is all there is on the page.
    await page.emulate_media(media="print")
    await expect(page.locator("pv-header")).to_be_hidden()
    await expect(page.get_by_role("button", name="Print")).to_be_hidden()
    await expect(card).to_be_visible()


async def test_a_person_without_an_on_site_seat_is_told_why_there_is_no_badge(
    page: Page, live_server: LiveServer
) -> None:
    session = await robotics_id(live_server)
    await sign_up_on_page(page, live_server, "Otto Online")
    online = await page.request.post(
        f"{live_server.url}/api/v1/sessions/{session}/registrations", data={"mode": "online"}
    )
    assert online.status == 200, await online.text()
    await page.goto(f"{live_server.url}/?{FORUM}&lang=en")

    await page.locator("pv-header").get_by_role("link", name="My badge").click()

    none = page.get_by_test_id("badge-none")
    await expect(none).to_contain_text("Badges are for people with a confirmed on-site seat.")
    await expect(page.get_by_test_id("badge-card")).to_have_count(0)
    await none.get_by_role("link", name="Browse the program").click()
    await expect(page.get_by_role("heading", level=2, name="Program")).to_be_visible()


async def test_the_organiser_checks_a_badge_in_at_the_door_then_sees_it_again_and_a_forged_one(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    guest = await seated_guest(live_server, "Greta Guest")
    await sign_in_on_page(page, live_server, ORGANISER)
    await page.goto(f"{live_server.url}/?{FORUM}&lang=en")
    await page.locator("pv-header").get_by_role("link", name="Door check-in").click()
    form = page.get_by_test_id("door-form")
    code = form.get_by_label("Badge code")
    await expect(code).to_be_focused()
    await form.get_by_label("Door").select_option(DOOR)

    await scan(page, guest["token"])

    result = page.get_by_test_id("door-result")
    await expect(result).to_have_attribute("data-kind", "welcome")
    await expect(result.get_by_test_id("door-message")).to_have_text("Welcome, Greta Guest")
    await expect(result).to_contain_text("Kama Gears")
    await expect(result.get_by_test_id("door-sessions")).to_have_text(
        f"Sat 27 Mar, 12:00 CET {robotics_title(live_server)}"
    )
    await expect(code).to_have_value("")
    await expect(code).to_be_focused()

    await scan(page, guest["token"])

    await expect(result).to_have_attribute("data-kind", "already")
    await expect(result.get_by_test_id("door-message")).to_have_text(
        re.compile(r"^Already checked in at \d{2}:\d{2} CES?T$")
    )
    await expect(code).to_be_focused()

    await scan(page, forged(guest["token"]))

    await expect(result).to_have_attribute("data-kind", "error")
    await expect(result.get_by_test_id("door-message")).to_have_text(
        "Not a genuine badge. Do not admit; send the person to the help desk."
    )
    await expect(code).to_have_value("")
    await page.set_viewport_size({"width": 390, "height": 844})  # as on a door staff's phone
    await page.locator("#door-title").evaluate("title => title.scrollIntoView()")
    await save_screenshot(page, tmp_path, "door.png")


async def test_the_organiser_sees_a_checked_in_person_in_the_attendance_list_and_filters_it(
    page: Page, live_server: LiveServer
) -> None:
    session = await robotics_id(live_server)
    guest = await seated_guest(live_server, "Hugo Here")
    await sign_in_on_page(page, live_server, ORGANISER)
    admitted = await page.request.post(
        f"{live_server.url}/api/v1/checkin",
        data={"forum": DEMO_FORUM_SLUG, "door": DOOR, "token": guest["token"]},
    )
    assert admitted.status == 200, await admitted.text()
    await page.goto(f"{live_server.url}/?{FORUM}&lang=en&session={session}")

    await page.get_by_test_id("session-page").get_by_role("link", name="Attendance list").click()

    attendance = page.get_by_test_id("attendance-page")
    await expect(attendance.locator("#attendance-title")).to_be_focused()
    await expect(attendance.get_by_test_id("attendance-session")).to_have_text(
        robotics_title(live_server)
    )
    row = attendance.locator(f'[data-testid="attendance-row"][data-email="{guest["email"]}"]')
    await expect(row).to_have_attribute("data-status", "confirmed")
    await expect(row).to_have_attribute("data-checked-in", "true")
    await expect(row.get_by_role("rowheader")).to_have_text("Hugo Here")
    await expect(row).to_contain_text("Kama Gears")
    await expect(row).to_contain_text("Confirmed")
    await expect(row.get_by_test_id("attendance-checked-in")).to_have_text(
        re.compile(r"^\w{3} \d{1,2} \w{3}, \d{2}:\d{2} CES?T$")
    )
    counts = attendance.get_by_test_id("attendance-counts")
    confirmed = counts.locator('tr[data-mode="onsite"] td[data-status="confirmed"]')
    await expect(confirmed).to_have_text(re.compile(r"^[1-9]\d*$"))
    await expect(counts.locator('tr[data-mode="onsite"] td[data-checked]')).to_have_text(
        re.compile(r"^[1-9]\d*$")
    )
    csv = attendance.get_by_role("link", name="Download CSV")
    await expect(csv).to_have_attribute("href", f"/api/v1/sessions/{session}/registrations.csv")

    await attendance.get_by_label("Mode").select_option("online")

    await expect(row).to_have_count(0)
    for mode in await attendance.get_by_test_id("attendance-row").evaluate_all(
        "rows => rows.map(row => row.dataset.mode)"
    ):
        assert mode == "online"

    await attendance.get_by_label("Mode").select_option("onsite")

    await expect(row).to_be_visible()
    await attendance.get_by_test_id("attendance-back").click()
    await expect(page.get_by_test_id("attendance-link")).to_be_focused()


async def test_someone_who_is_not_staff_is_refused_at_the_door_and_the_attendance_list(
    page: Page, live_server: LiveServer
) -> None:
    session = await robotics_id(live_server)
    guest = await seated_guest(live_server, "Ivy Inside")
    await sign_up_on_page(page, live_server, "Nick Nostaff")
    await page.goto(f"{live_server.url}/?{FORUM}&lang=en&session={session}")
    await expect(page.get_by_role("button", name="Register on site")).to_be_visible()
    await expect(page.get_by_test_id("attendance-link")).to_have_count(0)
    door_link = page.locator("pv-header").get_by_role("link", name="Door check-in")
    await expect(door_link).to_have_count(0)

    await page.goto(f"{live_server.url}/?{FORUM}&lang=en&view=door")
    await scan(page, guest["token"])

    await expect(page.get_by_test_id("door-message")).to_have_text(
        "You are not door staff for this forum."
    )

    await page.goto(f"{live_server.url}/?{FORUM}&lang=en&view=attendance&session={session}")

    await expect(page.get_by_test_id("attendance-forbidden")).to_have_text(
        "Only the forum's organisers and this session's moderators can see who registered."
    )


async def test_the_door_page_in_russian_shows_russian_labels(
    page: Page, live_server: LiveServer
) -> None:
    await sign_in_on_page(page, live_server, ORGANISER)

    await page.goto(f"{live_server.url}/?{FORUM}&lang=ru&view=door")

    door = page.get_by_test_id("door-page")
    await expect(door.get_by_role("heading", level=2, name="Проверка на входе")).to_be_visible()
    await expect(door.get_by_label("Вход", exact=True)).to_be_visible()
    await expect(door.get_by_role("textbox", name="Код бейджа")).to_be_focused()
    await expect(door.get_by_role("button", name="Отметить")).to_be_visible()
    await expect(door.locator('#door-door option[value="plenary-hall"]')).to_have_text(
        "Пленарный зал"
    )
    await expect(page.locator("pv-header").get_by_role("link", name="Мой бейдж")).to_be_visible()
    await expect(page).to_have_title(re.compile(r"^Проверка на входе — "))

    await door.get_by_role("button", name="Отметить").click()

    await expect(page.get_by_test_id("door-message")).to_have_text(
        "Сначала отсканируйте или введите код бейджа."
    )
