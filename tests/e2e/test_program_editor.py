"""The program editor in a real browser, against a real server with the demo forum.

The server is this module's own (the editor changes the program, which other modules' tests
read from the shared demo server). Expected times are worked out by hand from the demo file
(server/program/demo/forum.yaml): the forum is in Kazan (Europe/Moscow, MSK, UTC+3) from 26 to
28 March 2027; the Sviyaga Chamber Hall (40 seats) holds the supply-chains round table on
26 March 16:30-18:30 MSK and nothing between 17:30 and 23:30 on 27 March. The browser's own
zone is Berlin, on winter time (CET, UTC+1) until 28 March 2027, when at 02:00 its clocks jump
to 03:00: 02:30 that night does not exist there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.conftest import DEMO_FORUM_SLUG, LiveServer, serve_demo, sign_in

pytestmark = pytest.mark.browser

ORGANISER = "organiser@demo.pavilion.test"
ATTENDEE = "attendee@demo.pavilion.test"
HALL = "chamber-hall"
BUSY_SLUG = "round-table-supply-chains"


@pytest.fixture(scope="module")
def editor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from serve_demo(tmp_path_factory.mktemp("e2e-editor"))


def demo_title(server: LiveServer, slug: str) -> str:
    item: dict[str, Any] = next(s for s in server.program["sessions"] if s["slug"] == slug)
    return str(item["title"]["en"])


async def open_editor(page: Page, server: LiveServer, lang: str = "en") -> None:
    """Signed in as the demo organiser, from the program to the editor by the header's link."""
    await sign_in(page, server, ORGANISER)
    await page.goto(f"{server.url}/?forum={DEMO_FORUM_SLUG}&lang={lang}")
    link = page.get_by_test_id("editor-link")
    await expect(link).to_have_text("Program editor" if lang == "en" else "Редактор программы")
    await link.click()
    await expect(page.get_by_test_id("editor-panel-sessions")).to_be_visible()
    await expect(page.locator("#editor-title")).to_be_focused()


def session_form(page: Page) -> Locator:
    return page.get_by_test_id("editor-session-form")


def field(form: Locator, name: str) -> Locator:
    """The note boxes and control of one field, by the field's name."""
    return form.locator(f'[data-field="{name}"]')


async def fill_session(form: Locator, **values: str) -> None:
    """Type into the form's fields by their labels; selects are chosen by value."""
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
        "host_tz": "Host city's time zone",
    }
    for name, value in values.items():
        control = form.get_by_label(labels[name], exact=True)
        if name in ("type", "format", "venue"):
            await control.select_option(value)
        else:
            await control.fill(value)


def row(page: Page, slug: str) -> Locator:
    return page.get_by_test_id("editor-session").and_(page.locator(f'[data-slug="{slug}"]'))


async def test_an_organiser_creates_a_round_table_sees_the_clash_before_saving_and_moves_it(
    page: Page, editor_server: LiveServer
) -> None:
    await open_editor(page, editor_server)
    await page.get_by_test_id("editor-new-sessions").click()
    form = session_form(page)
    await expect(form.get_by_role("heading", name="New session")).to_be_focused()

    # Over the supply-chains round table, in its hall: the clash shows before saving.
    await fill_session(
        form,
        slug="round-table-bearings",
        title_en="Round table: bearings made at home",
        type="round_table",
        format="onsite",
        venue=HALL,
        capacity_onsite="30",
        date="2027-03-26",
        start="17:00",
        end="18:00",
    )
    clash = field(form, "venue").locator(".field-warning")
    await expect(clash).to_have_text(
        f"“{demo_title(editor_server, BUSY_SLUG)}” is in this venue at the same time."
    )
    await expect(form.get_by_test_id("editor-save-anyway")).to_be_visible()
    assert await row(page, "round-table-bearings").count() == 0

    # Later that evening the hall is free: the clash goes, and saving needs no "anyway".
    await fill_session(form, start="19:00", end="20:30")
    await expect(clash).to_be_hidden()
    await expect(form.get_by_test_id("editor-check")).to_have_text(
        "No clashes with the rest of the program."
    )
    await expect(form.get_by_test_id("editor-save-anyway")).to_be_hidden()
    await expect(form.get_by_test_id("editor-viewer-time")).to_have_text(
        "In your zone (Europe/Berlin): Fri 26 Mar, 17:00 CET – 18:30 CET"
    )
    await form.get_by_test_id("editor-save").click()

    await expect(page.get_by_test_id("editor-flash")).to_have_text(
        "Saved “Round table: bearings made at home”."
    )
    created = row(page, "round-table-bearings")
    await expect(created.get_by_test_id("editor-session-time")).to_have_text(
        re.compile(r"^19:00–20:30 ")
    )
    await expect(created.get_by_test_id("editor-session-status")).to_have_text("Scheduled")
    await expect(created.get_by_role("button", name=re.compile("^Edit"))).to_be_focused()

    # Moved to the next day: the form opens at its date.
    await created.get_by_role("button", name=re.compile("^Move")).click()
    form = session_form(page)
    await expect(form.get_by_label("Date", exact=True)).to_be_focused()
    await fill_session(form, date="2027-03-27", start="18:00", end="19:30")
    await expect(form.get_by_test_id("editor-viewer-time")).to_have_text(
        "In your zone (Europe/Berlin): Sat 27 Mar, 16:00 CET – 17:30 CET"
    )
    await expect(form.get_by_test_id("editor-check")).to_have_text(
        "No clashes with the rest of the program."
    )
    await form.get_by_test_id("editor-save").click()
    moved = row(page, "round-table-bearings")
    await expect(moved.get_by_test_id("editor-session-time")).to_have_text(
        re.compile(r"^18:00–19:30 ")
    )
    await expect(
        page.locator('section[aria-labelledby="editor-day-2027-03-27"]').locator(
            '[data-slug="round-table-bearings"]'
        )
    ).to_have_count(1)

    # The program shows it at the new time, in the viewer's zone (Berlin) and in Kazan's.
    await page.goto(f"{editor_server.url}/?forum={DEMO_FORUM_SLUG}&lang=en&date=2027-03-27")
    listed = page.locator("pv-program").locator('[data-session-slug="round-table-bearings"]')
    await expect(listed.get_by_test_id("viewer-time")).to_contain_text("16:00–17:30")
    await page.goto(
        f"{editor_server.url}/?forum={DEMO_FORUM_SLUG}&lang=en&tz=Europe/Moscow&date=2027-03-27"
    )
    await expect(listed.get_by_test_id("viewer-time")).to_contain_text("18:00–19:30")
    async with httpx.AsyncClient(base_url=editor_server.url) as client:
        session = (
            await client.get(f"/api/v1/forums/{DEMO_FORUM_SLUG}/program", params={"tz": "UTC"})
        ).json()
    found = [
        s for d in session["days"] for s in d["sessions"] if s["slug"] == "round-table-bearings"
    ]
    assert [(s["starts_at"], s["type"], s["capacity"]["onsite"]) for s in found] == [
        ("2027-03-27T15:00:00Z", "round_table", 30)
    ]


async def test_a_time_the_clocks_skip_is_shown_next_to_the_start_and_focus_goes_there(
    page: Page, editor_server: LiveServer
) -> None:
    await open_editor(page, editor_server)
    await page.get_by_test_id("editor-new-sessions").click()
    form = session_form(page)
    refused = page.expect_response(lambda r: r.url.endswith("/sessions/check") and r.status == 422)
    async with refused as answer:  # the server's check says so too, naming the start
        await fill_session(
            form,
            slug="night-in-berlin",
            title_en="A night in Berlin",
            host_tz="Europe/Berlin",
            date="2027-03-28",
            start="02:30",
            end="03:30",
        )
    assert (await (await answer.value).json())["error"]["field"] == "start"
    gap = "This time does not exist in Europe/Berlin: the clocks go forward then."
    await expect(field(form, "start").locator(".field-error")).to_have_text(gap)
    await expect(form.get_by_label("Starts at", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )

    await form.get_by_test_id("editor-save").click()

    await expect(form.get_by_label("Starts at", exact=True)).to_be_focused()
    await expect(field(form, "start").locator(".field-error")).to_have_text(gap)
    assert await row(page, "night-in-berlin").count() == 0


async def test_the_server_refuses_what_the_page_let_through_next_to_the_field_it_names(
    page: Page, editor_server: LiveServer
) -> None:
    # A slug another session has: only the server knows; its refusal is worded in Russian.
    await open_editor(page, editor_server, lang="ru")
    await page.get_by_test_id("editor-new-sessions").click()
    form = session_form(page)
    await form.get_by_label("Короткое имя (в ссылках)", exact=True).fill(BUSY_SLUG)
    await form.get_by_label("Название по-русски", exact=True).fill("Дубль")
    await form.get_by_label("Дата", exact=True).fill("2027-03-27")
    await form.get_by_label("Начало", exact=True).fill("20:00")
    await form.get_by_label("Конец", exact=True).fill("21:00")
    await expect(field(form, "slug").locator(".field-error")).to_have_text(
        "Это короткое имя уже занято другой сессией."
    )
    await form.get_by_test_id("editor-save").click()
    await expect(form.get_by_label("Короткое имя (в ссылках)", exact=True)).to_be_focused()
    await expect(field(form, "slug").locator(".field-error")).to_contain_text("занято")


async def test_cancelling_offers_undo_and_deleting_asks_first(
    page: Page, editor_server: LiveServer
) -> None:
    await open_editor(page, editor_server)
    await page.get_by_test_id("editor-new-sessions").click()
    form = session_form(page)
    await fill_session(
        form,
        slug="to-be-dropped",
        title_en="To be dropped",
        date="2027-03-28",
        start="21:00",
        end="22:00",
    )
    await expect(form.get_by_test_id("editor-check")).to_have_text(re.compile("No clashes"))
    await form.get_by_test_id("editor-save").click()
    item = row(page, "to-be-dropped")

    await item.get_by_role("button", name=re.compile("^Cancel")).click()
    await expect(item).to_have_attribute("data-status", "cancelled")
    await expect(page.get_by_test_id("editor-flash")).to_contain_text(
        "“To be dropped” is cancelled"
    )
    await page.get_by_test_id("editor-undo").click()
    await expect(item).to_have_attribute("data-status", "scheduled")

    await item.get_by_role("button", name=re.compile("^Delete")).click()
    confirm = item.get_by_test_id("editor-confirm")
    await expect(confirm).to_contain_text("Nobody has registered for it")
    await expect(confirm.locator("[data-confirm-text]")).to_be_focused()
    await confirm.get_by_test_id("editor-confirm-yes").click()
    await expect(page.get_by_test_id("editor-flash")).to_have_text("Deleted “To be dropped”.")
    await expect(item).to_have_count(0)


async def test_a_venue_in_use_is_not_deleted_and_the_page_says_why(
    page: Page, editor_server: LiveServer
) -> None:
    await open_editor(page, editor_server)
    await page.get_by_test_id("editor-tab-venues").click()
    hall = page.get_by_test_id("editor-item").and_(page.locator(f'[data-slug="{HALL}"]'))
    await hall.get_by_role("button", name=re.compile("^Delete")).click()
    await hall.get_by_test_id("editor-confirm-yes").click()
    await expect(page.get_by_test_id("editor-flash")).to_have_text(
        "Sessions take place in this venue: move them elsewhere first."
    )
    await expect(hall).to_have_count(1)
    assert re.search(r"[?&]tab=venues(&|$)", page.url), page.url


async def test_someone_who_is_not_an_organiser_has_no_link_and_is_told_who_can(
    page: Page, editor_server: LiveServer
) -> None:
    await sign_in(page, editor_server, ATTENDEE)
    await page.goto(f"{editor_server.url}/?forum={DEMO_FORUM_SLUG}&lang=en")
    await expect(page.get_by_test_id("badge-link")).to_be_visible()
    await expect(page.get_by_test_id("editor-link")).to_have_count(0)
    await page.goto(f"{editor_server.url}/?forum={DEMO_FORUM_SLUG}&lang=en&view=editor")
    await expect(page.get_by_test_id("editor-forbidden")).to_have_text(
        "Only the organisers of this forum can edit its program."
    )


async def test_a_cast_member_busy_elsewhere_is_a_clash_saved_only_by_save_anyway(
    page: Page, editor_server: LiveServer
) -> None:
    await open_editor(page, editor_server)
    await page.get_by_test_id("editor-new-sessions").click()
    form = session_form(page)
    await fill_session(
        form,
        slug="moderators-double-booking",
        title_en="A second round table",
        date="2027-03-26",
        start="17:00",
        end="18:00",
    )
    await form.get_by_test_id("editor-cast-add").click()
    person = form.get_by_label("Person", exact=True)
    await expect(person).to_be_focused()
    # She moderates the supply-chains round table at that hour.
    await person.select_option(label="Gulnara Safina")
    await form.get_by_label("Role", exact=True).select_option("moderator")
    clash = field(form, "cast").locator(".field-warning")
    await expect(clash).to_have_text(
        f"Someone in the cast is in “{demo_title(editor_server, BUSY_SLUG)}” at the same time."
    )

    await form.get_by_test_id("editor-save").click()  # refused: the clash is not confirmed
    await expect(field(form, "cast").locator(".field-error")).to_have_text(
        f"Someone in the cast is in “{demo_title(editor_server, BUSY_SLUG)}” at the same time."
    )
    await expect(person).to_be_focused()
    assert await row(page, "moderators-double-booking").count() == 0

    await form.get_by_test_id("editor-save-anyway").click()
    await expect(row(page, "moderators-double-booking")).to_have_count(1)
    state = await page.request.get(f"{editor_server.url}/api/v1/forums/{DEMO_FORUM_SLUG}/editor")
    saved = next(
        s for s in (await state.json())["sessions"] if s["slug"] == "moderators-double-booking"
    )
    assert saved["cast"] == [
        {"person": "gulnara-safina", "role": "moderator", "presence": "onsite"}
    ]


async def test_a_venue_is_added_and_the_forums_tagline_changed_from_their_tabs(
    page: Page, editor_server: LiveServer
) -> None:
    await open_editor(page, editor_server)
    await page.get_by_test_id("editor-tab-venues").click()
    await page.get_by_test_id("editor-new-venues").click()
    form = page.get_by_test_id("editor-form-venues")
    await form.get_by_label("Short name (in links)", exact=True).fill("Roof terrace")
    await form.get_by_label("Name in English", exact=True).fill("Roof Terrace")
    await form.get_by_label("Kind", exact=True).select_option("site")
    await form.get_by_label("Seats", exact=True).fill("25")
    await form.get_by_test_id("editor-save").click()
    slug = form.get_by_label("Short name (in links)", exact=True)
    await expect(slug).to_be_focused()
    await expect(field(form, "slug").locator(".field-error")).to_have_text(
        "Use lower-case Latin letters, digits and hyphens (it cannot start with a hyphen)."
    )
    await slug.fill("roof-terrace")
    await form.get_by_test_id("editor-save").click()
    added = page.get_by_test_id("editor-item").and_(page.locator('[data-slug="roof-terrace"]'))
    await expect(added).to_contain_text("Off-site venue · 25 seats")
    await expect(added.get_by_role("button", name=re.compile("^Edit"))).to_be_focused()

    await page.get_by_test_id("editor-tab-forum").click()
    settings = page.get_by_test_id("editor-form-forum")
    await settings.get_by_label("Tagline in English", exact=True).fill("Industry, edited")
    await settings.get_by_test_id("editor-save").click()
    await expect(page.get_by_test_id("editor-flash")).to_contain_text("Saved")
    await expect(page.locator(".masthead .tagline")).to_have_text("Industry, edited")
