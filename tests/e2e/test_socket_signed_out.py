"""Signing out reaches the open room page at once (issue 19, item 9): the server closes the
tab's socket (`CloseCode.signed_out`), and the page says the person was signed out instead of
going on as if nothing happened, or trying to reconnect for ever."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import LiveServer, Person, people_in
from tests.e2e.test_room_page import ATTENDEE, LIVE, enter, session_id

pytestmark = pytest.mark.browser


@pytest.fixture
async def people(browser: Browser) -> AsyncIterator[list[Person]]:
    async with people_in(browser, 1) as made:
        yield made


async def test_the_room_page_says_the_person_was_signed_out_when_their_sign_in_ends(
    people: list[Person], live_server: LiveServer
) -> None:
    attendee = people[0].page
    session = await session_id(attendee, live_server, "panel-engineering-talent")
    await enter(attendee, live_server, ATTENDEE, session)

    signed_out = await attendee.request.post(f"{live_server.url}/api/v1/auth/logout")

    assert signed_out.status == 204
    notice = attendee.get_by_test_id("room-signin")
    await expect(notice).to_be_visible(timeout=LIVE)
    await expect(notice).to_contain_text("You have been signed out")
    socket = "async () => { const s = (await import('/socket.js')).roomSocket(); "
    state = await attendee.evaluate(socket + "return [s.state, s.ended]; }")
    assert state == ["idle", "signed_out"]
