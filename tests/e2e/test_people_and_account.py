"""People and roles, my account and notices, in a real browser.

The server is this module's own demo (not the shared one): these tests give and withdraw
roles and change the demo attendee's language, zone and mail, which other modules must not
see.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import DEMO_FORUM_SLUG, LiveServer, people_in, serve_demo, sign_in

pytestmark = pytest.mark.browser

ORGANISER = "organiser@demo.pavilion.test"
ATTENDEE = "attendee@demo.pavilion.test"
MODERATOR = "moderator@demo.pavilion.test"
NEW_SPEAKER = "new.speaker@example.org"
FORUM = f"forum={DEMO_FORUM_SLUG}"
ROBOTICS = "panel-industrial-robotics"
LIVE = 15_000  # ms: a push through the socket, a reload


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from serve_demo(tmp_path_factory.mktemp("e2e-people"))


async def session_id(page: Page, server: LiveServer, slug: str) -> int:
    answer = await page.request.get(f"{server.url}/api/v1/forums/{DEMO_FORUM_SLUG}/program")
    program: dict[str, Any] = await answer.json()
    return next(s["id"] for d in program["days"] for s in d["sessions"] if s["slug"] == slug)


async def grants_of(page: Page, server: LiveServer, email: str) -> list[dict[str, Any]]:
    answer = await page.request.get(f"{server.url}/api/v1/forums/{DEMO_FORUM_SLUG}/roles")
    assert answer.status == 200, await answer.text()
    grants: list[dict[str, Any]] = (await answer.json())["grants"]
    return [g for g in grants if g["user"]["email"] == email]


async def test_an_organiser_invites_a_speaker_withdraws_the_role_and_undoes_it(
    page: Page, server: LiveServer
) -> None:
    await sign_in(page, server, ORGANISER)
    robotics = await session_id(page, server, ROBOTICS)
    await page.goto(f"{server.url}/?{FORUM}&lang=en")
    await page.get_by_test_id("roles-link").click()
    await expect(page.get_by_role("heading", name="People and roles", level=2)).to_be_focused()

    # A speaker of one session, by email: nobody has that address yet, so they are invited.
    await page.get_by_test_id("roles-email").fill(NEW_SPEAKER)
    await page.get_by_test_id("roles-name").fill("Nadia Newcomer")
    await expect(page.get_by_test_id("roles-role")).to_have_value("speaker")
    await page.get_by_test_id("roles-session").select_option(str(robotics))
    await page.get_by_test_id("roles-submit").click()

    row = page.locator(
        f'[data-testid="grant"][data-email="{NEW_SPEAKER}"][data-role="speaker"]'
        f'[data-session="{robotics}"]'
    )
    await expect(row).to_have_count(1)
    await expect(row.get_by_test_id("grant-pending")).to_have_text(
        "invited — will choose a password from the mail"
    )
    await expect(page.get_by_test_id("roles-said")).to_contain_text(
        f"Invited {NEW_SPEAKER} (Speaker — "
    )
    group = page.locator(f'[data-testid="roles-group"][data-session="{robotics}"]')
    await expect(group.locator('[data-testid="grant"]')).to_contain_text(["Nadia Newcomer"])
    given = await grants_of(page, server, NEW_SPEAKER)
    assert [(g["role"], g["session"]["id"], g["user"]["pending"]) for g in given] == [
        ("speaker", robotics, True)
    ]

    # Withdrawn (after asking), then given back with "Undo".
    await row.get_by_test_id("grant-withdraw").click()
    await row.get_by_test_id("grant-confirm").click()
    await expect(row).to_have_count(0)
    assert await grants_of(page, server, NEW_SPEAKER) == []
    undo = page.get_by_test_id("roles-undo")
    await expect(undo).to_be_focused()
    await undo.click()
    await expect(row).to_have_count(1)
    await expect(row.get_by_test_id("grant-pending")).to_be_visible()
    again = await grants_of(page, server, NEW_SPEAKER)
    assert [(g["role"], g["session"]["id"]) for g in again] == [("speaker", robotics)]

    # After a reload the list is the server's: the speaker is still there, still invited.
    await page.reload()
    await expect(row.get_by_test_id("grant-pending")).to_be_visible()


async def test_the_roles_page_shows_refusals_next_to_what_they_are_about(
    page: Page, server: LiveServer
) -> None:
    await sign_in(page, server, ORGANISER)
    await page.goto(f"{server.url}/?{FORUM}&lang=en&view=roles")

    # A session role needs its session (checked here), an address that cannot receive mail is
    # refused by the server: each said next to its field.
    await page.get_by_test_id("roles-email").fill("nobody@example.invalid")
    await page.get_by_test_id("roles-submit").click()
    await expect(page.locator("#roles-session-error")).to_have_text(
        "Choose the session this role is for."
    )
    await page.get_by_test_id("roles-role").select_option("door")
    await expect(page.get_by_test_id("roles-session")).to_be_hidden()
    await page.get_by_test_id("roles-submit").click()
    await expect(page.locator("#roles-email-error")).to_have_text(
        "Enter an email address that can receive mail."
    )
    await expect(page.get_by_test_id("roles-email")).to_have_attribute("aria-invalid", "true")

    # The forum's last organiser stays: the refusal is said on that row.
    mine = page.locator(f'[data-testid="grant"][data-email="{ORGANISER}"]')
    await mine.get_by_test_id("grant-withdraw").click()
    await mine.get_by_test_id("grant-confirm").click()
    await expect(mine.get_by_test_id("grant-problem")).to_have_text(
        "The forum's last organiser cannot be withdrawn: make someone else organiser first."
    )

    # Somebody who is not an organiser is told who can.
    await sign_in(page, server, ATTENDEE)
    await page.reload()
    await expect(page.get_by_test_id("roles-forbidden")).to_be_visible()
    await expect(page.get_by_test_id("roles-link")).to_have_count(0)


async def test_an_attendee_chooses_russian_jakarta_and_no_mail_about_moves_and_it_stays(
    page: Page, server: LiveServer
) -> None:
    await sign_in(page, server, ATTENDEE)
    await page.goto(f"{server.url}/?{FORUM}&lang=en")
    await page.get_by_test_id("myaccount-link").click()
    form = page.get_by_test_id("profile-form")
    await expect(form).to_be_visible()
    await expect(page.get_by_test_id("mail-session_moved")).to_be_checked()

    await page.get_by_test_id("profile-language").select_option("ru")
    await page.get_by_test_id("profile-tz").fill("jakarta")
    await page.get_by_test_id("mail-session_moved").uncheck()
    await page.get_by_test_id("profile-save").click()

    # The page switches to what was chosen at once.
    await expect(page.get_by_test_id("profile-said")).to_have_text("Сохранено.")
    await expect(page.get_by_role("heading", name="Мой аккаунт", level=2)).to_be_visible()
    await expect(page).to_have_url(re.compile(r"(?=.*lang=ru)(?=.*tz=Asia%2FJakarta)"))
    await expect(page.get_by_test_id("tz-input")).to_have_value("Asia/Jakarta")

    # And it is the account's: after a reload, and on a page whose address says neither.
    for address in (None, f"{server.url}/?view=account&lang=en"):
        if address is None:
            await page.reload()
        else:
            await page.goto(address)
        await expect(page.get_by_test_id("profile-language")).to_have_value("ru")
        await expect(page.get_by_test_id("profile-tz")).to_have_value("Asia/Jakarta")
        await expect(page.get_by_test_id("mail-session_moved")).not_to_be_checked()
        await expect(page.get_by_test_id("mail-reminder")).to_be_checked()
    me = await (await page.request.get(f"{server.url}/api/v1/me")).json()
    assert (me["language"], me["tz"], me["mail_off"]) == ("ru", "Asia/Jakarta", ["session_moved"])

    # A wrong current password is said next to it.
    await page.get_by_test_id("mypassword-current").fill("not-my-password")
    await page.get_by_test_id("mypassword-new").fill("a-new-long-password")
    await page.get_by_test_id("mypassword-save").click()
    await expect(page.locator("#mypassword-current-error")).to_have_text(
        "That is not your current password."
    )


async def test_a_role_given_and_taken_back_reaches_the_person_as_notices_and_links(
    browser: Browser, server: LiveServer
) -> None:
    async with people_in(browser, 2) as (person, organiser):
        await sign_in(person.page, server, MODERATOR)
        await sign_in(organiser.page, server, ORGANISER)
        page = person.page
        await page.goto(f"{server.url}/?{FORUM}&lang=en&tz=Europe/Berlin")
        await expect(page.get_by_test_id("notices-button")).to_be_visible()
        await expect(page.get_by_test_id("door-link")).to_have_count(0)
        await expect(page.get_by_test_id("notices-unread")).to_have_count(0)

        given = await organiser.page.request.post(
            f"{server.url}/api/v1/forums/{DEMO_FORUM_SLUG}/roles",
            data={"email": MODERATOR, "role": "door", "session": None, "language": "en"},
        )
        assert given.status == 201, await given.text()
        grant = (await given.json())["id"]

        # A toast, a count, and the door's link (the person's roles were read again).
        toast = page.get_by_test_id("toast")
        await expect(toast).to_contain_text(
            "A role given to you: Door staff — Crossroads 2027", timeout=LIVE
        )
        await expect(page.get_by_test_id("notices-unread")).to_contain_text("1")
        await expect(page.get_by_test_id("door-link")).to_be_visible(timeout=LIVE)

        # Opening the panel shows it, leading to the forum, and marks it read.
        await page.get_by_test_id("notices-button").click()
        item = page.get_by_test_id("notices-panel").get_by_test_id("notice")
        await expect(item).to_have_count(1)
        await expect(item).to_have_attribute("data-kind", "role_granted")
        await expect(item.get_by_role("link")).to_have_attribute(
            "href", f"?{FORUM}&tz=Europe%2FBerlin&lang=en"
        )
        await expect(page.get_by_test_id("notices-unread")).to_have_count(0)
        await page.keyboard.press("Escape")
        await expect(page.get_by_test_id("notices-panel")).to_have_count(0)
        await expect(page.get_by_test_id("notices-button")).to_be_focused()
        listed = await (await page.request.get(f"{server.url}/api/v1/me/notices")).json()
        assert listed["unread"] == 0

        taken = await organiser.page.request.delete(
            f"{server.url}/api/v1/forums/{DEMO_FORUM_SLUG}/roles/{grant}"
        )
        assert taken.status == 200, await taken.text()
        await expect(toast.last).to_contain_text(
            "A role taken back from you: Door staff", timeout=LIVE
        )
        await expect(page.get_by_test_id("door-link")).to_have_count(0, timeout=LIVE)


async def test_a_moderator_whose_role_is_withdrawn_is_told_in_the_room_not_left_waiting(
    browser: Browser, server: LiveServer
) -> None:
    async with people_in(browser, 2) as (moderator, organiser):
        await sign_in(moderator.page, server, MODERATOR)
        await sign_in(organiser.page, server, ORGANISER)
        page = moderator.page
        robotics = await session_id(page, server, ROBOTICS)
        await page.goto(f"{server.url}/?{FORUM}&lang=en&session={robotics}&view=room")
        await expect(page.get_by_test_id("connection")).to_have_attribute(
            "data-state", "online", timeout=LIVE
        )
        # In the backstage too (its staff room joined), so that there is something to take back.
        await expect(page.get_by_test_id("staff-panel")).to_have_attribute(
            "data-state", "joined", timeout=LIVE
        )
        roles = await grants_of(organiser.page, server, MODERATOR)
        grant = next(
            g["id"] for g in roles if g["role"] == "moderator" and g["session"]["id"] == robotics
        )

        taken = await organiser.page.request.delete(
            f"{server.url}/api/v1/forums/{DEMO_FORUM_SLUG}/roles/{grant}"
        )

        assert taken.status == 200, await taken.text()
        await expect(
            page.get_by_text("Your access to this room has been withdrawn.")
        ).to_be_visible(timeout=LIVE)
