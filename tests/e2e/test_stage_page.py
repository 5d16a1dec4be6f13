"""The stage in real browsers: a speaker joins the backstage from the browser (WHIP, with
Chromium's fake camera and microphone), the moderator takes them on air from the console, and
an attendee in the live room watches the program (WHEP) with its frames advancing.

Each person has a browser context of one Chromium that fakes its media devices and lets video
play by itself. The server is the shared demo one; each test uses a session no other browser
test uses, and leaves its stage empty again.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, Route, expect

from tests.e2e.conftest import (
    DEMO_FORUM_SLUG,
    FAKE_MEDIA_ARGS,
    LiveServer,
    Person,
    chromium,
    people_in,
    save_screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser

SPEAKER = "speaker@demo.pavilion.test"
SPEAKER_NAME = "Sofia Speaker"
MODERATOR = "moderator@demo.pavilion.test"
ATTENDEE = "attendee@demo.pavilion.test"
ATTENDEE_NAME = "Anton Attendee"
SESSION = "panel-energy-equipment"  # no other browser test uses these sessions' stages
GUEST_SESSION = "panel-north-south-corridor"
LIVE = 20_000  # ms: generous; three browsers and the server's encoder share two cores


@pytest.fixture
async def media_browser() -> AsyncIterator[Browser]:
    """Chromium with a fake camera and microphone, playing video without a click."""
    async with chromium(*FAKE_MEDIA_ARGS, "--autoplay-policy=no-user-gesture-required") as launched:
        yield launched


@pytest.fixture
async def people(media_browser: Browser) -> AsyncIterator[list[Person]]:
    """Speaker, moderator and attendee, each in a fresh English context in Berlin."""
    async with people_in(media_browser, 3) as made:
        yield made


async def session_id(page: Page, server: LiveServer, slug: str) -> int:
    response = await page.request.get(f"{server.url}/api/v1/forums/{DEMO_FORUM_SLUG}/program")
    days = (await response.json())["days"]
    found: int = next(s["id"] for day in days for s in day["sessions"] if s["slug"] == slug)
    return found


def page_url(server: LiveServer, session: int, view: str) -> str:
    return f"{server.url}/?forum={DEMO_FORUM_SLUG}&lang=en&session={session}&view={view}"


async def playback(page: Page) -> dict[str, Any]:
    """The stage video's decoded frames, its clock and its size, as the browser reports them."""
    found: dict[str, Any] = await page.get_by_test_id("stage-video").evaluate(
        """video => ({
            frames: video.getVideoPlaybackQuality().totalVideoFrames,
            time: video.currentTime,
            width: video.videoWidth,
            height: video.videoHeight,
        })"""
    )
    return found


async def expect_advancing(page: Page, since: dict[str, Any]) -> None:
    """Wait (generously) until the video has decoded 15 more frames and its clock moved on by
    half a second: the picture is live, not a still."""
    await page.get_by_test_id("stage-video").evaluate(
        """(video, since) => new Promise((resolve) => {
            const check = () => {
                const frames = video.getVideoPlaybackQuality().totalVideoFrames;
                if (frames >= since.frames + 15 && video.currentTime >= since.time + 0.5) resolve();
                else video.requestVideoFrameCallback(check);
            };
            check();
        })""",
        since,
        timeout=LIVE,
    )


async def test_a_speaker_taken_on_air_from_the_console_plays_in_the_attendees_room(
    people: list[Person], live_server: LiveServer, tmp_path: Path
) -> None:
    speaker, moderator, attendee = (p.page for p in people)
    session = await session_id(speaker, live_server, SESSION)
    for page, email in ((speaker, SPEAKER), (moderator, MODERATOR), (attendee, ATTENDEE)):
        await sign_in(page, live_server, email)

    # The speaker's backstage: their camera previewed, their microphone measured, then joined.
    await speaker.goto(page_url(live_server, session, "backstage"))
    await expect(speaker.get_by_test_id("backstage-page")).to_have_attribute(
        "data-status", "ready", timeout=LIVE
    )
    camera = speaker.get_by_test_id("camera-preview")
    await speaker.wait_for_function(
        "video => video.videoWidth > 0 && !video.paused",
        arg=await camera.element_handle(),
        timeout=LIVE,
    )
    await expect(speaker.get_by_label("Camera", exact=True)).not_to_have_value("", timeout=LIVE)
    await expect(speaker.get_by_label("Microphone", exact=True)).not_to_have_value("")
    meter = speaker.get_by_role("meter", name="Microphone level")
    await expect(meter).not_to_have_attribute("aria-valuenow", "0", timeout=LIVE)  # the beep
    place = speaker.get_by_test_id("backstage-state")
    await expect(place).to_have_attribute("data-state", "off")
    await speaker.get_by_role("button", name="Join the backstage").click()
    await expect(place).to_have_attribute("data-state", "backstage", timeout=LIVE)
    await expect(place).to_contain_text("In the backstage")
    await expect(speaker.get_by_role("button", name="Leave the backstage")).to_be_visible()

    # The moderator's console shows the source backstage, and takes it on air.
    await moderator.goto(page_url(live_server, session, "console"))
    await expect(moderator.get_by_test_id("console-page")).to_have_attribute(
        "data-status", "ready", timeout=LIVE
    )
    card = moderator.get_by_test_id("source").filter(has_text=SPEAKER_NAME)
    await expect(card).to_have_count(1, timeout=LIVE)
    await expect(card).to_have_attribute("data-state", "backstage")
    await expect(card.get_by_test_id("source-state")).to_have_text("Backstage")
    await expect(moderator.get_by_test_id("console-on-air")).to_have_text("Nothing is on air.")
    await expect(moderator.get_by_test_id("program-monitor")).to_contain_text("Nothing on air yet")
    await card.get_by_role("button", name=f"Take {SPEAKER_NAME} on air").click()
    await expect(card).to_have_attribute("data-state", "air", timeout=LIVE)
    await expect(card.get_by_test_id("source-state")).to_have_text("On air")
    await expect(card.get_by_role("button", name=re.compile("^Take "))).to_have_count(0)
    await expect(moderator.get_by_test_id("console-on-air")).to_have_text(f"On air: {SPEAKER_NAME}")
    monitor = moderator.locator("[data-testid=program-monitor] pv-stage-player")
    await expect(monitor).to_have_attribute("data-state", "playing", timeout=LIVE)
    assert await monitor.get_by_test_id("stage-video").evaluate("video => video.muted")

    # The speaker hears of it in words.
    await expect(place).to_have_attribute("data-state", "air", timeout=LIVE)
    await expect(place).to_contain_text("On air")
    await expect(place).to_contain_text("The audience sees and hears you now.")

    # The attendee's room plays the program: frames advance and its clock runs. (Its first
    # attempt fails on the way, to see the failure said and the retry work.)
    refusals: list[str] = []

    async def refuse_once(route: Route) -> None:
        if refusals:
            await route.continue_()
            return
        refusals.append(route.request.url)
        body = {"error": {"code": "internal", "message": "broken"}}
        await route.fulfill(status=500, json=body)

    await attendee.route(re.compile(r"/api/v1/stage/\d+/whep$"), refuse_once)
    await attendee.goto(page_url(live_server, session, "room"))
    stage = attendee.locator("[data-testid=stage] pv-stage-player")
    await expect(attendee.get_by_test_id("stage-problem")).to_contain_text(
        "The stage could not answer (status 500). Try again in a moment.", timeout=LIVE
    )
    await attendee.get_by_role("button", name="Try again").click()
    await expect(stage).to_have_attribute("data-state", "playing", timeout=LIVE)
    assert len(refusals) == 1
    start = await playback(attendee)
    await expect_advancing(attendee, start)
    now = await playback(attendee)
    assert (now["width"], now["height"]) == (640, 360)  # the program's format
    assert now["frames"] > start["frames"] and now["time"] > start["time"]
    sound = attendee.get_by_role("button", name="Turn the sound on")
    await sound.click()
    await expect(attendee.get_by_role("button", name="Turn the sound off")).to_be_focused()
    assert not await attendee.get_by_test_id("stage-video").evaluate("video => video.muted")

    # Another language redraws the room around the player: the program plays on, unbroken.
    before = await playback(attendee)
    await attendee.locator("a[data-lang=ru]").click()
    await expect(attendee.get_by_role("button", name="Выключить звук")).to_be_visible(timeout=LIVE)
    await expect(stage).to_have_attribute("data-state", "playing")
    await expect_advancing(attendee, before)

    # With the node's WebRTC viewers full (503), a newcomer gets the HLS stream instead,
    # through hls.js, a few seconds behind, and is told so.
    crowd = await people[2].context.new_page()
    crowd_errors: list[str] = []
    crowd.on("pageerror", lambda error: crowd_errors.append(str(error)))

    async def full(route: Route) -> None:
        body = {"error": {"code": "unavailable", "message": "full: watch /hls/"}}
        await route.fulfill(status=503, json=body)

    await crowd.route(re.compile(r"/api/v1/stage/\d+/whep$"), full)
    await crowd.goto(page_url(live_server, session, "room"))
    broadcast = crowd.locator("[data-testid=stage] pv-stage-player")
    await expect(broadcast).to_have_attribute("data-transport", "hls", timeout=LIVE)
    await expect(broadcast).to_have_attribute("data-state", "playing", timeout=LIVE)
    await expect(crowd.get_by_test_id("stage-delay")).to_have_text(
        "Broadcast stream: many people are watching, so this plays a few seconds behind."
    )
    start = await playback(crowd)
    await expect_advancing(crowd, start)
    assert ((await playback(crowd))["width"], (await playback(crowd))["height"]) == (640, 360)
    await save_screenshot(crowd, tmp_path, "stage-room-broadcast.png")
    await crowd.close()
    assert crowd_errors == []

    await save_screenshot(speaker, tmp_path, "stage-backstage.png")
    await save_screenshot(moderator, tmp_path, "stage-console.png")
    await save_screenshot(attendee, tmp_path, "stage-room.png")

    # Muted by the moderator, the speaker is told; leaving empties the stage for everyone.
    await card.get_by_role("button", name=f"Mute {SPEAKER_NAME} for the audience").click()
    await expect(speaker.get_by_test_id("backstage-muted")).to_be_visible(timeout=LIVE)
    await speaker.get_by_role("button", name="Leave the backstage").click()
    await expect(place).to_have_attribute("data-state", "off", timeout=LIVE)
    await expect(card).to_have_count(0, timeout=LIVE)
    await expect(moderator.get_by_test_id("console-empty")).to_be_visible()
    await expect(stage).to_have_attribute("data-state", "off-air", timeout=LIVE)
    await expect(attendee.get_by_test_id("stage")).to_contain_text("В эфире пока ничего нет")


async def test_an_attendee_invited_from_the_hand_queue_joins_as_a_guest_until_removed(
    people: list[Person], live_server: LiveServer, tmp_path: Path
) -> None:
    _, moderator, attendee = (p.page for p in people)
    session = await session_id(attendee, live_server, GUEST_SESSION)
    await sign_in(moderator, live_server, MODERATOR)
    await sign_in(attendee, live_server, ATTENDEE)

    # Not invited, the attendee is offered no backstage; the backstage page says why.
    await attendee.goto(page_url(live_server, session, "backstage"))
    await expect(attendee.get_by_test_id("backstage-refused")).to_contain_text(
        "Raise your hand in the live room to ask to speak.", timeout=LIVE
    )
    await attendee.get_by_test_id("backstage-back").click()
    await expect(attendee.get_by_test_id("room-page")).to_have_attribute(
        "data-status", "ready", timeout=LIVE
    )
    await expect(attendee.get_by_test_id("backstage-link")).to_have_count(0)
    await attendee.get_by_role("button", name="Raise hand").click()

    # The moderator invites them from the console's queue of raised hands.
    await moderator.goto(page_url(live_server, session, "console"))
    await expect(moderator.get_by_test_id("console-empty")).to_be_visible(timeout=LIVE)
    queue = moderator.get_by_test_id("hand-queue")
    await queue.get_by_role("button", name=f"Invite {ATTENDEE_NAME} on stage").click(timeout=LIVE)

    # Invited, the attendee finds the way into the backstage and joins as a guest.
    await attendee.get_by_test_id("backstage-link").click(timeout=LIVE)
    await expect(attendee).to_have_url(re.compile(r"view=backstage"))
    place = attendee.get_by_test_id("backstage-state")
    join = attendee.get_by_role("button", name="Join the backstage")
    await expect(join).not_to_have_attribute("aria-disabled", "true", timeout=LIVE)
    await join.click()
    await expect(place).to_have_attribute("data-state", "backstage", timeout=LIVE)

    card = moderator.get_by_test_id("source").filter(has_text=ATTENDEE_NAME)
    await expect(card).to_have_attribute("data-state", "backstage", timeout=LIVE)
    await expect(card.get_by_test_id("source-guest")).to_have_text("Guest")
    await card.get_by_role("button", name=f"Bring {ATTENDEE_NAME} on stage").click()
    await expect(card).to_have_attribute("data-state", "stage", timeout=LIVE)
    await expect(place).to_have_attribute("data-state", "stage", timeout=LIVE)
    await expect(place).to_contain_text("The audience hears you.")

    # Removing asks first; Escape takes the question back, and focus returns to the button.
    remove = card.get_by_role("button", name=f"Remove {ATTENDEE_NAME} from the stage")
    await remove.click()
    yes = card.get_by_role("button", name="Yes, remove")
    await expect(yes).to_be_focused()
    await save_screenshot(moderator, tmp_path, "stage-console-remove.png")
    await moderator.keyboard.press("Escape")
    await expect(yes).to_have_count(0)
    await expect(remove).to_be_focused()
    await remove.click()
    await card.get_by_role("button", name="Yes, remove").click()
    await expect(card).to_have_count(0, timeout=LIVE)
    await expect(place).to_have_attribute("data-state", "removed", timeout=LIVE)
    await expect(place).to_contain_text("A moderator took you off the stage")
    await expect(attendee.get_by_role("button", name="Join the backstage")).to_be_visible()

    await queue.get_by_role("button", name=f"Lower the hand of {ATTENDEE_NAME}").click()
    await expect(moderator.get_by_test_id("hand-queue")).to_have_count(0, timeout=LIVE)
