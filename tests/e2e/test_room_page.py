"""A session's live room in real browsers: two people in two browser contexts, each on the
tab's own room socket, see each other's chat, questions and polls as they happen.

The server is the shared demo one: the demo moderator moderates every session and the demo
attendee is invited to the closed one. Each test uses a session of its own, and its texts carry
a fresh token, so no test sees another's messages.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import (
    DEMO_FORUM_SLUG,
    LiveServer,
    Person,
    people_in,
    save_screenshot,
    sign_in,
)
from tests.signups import mailed_signup_tokens

pytestmark = pytest.mark.browser

ATTENDEE = "attendee@demo.pavilion.test"
ATTENDEE_NAME = "Anton Attendee"
MODERATOR = "moderator@demo.pavilion.test"
MODERATOR_NAME = "Mikhail Moderator"
CLOSED = "expert-tech-sovereignty"
LIVE = 15_000  # ms: generous, for anything that crosses the socket twice
HTML_LOOKING = "<img src=x onerror=alert(1)>"


def token() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
async def people(browser: Browser) -> AsyncIterator[list[Person]]:
    """Two fresh browser contexts (English, Berlin), checked for JavaScript errors at the end."""
    async with people_in(browser, 2) as made:
        yield made


async def session_id(page: Page, server: LiveServer, slug: str) -> int:
    response = await page.request.get(f"{server.url}/api/v1/forums/{DEMO_FORUM_SLUG}/program")
    days = (await response.json())["days"]
    found: int = next(s["id"] for day in days for s in day["sessions"] if s["slug"] == slug)
    return found


def room_url(server: LiveServer, session: int, tab: str | None = None, lang: str = "en") -> str:
    url = f"{server.url}/?forum={DEMO_FORUM_SLUG}&lang={lang}&session={session}&view=room"
    return f"{url}&tab={tab}" if tab else url


async def enter(
    page: Page, server: LiveServer, email: str, session: int, tab: str | None = None
) -> None:
    """Sign in, open the room and wait until it is joined and live."""
    await sign_in(page, server, email)
    await page.goto(room_url(server, session, tab))
    await expect_in_room(page)


async def expect_in_room(page: Page) -> None:
    await expect(page.get_by_test_id("room-page")).to_have_attribute(
        "data-status", "ready", timeout=LIVE
    )
    await expect(page.get_by_test_id("connection")).to_have_attribute(
        "data-state", "online", timeout=LIVE
    )


async def send_chat(page: Page, text: str) -> None:
    box = page.get_by_label("Message to everyone in the room")
    await box.fill(text)
    await box.press("Enter")
    await expect(box).to_have_value("", timeout=LIVE)  # cleared once the server took it


def messages_with(page: Page, text: str) -> Any:
    return page.get_by_test_id("message-text").filter(has_text=re.compile(f"^{re.escape(text)}$"))


def question(page: Page, text: str) -> Any:
    return page.get_by_test_id("questions").get_by_test_id("question").filter(has_text=text)


async def question_texts(page: Page, mark: str) -> list[str]:
    texts = await page.get_by_test_id("questions").get_by_test_id("question-text").all_inner_texts()
    return [text for text in texts if mark in text]


async def test_the_session_page_leads_signed_in_people_into_the_room_where_chat_is_live_and_escaped(
    people: list[Person], live_server: LiveServer
) -> None:
    attendee, moderator = (p.page for p in people)
    session = await session_id(attendee, live_server, "panel-machine-tools")
    await enter(moderator, live_server, MODERATOR, session)
    await sign_in(attendee, live_server, ATTENDEE)
    await attendee.goto(f"{live_server.url}/?forum={DEMO_FORUM_SLUG}&lang=en&session={session}")
    await attendee.get_by_test_id("room-link").click()
    await expect(attendee).to_have_url(re.compile(rf"view=room&session={session}$"))
    await expect_in_room(attendee)
    await expect(attendee.get_by_test_id("stage")).to_contain_text(
        "The stage appears here when the session goes live."
    )
    await expect(attendee.get_by_test_id("chat-empty")).to_be_visible()

    mark = token()
    hello = f"Hello from the hall {mark}"
    trap = f"{HTML_LOOKING} {mark}"
    await send_chat(attendee, hello)
    await send_chat(attendee, trap)

    await expect(messages_with(moderator, hello)).to_have_count(1, timeout=LIVE)
    await expect(messages_with(moderator, trap)).to_have_count(1, timeout=LIVE)
    assert await moderator.locator("[data-testid=messages] img").count() == 0
    assert await attendee.locator("[data-testid=messages] img").count() == 0
    sent = moderator.get_by_test_id("message").filter(has_text=hello)
    await expect(sent).to_contain_text(ATTENDEE_NAME)
    await expect(sent.locator("time")).to_have_text(re.compile(r"^\d\d:\d\d (CET|CEST)$"))

    # The moderator deletes the HTML-looking one: it goes for the attendee too.
    await (
        moderator.get_by_test_id("message")
        .filter(has_text=mark)
        .filter(has_text="onerror")
        .get_by_role("button", name=re.compile("^Delete the message of"))
        .click()
    )
    await expect(messages_with(attendee, trap)).to_have_count(0, timeout=LIVE)
    await expect(messages_with(attendee, hello)).to_have_count(1)

    # Muted, the attendee is told until when; lifted, they can write again.
    await (
        moderator.get_by_test_id("message")
        .filter(has_text=hello)
        .get_by_role("button", name=f"Mute {ATTENDEE_NAME} in this room for 15 minutes")
        .click()
    )
    await expect(
        moderator.get_by_text(f"{ATTENDEE_NAME} is muted in this room until")
    ).to_be_visible(timeout=LIVE)
    box = attendee.get_by_label("Message to everyone in the room")
    await box.fill(f"Can anyone hear me {mark}")
    await box.press("Enter")
    await expect(attendee.get_by_test_id("muted")).to_contain_text(
        re.compile(r"A moderator muted you in this room until \d\d:\d\d (CET|CEST)"), timeout=LIVE
    )
    await expect(box).to_have_value(f"Can anyone hear me {mark}")  # kept, to send later
    await moderator.get_by_role("button", name="Lift the mute").click()
    await expect(moderator.get_by_text(f"{ATTENDEE_NAME} can write again.")).to_be_visible(
        timeout=LIVE
    )
    await send_chat(attendee, f"Back again {mark}")
    await expect(messages_with(moderator, f"Back again {mark}")).to_have_count(1, timeout=LIVE)
    await expect(attendee.get_by_test_id("muted")).to_have_count(0)

    # Slow mode: a second message too soon is refused with the wait, and kept in the box.
    await moderator.get_by_label("Slow mode").select_option("30")
    await expect(attendee.get_by_test_id("slow-mode")).to_have_text(
        "Slow mode: one message every 30 s.", timeout=LIVE
    )
    await box.fill(f"Too soon {mark}")
    await box.press("Enter")
    await expect(attendee.get_by_role("alert")).to_have_text(
        re.compile(r"^Slow mode: you can send your next message in ([1-9]|[12]\d|30) s\.$"),
        timeout=LIVE,
    )
    await expect(box).to_have_value(f"Too soon {mark}")
    await moderator.get_by_label("Slow mode").select_option("0")
    await expect(attendee.get_by_test_id("slow-mode")).to_have_count(0, timeout=LIVE)
    await expect(attendee.get_by_role("alert")).to_have_count(0)
    await send_chat(attendee, f"Too soon {mark}")
    await expect(messages_with(moderator, f"Too soon {mark}")).to_have_count(1, timeout=LIVE)


async def test_questions_are_ordered_pinned_first_then_by_votes_and_my_vote_is_marked(
    people: list[Person], live_server: LiveServer, tmp_path: Path
) -> None:
    attendee, moderator = (p.page for p in people)
    session = await session_id(attendee, live_server, "panel-export-new-markets")
    await enter(attendee, live_server, ATTENDEE, session, tab="qa")
    await enter(moderator, live_server, MODERATOR, session, tab="qa")
    mark = token()
    first, second = f"First question {mark}", f"Second question {mark}"
    for text in (first, second):
        await attendee.get_by_label("Ask the speakers").fill(text)
        await attendee.get_by_role("button", name="Ask", exact=True).click()
        await expect(question(moderator, text)).to_have_count(1, timeout=LIVE)
    assert await question_texts(attendee, mark) == [first, second]

    await question(moderator, second).get_by_role("button", name="Pin", exact=True).click()
    await expect(question(attendee, second).get_by_test_id("pinned")).to_be_visible(timeout=LIVE)
    assert await question_texts(attendee, mark) == [second, first]

    upvote = question(attendee, first).get_by_role(
        "button", name=re.compile("^Upvote the question")
    )
    await expect(upvote).to_have_attribute("aria-pressed", "false")
    await upvote.click()
    await expect(upvote).to_have_attribute("aria-pressed", "true", timeout=LIVE)
    await expect(question(attendee, first).get_by_test_id("my-vote")).to_have_text("✓ You voted")
    await expect(question(attendee, first).get_by_test_id("votes")).to_have_text("1", timeout=LIVE)
    await expect(question(moderator, first).get_by_test_id("votes")).to_have_text("1", timeout=LIVE)
    await expect(question(moderator, first).get_by_test_id("my-vote")).to_have_count(0)
    assert await question_texts(attendee, mark) == [second, first]  # pinned stays on top

    await question(moderator, second).get_by_role("button", name="Unpin").click()
    await expect(question(attendee, second).get_by_test_id("pinned")).to_have_count(0, timeout=LIVE)
    assert await question_texts(attendee, mark) == [first, second]  # one vote beats none

    # Anonymous: the room sees no name, the moderators do.
    hidden = f"Anonymous question {mark}"
    await attendee.get_by_label("Ask the speakers").fill(hidden)
    await attendee.get_by_label("Ask anonymously").check()
    await attendee.get_by_role("button", name="Ask", exact=True).click()
    await expect(question(moderator, hidden)).to_contain_text(
        f"Anonymous: {ATTENDEE_NAME}", timeout=LIVE
    )

    # Pre-moderation: my question waits, visibly to me alone, until a moderator approves it.
    await moderator.get_by_label("Approve questions before they are shown").check()
    await expect(attendee.get_by_test_id("premoderated")).to_be_visible(timeout=LIVE)
    waiting = f"Moderated question {mark}"
    await attendee.get_by_label("Ask the speakers").fill(waiting)
    await attendee.get_by_role("button", name="Ask", exact=True).click()
    mine = attendee.get_by_test_id("my-pending")
    await expect(mine.get_by_test_id("question").filter(has_text=waiting)).to_contain_text(
        "Waiting for approval", timeout=LIVE
    )
    await expect(question(attendee, waiting)).to_have_count(0)
    review = moderator.get_by_test_id("review").get_by_test_id("question").filter(has_text=waiting)
    await review.get_by_role("button", name="Approve").click()
    await expect(question(attendee, waiting)).to_have_count(1, timeout=LIVE)
    await expect(mine).to_have_count(0)
    await moderator.get_by_label("Approve questions before they are shown").uncheck()
    await expect(attendee.get_by_test_id("premoderated")).to_have_count(0, timeout=LIVE)
    await save_screenshot(moderator, tmp_path, "room-questions.png")


async def test_a_moderator_drafts_and_opens_a_poll_and_the_attendee_votes_and_sees_results(
    people: list[Person], live_server: LiveServer, tmp_path: Path
) -> None:
    attendee, moderator = (p.page for p in people)
    session = await session_id(attendee, live_server, "round-table-supply-chains")
    await enter(attendee, live_server, ATTENDEE, session, tab="polls")
    await enter(moderator, live_server, MODERATOR, session, tab="polls")
    mark = token()
    title = f"Which market first? {mark}"
    creator = moderator.get_by_test_id("poll-creator")
    await creator.get_by_label("Question").fill(title)
    await creator.get_by_label("Option 1", exact=True).fill("ASEAN")
    await creator.get_by_label("Option 2", exact=True).fill("Gulf")
    await creator.get_by_role("button", name="Add an option").click()
    await expect(creator.get_by_label("Option 3", exact=True)).to_be_focused()
    await creator.get_by_label("Option 3", exact=True).fill("Latin America")
    await creator.get_by_role("button", name="Create the draft").click()

    poll_for_moderator = moderator.get_by_test_id("poll").filter(has_text=title)
    await expect(poll_for_moderator).to_contain_text("Draft", timeout=LIVE)
    await expect(attendee.get_by_test_id("poll").filter(has_text=title)).to_have_count(0)
    await poll_for_moderator.get_by_role("button", name="Open the poll").click()

    poll = attendee.get_by_test_id("poll").filter(has_text=title)
    await expect(poll).to_contain_text("Voting open", timeout=LIVE)
    await expect(poll.get_by_test_id("poll-results")).to_have_count(0)
    await poll.get_by_role("button", name="Vote for “Gulf”").click()
    results = poll.get_by_test_id("poll-result")
    await expect(results).to_have_count(3, timeout=LIVE)
    await expect(results.nth(1)).to_contain_text("Gulf your choice")
    await expect(results.nth(1).get_by_test_id("poll-count")).to_have_text("1 · 100%")
    await expect(results.nth(0).get_by_test_id("poll-count")).to_have_text("0 · 0%")
    await expect(poll.get_by_role("button", name=re.compile("^Vote for"))).to_have_count(0)
    await expect(
        poll_for_moderator.get_by_test_id("poll-result").nth(1).get_by_test_id("poll-count")
    ).to_have_text("1 · 100%", timeout=LIVE)

    await poll_for_moderator.get_by_role("button", name="Close the poll").click()
    await expect(poll).to_contain_text("Closed", timeout=LIVE)

    # Several choices, results only once closed.
    later = f"What do you export? {mark}"
    await creator.get_by_label("Question").fill(later)
    await creator.get_by_label("Option 1", exact=True).fill("Machines")
    await creator.get_by_label("Option 2", exact=True).fill("Parts")
    await creator.get_by_label("Allow several choices").check()
    await creator.get_by_label("Show the results").select_option("on_close")
    await creator.get_by_role("button", name="Create the draft").click()
    second_for_moderator = moderator.get_by_test_id("poll").filter(has_text=later)
    await second_for_moderator.get_by_role("button", name="Open the poll").click(timeout=LIVE)
    second = attendee.get_by_test_id("poll").filter(has_text=later)
    await second.get_by_label("Machines").check(timeout=LIVE)
    await second.get_by_label("Parts").check()
    await second.get_by_role("button", name="Vote", exact=True).click()
    await expect(second.get_by_test_id("poll-thanks")).to_be_visible(timeout=LIVE)
    await expect(second.get_by_test_id("poll-results")).to_have_count(0)
    await expect(
        second_for_moderator.get_by_test_id("poll-result").nth(0).get_by_test_id("poll-count")
    ).to_have_text("1 · 100%", timeout=LIVE)  # shares of voters: one voter chose both
    await expect(second_for_moderator.get_by_test_id("poll-total")).to_have_text("1 vote in all")
    await second_for_moderator.get_by_role("button", name="Close the poll").click()
    await expect(second.get_by_test_id("poll-result")).to_have_count(2, timeout=LIVE)
    await expect(second.get_by_test_id("poll-result").nth(0)).to_contain_text(
        "Machines your choice"
    )
    await save_screenshot(attendee, tmp_path, "room-polls.png")


async def test_after_the_socket_drops_the_page_catches_up_and_shows_every_message_exactly_once(
    people: list[Person], live_server: LiveServer
) -> None:
    attendee_person, moderator_person = people
    attendee, moderator = attendee_person.page, moderator_person.page
    sent = SentFrames(attendee)
    session = await session_id(attendee, live_server, "panel-engineering-talent")
    room = f"session:{session}"
    await enter(attendee, live_server, ATTENDEE, session)
    await enter(moderator, live_server, MODERATOR, session)
    mark = token()
    before = f"Before the drop {mark}"
    await send_chat(moderator, before)
    await expect(messages_with(attendee, before)).to_have_count(1, timeout=LIVE)

    # Offline, the dropped socket cannot come back until the network does.
    await attendee_person.context.set_offline(True)
    await attendee.evaluate("async () => (await import('/socket.js')).roomSocket().drop()")
    await expect(attendee.get_by_test_id("connection")).to_have_attribute(
        "data-state", "reconnecting", timeout=LIVE
    )
    missed = [f"While away {n} {mark}" for n in range(1, 6)]
    for text in missed:
        await send_chat(moderator, text)
    for text in missed:
        await expect(messages_with(moderator, text)).to_have_count(1, timeout=LIVE)
    assert await attendee.get_by_test_id("message-text").filter(has_text="While away").count() == 0
    await expect(attendee.get_by_test_id("connection")).to_have_attribute(
        "data-state", "reconnecting"
    )

    await attendee_person.context.set_offline(False)
    await expect(attendee.get_by_test_id("connection")).to_have_attribute(
        "data-state", "online", timeout=LIVE
    )
    after = f"After the return {mark}"
    await send_chat(moderator, after)
    await expect(messages_with(attendee, after)).to_have_count(1, timeout=LIVE)
    shown = await attendee.get_by_test_id("message-text").all_inner_texts()
    assert [text for text in shown if mark in text] == [before, *missed, after]
    first, again = sent.joins(room)
    assert first == {}
    assert set(again) == {"since"} and again["since"]["seq"] > 0


class SentFrames:
    """Every text frame a page's sockets send from now on."""

    def __init__(self, page: Page) -> None:
        self.texts: list[str] = []
        self.arrived = asyncio.Event()
        page.on("websocket", lambda ws: ws.on("framesent", self._keep))

    def _keep(self, payload: str | bytes) -> None:
        self.texts.append(payload if isinstance(payload, str) else payload.decode())
        self.arrived.set()

    def joins(self, room: str) -> list[dict[str, Any]]:
        """The data of every `room.join` of `room`, in order."""
        sent = [json.loads(text) for text in self.texts]
        return [f["data"] for f in sent if f.get("op") == "room.join" and f.get("room") == room]

    async def until_joined(self, room: str, times: int) -> list[dict[str, Any]]:
        """Wait (generously) until the page has joined `room` this many times."""
        async with asyncio.timeout(LIVE / 1000):
            while len(self.joins(room)) < times:
                self.arrived.clear()
                await self.arrived.wait()
        return self.joins(room)


INJECT = """([room, shift, epoch]) => import('/socket.js').then(({ roomSocket }) => {
  const socket = roomSocket();
  const membership = socket.rooms.get(room);
  if (epoch) membership.epoch = epoch;
  const push = {
    room, epoch: membership.epoch, seq: membership.seq + shift, type: 'chat.message',
    data: { message: { id: 999999, user: { id: 1, name: 'Ghost' }, text: 'ghost message',
      created_at: '2027-03-26T10:00:00Z', edited_at: null } },
  };
  const seen = { epoch: membership.epoch, seq: membership.seq };
  socket.onMessage(socket.ws, JSON.stringify(push));
  return seen;
})"""


async def test_a_socket_refused_after_signing_out_elsewhere_leads_to_sign_in_not_endless_retries(
    people: list[Person], live_server: LiveServer
) -> None:
    attendee = people[0].page
    session = await session_id(attendee, live_server, "panel-engineering-talent")
    await enter(attendee, live_server, ATTENDEE, session)

    signed_out = await attendee.request.post(f"{live_server.url}/api/v1/auth/logout")
    await attendee.evaluate("async () => (await import('/socket.js')).roomSocket().drop()")

    assert signed_out.status == 204
    await expect(attendee.get_by_test_id("room-signin")).to_be_visible(timeout=LIVE)
    state = await attendee.evaluate("async () => (await import('/socket.js')).roomSocket().state")
    assert state == "idle"


async def test_an_announcement_to_the_whole_forum_reaches_every_session_room(
    people: list[Person], live_server: LiveServer
) -> None:
    attendee, organiser = people[0].page, people[1].page
    session = await session_id(attendee, live_server, "panel-engineering-talent")
    await enter(attendee, live_server, ATTENDEE, session)
    await sign_in(organiser, live_server, "organiser@demo.pavilion.test")
    notice = f"Buses to the plant leave at 18:00 {token()}"

    posted = await organiser.request.post(
        f"{live_server.url}/api/v1/rooms/forum:{DEMO_FORUM_SLUG}/announcements",
        data={"text": notice},
    )

    assert posted.status == 201, await posted.text()
    banner = attendee.get_by_test_id("announcements")
    await expect(banner).to_contain_text(notice, timeout=LIVE)
    await expect(banner).to_contain_text("to the whole forum")


async def test_a_push_out_of_sequence_makes_the_page_join_again_from_where_it_was(
    people: list[Person], live_server: LiveServer
) -> None:
    attendee, moderator = (p.page for p in people)
    sent = SentFrames(attendee)
    session = await session_id(attendee, live_server, "panel-ai-in-manufacturing")
    room = f"session:{session}"
    await enter(attendee, live_server, ATTENDEE, session)
    await enter(moderator, live_server, MODERATOR, session)
    assert sent.joins(room) == [{}]
    mark = token()
    await send_chat(moderator, f"One {mark}")
    await expect(messages_with(attendee, f"One {mark}")).to_have_count(1, timeout=LIVE)

    # A gap: the pushed message is not applied; the page asks for what it missed.
    seen = await attendee.evaluate(INJECT, [room, 3, None])
    await sent.until_joined(room, 2)
    assert sent.joins(room)[1] == {"since": seen}
    await send_chat(moderator, f"Two {mark}")
    await expect(messages_with(attendee, f"Two {mark}")).to_have_count(1, timeout=LIVE)

    # Another epoch: the server can no longer replay, so a snapshot replaces the room.
    await attendee.evaluate(INJECT, [room, 2, "0000dead"])
    await sent.until_joined(room, 3)
    assert sent.joins(room)[2]["since"]["epoch"] == "0000dead"
    await send_chat(moderator, f"Three {mark}")
    await expect(messages_with(attendee, f"Three {mark}")).to_have_count(1, timeout=LIVE)
    shown = await attendee.get_by_test_id("message-text").all_inner_texts()
    assert [text for text in shown if mark in text] == [
        f"One {mark}",
        f"Two {mark}",
        f"Three {mark}",
    ]
    assert "ghost message" not in shown


async def test_a_closed_sessions_room_refuses_others_clearly_and_admits_the_invitee_in_russian(
    page: Page, live_server: LiveServer
) -> None:
    session = await session_id(page, live_server, CLOSED)
    email = f"e2e-{token()}@example.test"
    asked = await page.request.post(
        f"{live_server.url}/api/v1/auth/signup",
        data={"email": email, "password": "a-long-enough-password", "name": "Uninvited Guest"},
    )
    assert asked.status == 202, await asked.text()
    assert live_server.database_url is not None
    mailed = (await mailed_signup_tokens(live_server.database_url))[email]
    response = await page.request.post(
        f"{live_server.url}/api/v1/auth/signup/confirm", data={"token": mailed}
    )
    assert response.status == 200, await response.text()
    await page.goto(room_url(live_server, session))
    refused = page.get_by_test_id("room-refused")
    await expect(refused).to_contain_text(
        "This session is closed: its room is open only to invited guests", timeout=LIVE
    )
    await expect(page.get_by_test_id("room-page")).to_have_attribute("data-status", "forbidden")
    await expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "idle")

    await page.request.post(f"{live_server.url}/api/v1/auth/logout")
    await sign_in(page, live_server, ATTENDEE)
    await page.goto(room_url(live_server, session, lang="ru"))
    await expect_in_room(page)
    await expect(page.get_by_test_id("tab-chat")).to_have_text("Чат")
    await expect(page.get_by_test_id("tab-qa")).to_have_text("Вопросы")
    await expect(page.get_by_test_id("connection")).to_contain_text("Подключено")


async def test_tabs_follow_the_arrow_keys_and_keep_the_open_tab_in_the_url(
    page: Page, live_server: LiveServer
) -> None:
    session = await session_id(page, live_server, "panel-aviation-components")
    await sign_in(page, live_server, ATTENDEE)
    await page.goto(f"{live_server.url}/?forum={DEMO_FORUM_SLUG}&lang=en&session={session}")
    await page.get_by_test_id("room-link").click()
    await expect_in_room(page)
    chat = page.get_by_role("tab", name="Chat")
    await expect(chat).to_have_attribute("aria-selected", "true")
    await chat.focus()
    await page.keyboard.press("ArrowRight")
    qa = page.get_by_role("tab", name="Q&A")
    await expect(qa).to_be_focused()
    await expect(qa).to_have_attribute("aria-selected", "true")
    await expect(page).to_have_url(re.compile(r"&tab=qa"))
    await expect(page.get_by_role("tabpanel", name="Q&A")).to_be_visible()
    await expect(page.get_by_test_id("chat-form")).to_be_hidden()
    await page.keyboard.press("End")
    await expect(page.get_by_role("tab", name="Polls")).to_be_focused()
    await expect(page.get_by_test_id("polls-empty")).to_have_text("No polls yet.")
    await page.get_by_test_id("room-back").click()
    await expect(page).to_have_url(re.compile(rf"session={session}$"))
    await expect(page.get_by_test_id("room-link")).to_be_focused()

    # A shared link opens the room on its tab.
    await page.goto(room_url(live_server, session, tab="polls"))
    await expect_in_room(page)
    await expect(page.get_by_role("tab", name="Polls")).to_have_attribute("aria-selected", "true")
    await expect(page.get_by_role("tab", name="Chat")).to_have_attribute("aria-selected", "false")


async def test_hands_reactions_announcements_and_presence_reach_the_other_side(
    people: list[Person], live_server: LiveServer, tmp_path: Path
) -> None:
    attendee, moderator = (p.page for p in people)
    session = await session_id(attendee, live_server, "strategic-session-industry-2035")
    await enter(moderator, live_server, MODERATOR, session)
    await enter(attendee, live_server, ATTENDEE, session)
    await expect(moderator.get_by_test_id("presence")).to_contain_text("2 online", timeout=LIVE)
    await expect(moderator.get_by_test_id("people")).to_contain_text(ATTENDEE_NAME, timeout=LIVE)

    await attendee.get_by_role("button", name="Raise hand").click()
    await expect(attendee.get_by_test_id("hand-state")).to_have_text(
        "Your hand is raised: the moderators see it.", timeout=LIVE
    )
    queue = moderator.get_by_test_id("hand-queue")
    await queue.get_by_role("button", name=f"Invite {ATTENDEE_NAME} on stage").click(timeout=LIVE)
    await expect(attendee.get_by_test_id("hand-state")).to_have_text(
        "A moderator invites you on stage.", timeout=LIVE
    )

    await attendee.get_by_role("button", name="Applause").click()
    await attendee.get_by_role("button", name="Applause").click()
    await expect(
        moderator.get_by_role("button", name="Applause").get_by_test_id("reaction-count")
    ).to_have_text(re.compile(r"^[12]$"), timeout=LIVE)

    mark = token()
    notice = f"The session starts in five minutes {mark}"
    await moderator.get_by_label("Announcement to everyone in the room").fill(notice)
    await moderator.get_by_role("button", name="Announce").click()
    await expect(attendee.get_by_test_id("announcements")).to_contain_text(notice, timeout=LIVE)
    await send_chat(attendee, f"Looking forward to it {mark}")
    await send_chat(moderator, f"Welcome, everyone {mark}")
    await expect(messages_with(attendee, f"Welcome, everyone {mark}")).to_have_count(
        1, timeout=LIVE
    )
    await save_screenshot(attendee, tmp_path, "room.png")
    await save_screenshot(moderator, tmp_path, "room-moderator.png")


async def test_a_page_served_at_an_address_the_server_takes_no_sockets_from_says_so(
    page: Page, live_server: LiveServer
) -> None:
    """The forum opened at localhost while its server takes sockets only from 127.0.0.1 (a
    `pavilion demo --port` or a proxy set up without PAVILION_ALLOWED_ORIGINS): the handshake is
    refused, and the room says why and what to do instead of reconnecting for ever."""
    elsewhere = live_server.url.replace("127.0.0.1", "localhost")
    assert elsewhere != live_server.url
    other = LiveServer(url=elsewhere, program=live_server.program)
    session = await session_id(page, other, "panel-machine-tools")
    await sign_in(page, other, MODERATOR)

    await page.goto(room_url(other, session))

    refused = page.get_by_test_id("room-refused")
    await expect(refused).to_contain_text(
        f"Live rooms cannot open from this address ({elsewhere})", timeout=LIVE
    )
    await expect(refused).to_contain_text(live_server.url)
    await expect(refused).to_contain_text("PAVILION_ALLOWED_ORIGINS")
    await expect(page.get_by_test_id("connection")).not_to_have_attribute(
        "data-state", "reconnecting"
    )
