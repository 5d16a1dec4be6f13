"""An invitation that arrives, in a real browser: an organiser invites a new address to the
demo's closed expert session from its attendance page; the mail reaches a real SMTP server; the
guest opens its link, signs up over the invite page, comes back to it, accepts, registers and
sees the session; the organiser's list follows; revoking asks first.

The closed session is at 12:30-14:30 in Kazan (Europe/Moscow, MSK) on 2027-03-26, before
Europe moves to summer time: 10:30-12:30 CET in the browser's Berlin.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.e2e.conftest import (
    DEMO_FORUM_SLUG,
    LiveServer,
    people_in,
    save_screenshot,
    serve_demo,
    sign_in,
)
from tests.smtp_server import Inbox, smtp_server

pytestmark = pytest.mark.browser

ORGANISER = "organiser@demo.pavilion.test"
CLOSED = "expert-tech-sovereignty"
PASSWORD = "a-long-enough-password"


@pytest.fixture(scope="module")
def mailed_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Inbox]]:
    """The demo forum on the system clock whose mail goes to a real SMTP server."""
    with smtp_server() as (inbox, port):
        served = serve_demo(
            tmp_path_factory.mktemp("e2e-invite"), smtp_url=f"smtp://127.0.0.1:{port}"
        )
        server = next(served)
        try:
            yield server, inbox
        finally:
            served.close()


async def mail_to(inbox: Inbox, address: str, within: float = 30.0) -> EmailMessage:
    """The one message to `address`, once the server's mail sweeper (every 5 s) sent it."""
    deadline = time.monotonic() + within
    while not inbox.to(address):
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail to {address} within {within} s")
        await asyncio.sleep(0.1)
    (mail,) = inbox.to(address)
    return mail


async def signup_mail_to(inbox: Inbox, address: str, within: float = 30.0) -> str:
    """The link of the sign-up message to `address`, once it was sent."""
    deadline = time.monotonic() + within
    while True:
        for mail in inbox.to(address):
            found = re.search(
                r"http://\S+view=signup&token=\S+", mail.get_body(("plain",)).get_content()
            )
            if found:
                return found[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no sign-up mail to {address} within {within} s")
        await asyncio.sleep(0.1)


def fresh_email(who: str) -> str:
    return f"{who}-{uuid.uuid4().hex[:10]}@example.test"


async def closed_session(server: LiveServer) -> tuple[int, str]:
    async with httpx.AsyncClient(base_url=server.url) as client:
        program = (await client.get(f"/api/v1/forums/{DEMO_FORUM_SLUG}/program")).json()
    found = next(s for day in program["days"] for s in day["sessions"] if s["slug"] == CLOSED)
    return found["id"], found["title"]


async def invite_from_panel(page: Page, email: str, name: str, language: str) -> None:
    panel = page.get_by_test_id("invitations")
    await panel.locator("#invite-email").fill(email)
    await panel.locator("#invite-name").fill(name)
    await panel.locator("#invite-language").select_option(language)
    await panel.get_by_role("button", name="Send the invitation", exact=True).click()
    await expect(row(page, email)).to_have_attribute("data-state", "invited")


def row(page: Page, email: str) -> Locator:
    return page.locator(f'[data-testid="invite-row"][data-email="{email}"]')


async def test_a_guest_follows_the_mailed_link_signs_up_accepts_registers_and_sees_the_session(
    browser: Browser, mailed_demo: tuple[LiveServer, Inbox], tmp_path: Path
) -> None:
    server, inbox = mailed_demo
    session, title = await closed_session(server)
    guest_email = fresh_email("guest")
    async with people_in(browser, 2) as (organiser, guest):
        # The organiser invites a new address from the session's attendance page.
        await sign_in(organiser.page, server, ORGANISER)
        await organiser.page.goto(
            f"{server.url}/?forum={DEMO_FORUM_SLUG}&session={session}&view=attendance&lang=en"
        )
        await expect(organiser.page.get_by_test_id("invitations")).to_be_visible()
        await invite_from_panel(organiser.page, guest_email, "Nina Newcomer", "en")

        # The mail arrives, in English, with the link.
        mail = await mail_to(inbox, guest_email)
        text = mail.get_body(("plain",)).get_content()
        link = re.search(r"(http://127\.0\.0\.1:\d+/\?invite=[A-Za-z0-9_-]+)", text)
        assert mail["Subject"].strip() == f"Invitation: {title}"
        assert "Hello Nina Newcomer," in text
        assert "Friday, 26 March 2027, 12:30–14:30 (Europe/Moscow), local time in Kazan" in text
        assert link is not None, text

        # The guest opens it: the session, its time here and in Kazan, and a way in.
        page = guest.page
        await page.goto(link[1])
        await expect(page.get_by_test_id("invite-session-title")).to_have_text(title)
        await expect(page.get_by_test_id("invite-time-viewer")).to_contain_text(
            "Friday, 26 March, 10:30–12:30 CET"
        )
        await expect(page.get_by_test_id("invite-time-host")).to_contain_text("Kazan")
        await expect(page.get_by_test_id("invite-time-host")).to_contain_text("12:30–14:30")
        await expect(page.get_by_test_id("invite-signed-out")).to_contain_text(
            f"{guest_email[0]}***@example.test"
        )
        assert "view=invite" in page.url  # the mailed /?invite= link, as the page's own URL
        await save_screenshot(page, tmp_path, "invite-page.png")

        # Sign up over the page, and come back to it.
        await page.get_by_test_id("invite-signup").click()
        form = page.get_by_test_id("signup-form")
        await form.locator("#signup-email").fill(guest_email)
        await form.locator("#signup-password").fill(PASSWORD)
        await form.locator("#signup-name").fill("Nina Newcomer")
        await form.get_by_role("button", name="Create account").click()
        await expect(page.get_by_test_id("signup-sent")).to_contain_text(guest_email)
        # The link to finish the account comes by mail and leads back to the invitation.
        finish = await signup_mail_to(inbox, guest_email)
        assert "&invite=" in finish, finish
        await page.goto(finish)
        await page.get_by_role("button", name="Create my account").click()
        await expect(page.get_by_test_id("invite-accept-step")).to_contain_text(guest_email)

        # Accept, then register with the session page's own panel.
        await page.get_by_test_id("invite-accept").click()
        mine = page.get_by_test_id("invite-mine")
        await expect(mine).to_contain_text("You accepted the invitation")
        await mine.get_by_role("button", name="Register on site").click()
        await expect(mine.get_by_test_id("registration-status")).to_have_attribute(
            "data-status", "confirmed"
        )
        await save_screenshot(page, tmp_path, "invite-registered.png")

        # And to the session itself.
        await page.get_by_test_id("invite-session-link").click()
        await expect(page.locator("#session-title")).to_have_text(title)
        assert "invite=" not in page.url
        await expect(
            page.get_by_test_id("session-page").get_by_test_id("registration-status")
        ).to_have_attribute("data-status", "confirmed")

        # The organiser's list has followed: invited -> registered.
        await organiser.page.reload()
        await expect(row(organiser.page, guest_email)).to_have_attribute("data-state", "registered")
        await expect(row(organiser.page, guest_email)).to_contain_text("Nina Newcomer")


async def test_an_organiser_revokes_an_invitation_after_confirming_and_its_link_says_so(
    browser: Browser, mailed_demo: tuple[LiveServer, Inbox], tmp_path: Path
) -> None:
    server, inbox = mailed_demo
    session, _ = await closed_session(server)
    email = fresh_email("revoked")
    async with people_in(browser, 2) as (organiser, guest):
        page = organiser.page
        await sign_in(page, server, ORGANISER)
        await page.goto(
            f"{server.url}/?forum={DEMO_FORUM_SLUG}&session={session}&view=attendance&lang=en"
        )
        await invite_from_panel(page, email, "", "ru")

        await row(page, email).get_by_test_id("invite-revoke").click()
        confirm = row(page, email).get_by_test_id("revoke-confirm")
        await expect(confirm).to_be_visible()
        await expect(confirm.locator("[data-confirm-question]")).to_be_focused()
        await page.get_by_test_id("invitations").scroll_into_view_if_needed()
        await save_screenshot(page, tmp_path, "invitations-panel.png")
        await confirm.get_by_role("button", name="Keep it").click()
        await expect(row(page, email)).to_have_attribute("data-state", "invited")
        await expect(row(page, email).get_by_test_id("invite-revoke")).to_be_focused()

        await row(page, email).get_by_test_id("invite-revoke").click()
        await row(page, email).get_by_test_id("revoke-yes").click()
        await expect(row(page, email)).to_have_attribute("data-state", "revoked")
        await expect(row(page, email).get_by_test_id("invite-state")).to_have_text("Revoked")

        # The revoked invitation's link says so (the mail was in Russian, as chosen).
        mail = await mail_to(inbox, email)
        assert mail["Subject"].strip().startswith("Приглашение: ")
        link = re.search(r"\?invite=([A-Za-z0-9_-]+)", mail.get_body(("plain",)).get_content())
        assert link is not None
        await guest.page.goto(f"{server.url}/?invite={link[1]}&lang=en")
        await expect(guest.page.get_by_test_id("invite-revoked")).to_contain_text(
            "This invitation was withdrawn by the organisers."
        )
        await guest.page.goto(f"{server.url}/?invite=no-such-token-at-all&lang=en")
        await expect(guest.page.get_by_test_id("invite-wrong")).to_be_visible()
