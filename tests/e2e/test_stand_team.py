"""A stand's team on the exhibitor desk, in a real browser: the demo exhibitor, alone on her
stand, adds a colleague by email (nobody has that address, so they are listed as invited and
the invitation is mailed), takes them off the team again after confirming, and is refused,
clearly, when she tries to leave the team she is the last one on.

The server is this module's own demo (the shared one's teams must not change), with one small
showroom pack imported once it serves: a stand whose only staff member is the demo exhibitor,
working from Yekaterinburg (neither the browser's zone nor her account's).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import Iterator
from contextlib import closing
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from server.clock import SystemClock
from server.db import Database
from server.expo.importer import import_pack
from server.expo.media import MediaStore
from server.expo.packs import read_pack
from tests.e2e.conftest import LiveServer, _demo_settings, save_screenshot, serve_demo, sign_in
from tests.e2e.test_showrooms_page import LIVE, STAFF, STAFF_NAME, open_desk
from tests.showroom_packs import stand_doc, text, write_pack

pytestmark = pytest.mark.browser

STAND = "delta-works"
STAND_NAME = "Delta Works"
STAND_NAME_RU = "Завод Дельта"
STAND_ZONE = "Asia/Yekaterinburg"
NEWCOMER = "new.colleague@example.org"
NEWCOMER_NAME = "Nina Newcomer"


async def _import_stand(folder: Path, pack: Path) -> None:
    settings = _demo_settings(folder, 0)  # the database and media of serve_demo(folder)
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            store = MediaStore(settings.media_dir / "showrooms")
            await import_pack(session, SystemClock(), read_pack(pack), store)
            await session.commit()
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("e2e-team")
    alone = {"email": STAFF, "name": STAFF_NAME, "tz": STAND_ZONE, "duty": []}
    stand = stand_doc(STAND, name=text(STAND_NAME, STAND_NAME_RU), staff=[alone])
    pack = write_pack(folder / "pack", [stand])
    with closing(serve_demo(folder)) as served:
        live = next(served)
        asyncio.run(_import_stand(folder, pack))
        yield live


def _mail_to(folder: Path, to: str) -> EmailMessage | None:
    for path in folder.glob("*.eml") if folder.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if isinstance(message, EmailMessage) and to in str(message["To"]):
            return message
    return None


async def mailed(folder: Path | None, to: str) -> EmailMessage:
    """The mail the server wrote for `to` (its sweeper writes .eml files every few seconds)."""
    assert folder is not None
    for _ in range(300):
        message = await asyncio.to_thread(_mail_to, folder, to)
        if message is not None:
            return message
        await asyncio.sleep(0.1)
    raise AssertionError(f"no mail for {to} in {folder}")


async def test_the_exhibitor_adds_a_colleague_removes_them_and_cannot_leave_the_team_alone(
    page: Page, server: LiveServer, tmp_path: Path
) -> None:
    desk = await open_desk(page, server, STAFF)
    team = desk.get_by_test_id("team")
    members = team.get_by_test_id("team-member")
    await expect(members).to_have_count(1, timeout=LIVE)
    await expect(members.first.get_by_test_id("team-member-name")).to_have_text(STAFF_NAME)
    await expect(members.first.get_by_test_id("team-you")).to_have_text("you")
    await expect(members.first.get_by_test_id("team-member-zone")).to_have_text(
        f"zone: {STAND_ZONE}"
    )

    # The form starts in the page's language and the adder's own zone on this stand.
    form = team.get_by_test_id("team-form")
    await expect(form.get_by_test_id("team-tz")).to_have_value(STAND_ZONE)
    await expect(form.get_by_test_id("team-language")).to_have_value("en")

    # Nothing typed: said next to the email, which gets the focus.
    await form.get_by_role("button", name="Add to the team").click()
    address = form.get_by_label("Email")
    await expect(address).to_be_focused()
    await expect(address).to_have_attribute("aria-invalid", "true")
    await expect(form.locator('[data-error-for="email"]')).to_have_text(
        "Enter your colleague's email address."
    )

    # By keyboard: the address, a name, the invitation in Russian; Enter sends.
    await address.fill(NEWCOMER)
    await form.get_by_label("Name").fill(NEWCOMER_NAME)
    await form.get_by_label("Language of the invitation").select_option("ru")
    await form.get_by_label("Name").press("Enter")
    await expect(members).to_have_count(2, timeout=LIVE)
    newcomer = members.filter(has_text=NEWCOMER)
    await expect(newcomer.get_by_test_id("team-member-name")).to_have_text(NEWCOMER_NAME)
    await expect(newcomer.get_by_test_id("team-pending")).to_have_text(
        "invited — will choose a password from the mail"
    )
    await expect(newcomer.get_by_test_id("team-member-zone")).to_have_text(f"zone: {STAND_ZONE}")
    await expect(team.get_by_test_id("team-said")).to_have_text(
        f"Invited {NEWCOMER}: they will choose a password from the mail, "
        "then find this stand on their desk."
    )
    await expect(address).to_have_value("")
    await expect(address).to_be_focused()

    # The same address again: the server's refusal, in the page's words, next to the email.
    await address.fill(NEWCOMER)
    await address.press("Enter")
    await expect(form.locator('[data-error-for="email"]')).to_have_text(
        "This person is already on the team."
    )
    await expect(address).to_be_focused()
    await expect(members).to_have_count(2)

    # The invitation, in Russian, with the link to choose a password.
    invitation = await mailed(server.mail, NEWCOMER)
    assert invitation["Subject"] == f"Ваша учётная запись: {STAND_NAME_RU}"
    body = invitation.get_body(("plain",))
    assert body is not None
    assert "view=password&token=" in body.get_content()
    await save_screenshot(page, tmp_path, "stand-team.png")

    # Removing asks first; "Keep" keeps them, and the confirmation is answered by keyboard.
    await newcomer.get_by_role("button", name=f"Remove {NEWCOMER_NAME} from the team").click()
    await expect(newcomer).to_contain_text(f"Take {NEWCOMER_NAME} off the team?")
    await expect(newcomer.get_by_test_id("team-confirm")).to_be_focused()
    await newcomer.get_by_role("button", name="Keep").click()
    await expect(
        newcomer.get_by_role("button", name=f"Remove {NEWCOMER_NAME} from the team")
    ).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(newcomer.get_by_test_id("team-confirm")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(members).to_have_count(1, timeout=LIVE)
    await expect(team.get_by_test_id("team-said")).to_have_text(
        f"{NEWCOMER_NAME} is no longer on the team."
    )

    # Alone again: leaving is refused, and the row says why; she stays, and so does the stand.
    me = members.first
    await me.get_by_role("button", name="Leave the team").click()
    await expect(me).to_contain_text(f"Leave the team of {STAND_NAME}? The stand leaves your desk.")
    await me.get_by_role("button", name="Yes, leave").click()
    await expect(me.get_by_test_id("team-problem")).to_have_text(
        "You are the only one left on this stand's team, and somebody must stay: "
        "add a colleague first, then you can leave."
    )
    await expect(me.get_by_test_id("team-problem")).to_have_attribute("role", "alert")
    await expect(me.get_by_role("button", name="Leave the team")).to_be_focused()
    await expect(members).to_have_count(1)
    await expect(desk).to_have_attribute("data-status", "ready")

    answer = await page.request.get(f"{server.url}/api/v1/stands/{STAND}/staff")
    assert [m["user"]["email"] for m in (await answer.json())["staff"]] == [STAFF]


async def test_the_team_reads_in_russian(page: Page, server: LiveServer) -> None:
    await sign_in(page, server, STAFF)
    await page.goto(f"{server.url}/?lang=ru&view=exhibitor")
    team = page.get_by_test_id("team")
    await expect(team.get_by_role("heading", name="Команда", level=3)).to_be_visible()
    await expect(team.get_by_test_id("team-member")).to_have_count(1, timeout=LIVE)
    await expect(team.get_by_test_id("team-member-zone")).to_have_text(f"пояс: {STAND_ZONE}")
    await expect(team.get_by_role("button", name="Добавить в команду")).to_be_visible()
