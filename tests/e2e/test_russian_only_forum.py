"""A forum whose program file names everything in Russian alone shows in both interfaces: the
Russian one as written, the English one with the Russian names (never blank)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from server.app import create_app
from server.clock import FakeClock
from server.db import Database
from server.editor.importer import import_program
from server.migrate import upgrade
from tests.e2e.conftest import _demo_settings
from tests.factories import russian_only
from tests.servers import free_socket, serve_in_thread


@pytest.fixture(scope="module")
def russian_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder: Path = tmp_path_factory.mktemp("russian-only")
    sock = free_socket()
    settings = _demo_settings(folder, sock.getsockname()[1], marathon_runner=False)
    clock = FakeClock(datetime(2027, 7, 1, 9, 0, tzinfo=UTC))

    async def load() -> None:
        await upgrade(settings.database_url)
        database = Database(settings.database_url)
        try:
            async with database.session() as db:
                await import_program(db, clock, russian_only())
                await db.commit()
        finally:
            await database.dispose()

    with serve_in_thread(create_app(settings, clock=clock), load, sock=sock) as url:
        yield url


@pytest.mark.parametrize(("language", "heading"), [("en", "Program"), ("ru", "Программа")])
async def test_a_russian_only_forum_shows_its_names_in_either_language(
    page: Page, russian_server: str, language: str, heading: str
) -> None:
    await page.goto(
        f"{russian_server}/?forum=test-forum&lang={language}&date=2027-07-06&tz=Asia/Yekaterinburg"
    )

    await expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
    session = page.locator('[data-session-slug="otkrytie"]')
    await expect(session.locator(".session-title")).to_have_text("Открытие")
    await expect(session).to_contain_text("Зал 1")
    await expect(session).to_contain_text("Иван Иванов")
    await expect(page.locator("pv-header")).to_contain_text("Иннопром")
