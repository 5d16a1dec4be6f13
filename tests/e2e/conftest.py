"""Real Pavilion servers with the demo forum and its demo accounts, and Debian's Chromium
driven by Playwright.

Each server runs in a background thread on a free loopback port for the whole session: one on
the system clock, one stopped on the marathon day (`marathon_server`), so that what is live
and what is next are known. Each test gets a fresh browser page whose own zone is
Europe/Berlin, so that "my time" is known.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from server.app import create_app
from server.cli import DEMO_FORUM
from server.clock import Clock, FakeClock, SystemClock
from server.db import Database
from server.editor.importer import import_program
from server.migrate import upgrade
from server.people.demo import create_demo_people
from server.settings import Settings
from tests.conftest import chromium_path
from tests.servers import free_socket, serve_in_thread

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "test-results" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A camera showing a moving test picture and a beeping microphone, allowed without asking.
FAKE_MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
BROWSER_ZONE = "Europe/Berlin"
DEMO_PASSWORD = "demo-password"  # every demo account's (server/people/demo.py)
# On the demo marathon's day: Tashkent (08:20-09:50 UTC) is on air, Cairo starts at 10:00.
MARATHON_NOW = datetime(2027, 3, 28, 9, 35, tzinfo=UTC)
DEMO_FORUM_SLUG = "demo-forum"


@dataclass(frozen=True)
class LiveServer:
    url: str
    program: dict[str, Any]  # the demo forum's YAML document, for expectations taken from data
    mail: Path | None = None  # where its mail goes (no SMTP server: .eml files)
    database_url: str | None = None  # its database (a test reads a mailed sign-up link there)


async def _load_demo(database_url: str, document: object, clock: Clock) -> None:
    await upgrade(database_url)
    db = Database(database_url)
    try:
        async with db.session() as session:
            await import_program(session, clock, document)
            await session.commit()
            await create_demo_people(session, clock, DEMO_FORUM_SLUG)  # commits
    finally:
        await db.dispose()


def _demo_settings(folder: Path, port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": f"sqlite+aiosqlite:///{folder / 'e2e.db'}",
        "media_dir": folder / "media",
        "log_format": "text",
        "log_level": "WARNING",
        "public_url": f"http://127.0.0.1:{port}",
        **overrides,
    }
    return Settings(**values)


def serve_demo(
    folder: Path, clock: Clock | None = None, **overrides: Any
) -> Iterator[LiveServer]:
    """The app serving the demo forum on 127.0.0.1:<free port> (on `clock`, else the system's;
    with these settings changed) until the generator is closed."""
    sock = free_socket()
    port = sock.getsockname()[1]
    settings = _demo_settings(folder, port, **overrides)
    document = yaml.safe_load(DEMO_FORUM.read_text(encoding="utf-8"))
    app = create_app(settings, clock=clock)

    async def load() -> None:
        await _load_demo(settings.database_url, document, clock or SystemClock())

    with serve_in_thread(app, load, sock=sock) as url:
        yield LiveServer(
            url=url,
            program=document,
            mail=settings.mail_outbox,
            database_url=settings.database_url,
        )


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo forum on the system clock, for the whole session."""
    yield from serve_demo(tmp_path_factory.mktemp("e2e"))


@pytest.fixture(scope="session")
def marathon_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo forum on a clock stopped at MARATHON_NOW, for the whole session."""
    yield from serve_demo(tmp_path_factory.mktemp("e2e-marathon"), FakeClock(MARATHON_NOW))


@asynccontextmanager
async def chromium(*extra_args: str) -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, with CHROMIUM_ARGS and `extra_args`."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path(), args=[*CHROMIUM_ARGS, *extra_args]
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest.fixture
async def media_browser() -> AsyncIterator[Browser]:
    """Chromium whose pages get a fake camera and microphone without asking."""
    async with chromium(*FAKE_MEDIA_ARGS) as launched:
        yield launched


class Person:
    """One browser context (one person's), with the JavaScript errors its page raised and the
    native dialogs it opened (none should: they are dismissed and reported)."""

    def __init__(self, context: BrowserContext, page: Page) -> None:
        self.context = context
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", self._dialog)

    async def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        await dialog.dismiss()


@asynccontextmanager
async def people_in(browser: Browser, count: int) -> AsyncIterator[list[Person]]:
    """`count` fresh desktop-sized contexts (English, Berlin), each checked at the end for
    JavaScript errors and dialogs."""
    made: list[Person] = []
    for _ in range(count):
        context = await browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id=BROWSER_ZONE
        )
        made.append(Person(context, await context.new_page()))
    try:
        yield made
    finally:
        for person in made:
            await person.context.close()
    for person in made:
        assert person.errors == [], f"the page raised JavaScript errors: {person.errors}"
        assert person.dialogs == [], f"the page opened dialogs: {person.dialogs}"


async def sign_in(page: Page, server: LiveServer, email: str) -> None:
    """Sign the page's context in as a demo account (through the API: the form has its own
    tests)."""
    response = await page.request.post(
        f"{server.url}/api/v1/auth/login", data={"email": email, "password": DEMO_PASSWORD}
    )
    assert response.status == 200, await response.text()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A desktop-sized page in an English browser whose own zone is Europe/Berlin."""
    context = await browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-GB", timezone_id=BROWSER_ZONE
    )
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        await context.close()
    assert errors == [], f"the page raised JavaScript errors: {errors}"


async def save_screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    """A screenshot in the test's own folder and in test-results/e2e/ (git-ignored)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    kept = RESULTS / name
    await page.screenshot(path=str(tmp_path / name))
    await page.screenshot(path=str(kept))
    print(f"screenshot: {kept}")
    return kept
