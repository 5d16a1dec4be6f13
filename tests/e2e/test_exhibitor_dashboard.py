"""The stand's dashboard on the exhibitor desk, in a real browser: the staff member publishes a
meeting slot (a slot that ends before it starts is refused, with the server's reason next to the
form), answers a visitor's call, and then works the lead the call made: its consented details,
its history in sentences, its chat, its status and a note; the day's figures count the visit and
the call; and the stand's description is edited in both languages.

The server is the showrooms module's (the demo forum with its showroom packs): the demo
exhibitor staffs two stands, so the dashboard offers a choice of stand.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Locator, expect

from server.expo.models import MissReason
from tests.e2e.conftest import BROWSER_ZONE, LiveServer, Person, save_screenshot, sign_in
from tests.e2e.test_showrooms_page import (  # noqa: F401 (fixtures: people, showroom_server)
    LIVE,
    STAFF,
    STAFF_NAME,
    VISITOR,
    VISITOR_NAME,
    open_desk,
    people,
    send,
    showroom_server,
)

pytestmark = pytest.mark.browser

STAND = "kamturbo"


async def test_the_staff_member_publishes_a_slot_works_a_lead_and_sees_the_day_in_figures(
    people: list[Person],  # noqa: F811
    showroom_server: LiveServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    visitor, staff, _ = (p.page for p in people)
    server = showroom_server.url
    mark = uuid.uuid4().hex[:8]
    desk = await open_desk(staff, showroom_server, STAFF)
    board = desk.get_by_test_id("dashboard")
    await expect(board.get_by_test_id("dash-stand")).to_have_value(STAND)  # two stands: a choice
    await expect(board.get_by_test_id("leads-empty")).to_be_visible()
    await expect(board.get_by_test_id("slots-empty")).to_be_visible()

    # A slot in two days' time, in the page's zone: backwards first, then right.
    form = board.get_by_test_id("slot-form")
    await expect(form.get_by_test_id("slot-zone")).to_contain_text(f"Times in {BROWSER_ZONE}")
    day = (datetime.now(ZoneInfo(BROWSER_ZONE)) + timedelta(days=2)).date().isoformat()
    await form.get_by_label("Date").fill(day)
    await form.get_by_label("From").fill("11:00")
    await form.get_by_label("To").fill("10:30")
    await form.get_by_role("button", name="Publish the slot").click()
    await expect(form.get_by_test_id("slot-error")).to_have_text(
        "slots: a slot must end after it starts"
    )
    await form.get_by_label("To").fill("11:30")
    await form.get_by_label("Where").select_option("onsite")
    await form.get_by_role("button", name="Publish the slot").click()
    slot = board.get_by_test_id("slot")
    await expect(slot).to_have_count(1, timeout=LIVE)
    await expect(slot).to_contain_text(re.compile(r"11:00–11:30 (CET|CEST) · On site"))
    await expect(slot).to_contain_text(STAFF_NAME)
    await expect(form.get_by_test_id("slot-error")).to_have_text("")

    # The visitor looks in, shares their email and calls; the staff member answers at the desk.
    await sign_in(visitor, showroom_server, VISITOR)
    visit = await visitor.request.post(f"{server}/api/v1/stands/{STAND}/visits")
    assert visit.status in (200, 201), await visit.text()
    called = await visitor.request.post(
        f"{server}/api/v1/stands/{STAND}/contact-requests", data={"message": f"A quote? {mark}"}
    )
    assert called.status == 201, await called.text()
    consent = await visitor.request.put(
        f"{server}/api/v1/stands/{STAND}/consent", data={"share": ["email"]}
    )
    assert consent.status == 200, await consent.text()
    ring = desk.get_by_test_id("ring")
    await expect(ring).to_have_count(1, timeout=LIVE)
    await ring.get_by_role("button", name=re.compile("^Accept the call")).click()
    chat = desk.get_by_test_id("private-chat")
    await expect(chat).to_contain_text(VISITOR_NAME, timeout=LIVE)
    await send(chat, f"Hello from the stand {mark}")

    # The call made a lead: in the inbox, with the email the visitor agreed to share.
    lead = board.get_by_test_id("lead")
    await expect(lead).to_have_count(1, timeout=LIVE)
    await expect(lead).to_contain_text(VISITOR_NAME)
    await expect(lead.get_by_test_id("lead-details")).to_have_text(VISITOR)
    await expect(lead.get_by_test_id("lead-status")).to_have_text("Contacted")  # answered
    await expect(lead).to_contain_text("last contact")
    await lead.click()
    await expect(lead).to_have_attribute("aria-pressed", "true")
    detail = board.get_by_test_id("lead-detail")
    history = detail.get_by_test_id("lead-history").locator("li")
    await expect(history.first).to_contain_text(
        f"{VISITOR_NAME} asked to talk now: “A quote? {mark}”"
    )
    await expect(detail.get_by_test_id("lead-history")).to_contain_text(
        re.compile(rf"{STAFF_NAME} answered after \d+ s\.")
    )
    await expect(detail.get_by_test_id("lead-history")).to_contain_text(
        f"{VISITOR_NAME} agreed to share: email."
    )
    await expect(detail.get_by_test_id("lead-chat")).to_contain_text(
        f"{STAFF_NAME}: Hello from the stand {mark}"
    )

    # Qualified, then a note: both join the history, and the inbox shows the new status.
    await detail.get_by_label("Status").select_option("qualified")
    await expect(detail.get_by_test_id("lead-history")).to_contain_text(
        f"{STAFF_NAME} set the status to Qualified.", timeout=LIVE
    )
    await expect(lead.get_by_test_id("lead-status")).to_have_text("Qualified")
    await expect(detail.get_by_label("Status")).to_have_value("qualified")
    note = f"Send the T-16 price list {mark}"
    await detail.get_by_label("Add a note").fill(note)
    await detail.get_by_role("button", name="Add the note").click()
    await expect(history.last).to_contain_text(f"{STAFF_NAME} noted: “{note}”", timeout=LIVE)
    await expect(board.get_by_label("Add a note")).to_have_value("")

    exported = board.get_by_test_id("leads-csv")
    await expect(exported).to_have_attribute("href", f"/api/v1/stands/{STAND}/leads.csv")
    csv = await staff.request.get(f"{server}/api/v1/stands/{STAND}/leads.csv")
    assert csv.status == 200
    assert VISITOR_NAME in await csv.text()

    # Today's figures (in the page's zone) count the visit and the answered call.
    figures = board.get_by_test_id("analytics")
    await expect(figures.get_by_test_id("visits-chart")).to_have_attribute(
        "aria-label", re.compile(r"^Visits per day: 1 in all\.")
    )
    await figures.get_by_text("Show the figures as a table").click()
    today = datetime.now(ZoneInfo(BROWSER_ZONE)).date().isoformat()
    row = figures.locator(f'tr[data-date="{today}"]')
    await expect(row.locator('[data-col="visits"]')).to_have_text("1")
    await expect(row.locator('[data-col="contact_requests"]')).to_have_text("1")
    await expect(row.locator('[data-col="answered"]')).to_have_text("1")
    await expect(figures.locator('[data-total="visits"] dd')).to_have_text("1")

    # The stand's description, edited in both languages: visitors get the new text.
    texts = board.get_by_test_id("texts-form")
    await expect(texts.get_by_label("In English")).not_to_have_value("")  # the pack's own
    written = {"en": f"Steam turbines made in Kazan {mark}", "ru": f"Турбины из Казани {mark}"}
    await texts.get_by_label("In English").fill(written["en"])
    await texts.get_by_label("In Russian").fill(written["ru"])
    await texts.get_by_role("button", name="Save the description").click()
    await expect(texts.get_by_test_id("texts-saved")).to_contain_text("Saved.", timeout=LIVE)
    for code, description in written.items():
        shown = await visitor.request.get(f"{server}/api/v1/stands/{STAND}?lang={code}")
        assert (await shown.json())["description"] == description

    await staff.set_viewport_size({"width": 1280, "height": 2400})
    await board.scroll_into_view_if_needed()
    await save_screenshot(staff, tmp_path, "exhibitor-dashboard.png")


NOBODY_ON_DUTY = {
    "en": "The call was missed: nobody was on duty.",
    "ru": "Вызов пропущен: никто не дежурил.",
}


async def _open_lead(desk: Locator, stand: str) -> Locator:
    board = desk.get_by_test_id("dashboard")
    await board.get_by_test_id("dash-stand").select_option(stand)
    lead = board.get_by_test_id("lead")
    await expect(lead).to_have_count(1, timeout=LIVE)
    await lead.click()
    return board.get_by_test_id("lead-detail").get_by_test_id("lead-history")


async def test_a_call_missed_for_want_of_anyone_on_duty_is_told_in_the_desks_language(
    people: list[Person],  # noqa: F811
    showroom_server: LiveServer,  # noqa: F811
) -> None:
    visitor, staff, _ = (p.page for p in people)
    server = showroom_server.url
    await sign_in(visitor, showroom_server, VISITOR)
    called = await visitor.request.post(
        f"{server}/api/v1/stands/volgapump/contact-requests", data={}
    )
    assert called.status == 201 and (await called.json())["state"] == "missed"

    desk = await open_desk(staff, showroom_server, STAFF)
    history = await _open_lead(desk, "volgapump")
    await expect(history).to_contain_text(NOBODY_ON_DUTY["en"], timeout=LIVE)
    leads = await staff.request.get(f"{server}/api/v1/stands/volgapump/leads")
    (lead,) = await leads.json()
    detail = await staff.request.get(f"{server}/api/v1/stands/volgapump/leads/{lead['id']}")
    missed = [e["data"] for e in (await detail.json())["history"] if e["kind"] == "missed"]
    assert [m["reason"] for m in missed] == ["nobody_on_duty"]  # the wire carries the code

    await staff.goto(staff.url.replace("lang=en", "lang=ru"))
    history = await _open_lead(staff.get_by_test_id("exhibitor-page"), "volgapump")
    await expect(history).to_contain_text(NOBODY_ON_DUTY["ru"], timeout=LIVE)

    # Every reason the server may give has its own words in both languages.
    worded = await staff.evaluate(
        """async (codes) => {
            const { setLang } = await import("./i18n.js");
            const board = document.querySelector("pv-stand-dashboard");
            const lead = { visitor: { name: "V" } };
            const words = {};
            for (const lang of ["en", "ru"]) {
                setLang(lang);
                words[lang] = codes.map((reason) =>
                    board.sentence({ kind: "missed", actor: null, data: { reason } }, lead));
            }
            return words;
        }""",
        [reason.value for reason in MissReason],
    )
    for lang in ("en", "ru"):
        texts = worded[lang]
        assert len(set(texts)) == len(MissReason), texts
        assert not any(text.startswith("dash.") for text in texts), texts
    assert worded["en"][list(MissReason).index(MissReason.nobody_on_duty)] == NOBODY_ON_DUTY["en"]
