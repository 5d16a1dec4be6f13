"""Running a real forum, end to end, as a new organiser lives it: in real browsers, against a
server of its own whose database the real command line prepared (`pavilion db upgrade`,
`pavilion program import` of the demo forum's file, which holds no people with roles, and
`pavilion roles grant` of the first organiser), reading every link from the mail the server
wrote (no SMTP server: `.eml` files in its outbox).

The server runs in the test's own event loop, on a FakeClock the test moves. The clock first
stands at the wall-clock time the command line ran, months before the forum (the first
organiser's link, issued by the command line on the wall clock, is valid for a week; the
closed expert session on 26 March is still ahead). The
mail sweeper runs every 5 s of that clock: waiting for a mail moves it on 5 s at a time, as
time would pass. For the marathon day the clock is moved to MARATHON_NOW (Tashkent on air):
everybody's sign-in has expired by then (30 days), so the organiser and the attendee sign in
again with the passwords they chose.

Times, worked out by hand from server/program/demo/forum.yaml: the forum is in Kazan
(Europe/Moscow, MSK, UTC+3). The new round table, in the Sviyaga Chamber Hall (free then),
is made for 26 March 10:00-11:30 MSK and moved to 27 March 12:00-13:30 MSK: 14:00-15:30 and
then 16:00-17:30 in Jakarta (WIB, UTC+7), where the attendee reads the forum. On 28 March at
09:35 UTC Tashkent is on air and Cairo follows at 10:00 UTC: 12:00 in the organiser's Berlin
(CEST, UTC+2 since that night), 17:00 WIB; a 15-minute delay of Tashkent moves Cairo to
12:15-13:45 CEST, 17:15 WIB.

`PAVILION_SCREENSHOTS=docs` saves the README's screenshots (docs/roles.png, editor.png,
invite.png, notice.png, marathon-delay.png); without it they go to test-results/e2e/.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from server.app import create_app
from server.cli import DEMO_FORUM
from server.clock import FakeClock
from server.settings import Settings
from tests.e2e.conftest import (
    FAKE_MEDIA_ARGS,
    MARATHON_NOW,
    REPO,
    chromium,
    people_in,
    save_screenshot,
)
from tests.servers import free_socket, serve_here

pytestmark = pytest.mark.browser

FORUM = "demo-forum"
BOSS = "boss@forum.test"
MODERATOR = "mona.moderator@forum.test"
SPEAKER = "sami.speaker@forum.test"
ATTENDEE = "ayu.attendee@forum.test"
GUEST = "gita.guest@forum.test"
BOSS_PASSWORD = "the-boss-chose-this"
PASSWORD = "a-long-enough-password"
ASEAN = "online-asean-briefing"  # online, 27 March: a remote speaker joins from the browser
CLOSED = "expert-tech-sovereignty"  # by invitation only, 26 March 12:30-14:30 MSK
ROUND_TABLE = "round-table-bearings"
ROUND_TABLE_TITLE = "Round table: bearings made at home"
FORUM_NAME = "Crossroads 2027 International Industrial Forum"
PASSWORD_LINK = r"http://127\.0\.0\.1:\d+/\?view=password&token=[\w-]+"
SCREEN = {"width": 1200, "height": 800}  # the README's screenshots
LIVE = 20_000  # ms: a push through the socket; four people share one browser


def cli(values: dict[str, Any], *args: str) -> str:
    """`pavilion …` as a user runs it, with the server's settings in PAVILION_* variables."""
    env = {**os.environ, **{f"PAVILION_{k.upper()}": str(v) for k, v in values.items()}}
    command = [str(Path(sys.executable).parent / "pavilion"), *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def mail_in(outbox: Path, to: str, subject: str) -> str | None:
    """The text of the message the server wrote to `to` whose subject starts so, if any."""
    for path in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if not isinstance(message, EmailMessage) or to not in str(message["To"]):
            continue
        if str(message["Subject"]).strip().startswith(subject):
            body = message.get_body(("plain",))
            assert body is not None
            return str(body.get_content())
    return None


class Post:
    """The server's outbox, read as the people would read their mail."""

    def __init__(self, outbox: Path, clock: FakeClock) -> None:
        self.outbox = outbox
        self.clock = clock

    async def mail(self, to: str, subject: str) -> str:
        """The text mailed to `to`; the mail sweeper runs every 5 s of the server's clock."""
        for _ in range(120):
            found = await asyncio.to_thread(mail_in, self.outbox, to, subject)
            if found:
                return found
            self.clock.advance(timedelta(seconds=5))
            await asyncio.sleep(0.25)
        raise AssertionError(f"no mail to {to} about {subject!r} in {self.outbox}")

    async def link(self, to: str, subject: str, pattern: str) -> str:
        text = await self.mail(to, subject)
        found = re.search(pattern, text)
        assert found, text
        return found[0]


async def screenshot(page: Page, tmp_path: Path, name: str) -> None:
    """For the README (PAVILION_SCREENSHOTS=docs), else with the other tests' screenshots."""
    folder = os.environ.get("PAVILION_SCREENSHOTS")
    if not folder:
        await save_screenshot(page, tmp_path, name)
        return
    target = Path(folder) if Path(folder).is_absolute() else REPO / folder
    target.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(target / name))
    print(f"screenshot: {target / name}")


async def session_id(url: str, slug: str) -> int:
    async with httpx.AsyncClient(base_url=url) as client:
        program = (await client.get(f"/api/v1/forums/{FORUM}/program")).json()
    return int(next(s["id"] for d in program["days"] for s in d["sessions"] if s["slug"] == slug))


async def wait_until_live(url: str, slug: str) -> None:
    """The runners move the program to the clock once it moved: wait for it."""
    wanted = await session_id(url, slug)
    async with httpx.AsyncClient(base_url=url) as client:
        for _ in range(150):
            if wanted in (await client.get(f"/api/v1/forums/{FORUM}/now")).json()["live"]:
                return
            await asyncio.sleep(0.1)
    raise AssertionError(f"{slug} never went live")


async def top_of(part: Locator) -> None:
    """Scroll `part` to the top of the window (for a screenshot)."""
    await part.evaluate("element => element.scrollIntoView({block: 'start'})")


def header(page: Page) -> Locator:
    return page.locator("pv-header")


async def visit(page: Page, address: str) -> None:
    """Open a page and wait until it has settled: who is signed in is known and the forum (if
    any) loaded. Each redraws the header and the page, and a click that falls between a
    redraw's press and release is lost."""
    await page.goto(address)
    known = (
        header(page).get_by_test_id("account-name").or_(header(page).get_by_test_id("signin-link"))
    )
    await expect(known).to_be_visible()
    if "forum=" in address:
        await expect(page.get_by_role("heading", level=1)).to_have_text(FORUM_NAME)


async def choose_password(page: Page, link: str, password: str, name: str) -> None:
    """A mailed link to choose a password: chosen, and signed in."""
    await visit(page, f"{link}&lang=en")
    form = page.get_by_test_id("password-form")
    await form.get_by_label("New password").fill(password)
    await form.get_by_role("button", name="Save and sign in").click()
    await expect(header(page).get_by_test_id("account-name")).to_have_text(name)
    await expect(page).not_to_have_url(re.compile("token="))  # spent, and gone from the address


async def sign_in_again(page: Page, email_address: str, password: str, name: str) -> None:
    """From the header's "Sign in" back to the page it was opened on."""
    await header(page).get_by_test_id("signin-link").click()
    form = page.get_by_test_id("signin-form")
    await form.get_by_label("Email", exact=True).fill(email_address)
    await form.get_by_label("Password", exact=True).fill(password)
    await form.get_by_role("button", name="Sign in").click()
    await expect(header(page).get_by_test_id("account-name")).to_have_text(name)


def grant_row(page: Page, email_address: str, role: str) -> Locator:
    return page.locator(f'[data-testid="grant"][data-email="{email_address}"][data-role="{role}"]')


async def give_role(page: Page, email_address: str, name: str, role: str, session: int) -> None:
    await page.get_by_test_id("roles-email").fill(email_address)
    await page.get_by_test_id("roles-name").fill(name)
    await page.get_by_test_id("roles-language").select_option("en")
    await page.get_by_test_id("roles-role").select_option(role)
    await page.get_by_test_id("roles-session").select_option(str(session))
    await page.get_by_test_id("roles-submit").click()
    row = grant_row(page, email_address, role)
    await expect(row).to_have_attribute("data-session", str(session))
    await expect(row.get_by_test_id("grant-pending")).to_have_text(
        "invited — will choose a password from the mail"
    )
    await expect(page.get_by_test_id("roles-said")).to_contain_text(f"Invited {email_address}")


async def fill_session(form: Locator, **values: str) -> None:
    """The editor's session form, by its labels; selects chosen by value."""
    labels = {
        "slug": "Short name (in links)",
        "title_en": "Title in English",
        "type": "Type",
        "format": "Format",
        "venue": "Venue",
        "capacity_onsite": "Places on site",
        "date": "Date",
        "start": "Starts at",
        "end": "Ends at",
    }
    for name, value in values.items():
        control = form.get_by_label(labels[name], exact=True)
        if name in ("type", "format", "venue"):
            await control.select_option(value)
        else:
            await control.fill(value)


async def test_a_new_organiser_runs_a_real_forum_from_the_browser(tmp_path: Path) -> None:
    # --- Set up from the command line, as the README says -----------------------------------
    sock = free_socket()
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'forum.db'}",
        "media_dir": tmp_path / "media",
        "public_url": f"http://127.0.0.1:{sock.getsockname()[1]}",
        "log_format": "text",
        "log_level": "WARNING",
    }
    await asyncio.to_thread(cli, values, "db", "upgrade")
    imported = await asyncio.to_thread(cli, values, "program", "import", str(DEMO_FORUM))
    assert "forum demo-forum" in imported, imported
    first = ["roles", "grant", FORUM, BOSS, "organiser", "--name", "Boss", "--language", "en"]
    given = await asyncio.to_thread(cli, values, *first)
    assert f"{BOSS} is organiser" in given, given
    listed = await asyncio.to_thread(cli, values, "roles", "list", FORUM)
    assert "Boss (invited)" in listed, listed

    settings = Settings(**values)
    clock = FakeClock(datetime.now(UTC))
    post = Post(settings.mail_outbox, clock)
    app = create_app(settings, clock=clock)
    browser_args = (*FAKE_MEDIA_ARGS, "--autoplay-policy=no-user-gesture-required")
    async with (
        serve_here(app, sock) as url,
        chromium(*browser_args) as browser,
        people_in(browser, 4) as (boss, speaker, attendee, guest),
    ):
        for person in (boss, speaker, attendee, guest):
            await person.page.set_viewport_size(SCREEN)
        asean = await session_id(url, ASEAN)
        closed = await session_id(url, CLOSED)

        # --- 1. The organiser chooses a password from the mailed link ---------------------------
        page = boss.page
        welcome = await post.mail(BOSS, f"Your account at {FORUM_NAME}")
        assert f"you are an organiser — {FORUM_NAME}." in welcome, welcome
        link = re.search(PASSWORD_LINK, welcome)
        assert link is not None, welcome
        await choose_password(page, link[0], BOSS_PASSWORD, "Boss")

        # --- 2. Roles: a moderator and a speaker of the online briefing, by email ---------------
        await visit(page, f"{url}/?forum={FORUM}&lang=en")
        await page.get_by_test_id("roles-link").click()
        await expect(page.get_by_role("heading", name="People and roles", level=2)).to_be_focused()
        mine = grant_row(page, BOSS, "organiser")
        await expect(mine).to_contain_text("Boss")
        await expect(mine.get_by_test_id("grant-pending")).to_have_count(0)  # chose a password
        await give_role(page, MODERATOR, "Mona Moderator", "moderator", asean)
        await give_role(page, SPEAKER, "Sami Speaker", "speaker", asean)
        group = page.locator(f'[data-testid="roles-group"][data-session="{asean}"]')
        await expect(group.get_by_test_id("grant")).to_have_count(2)
        await top_of(page.get_by_test_id("roles-form"))
        await screenshot(page, tmp_path, "roles.png")

        # The speaker's mail: a password, then their session, then its backstage.
        mailed = await post.link(SPEAKER, f"Your account at {FORUM_NAME}", PASSWORD_LINK)
        await choose_password(speaker.page, mailed, PASSWORD, "Sami Speaker")
        await speaker.page.get_by_test_id("notices-button").click()
        told = speaker.page.get_by_test_id("notices-panel").get_by_test_id("notice")
        await expect(told).to_have_attribute("data-kind", "role_granted")
        await expect(told).to_contain_text("Speaker")
        await told.get_by_role("link").click()
        asean_title = "Doing business in ASEAN: a briefing for manufacturers"
        await expect(speaker.page.locator("#session-title")).to_have_text(asean_title)
        await visit(speaker.page, f"{url}/?forum={FORUM}&lang=en&session={asean}&view=backstage")
        backstage = speaker.page.get_by_test_id("backstage-page")
        await expect(backstage).to_have_attribute("data-status", "ready", timeout=LIVE)
        await expect(speaker.page.get_by_test_id("backstage-refused")).to_have_count(0)
        await expect(speaker.page.locator("#backstage-title")).to_contain_text(asean_title)
        await speaker.page.wait_for_function(
            "video => video.videoWidth > 0 && !video.paused",
            arg=await speaker.page.get_by_test_id("camera-preview").element_handle(),
            timeout=LIVE,
        )
        place = speaker.page.get_by_test_id("backstage-state")
        await speaker.page.get_by_role("button", name="Join the backstage").click()
        await expect(place).to_have_attribute("data-state", "backstage", timeout=LIVE)
        await speaker.page.get_by_role("button", name="Leave the backstage").click()
        await expect(place).to_have_attribute("data-state", "off", timeout=LIVE)

        # --- 3. The editor: a 30-seat round table; an attendee in Jakarta registers -------------
        await visit(page, f"{url}/?forum={FORUM}&lang=en")
        await page.get_by_test_id("editor-link").click()
        await page.get_by_test_id("editor-new-sessions").click()
        form = page.get_by_test_id("editor-session-form")
        await fill_session(
            form,
            slug=ROUND_TABLE,
            title_en=ROUND_TABLE_TITLE,
            type="round_table",
            format="onsite",
            venue="chamber-hall",
            capacity_onsite="30",
            date="2027-03-26",
            start="10:00",
            end="11:30",
        )
        await expect(form.get_by_test_id("editor-check")).to_have_text(
            "No clashes with the rest of the program."
        )
        await expect(form.get_by_test_id("editor-viewer-time")).to_have_text(
            "In your zone (Europe/Berlin): Fri 26 Mar, 08:00 CET – 09:30 CET"
        )
        await top_of(form.locator('[data-field="date"]'))
        await screenshot(page, tmp_path, "editor.png")
        await form.get_by_test_id("editor-save").click()
        await expect(page.get_by_test_id("editor-flash")).to_have_text(
            f"Saved “{ROUND_TABLE_TITLE}”."
        )
        made = page.get_by_test_id("editor-session").and_(
            page.locator(f'[data-slug="{ROUND_TABLE}"]')
        )
        await expect(made.get_by_test_id("editor-session-time")).to_have_text(
            re.compile(r"^10:00–11:30 ")
        )
        round_table = await session_id(url, ROUND_TABLE)

        # The attendee signs up in the browser, choosing Jakarta's zone.
        reader = attendee.page
        await visit(reader, f"{url}/?forum={FORUM}&lang=en")
        await header(reader).get_by_test_id("signin-link").click()
        await reader.get_by_test_id("to-signup").click()
        signup = reader.get_by_test_id("signup-form")
        await signup.locator("#signup-email").fill(ATTENDEE)
        await signup.locator("#signup-password").fill(PASSWORD)
        await signup.locator("#signup-name").fill("Ayu Attendee")
        await signup.locator("#signup-tz").fill("Asia/Jakarta")
        await signup.get_by_role("button", name="Create account").click()
        await expect(reader.get_by_test_id("signup-sent")).to_contain_text(ATTENDEE)
        finish = await post.link(
            ATTENDEE, "Finish creating your Pavilion account", r"http://\S+view=signup&token=\S+"
        )
        await visit(reader, finish)
        await reader.get_by_role("button", name="Create my account").click()
        await expect(header(reader).get_by_test_id("account-name")).to_have_text("Ayu Attendee")
        await expect(header(reader).get_by_test_id("tz-input")).to_have_value("Asia/Jakarta")
        await (
            reader.locator("pv-program").locator(f'[data-session-id="{round_table}"]').first.click()
        )
        await expect(reader.locator("#session-title")).to_have_text(ROUND_TABLE_TITLE)
        session_page = reader.get_by_test_id("session-page")
        await expect(session_page.get_by_test_id("viewer-time")).to_have_text("14:00–15:30 WIB")
        await expect(session_page.get_by_test_id("host-time")).to_contain_text("10:00–11:30 MSK")
        panel = session_page.get_by_test_id("registration")
        await panel.get_by_role("button", name="Register on site").click()
        await expect(panel.get_by_test_id("registration-badge")).to_have_text("Confirmed")
        await reader.evaluate("window.notReloaded = true")

        # The organiser moves it to the next day; the attendee's open page follows and is told.
        await made.get_by_role("button", name=re.compile("^Move")).click()
        form = page.get_by_test_id("editor-session-form")
        await expect(form.get_by_label("Date", exact=True)).to_be_focused()
        await fill_session(form, date="2027-03-27", start="12:00", end="13:30")
        await expect(form.get_by_test_id("editor-check")).to_have_text(
            "No clashes with the rest of the program."
        )
        await form.get_by_test_id("editor-save").click()
        await expect(made.get_by_test_id("editor-session-time")).to_have_text(
            re.compile(r"^12:00–13:30 ")
        )

        await expect(session_page.get_by_test_id("viewer-time")).to_have_text(
            "16:00–17:30 WIB", timeout=LIVE
        )
        await expect(session_page.get_by_test_id("host-time")).to_contain_text("12:00–13:30 MSK")
        toast = reader.get_by_test_id("toast").and_(reader.locator('[data-kind="session_moved"]'))
        await expect(toast.locator(".toast-text")).to_have_text(
            f"Session moved: “{ROUND_TABLE_TITLE}” now 16:00 UTC+7.", timeout=LIVE
        )
        await expect(header(reader).get_by_test_id("notices-unread")).to_contain_text("1")
        await top_of(panel)
        await screenshot(reader, tmp_path, "notice.png")
        await header(reader).get_by_test_id("notices-button").click()
        moved = reader.get_by_test_id("notices-panel").get_by_test_id("notice")
        await expect(moved).to_have_attribute("data-kind", "session_moved")
        await expect(moved).to_contain_text("Sat 27 Mar, 16:00–17:30")
        await reader.keyboard.press("Escape")
        assert await reader.evaluate("window.notReloaded") is True
        told_by_mail = await post.mail(ATTENDEE, f"New time: {ROUND_TABLE_TITLE}")
        assert "Saturday, 27 March 2027, 16:00–17:30 (Asia/Jakarta)" in told_by_mail, told_by_mail

        # --- 4. An invitation to the closed expert session --------------------------------------
        await visit(page, f"{url}/?forum={FORUM}&lang=en&session={closed}")
        await page.get_by_test_id("attendance-link").click()
        invitations = page.get_by_test_id("invitations")
        await invitations.locator("#invite-email").fill(GUEST)
        await invitations.locator("#invite-name").fill("Gita Guest")
        await invitations.locator("#invite-language").select_option("en")
        await invitations.get_by_role("button", name="Send the invitation", exact=True).click()
        invited = page.locator(f'[data-testid="invite-row"][data-email="{GUEST}"]')
        await expect(invited).to_have_attribute("data-state", "invited")

        visitor = guest.page
        closed_title = "Closed expert session: technological sovereignty in practice"
        invite_link = r"http://127\.0\.0\.1:\d+/\?invite=[\w-]+"
        await visit(visitor, await post.link(GUEST, f"Invitation: {closed_title}", invite_link))
        await expect(visitor.get_by_test_id("invite-session-title")).to_have_text(closed_title)
        await expect(visitor.get_by_test_id("invite-time-viewer")).to_contain_text(
            "Friday, 26 March, 10:30–12:30 CET"
        )
        await visitor.get_by_test_id("invite-signup").click()
        signup = visitor.get_by_test_id("signup-form")
        await signup.locator("#signup-email").fill(GUEST)
        await signup.locator("#signup-password").fill(PASSWORD)
        await signup.locator("#signup-name").fill("Gita Guest")
        await signup.get_by_role("button", name="Create account").click()
        await expect(visitor.get_by_test_id("signup-sent")).to_contain_text(GUEST)
        finish = await post.link(
            GUEST, "Finish creating your Pavilion account", r"http://\S+view=signup&token=\S+"
        )
        await visit(visitor, finish)  # back to the invitation once the account is made
        await visitor.get_by_role("button", name="Create my account").click()
        await expect(visitor.get_by_test_id("invite-accept-step")).to_contain_text(GUEST)
        await screenshot(visitor, tmp_path, "invite.png")
        await visitor.get_by_test_id("invite-accept").click()
        accepted = visitor.get_by_test_id("invite-mine")
        await expect(accepted).to_contain_text("You accepted the invitation")
        await accepted.get_by_role("button", name="Register on site").click()
        await expect(accepted.get_by_test_id("registration-status")).to_have_attribute(
            "data-status", "confirmed"
        )
        await page.reload()
        await expect(invited).to_have_attribute("data-state", "registered")

        # --- 5. The marathon day: the organiser delays the live segment -------------------------
        clock.set(MARATHON_NOW)
        await wait_until_live(url, "marathon-tashkent")
        await visit(reader, f"{url}/?forum={FORUM}&lang=en&tz=Asia/Jakarta&marathon=capitals")
        await sign_in_again(reader, ATTENDEE, PASSWORD, "Ayu Attendee")
        await visit(page, f"{url}/?forum={FORUM}&lang=en&marathon=capitals")
        await sign_in_again(page, BOSS, BOSS_PASSWORD, "Boss")
        for watcher in (page, reader):
            await expect(watcher.get_by_test_id("live-label")).to_have_text("Live now: Tashkent")
        cairo = reader.locator('pv-marathon .mblock[data-city="Cairo"]')
        await expect(cairo.get_by_test_id("viewer-time")).to_have_text("17:00 WIB")
        await expect(reader.get_by_test_id("marathon-controls")).to_have_count(0)
        await reader.evaluate("window.notReloaded = true")

        await page.get_by_test_id("delay-open").click()
        dialog = page.get_by_test_id("marathon-dialog")
        await expect(dialog.get_by_test_id("delay-minutes")).to_be_focused()
        await dialog.get_by_test_id("delay-minutes").fill("15")
        preview = dialog.get_by_test_id("delay-preview")
        after = preview.locator('tr[data-city="Cairo"]').get_by_test_id("preview-after")
        await expect(after).to_have_text("12:15–13:45 CEST")
        await screenshot(page, tmp_path, "marathon-delay.png")
        await dialog.get_by_test_id("delay-confirm").click()
        await expect(dialog).to_be_hidden()

        await expect(cairo.get_by_test_id("viewer-time")).to_have_text("17:15 WIB", timeout=LIVE)
        await expect(reader.get_by_test_id("next-label")).to_have_text("Next: Cairo in 40 min")
        assert await reader.evaluate("window.notReloaded") is True
