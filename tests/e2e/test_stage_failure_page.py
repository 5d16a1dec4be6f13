"""A feed whose DTLS handshake fails is said in words: the moderators' console marks its card
(only Remove is offered) and its publisher's backstage page says why.

The feed is published from the moderator's own browser with the offer's certificate
fingerprint rewritten (as a broken encoder or a middlebox might), so the stage's handshake
check fails; tests/integration/test_stage_gstreamer.py covers the server side and GStreamer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from server.stage.dtls import LinkFailure
from tests.e2e.conftest import LiveServer, Person, people_in, sign_in
from tests.e2e.test_stage_page import LIVE, MODERATOR, page_url, session_id

pytestmark = pytest.mark.browser

SESSION = "workshop-lean-production"  # no other browser test uses this session's stage
MODERATOR_NAME = "Mikhail Moderator"

# Offer (ICE gathered), rewrite the fingerprint, post it as WHIP, apply the answer.
BROKEN_FEED = """async (url) => {
    const pc = new RTCPeerConnection();
    window.brokenFeed = pc;
    pc.addTransceiver("video", { direction: "sendonly" });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
        if (pc.iceGatheringState === "complete") resolve();
        pc.addEventListener("icegatheringstatechange", () => {
            if (pc.iceGatheringState === "complete") resolve();
        });
    });
    const wrong = Array(32).fill("AB").join(":");
    const sdp = pc.localDescription.sdp.replace(/(a=fingerprint:sha-256 )[0-9A-F:]+/, `$1${wrong}`);
    const answer = await fetch(url, {
        method: "POST", body: sdp, credentials: "same-origin",
        headers: { "Content-Type": "application/sdp" },
    });
    await pc.setRemoteDescription({ type: "answer", sdp: await answer.text() });
    return answer.status;
}"""


@pytest.fixture
async def moderator(media_browser: Browser) -> AsyncIterator[Person]:
    async with people_in(media_browser, 1) as made:
        yield made[0]


async def test_a_feed_whose_handshake_failed_is_said_on_the_console_and_the_backstage(
    moderator: Person, live_server: LiveServer
) -> None:
    console = moderator.page
    session = await session_id(console, live_server, SESSION)
    await sign_in(console, live_server, MODERATOR)
    await console.goto(page_url(live_server, session, "console"))
    await expect(console.get_by_test_id("console-page")).to_have_attribute(
        "data-status", "ready", timeout=LIVE
    )
    backstage = await moderator.context.new_page()
    await backstage.goto(page_url(live_server, session, "backstage"))
    await expect(backstage.get_by_test_id("backstage-page")).to_have_attribute(
        "data-status", "ready", timeout=LIVE
    )

    whip = f"{live_server.url}/api/v1/stage/{session}/whip"
    assert await console.evaluate(BROKEN_FEED, whip) == 201

    card = console.get_by_test_id("source").filter(has_text=MODERATOR_NAME)
    await expect(card.get_by_test_id("source-failure")).to_have_attribute(
        "data-failure", "dtls", timeout=LIVE
    )
    await expect(card.get_by_test_id("source-failure")).to_contain_text(
        "The encryption handshake (DTLS) failed"
    )
    await expect(card.get_by_test_id("source-failed")).to_have_text("Could not connect")
    await expect(card.get_by_role("button")).to_have_text(["Remove"])
    said = backstage.get_by_test_id("backstage-failed")
    await expect(said).to_contain_text("A feed you sent could not connect", timeout=LIVE)
    await expect(said).to_contain_text("The encryption handshake (DTLS) failed")

    await card.get_by_role("button", name=f"Remove {MODERATOR_NAME} from the stage").click()
    await console.get_by_role("button", name="Yes, remove").click()
    await expect(console.get_by_test_id("console-empty")).to_be_visible(timeout=LIVE)
    await expect(said).to_have_count(0, timeout=LIVE)
    await console.evaluate("() => window.brokenFeed.close()")


async def test_every_failure_the_stage_reports_has_words_in_both_languages(
    page: Page, live_server: LiveServer
) -> None:
    await page.goto(f"{live_server.url}/?lang=en")
    missing = await page.evaluate(
        """async (keys) => {
            const { dictionary } = await import("./i18n.js");
            return keys.filter((k) => !(k in dictionary.en && k in dictionary.ru));
        }""",
        [f"stage.failure.{failure.value}" for failure in LinkFailure],
    )
    assert missing == []
