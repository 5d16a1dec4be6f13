"""The page's room socket under a node's overload, in a real browser: shed at the door (close
1013 with a retry hint), it waits as it was told, and gets in once there is room."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import DEMO_FORUM_SLUG, LiveServer, people_in, serve_demo, sign_in
from tests.roomclient import RoomClient

pytestmark = pytest.mark.browser

ATTENDEE = "attendee@demo.pavilion.test"
MODERATOR = "moderator@demo.pavilion.test"
PASSWORD = "demo-password"
SHED_RETRY_S = 5  # what a full node asks for (server/realtime/endpoint.py)


@pytest.fixture
def full_node(tmp_path: Path) -> Iterator[LiveServer]:
    """The demo on a node that holds one socket at most."""
    yield from serve_demo(tmp_path, ws_max_sockets=1)


async def test_a_page_shed_by_a_full_node_waits_as_told_and_gets_in_when_there_is_room(
    browser: Browser, full_node: LiveServer
) -> None:
    async with httpx.AsyncClient(base_url=full_node.url) as http:
        credentials = {"email": MODERATOR, "password": PASSWORD}
        login = await http.post("/api/v1/auth/login", json=credentials)
        program = await http.get(f"/api/v1/forums/{DEMO_FORUM_SLUG}/program")
    session = next(
        s["id"]
        for day in program.json()["days"]
        for s in day["sessions"]
        if s["slug"] == "panel-machine-tools"  # open to anyone signed in
    )
    holder = await RoomClient.open(full_node.url, login.json()["token"])  # the only place
    async with people_in(browser, 1) as (person,):
        attempts: list[float] = []
        person.page.on("websocket", lambda _ws: attempts.append(time.monotonic()))
        await sign_in(person.page, full_node, ATTENDEE)
        await person.page.goto(
            f"{full_node.url}/?forum={DEMO_FORUM_SLUG}&lang=en&session={session}&view=room"
        )
        connection = person.page.get_by_test_id("connection")
        await expect(connection).to_have_attribute("data-state", "reconnecting", timeout=15_000)
        await asyncio.sleep(2 * SHED_RETRY_S)  # long enough for a page that ignored the hint
        tried_while_full = len(attempts)
        await holder.close()
        await expect(connection).to_have_attribute("data-state", "online", timeout=30_000)

    # Told to come back in 5 s (jittered up to twice that): few tries in those 10 s (its own
    # backoff, from 1 s doubling, would have made four or five), none sooner than asked.
    assert 1 <= tried_while_full <= 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    assert gaps and min(gaps) >= SHED_RETRY_S * 0.9
