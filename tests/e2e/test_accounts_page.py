"""Accounts in a real browser: signing in and up, registering from a session page, My agenda.

The server is the shared demo one, with the demo accounts of server/people/demo.py. No test
depends on another having run: the one that takes an on-site seat at the round table gives
it back, and the others use accounts made for them.

Expected times are worked out by hand from the demo file: the round table runs 16:30-18:30
in Kazan (Europe/Moscow, MSK, UTC+3) on 2027-03-26, before Europe moves to summer time, so
14:30-16:30 CET in the browser's Berlin.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import uuid
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.conftest import BROWSER_ZONE, DEMO_FORUM_SLUG, LiveServer, save_screenshot
from tests.signups import mailed_signup_link, mailed_signup_tokens, sign_up

pytestmark = pytest.mark.browser

ATTENDEE = "attendee@demo.pavilion.test"  # invited to the closed session
ATTENDEE_NAME = "Anton Attendee"
DEMO_PASSWORD = "demo-password"
NEW_PASSWORD = "a-long-enough-password"
ROUND_TABLE = "round-table-supply-chains"  # hybrid: 30 seats on site, 500 online
TALENT_PANEL = "panel-engineering-talent"  # 17:00-18:30 MSK: overlaps the round table
CLOSED = "expert-tech-sovereignty"
SITE_VISIT = "site-visit-zelenodolsk-gear-works"  # 10:00 MSK, the bus at 09:00
RETROFIT_PANEL = "panel-green-retrofit"  # 350 seats on site, only the keyboard test
SMALL_WORKSHOP = "workshop-export-certification"  # 35 seats on site, only the waitlist test
FORUM = f"forum={DEMO_FORUM_SLUG}"


def fresh_email() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}@example.test"


def demo_item(server: LiveServer, slug: str) -> dict[str, Any]:
    return next(item for item in server.program["sessions"] if item["slug"] == slug)


async def session_id(page: Page, server: LiveServer, slug: str) -> int:
    response = await page.request.get(f"{server.url}/api/v1/forums/{DEMO_FORUM_SLUG}/program")
    days = (await response.json())["days"]
    return next(s["id"] for day in days for s in day["sessions"] if s["slug"] == slug)


async def sign_up_through_api(page: Page, server: LiveServer, name: str) -> str:
    """A new account, signed in for the page (the API shares the browser context's cookies)."""
    email = fresh_email()
    asked = await page.request.post(
        f"{server.url}/api/v1/auth/signup",
        data={"email": email, "password": NEW_PASSWORD, "name": name},
    )
    assert asked.status == 202, await asked.text()
    assert server.database_url is not None
    token = (await mailed_signup_tokens(server.database_url))[email]
    made = await page.request.post(
        f"{server.url}/api/v1/auth/signup/confirm", data={"token": token}
    )
    assert made.status == 200, await made.text()
    return email


async def sign_in_through_form(page: Page, email: str, password: str) -> None:
    form = page.get_by_test_id("signin-form")
    await form.get_by_label("Email", exact=True).fill(email)
    await form.get_by_label("Password", exact=True).fill(password)
    await form.get_by_role("button", name="Sign in").click()


def header(page: Page) -> Locator:
    return page.locator("pv-header")


def registration(page: Page) -> Locator:
    return page.get_by_test_id("session-page").get_by_test_id("registration")


def agenda_item(page: Page, session: int) -> Locator:
    return page.locator(f'[data-testid="agenda-item"][data-session="{session}"]')


async def test_attendee_signs_in_registers_on_site_finds_it_in_my_agenda_and_signs_out(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    round_table = await session_id(page, live_server, ROUND_TABLE)
    title = demo_item(live_server, ROUND_TABLE)["title"]["en"]
    await page.goto(f"{live_server.url}/?{FORUM}&lang=en&session={round_table}")
    panel = registration(page)
    await panel.get_by_role("link", name="Sign in to register").click()

    await sign_in_through_form(page, ATTENDEE, DEMO_PASSWORD)

    await expect(header(page).get_by_test_id("account-name")).to_have_text(ATTENDEE_NAME)
    await expect(page.locator("#session-title")).to_have_text(title)  # back where it started
    onsite = panel.get_by_test_id("seats-left-onsite")
    await expect(onsite).to_have_attribute("data-count", re.compile(r"^\d+$"))
    before = int(await onsite.get_attribute("data-count") or "")

    await panel.get_by_role("button", name="Register on site").click()

    await expect(panel.get_by_test_id("registration-badge")).to_have_text("Confirmed")
    await expect(onsite).to_have_attribute("data-count", str(before - 1))
    await expect(onsite).to_have_text(f"{before - 1} seats left")

    await header(page).get_by_role("link", name="My agenda").click()

    item = agenda_item(page, round_table)
    await expect(item.locator(".session-title")).to_have_text(title)
    await expect(item.get_by_test_id("viewer-time")).to_have_text("14:30–16:30 CET")
    await expect(item.get_by_test_id("host-time")).to_have_text("Kazan 16:30 MSK")
    await expect(item.get_by_test_id("agenda-mode")).to_have_text("On site")
    await expect(item.get_by_test_id("agenda-status")).to_have_text("Confirmed")
    await expect(item.get_by_test_id("agenda-overlap")).to_have_count(0)
    await save_screenshot(page, tmp_path, "agenda.png")

    # The seat goes back (the server is shared), from the page the agenda links to.
    await item.get_by_role("link", name=title).click()
    await panel.get_by_role("button", name="Cancel registration").click()
    await panel.get_by_role("button", name="Yes, cancel it").click()
    await expect(panel.get_by_role("button", name="Register on site")).to_be_visible()
    await expect(onsite).to_have_attribute("data-count", str(before))

    await header(page).get_by_role("button", name="Sign out").click()

    await expect(header(page).get_by_role("link", name="Sign in")).to_be_visible()
    await expect(header(page).get_by_test_id("account-name")).to_have_count(0)
    await expect(panel.get_by_role("link", name="Sign in to register")).to_be_visible()


async def test_a_wrong_password_shows_the_apis_message_and_does_not_sign_in(
    page: Page, live_server: LiveServer
) -> None:
    await page.goto(f"{live_server.url}/?{FORUM}&lang=en&view=signin")

    await sign_in_through_form(page, ATTENDEE, "not-the-demo-password")

    await expect(page.get_by_test_id("signin-error")).to_have_text(
        "Could not sign in: email or password is wrong"
    )
    await expect(header(page).get_by_role("link", name="Sign in")).to_be_visible()
    await expect(header(page).get_by_test_id("account-name")).to_have_count(0)
    assert re.search(r"[?&]view=signin(&|$)", page.url), page.url
    assert (await page.request.get(f"{live_server.url}/api/v1/me")).status == 401


async def test_too_many_failed_sign_ins_say_in_minutes_when_to_try_again(
    page: Page, live_server: LiveServer
) -> None:
    # Five failures lock one email for 15 minutes (and twenty lock an address: this server's
    # tests share 127.0.0.1, so they keep well below that).
    email = fresh_email()
    for _ in range(5):
        failed = await page.request.post(
            f"{live_server.url}/api/v1/auth/login", data={"email": email, "password": "wrong"}
        )
        assert failed.status == 401, await failed.text()
    await page.goto(f"{live_server.url}/?{FORUM}&lang=en&view=signin")

    await sign_in_through_form(page, email, "wrong again")

    await expect(page.get_by_test_id("signin-error")).to_have_text(
        re.compile(r"^Too many failed attempts\. Try again in 1[56] min\.$")
    )


async def test_signing_up_through_the_form_shows_field_errors_then_the_mailed_link_signs_in(
    page: Page, live_server: LiveServer
) -> None:
    await page.goto(f"{live_server.url}/?{FORUM}&lang=en")
    await header(page).get_by_role("link", name="Sign in").click()
    await page.get_by_test_id("signin-page").get_by_role("link", name="Create an account").click()
    form = page.get_by_test_id("signup-form")
    await form.get_by_label("Email", exact=True).fill(ATTENDEE)  # taken
    await form.get_by_label("Password", exact=True).fill("short")
    await form.get_by_label("Name", exact=True).fill("Nadia Newcomer")
    await form.get_by_label("Country (optional)").fill("kz")

    await form.get_by_role("button", name="Create account").click()

    await expect(form.locator('[data-error-for="password"]')).to_have_text(
        "The password needs at least 10 characters."
    )
    await expect(form.get_by_label("Password", exact=True)).to_be_focused()

    await form.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    await form.get_by_role("button", name="Create account").click()

    # A taken address is answered as any other: check your mail (its owner is told by mail).
    await expect(page.get_by_role("heading", name="Check your mail")).to_be_focused()
    taken = await page.get_by_test_id("signup-sent").inner_text()
    assert taken.startswith(f"We have sent a message to {ATTENDEE}."), taken

    email = fresh_email()
    await page.goto(f"{live_server.url}/?{FORUM}&lang=en&view=signup")
    form = page.get_by_test_id("signup-form")
    await form.get_by_label("Email", exact=True).fill(email)
    await form.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    await form.get_by_label("Name", exact=True).fill("Nadia Newcomer")
    await form.get_by_label("Country (optional)").fill("kz")
    await form.get_by_role("button", name="Create account").click()
    sent = page.get_by_test_id("signup-sent")
    await expect(sent).to_have_text(taken.replace(ATTENDEE, email))
    await expect(header(page).get_by_role("link", name="Sign in")).to_be_visible()

    assert live_server.database_url is not None
    await page.goto(await mailed_signup_link(live_server.database_url, email))
    await page.get_by_role("button", name="Create my account").click()

    await expect(header(page).get_by_test_id("account-name")).to_have_text("Nadia Newcomer")
    await expect(page.get_by_role("heading", level=2, name="Program")).to_be_visible()
    assert "view=" not in page.url, page.url
    me = await (await page.request.get(f"{live_server.url}/api/v1/me")).json()
    assert (me["email"], me["country"], me["language"], me["tz"]) == (
        email,
        "KZ",
        "en",
        "Europe/Berlin",
    )


async def test_the_closed_session_is_by_invitation_only_for_a_new_account_and_open_to_the_invitee(
    page: Page, live_server: LiveServer
) -> None:
    closed = await session_id(page, live_server, CLOSED)
    abstract = demo_item(live_server, CLOSED)["abstract"]["en"]
    await sign_up_through_api(page, live_server, "Ivan Uninvited")

    await page.goto(f"{live_server.url}/?{FORUM}&lang=en&session={closed}")

    panel = registration(page)
    await expect(page.get_by_test_id("session-page").locator(".abstract")).to_have_text(abstract)
    await expect(panel.get_by_test_id("invitation-only")).to_contain_text("By invitation only")
    await expect(panel.get_by_role("button")).to_have_count(0)

    await page.context.clear_cookies()
    response = await page.request.post(
        f"{live_server.url}/api/v1/auth/login",
        data={"email": ATTENDEE, "password": DEMO_PASSWORD},
    )
    assert response.status == 200, await response.text()
    await page.reload()

    await expect(header(page).get_by_test_id("account-name")).to_have_text(ATTENDEE_NAME)
    await expect(panel.get_by_role("button", name="Register on site")).to_be_visible()
    await expect(panel.get_by_role("button", name="Register online")).to_be_visible()
    await expect(panel.get_by_test_id("invitation-only")).to_have_count(0)


async def test_the_sign_in_page_in_russian_shows_russian_labels(
    page: Page, live_server: LiveServer
) -> None:
    await page.goto(f"{live_server.url}/?{FORUM}&lang=ru&view=signin")

    signin = page.get_by_test_id("signin-page")
    await expect(signin.get_by_role("heading", level=2, name="Вход")).to_be_visible()
    await expect(signin.get_by_label("Электронная почта")).to_be_visible()
    await expect(signin.get_by_label("Пароль")).to_be_visible()
    await expect(signin.get_by_role("link", name="Зарегистрироваться")).to_be_visible()
    await expect(header(page).get_by_role("link", name="Войти")).to_be_visible()
    await expect(page).to_have_title(re.compile(r"^Вход — Павильон$"))

    await signin.get_by_role("button", name="Войти").click()

    await expect(signin.locator('[data-error-for="email"]')).to_have_text(
        "Введите адрес электронной почты."
    )


async def test_an_on_site_overlap_is_refused_in_the_apis_words_and_online_is_flagged_in_the_agenda(
    page: Page, live_server: LiveServer
) -> None:
    round_table = await session_id(page, live_server, ROUND_TABLE)
    talent = await session_id(page, live_server, TALENT_PANEL)
    await sign_up_through_api(page, live_server, "Olivia Overlap")
    taken = await page.request.post(
        f"{live_server.url}/api/v1/sessions/{talent}/registrations", data={"mode": "onsite"}
    )
    assert taken.status == 200, await taken.text()
    await page.goto(f"{live_server.url}/?{FORUM}&lang=en&session={round_table}")
    panel = registration(page)

    await panel.get_by_role("button", name="Register on site").click()

    problem = panel.get_by_test_id("registration-error")
    await expect(problem).to_contain_text("would overlap your seat in the hall")
    await expect(problem).to_contain_text(demo_item(live_server, ROUND_TABLE)["title"]["en"])
    await expect(problem).to_contain_text(demo_item(live_server, TALENT_PANEL)["title"]["en"])

    await panel.get_by_role("button", name="Register online").click()

    await expect(panel.get_by_test_id("registration-badge")).to_have_text("Confirmed")
    await header(page).get_by_role("link", name="My agenda").click()
    item = agenda_item(page, round_table)
    await expect(item.get_by_test_id("agenda-mode")).to_have_text("Online")
    await expect(item.get_by_test_id("agenda-overlap")).to_contain_text(
        f"Overlaps with {demo_item(live_server, TALENT_PANEL)['title']['en']}"
    )
    await expect(agenda_item(page, talent).get_by_test_id("agenda-overlap")).to_be_visible()


async def test_a_refusal_is_worded_in_the_readers_language_with_times_in_their_zone(
    page: Page, live_server: LiveServer
) -> None:
    """The server says why as a code and particulars; the Russian page words it: Russian
    titles, the other seat's start in the browser's zone (Europe/Berlin), no raw UTC instant."""
    round_table = await session_id(page, live_server, ROUND_TABLE)
    talent = await session_id(page, live_server, TALENT_PANEL)
    await sign_up_through_api(page, live_server, "Olga Overlap")
    taken = await page.request.post(
        f"{live_server.url}/api/v1/sessions/{talent}/registrations", data={"mode": "onsite"}
    )
    assert taken.status == 200, await taken.text()
    await page.goto(f"{live_server.url}/?{FORUM}&lang=ru&session={round_table}")
    panel = registration(page)

    await panel.get_by_role("button", name="Зарегистрироваться очно").click()

    problem = panel.get_by_test_id("registration-error")
    await expect(problem).to_contain_text("пересекается с вашим местом в зале", timeout=10_000)
    for slug in (ROUND_TABLE, TALENT_PANEL):
        await expect(problem).to_contain_text(f"«{demo_item(live_server, slug)['title']['ru']}»")
    wall = datetime.fromisoformat(demo_item(live_server, TALENT_PANEL)["start"])
    local = wall.replace(tzinfo=ZoneInfo("Europe/Moscow")).astimezone(ZoneInfo(BROWSER_ZONE))
    await expect(problem).to_contain_text(re.compile(rf"{local:%H:%M} (CET|CEST|GMT\+\d)"))
    worded = await problem.inner_text()
    assert not re.search(r"\d{4}-\d\d-\d\dT|overlaps|on-site", worded), worded


async def _fill_on_site(server: LiveServer, session: int, seats: int) -> list[str]:
    """Take every on-site seat with new accounts; their bearer tokens."""
    tokens = []
    assert server.database_url is not None
    async with httpx.AsyncClient(base_url=server.url) as client:
        for _ in range(seats):
            details = {"email": fresh_email(), "password": NEW_PASSWORD, "name": "Seat Holder"}
            signed = await sign_up(client, server.database_url, **details)
            token = signed.json()["token"]
            taken = await client.post(
                f"/api/v1/sessions/{session}/registrations",
                json={"mode": "onsite"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert taken.status_code == 200 and taken.json()["status"] == "confirmed", taken.text
            tokens.append(token)
    return tokens


async def test_a_full_session_waitlists_then_offers_a_freed_seat_that_can_be_accepted(
    page: Page, live_server: LiveServer
) -> None:
    small = await session_id(page, live_server, SMALL_WORKSHOP)
    seats = demo_item(live_server, SMALL_WORKSHOP)["capacity"]["onsite"]
    holders = await _fill_on_site(live_server, small, seats)
    await sign_up_through_api(page, live_server, "Wendy Waiting")
    await page.goto(f"{live_server.url}/?{FORUM}&lang=en&session={small}")
    panel = registration(page)
    await expect(panel.get_by_test_id("seats-left-onsite")).to_have_attribute("data-count", "0")

    await panel.get_by_role("button", name="Register on site").click()

    await expect(panel.get_by_test_id("registration-badge")).to_have_text("Waitlisted")
    await expect(panel.get_by_test_id("registration-status")).to_contain_text(
        "You are 1st on the waitlist."
    )

    async with httpx.AsyncClient(base_url=live_server.url) as client:
        freed = await client.delete(
            f"/api/v1/sessions/{small}/registrations/me",
            headers={"Authorization": f"Bearer {holders[0]}"},
        )
        assert freed.status_code == 200, freed.text
    await page.reload()

    await expect(panel.get_by_test_id("registration-badge")).to_have_text("Seat offered")
    await expect(panel.get_by_test_id("registration-status")).to_contain_text("accept it by")
    await panel.get_by_role("button", name="Accept the seat").click()
    await expect(panel.get_by_test_id("registration-badge")).to_have_text("Confirmed")


async def tab_to(page: Page, target: Locator, limit: int = 30) -> None:
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached with Tab in {limit} presses")


async def test_the_keyboard_alone_signs_in_registers_and_cancels(
    page: Page, live_server: LiveServer
) -> None:
    retrofit = await session_id(page, live_server, RETROFIT_PANEL)
    email = await sign_up_through_api(page, live_server, "Kira Keyboard")
    await page.context.clear_cookies()
    await page.goto(f"{live_server.url}/?{FORUM}&lang=en&session={retrofit}")
    panel = registration(page)
    await tab_to(page, panel.get_by_role("link", name="Sign in to register"))
    await page.keyboard.press("Enter")

    await expect(page.locator("#signin-title")).to_be_focused()
    await page.keyboard.press("Tab")
    await page.keyboard.type(email)
    await page.keyboard.press("Tab")
    await page.keyboard.type(NEW_PASSWORD)
    await page.keyboard.press("Enter")

    await expect(page.locator("#session-title")).to_be_focused()
    await tab_to(page, panel.get_by_role("button", name="Register on site"))
    await page.keyboard.press("Enter")

    status = panel.get_by_test_id("registration-status")
    await expect(status).to_be_focused()
    await expect(panel.get_by_test_id("registration-badge")).to_have_text("Confirmed")
    await page.keyboard.press("Tab")
    await expect(panel.get_by_role("button", name="Cancel registration")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(panel.get_by_test_id("confirm-cancel").locator("p")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(panel.get_by_role("button", name="Yes, cancel it")).to_be_focused()
    await page.keyboard.press("Enter")

    await expect(status).to_have_text("Your registration is cancelled.")
    await expect(status).to_be_focused()
    await expect(panel.get_by_role("button", name="Register on site")).to_be_visible()


async def test_my_agenda_shows_a_site_visits_departure_in_the_viewers_zone(
    page: Page, live_server: LiveServer
) -> None:
    visit = await session_id(page, live_server, SITE_VISIT)
    await sign_up_through_api(page, live_server, "Vera Visitor")
    taken = await page.request.post(
        f"{live_server.url}/api/v1/sessions/{visit}/registrations", data={"mode": "onsite"}
    )
    assert taken.status == 200, await taken.text()

    await page.goto(f"{live_server.url}/?{FORUM}&lang=en&view=agenda")

    item = agenda_item(page, visit)
    await expect(page.get_by_role("heading", level=3, name="Saturday, 27 March")).to_be_visible()
    await expect(item.get_by_test_id("viewer-time")).to_have_text("08:00–11:30 CET")
    await expect(item.get_by_test_id("host-time")).to_have_text("Kazan 10:00 MSK")
    await expect(item.get_by_test_id("agenda-departure")).to_have_text(
        "Departure at 07:00 CET from Forum Congress Centre, entrance B, bus No. 1"
    )


def _link_in(folder: Path, to: str) -> str | None:
    """The password link in an .eml the server wrote for `to`, if there is one (the mail that
    finished their sign-up went there too)."""
    for path in folder.glob("*.eml") if folder.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if isinstance(message, EmailMessage) and to in str(message["To"]):
            body = message.get_body(("plain",))
            assert body is not None
            found = re.search(r"http://\S+view=password&token=[\w-]+", body.get_content())
            if found:
                return found[0]
    return None


async def mailed_link(folder: Path | None, to: str) -> str:
    """The password link mailed to `to`: the server has no SMTP server here, so its mail
    sweeper (every 5 s) writes .eml files; waited for generously."""
    assert folder is not None
    for _ in range(200):
        link = await asyncio.to_thread(_link_in, folder, to)
        if link:
            return link
        await asyncio.sleep(0.1)
    raise AssertionError(f"no mail for {to} in {folder}")


async def test_a_person_who_forgot_their_password_chooses_a_new_one_from_the_mailed_link(
    page: Page, live_server: LiveServer
) -> None:
    email = fresh_email()
    assert live_server.database_url is not None
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        made = await sign_up(
            client,
            live_server.database_url,
            email=email,
            password=NEW_PASSWORD,
            name="Fiona Forgetful",
        )
        assert made.status_code == 200, made.text

    await page.goto(f"{live_server.url}/?lang=en&view=signin")
    await page.get_by_role("link", name="Forgot your password?").click()
    form = page.get_by_test_id("forgot-form")
    await form.get_by_label("Email", exact=True).fill(email)
    await form.get_by_role("button", name="Send me a link").click()
    await expect(page.get_by_role("heading", name="Check your mail")).to_be_focused()
    await expect(page.get_by_test_id("forgot-sent")).to_contain_text(f"If an account uses {email}")

    await page.goto(await mailed_link(live_server.mail, email))
    password = page.get_by_test_id("password-form")
    await password.get_by_label("New password").fill("short")
    await password.get_by_role("button", name="Save and sign in").click()
    await expect(password.get_by_text("The password needs at least 10 characters.")).to_be_visible()
    await password.get_by_label("New password").fill("a-brand-new-password")
    await password.get_by_role("button", name="Save and sign in").click()
    await expect(header(page).get_by_test_id("account-name")).to_have_text("Fiona Forgetful")
    # the link is spent, and gone from the address bar
    await expect(page).not_to_have_url(re.compile(r"token="))

    await header(page).get_by_role("button", name="Sign out").click()
    await header(page).get_by_role("link", name="Sign in").click()
    await sign_in_through_form(page, email, "a-brand-new-password")
    await expect(header(page).get_by_test_id("account-name")).to_have_text("Fiona Forgetful")
