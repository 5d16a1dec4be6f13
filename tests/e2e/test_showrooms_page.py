"""The showrooms in real browsers: a visitor walks the hall, finds a product by a word, opens
its stand and its pictures; presses "Talk to us now" and chats with the staff member who
accepts the call at the exhibitor desk (while a colleague's desk says a colleague answered),
then the two see and hear each other in a video call started from the chat; and, where nobody
is on duty, the visitor books one of the meeting slots offered, shown in their own zone,
cancels it, books it again, and meets the staff member in the meeting's chat.

The server is the demo forum on the system clock with three small showroom packs imported
before it serves: the host region (Volga, Kazan) with a large stand whose two staff members
(the demo exhibitor and the demo moderator) are on duty all day, a stand where nobody is ever
on duty and a small one; a second region; and Germany, whose city, Berlin, has its marathon
segment live.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import av
import httpx
import pytest
import yaml
from PIL import Image
from playwright.async_api import Browser, Page, expect
from sqlmodel import select

from server.app import create_app
from server.cli import DEMO_FORUM
from server.clock import SystemClock
from server.db import Database
from server.expo.importer import import_pack
from server.expo.media import MediaStore
from server.expo.packs import read_pack
from server.program.models import Session, SessionStatus
from server.settings import Settings
from tests.e2e.conftest import (
    BROWSER_ZONE,
    DEMO_PASSWORD,
    LiveServer,
    Person,
    _demo_settings,
    _load_demo,
    people_in,
    save_screenshot,
    sign_in,
)
from tests.servers import free_socket, serve_in_thread
from tests.showroom_packs import stand_doc, text, write_pack

pytestmark = pytest.mark.browser

STAFF = "exhibitor@demo.pavilion.test"
STAFF_NAME = "Elena Exhibitor"
COLLEAGUE = "moderator@demo.pavilion.test"  # on duty at the same stand, for this module
COLLEAGUE_NAME = "Mikhail Moderator"
VISITOR = "attendee@demo.pavilion.test"
VISITOR_NAME = "Anton Attendee"
SESSION_TITLE = "Machine tools: from assembly to our own components"
ALL_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
LIVE = 15_000  # ms: generous, for anything that crosses the socket twice


def turbine_product() -> dict[str, Any]:
    return {
        "slug": "turbine",
        "name": text("Steam turbine T-16", "Паровая турбина Т-16"),
        "description": text(
            "A 16 MW steam turbine for industrial power plants.",
            "Паровая турбина мощностью 16 МВт для промышленных электростанций.",
        ),
        "specs": [
            {"name": text("Power", "Мощность"), "value": "16 MW"},
            {"name": text("Steam pressure", "Давление пара"), "value": "3.4 MPa"},
        ],
        "images": ["media/kamturbo/turbine.png", "media/kamturbo/rotor.png"],
        "documents": [{"title": text("Datasheet", "Паспорт"), "file": "media/kamturbo/t16.pdf"}],
        "videos": [
            {"title": text("In operation", "В работе"), "file": "media/kamturbo/t16.mp4"},
            {"title": text("Factory tour", "Экскурсия"), "url": "https://video.example/tour"},
        ],
    }


def write_clip(path: Path) -> None:
    """A second of video (a pack's videos must hold a video stream)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(12):
            picture = Image.new("RGB", (64, 48), (20 * i, 80, 160))
            for packet in stream.encode(av.VideoFrame.from_image(picture)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def about(en: str) -> dict[str, str]:
    return text(en, f"{en} (по-русски)")


def product(slug: str, en: str, ru: str, stand: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": text(en, ru),
        "description": text(f"{en}, made to order.", f"{ru} на заказ."),
        "images": [f"media/{stand}/{slug}.png"],
    }


def write_packs(folder: Path) -> list[Path]:
    on_duty = {
        "email": STAFF,
        "name": STAFF_NAME,
        "title": text("Sales engineer", "Инженер по продажам"),
        "tz": "Europe/Moscow",
        "languages": ["ru", "en"],
        "duty": [{"days": ALL_WEEK, "from": "00:00", "to": "24:00"}],
    }
    colleague = {**on_duty, "email": COLLEAGUE, "name": COLLEAGUE_NAME}
    never_on_duty = {"email": STAFF, "name": STAFF_NAME, "tz": "Europe/Moscow", "duty": []}
    volga = write_pack(
        folder / "volga",
        [
            stand_doc(
                "kamturbo",
                size="large",
                industries=["energy", "machinery"],
                website="https://kamturbo.example",
                contacts={"email": "info@kamturbo.example", "phone": "+7 843 555-01-01"},
                sessions=["panel-machine-tools"],
                staff=[on_duty, colleague],
                products=[turbine_product()],
            ),
            stand_doc(
                "volgapump",
                name=text("Volga Pumps", "Волжские насосы"),
                description=about("Feed pumps for boiler houses."),
                staff=[never_on_duty],
                products=[product("pump", "Feed pump", "Питательный насос", "volgapump")],
            ),
            stand_doc(
                "kazan-valves",
                size="small",
                description=about("Pipeline valves."),
                industries=["oil-gas"],
                products=[product("valve", "Gate valve", "Задвижка", "kazan-valves")],
            ),
        ],
        host=True,
    )
    write_clip(volga / "media" / "kamturbo" / "t16.mp4")
    ural = write_pack(
        folder / "ural",
        [
            stand_doc(
                "uralmash",
                description=about("Heavy machinery."),
                products=[product("press", "Forging press", "Пресс", "uralmash")],
            )
        ],
        slug="ural",
        name=text("Urals", "Урал"),
        city=text("Yekaterinburg", "Екатеринбург"),
    )
    germany = write_pack(
        folder / "germany",
        [
            stand_doc(
                "berlin-tools",
                name=text("Berlin Tools", "Берлинские станки"),
                description=about("Machine tools."),
                products=[product("lathe", "CNC lathe", "Токарный станок с ЧПУ", "berlin-tools")],
            )
        ],
        slug="germany",
        kind="country",
        country="DE",
        name=text("Germany", "Германия"),
        city=text("Berlin", "Берлин"),
    )
    return [volga, ural, germany]


async def load_showrooms(settings: Settings, packs: list[Path]) -> None:
    """Import the packs, and put Berlin's marathon segment on air (as its runner would)."""
    clock = SystemClock()
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            store = MediaStore(settings.media_dir / "showrooms")
            for folder in packs:
                await import_pack(session, clock, read_pack(folder), store)
                await session.commit()
            berlin = (
                await session.exec(select(Session).where(Session.slug == "marathon-berlin"))
            ).one()
            berlin.status = SessionStatus.live
            session.add(berlin)
            await session.commit()
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def showroom_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo forum with the showroom packs above, on the system clock, for this module."""
    folder = tmp_path_factory.mktemp("e2e-showrooms")
    packs = write_packs(folder / "packs")
    sock = free_socket()
    settings = _demo_settings(folder, sock.getsockname()[1])
    document = yaml.safe_load(DEMO_FORUM.read_text(encoding="utf-8"))
    app = create_app(settings)

    async def load() -> None:
        await _load_demo(settings.database_url, document, SystemClock())
        await load_showrooms(settings, packs)

    with serve_in_thread(app, load, sock=sock) as url:
        yield LiveServer(url=url, program=document)


@pytest.fixture
async def people(media_browser: Browser) -> AsyncIterator[list[Person]]:
    """A visitor's and two staff members' browser contexts (with fake cameras, for calls)."""
    async with people_in(media_browser, 3) as made:
        yield made


def stand_url(server: LiveServer, slug: str) -> str:
    return f"{server.url}/?lang=en&view=stand&stand={slug}"


async def test_a_visitor_walks_the_hall_finds_a_product_by_a_word_and_opens_its_pictures(
    page: Page, showroom_server: LiveServer, tmp_path: Path
) -> None:
    await page.goto(f"{showroom_server.url}/?lang=en")
    await page.get_by_test_id("showrooms-link").click()
    await expect(page).to_have_url(re.compile(r"view=showrooms"))

    regions = page.get_by_test_id("hall-region").get_by_test_id("pavilion-tile")
    await expect(regions).to_have_count(2)
    assert [await tile.get_attribute("data-slug") for tile in await regions.all()] == [
        "volga",
        "ural",
    ]
    await expect(regions.first.get_by_test_id("host-mark")).to_have_text("★ Host region")
    await expect(regions.nth(1).get_by_test_id("host-mark")).to_have_count(0)
    countries = page.get_by_test_id("hall-country").get_by_test_id("pavilion-tile")
    await expect(countries).to_have_count(1)
    await expect(countries.first).to_contain_text("Germany")
    await expect(countries.first).to_contain_text("Berlin, Germany")
    strip = page.get_by_test_id("live-strip")
    await expect(strip).to_contain_text("Live now from Berlin")
    await expect(strip).to_contain_text("Marathon of Capitals · Berlin")
    watch = strip.get_by_test_id("live-room")
    await expect(watch).to_have_attribute("href", re.compile(r"view=room&session=\d+"))
    await page.set_viewport_size({"width": 1280, "height": 1300})  # the tiles in the picture
    await save_screenshot(page, tmp_path, "showrooms-hall.png")
    await page.set_viewport_size({"width": 1280, "height": 800})

    # A word typed: after a pause the URL and the results follow.
    box = page.get_by_label("Search stands and products")
    await box.press_sequentially("turbin", delay=40)
    await expect(page).to_have_url(re.compile(r"q=turbin"))
    results = page.get_by_test_id("search-result")
    await expect(results).to_have_count(2, timeout=LIVE)  # the product, and its stand's text
    hit = results.filter(has_text="Steam turbine T-16")
    await expect(hit).to_have_attribute("data-kind", "product")
    await expect(hit).to_contain_text("Kamturbo Works · Volga Region")
    await expect(hit.locator("img")).to_have_attribute(
        "src", re.compile(r"^/media/showrooms/[0-9a-f]{64}\.thumb\.jpg$")
    )
    kinds = [await result.get_attribute("data-kind") for result in await results.all()]
    assert sorted(kinds) == ["product", "stand"]

    # A country with no such product: the empty state, and a way back.
    await page.get_by_test_id("filter-country").select_option("DE")
    await expect(page.get_by_test_id("search-empty")).to_contain_text("Nothing found for “turbin”")
    await page.get_by_role("button", name="Clear the filters").click()
    await expect(results).to_have_count(2, timeout=LIVE)

    await hit.get_by_role("link", name="Steam turbine T-16").click()
    await expect(page).to_have_url(re.compile(r"view=stand&stand=kamturbo&product=turbine"))
    stand = page.get_by_test_id("stand-page")
    await expect(stand.get_by_role("heading", level=2)).to_have_text("Kamturbo Works")
    await expect(stand.get_by_role("heading", name="Steam turbine T-16")).to_be_focused()
    await expect(stand.get_by_test_id("specs")).to_contain_text("Steam pressure3.4 MPa")
    await expect(stand.get_by_test_id("document")).to_have_attribute(
        "href", re.compile(r"^/media/showrooms/[0-9a-f]{64}\.pdf$")
    )
    video = stand.locator("video")
    await expect(video).to_have_attribute("preload", "none")
    await expect(video).to_have_attribute("controls", "")
    await expect(video).to_have_attribute(
        "src", re.compile(r"^/media/showrooms/[0-9a-f]{64}\.mp4$")
    )
    await expect(stand.get_by_role("link", name="Watch: Factory tour")).to_have_attribute(
        "href", "https://video.example/tour"
    )
    await expect(stand.get_by_test_id("staff-member")).to_have_count(2)
    await expect(stand.get_by_test_id("staff-member").first).to_contain_text(STAFF_NAME)
    await expect(stand.get_by_test_id("duty").first).to_have_text("On duty now")
    await expect(stand.get_by_test_id("contact-duty")).to_have_text("2 people on duty now")
    await expect(stand.get_by_test_id("contact-signin")).to_be_visible()  # signed out
    await expect(stand.get_by_role("link", name=SESSION_TITLE)).to_have_attribute(
        "href", re.compile(r"session=\d+")
    )
    await page.set_viewport_size({"width": 1280, "height": 1500})
    await page.evaluate("window.scrollTo(0, 0)")
    await save_screenshot(page, tmp_path, "showrooms-stand.png")
    await page.set_viewport_size({"width": 1280, "height": 800})

    # The second picture, larger; arrows go round; Escape closes and focus comes back.
    photo = stand.get_by_role("button", name="Steam turbine T-16: open photo 2 of 2 larger")
    await photo.click()
    lightbox = page.get_by_test_id("lightbox")
    await expect(lightbox).to_be_visible()
    await expect(lightbox.get_by_test_id("lightbox-close")).to_be_focused()
    await expect(lightbox).to_contain_text("2 of 2")
    image = lightbox.get_by_test_id("lightbox-image")
    await expect(image).to_have_attribute(
        "src", re.compile(r"^/media/showrooms/[0-9a-f]{64}\.png$")
    )
    await expect(image).to_have_attribute("alt", "Steam turbine T-16, photo 2 of 2")
    await page.keyboard.press("ArrowRight")
    await expect(lightbox).to_contain_text("1 of 2")
    await page.keyboard.press("Escape")
    await expect(lightbox).to_be_hidden()
    await expect(photo).to_be_focused()


async def test_a_pavilion_draws_its_stands_by_size_and_filters_them_by_industry(
    page: Page, showroom_server: LiveServer
) -> None:
    await page.goto(f"{showroom_server.url}/?lang=ru&view=showrooms")
    await page.get_by_role("link", name="Поволжье").click()
    await expect(page).to_have_url(re.compile(r"view=pavilion&pavilion=volga"))
    pavilion = page.get_by_test_id("pavilion-page")
    await expect(pavilion.get_by_role("heading", level=2)).to_be_focused()
    await expect(pavilion).to_contain_text("Регион-хозяин")
    cards = pavilion.get_by_test_id("stand-card")
    assert [await card.get_attribute("data-slug") for card in await cards.all()] == [
        "kamturbo",
        "volgapump",
        "kazan-valves",
    ]
    await expect(cards.first).to_have_class(re.compile(r"\bstand-large\b"))
    await expect(cards.nth(2)).to_have_class(re.compile(r"\bstand-small\b"))
    first, second = await cards.first.bounding_box(), await cards.nth(1).bounding_box()
    assert first and second and first["width"] > 1.8 * second["width"]  # spans two columns

    await pavilion.get_by_role("button", name="Нефть и газ").click()
    await expect(page).to_have_url(re.compile(r"industry=oil-gas"))
    await expect(cards).to_have_count(1)
    await expect(cards.first).to_contain_text("Завод kazan-valves")
    await expect(pavilion.get_by_test_id("stands-count")).to_have_text("1 из 3")
    await expect(pavilion.get_by_role("button", name="Нефть и газ")).to_have_attribute(
        "aria-pressed", "true"
    )
    await pavilion.get_by_role("button", name="Все").click()
    await expect(cards).to_have_count(3)

    # Into a stand and back: focus returns to the stand's link.
    await cards.first.get_by_role("link").click()
    await expect(page.get_by_test_id("stand-page")).to_be_visible()
    await page.go_back()
    await expect(cards.first.get_by_role("link")).to_be_focused()


async def open_desk(page: Page, server: LiveServer, email: str, *, empty: bool = True) -> Any:
    """Sign in, follow the header's link to the exhibitor desk, wait until calls reach it."""
    await sign_in(page, server, email)
    await page.goto(f"{server.url}/?lang=en")
    await page.get_by_test_id("exhibitor-link").click()
    desk = page.get_by_test_id("exhibitor-page")
    await expect(desk).to_have_attribute("data-status", "ready")
    await expect(desk.get_by_test_id("connection")).to_have_attribute(
        "data-state", "online", timeout=LIVE
    )
    if empty:
        await expect(desk.get_by_test_id("calls-empty")).to_be_visible()
    return desk


async def test_a_visitor_talks_to_the_stand_and_the_staff_member_who_accepts_chats_back(
    people: list[Person], showroom_server: LiveServer
) -> None:
    visitor, staff, colleague = (p.page for p in people)
    mark = uuid.uuid4().hex[:8]
    desk = await open_desk(staff, showroom_server, STAFF)

    await sign_in(visitor, showroom_server, VISITOR)
    await visitor.goto(stand_url(showroom_server, "kamturbo"))
    panel = visitor.get_by_test_id("contact-panel")
    await panel.get_by_label("Your question (optional)").fill(f"Do you ship to Cairo? {mark}")
    await panel.get_by_test_id("talk-now").click()
    await expect(panel.get_by_test_id("contact-ringing")).to_contain_text(
        "Calling the people of Kamturbo Works…", timeout=LIVE
    )
    await expect(panel.get_by_test_id("countdown")).to_have_text(
        re.compile(r"^[01]:\d\d left to answer$")
    )
    # The colleague opens the desk only now, mid-ring: the call is there all the same.
    other_desk = await open_desk(colleague, showroom_server, COLLEAGUE, empty=False)

    # Both people on duty hear it; the first to accept answers, the other's ring goes.
    ring = desk.get_by_test_id("ring")
    await expect(ring).to_have_count(1, timeout=LIVE)
    await expect(ring).to_contain_text(f"{VISITOR_NAME} is calling Kamturbo Works")
    await expect(ring.get_by_test_id("ring-message")).to_have_text(f"Do you ship to Cairo? {mark}")
    await expect(ring.get_by_test_id("countdown")).to_have_text(re.compile(r"left to answer$"))
    await expect(other_desk.get_by_test_id("ring")).to_have_count(1, timeout=LIVE)
    await ring.get_by_role(
        "button", name=f"Accept the call of {VISITOR_NAME} to Kamturbo Works"
    ).click()
    await expect(ring).to_have_count(0, timeout=LIVE)
    staff_chat = desk.get_by_test_id("private-chat")
    await expect(staff_chat).to_contain_text(f"{VISITOR_NAME} · Kamturbo Works")
    await expect(staff_chat.get_by_label("Your message")).to_be_focused()
    await expect(other_desk.get_by_test_id("ring")).to_have_count(0, timeout=LIVE)
    await expect(other_desk.get_by_test_id("call-notes")).to_have_text(
        f"The call of {VISITOR_NAME} to Kamturbo Works was answered by a colleague."
    )

    await expect(panel.get_by_test_id("contact-answered")).to_contain_text(
        f"{STAFF_NAME} answered.", timeout=LIVE
    )
    await expect(visitor.get_by_test_id("contact-announce")).to_contain_text(
        f"{STAFF_NAME} answered"
    )
    visitor_chat = panel.get_by_test_id("private-chat")
    await expect(visitor_chat).to_contain_text(f"Chat with {STAFF_NAME}")

    await send(visitor_chat, f"Hello from the hall {mark}")
    await expect(said(staff_chat, f"Hello from the hall {mark}")).to_have_count(1, timeout=LIVE)
    await expect(staff_chat.get_by_test_id("message").last).to_contain_text(VISITOR_NAME)
    await send(staff_chat, f"Yes, by sea {mark}")
    await expect(said(visitor_chat, f"Yes, by sea {mark}")).to_have_count(1, timeout=LIVE)
    await expect(visitor_chat.get_by_test_id("message").last).to_contain_text(STAFF_NAME)


async def answered_chats(
    visitor: Page, staff: Page, server: LiveServer, stand: str
) -> tuple[Any, Any]:
    """The visitor presses "Talk to us now" at `stand`, the staff member accepts at the desk:
    the two ends of their chat (the visitor's, the staff member's)."""
    desk = await open_desk(staff, server, STAFF)
    await sign_in(visitor, server, VISITOR)
    await visitor.goto(stand_url(server, stand))
    panel = visitor.get_by_test_id("contact-panel")
    await panel.get_by_test_id("talk-now").click()
    ring = desk.get_by_test_id("ring")
    await expect(ring).to_have_count(1, timeout=LIVE)
    await ring.get_by_test_id("accept").click()
    await expect(panel.get_by_test_id("contact-answered")).to_be_visible(timeout=LIVE)
    return panel.get_by_test_id("private-chat"), desk.get_by_test_id("private-chat")


async def expect_live_video(video: Any) -> dict[str, Any]:
    """Wait (generously) until `video` has decoded 15 frames and its clock moved on by half a
    second, with sound alongside: a live picture, not a still. Its size and tracks."""
    found: dict[str, Any] = await video.evaluate(
        """video => new Promise((resolve) => {
            const check = () => {
                const frames = video.getVideoPlaybackQuality().totalVideoFrames;
                if (frames >= 15 && video.currentTime >= 0.5) resolve({
                    width: video.videoWidth,
                    height: video.videoHeight,
                    paused: video.paused,
                    muted: video.muted,
                    tracks: video.srcObject.getTracks()
                        .map((t) => `${t.kind}:${t.readyState}`).sort(),
                });
                else video.requestVideoFrameCallback(check);
            };
            check();
        })""",
        timeout=LIVE * 2,
    )
    return found


async def both_in_one_call(*chats: Any) -> None:
    """Wait (generously) until both chats are in a call, answering wherever one rings."""
    for _ in range(LIVE // 100):
        for chat in chats:
            if await chat.get_by_test_id("call-incoming").count():
                await chat.get_by_test_id("call-accept").click()
        live = [await chat.get_by_test_id("call-live").count() for chat in chats]
        if all(live):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the two sides did not end up in one call")


async def test_from_the_chat_the_visitor_video_calls_the_staff_member_who_answers(
    people: list[Person], showroom_server: LiveServer, tmp_path: Path
) -> None:
    visitor, staff, _ = (p.page for p in people)
    visitor_chat, staff_chat = await answered_chats(visitor, staff, showroom_server, "kamturbo")

    await visitor_chat.get_by_role("button", name=f"Start a video call with {STAFF_NAME}").click()
    await expect(visitor_chat.get_by_test_id("call")).to_contain_text(f"Calling {STAFF_NAME}…")
    await expect(visitor_chat.get_by_test_id("call-start")).to_be_disabled()
    incoming = staff_chat.get_by_test_id("call-incoming")
    await expect(incoming).to_have_text(f"{VISITOR_NAME} is calling you (video call)", timeout=LIVE)
    await staff_chat.get_by_test_id("call-accept").click()

    # Browser to browser: each plays the other's camera, with their microphone, without a
    # muted start (the click that placed or answered the call lets the browser play sound).
    for chat in (visitor_chat, staff_chat):
        await expect(chat.get_by_test_id("call-live")).to_contain_text(
            "In a call with", timeout=LIVE
        )
        remote = await expect_live_video(chat.get_by_test_id("call-remote"))
        assert remote["width"] > 0 and remote["height"] > 0
        assert (remote["paused"], remote["muted"]) == (False, False)
        assert remote["tracks"] == ["audio:live", "video:live"]
    await expect(staff_chat.get_by_test_id("call-live")).to_have_text(
        f"In a call with {VISITOR_NAME}"
    )
    await expect(staff_chat.get_by_test_id("call-time")).to_have_text(re.compile(r"^0:\d\d$"))
    for page, chat, name in ((visitor, visitor_chat, "visitor"), (staff, staff_chat, "staff")):
        await chat.get_by_test_id("call").scroll_into_view_if_needed()
        await save_screenshot(page, tmp_path, f"showrooms-video-call-{name}.png")

    # Muting is the sender's own track switched off, and the button says so.
    mic = staff_chat.get_by_test_id("call-mic")
    await mic.click()
    await expect(mic).to_have_attribute("aria-pressed", "true")
    await expect(mic).to_have_text("Unmute")
    sending = await staff_chat.get_by_test_id("call-local").evaluate(
        "video => video.srcObject.getAudioTracks().map((t) => t.enabled)"
    )
    assert sending == [False]

    # The staff member hangs up: it ends on both sides and the cameras are let go.
    await staff_chat.get_by_test_id("call-hangup").click()
    await expect(staff_chat.get_by_test_id("call-ended")).to_have_text(
        re.compile(r"^You ended the call\. It lasted 0:\d\d\.$")
    )
    await expect(visitor_chat.get_by_test_id("call-ended")).to_contain_text(
        f"{STAFF_NAME} ended the call.", timeout=LIVE
    )
    for chat in (visitor_chat, staff_chat):
        await expect(chat.get_by_test_id("call-start")).to_be_enabled()
        await expect(chat.get_by_test_id("call-local")).to_be_hidden()

    # Calling back the other way, declined: the visitor hears it at once.
    await staff_chat.get_by_test_id("call-start").click()
    await expect(visitor_chat.get_by_test_id("call-incoming")).to_have_text(
        f"{STAFF_NAME} is calling you (video call)", timeout=LIVE
    )
    await visitor_chat.get_by_test_id("call-decline").click()
    await expect(visitor_chat.get_by_test_id("call-ended")).to_have_text("You declined the call.")
    await expect(staff_chat.get_by_test_id("call-ended")).to_have_text(
        f"{VISITOR_NAME} declined the call.", timeout=LIVE
    )

    # Both press "Video call" at once: one call goes on (the one with the smaller id), and the
    # other side answers it by itself. (Should one offer arrive before the other side pressed,
    # that side rings instead, and answers.)
    for chat in (visitor_chat, staff_chat):
        await chat.get_by_test_id("call-dismiss").click()
    await asyncio.gather(
        *(
            chat.get_by_test_id("call-start").evaluate("button => button.click()")
            for chat in (visitor_chat, staff_chat)
        )
    )
    await both_in_one_call(visitor_chat, staff_chat)
    for chat in (visitor_chat, staff_chat):
        await expect_live_video(chat.get_by_test_id("call-remote"))
    await visitor_chat.get_by_test_id("call-hangup").click()
    await expect(staff_chat.get_by_test_id("call-ended")).to_contain_text(
        f"{VISITOR_NAME} ended the call.", timeout=LIVE
    )

    # Both calls are in the lead's history, beside the chat.
    leads = await (
        await staff.request.get(f"{showroom_server.url}/api/v1/stands/kamturbo/leads")
    ).json()
    (lead,) = [item for item in leads if item["visitor"]["name"] == VISITOR_NAME]
    history = await (
        await staff.request.get(f"{showroom_server.url}/api/v1/stands/kamturbo/leads/{lead['id']}")
    ).json()
    assert [event["kind"] for event in history["history"]].count("call") >= 2


async def test_with_nobody_on_duty_a_visitor_books_a_slot_shown_in_their_own_zone(
    people: list[Person], showroom_server: LiveServer, tmp_path: Path
) -> None:
    visitor, staff, _ = (p.page for p in people)
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    await sign_in(staff, showroom_server, STAFF)
    published = await staff.request.post(
        f"{showroom_server.url}/api/v1/stands/volgapump/slots",
        data={"slots": [{"start": f"{day}T10:00", "end": f"{day}T10:30", "mode": "online"}]},
    )
    assert published.status == 201, await published.text()
    (slot,) = await published.json()
    start = datetime.fromisoformat(slot["start"]).astimezone(ZoneInfo(BROWSER_ZONE))
    end = datetime.fromisoformat(slot["end"]).astimezone(ZoneInfo(BROWSER_ZONE))
    when = re.compile(rf"{start:%H:%M}–{end:%H:%M} (CET|CEST)")

    await sign_in(visitor, showroom_server, VISITOR)
    await visitor.goto(stand_url(showroom_server, "volgapump"))
    panel = visitor.get_by_test_id("contact-panel")
    await expect(panel.get_by_test_id("contact-duty")).to_contain_text(
        "Nobody is on duty right now"
    )
    await panel.get_by_test_id("talk-now").click()
    missed = panel.get_by_test_id("contact-missed")
    await expect(missed).to_contain_text("Nobody could answer right now.", timeout=LIVE)
    await expect(missed).to_contain_text(f"Times in {BROWSER_ZONE}.")
    offer = missed.get_by_test_id("offer").filter(has_text=when)
    await expect(offer).to_have_count(1)
    await expect(offer).to_contain_text(f"Online · with {STAFF_NAME}")

    await offer.get_by_role("button", name=re.compile(r"^Book ")).click()
    booked = panel.get_by_test_id("meeting-booked")
    await expect(booked).to_contain_text("Your meeting is booked.", timeout=LIVE)
    await expect(booked).to_contain_text(when)
    await expect(booked).to_be_focused()
    ics = booked.get_by_test_id("meeting-ics")
    href = await ics.get_attribute("href")
    assert href is not None and re.fullmatch(r"/api/v1/meetings/\d+\.ics", href)
    calendar = await visitor.request.get(f"{showroom_server.url}{href}")
    assert calendar.status == 200
    assert calendar.headers["content-type"].startswith("text/calendar")
    await expect(booked).to_contain_text("The invitation is in your mail too.")

    # A wrong choice is undone: the meeting is cancelled, and its time is offered again.
    await booked.get_by_role("button", name=re.compile(r"^Cancel the meeting with ")).click()
    await expect(visitor.get_by_test_id("contact-announce")).to_contain_text(
        "The meeting is cancelled.", timeout=LIVE
    )
    await expect(booked).to_have_count(0)
    again = missed.get_by_test_id("offer").filter(has_text=when)
    await expect(again).to_have_count(1)
    await expect(again.get_by_role("button", name=re.compile(r"^Book "))).to_be_focused()

    # Booked again: the staff member's desk lists it, and it is still there for the visitor
    # after a reload, with the chat where the two meet.
    await again.get_by_role("button", name=re.compile(r"^Book ")).click()
    await expect(booked).to_contain_text("Your meeting is booked.", timeout=LIVE)
    desk = await open_desk(staff, showroom_server, STAFF)
    listed = desk.get_by_test_id("desk-meeting")
    await expect(listed).to_have_count(1, timeout=LIVE)
    await expect(listed).to_contain_text(f"Online · with {VISITOR_NAME} · Volga Pumps")
    await expect(listed.get_by_test_id("meeting-when")).to_have_text(when)

    await visitor.reload()
    mine = panel.get_by_test_id("my-meeting")
    await expect(mine).to_have_count(1, timeout=LIVE)
    await expect(mine).to_contain_text(f"Online · with {STAFF_NAME}")
    await mine.get_by_test_id("meeting-chat").click()
    visitor_chat = panel.get_by_test_id("private-chat")
    await send(visitor_chat, "Shall we look at the pump curves?")
    await listed.get_by_test_id("meeting-chat").click()
    staff_chat = desk.get_by_test_id("private-chat")
    await expect(said(staff_chat, "Shall we look at the pump curves?")).to_have_count(
        1, timeout=LIVE
    )

    await listed.scroll_into_view_if_needed()
    await save_screenshot(staff, tmp_path, "showrooms-desk-meeting.png")
    await mine.scroll_into_view_if_needed()
    await save_screenshot(visitor, tmp_path, "showrooms-my-meeting.png")

    # The staff member cancels it from the desk (the visitor's page is still open).
    await listed.get_by_test_id("meeting-cancel").click()
    await expect(desk.get_by_test_id("meetings-empty")).to_be_visible(timeout=LIVE)
    await expect(desk.get_by_test_id("call-notes")).to_contain_text(
        f"You cancelled the meeting with {VISITOR_NAME}"
    )
    # The visitor's open page hears it at once.
    await expect(mine).to_have_count(0, timeout=LIVE)
    await expect(panel.get_by_test_id("contact-problem")).to_contain_text(
        f"{STAFF_NAME} cancelled your meeting of"
    )


async def send(chat: Any, text: str) -> None:
    box = chat.get_by_label("Your message")
    await box.fill(text)
    await box.press("Enter")
    await expect(box).to_have_value("", timeout=LIVE)  # cleared once the server took it


def said(chat: Any, text: str) -> Any:
    return chat.get_by_test_id("message-text").filter(has_text=re.compile(f"^{re.escape(text)}$"))


async def _stand_visits(server: LiveServer, slug: str) -> int:
    async with httpx.AsyncClient(base_url=server.url) as client:
        signed = await client.post(
            "/api/v1/auth/login", json={"email": STAFF, "password": DEMO_PASSWORD}
        )
        header = {"Authorization": f"Bearer {signed.json()['token']}"}
        figures = await client.get(f"/api/v1/stands/{slug}/analytics", headers=header)
        assert figures.status_code == 200, figures.text
        return sum(day["visits"] for day in figures.json()["days"])


async def test_a_stand_opened_by_a_visitor_counts_a_visit_in_its_analytics(
    page: Page, showroom_server: LiveServer
) -> None:
    before = await _stand_visits(showroom_server, "volgapump")

    await page.goto(stand_url(showroom_server, "volgapump"))
    await expect(page.locator("#stand-title")).to_contain_text("Volga Pumps")

    deadline = asyncio.get_running_loop().time() + 10
    while (after := await _stand_visits(showroom_server, "volgapump")) == before:
        assert asyncio.get_running_loop().time() < deadline, "the stand page counted no visit"
        await asyncio.sleep(0.2)
    assert after == before + 1


async def test_a_question_being_typed_survives_the_panel_redrawing_under_it(
    page: Page, showroom_server: LiveServer
) -> None:
    """The visitor's meetings arrive after the page: the panel redraws, the question stays."""
    held = asyncio.Event()
    release = asyncio.Event()

    async def hold_meetings(route: Any) -> None:
        held.set()
        await release.wait()
        await route.continue_()

    await sign_in(page, showroom_server, VISITOR)
    await page.route("**/api/v1/me/meetings", hold_meetings)
    await page.goto(stand_url(showroom_server, "kazan-valves"))
    panel = page.get_by_test_id("contact-panel")
    question = panel.get_by_label("Your question (optional)")
    await question.fill("Which valves stand 40 bar?")
    await asyncio.wait_for(held.wait(), timeout=10)
    async with page.expect_response("**/api/v1/me/meetings"):
        release.set()
    # The redraw is done once the answer is read; the words are still there.
    await page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done()))")
    await expect(question).to_have_value("Which valves stand 40 bar?")


async def _visitor_as_the_stand_sees_them(server: LiveServer, slug: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url) as client:
        signed = await client.post(
            "/api/v1/auth/login", json={"email": STAFF, "password": DEMO_PASSWORD}
        )
        header = {"Authorization": f"Bearer {signed.json()['token']}"}
        found = await client.get(f"/api/v1/stands/{slug}/leads", headers=header)
        assert found.status_code == 200, found.text
        (lead,) = [lead for lead in found.json() if lead["visitor"]["name"] == VISITOR_NAME]
        return dict(lead["visitor"])


async def test_a_visitor_comes_back_to_their_conversation_and_chooses_what_the_stand_sees(
    people: list[Person], showroom_server: LiveServer
) -> None:
    visitor, staff, returning = (p.page for p in people)
    mark = uuid.uuid4().hex[:8]
    visitor_chat, staff_chat = await answered_chats(visitor, staff, showroom_server, "kamturbo")
    await send(visitor_chat, f"Earlier question {mark}")
    await expect(said(staff_chat, f"Earlier question {mark}")).to_have_count(1, timeout=LIVE)

    # Later, in another browser: the hall lists the conversation, the stand picks it up.
    await sign_in(returning, showroom_server, VISITOR)
    await returning.goto(f"{showroom_server.url}/?lang=en&view=showrooms")
    listed = returning.get_by_test_id("my-conversations").get_by_test_id("conversation")
    conversation = listed.filter(has_text="Kamturbo Works")
    await expect(conversation).to_contain_text(f"Earlier question {mark}", timeout=LIVE)
    await conversation.get_by_role("link", name="Kamturbo Works").click()
    panel = returning.get_by_test_id("contact-panel")
    earlier = panel.get_by_test_id("contact-earlier")
    await expect(earlier).to_contain_text(f"Earlier question {mark}", timeout=LIVE)
    await earlier.get_by_role("button", name="Continue the conversation").click()
    chat = panel.get_by_test_id("private-chat")
    await expect(said(chat, f"Earlier question {mark}")).to_have_count(1, timeout=LIVE)
    await send(chat, f"Back again {mark}")
    await expect(said(staff_chat, f"Back again {mark}")).to_have_count(1, timeout=LIVE)

    # What the stand sees of the visitor: their choice, shown with their own details.
    consent = panel.get_by_test_id("contact-consent")
    now = consent.get_by_test_id("consent-now")
    await expect(now).to_have_text("They see only your name.", timeout=LIVE)
    email = consent.get_by_role("checkbox", name=re.compile(r"^Email"))
    await expect(email).to_be_enabled()
    await expect(consent).to_contain_text(f"Email: {VISITOR}")
    await email.check()
    await consent.get_by_role("button", name="Save my choice").click()
    await expect(now).to_have_text("They see your name and your email.", timeout=LIVE)
    assert (await _visitor_as_the_stand_sees_them(showroom_server, "kamturbo"))["email"] == VISITOR

    await consent.get_by_role("button", name="Withdraw my consent").click()
    await expect(now).to_have_text("They see only your name.", timeout=LIVE)
    await expect(email).not_to_be_checked()
    assert (await _visitor_as_the_stand_sees_them(showroom_server, "kamturbo"))["email"] is None
