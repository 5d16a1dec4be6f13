"""Invitations that arrive: an organiser invites an address to a closed session, a mail comes
through a real SMTP server in the chosen language with a working link; the organiser's list
follows it from invited to accepted to registered; re-sending makes the old link fail;
revoking refuses acceptance and takes an accepted guest's access away (open sockets too); and
nobody but the forum's organisers touches any of it."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import Role, User
from server.accounts.service import grant
from server.clock import FakeClock
from server.notices.models import Notice, NoticeKind
from server.program.models import Session
from server.program.service import get_forum
from server.settings import Settings
from tests.factories import attendance_doc, load_program, signed_in
from tests.rooms_world import World
from tests.smtp_server import Inbox

ORGANISER = {"Authorization": "Bearer organiser-token-000000000000"}
MODERATOR = {"Authorization": "Bearer moderator-token-000000000000"}
GUEST = {"Authorization": "Bearer guest-token-00000000000000000"}
OUTSIDER = {"Authorization": "Bearer outsider-token-0000000000000"}
SWEEP = timedelta(seconds=6)  # past the mail sweeper's 5 s
LINK = re.compile(r"http://pavilion\.test/\?invite=([A-Za-z0-9_-]+)")


@pytest.fixture
def settings(settings: Settings, smtp_port: int) -> Settings:
    return settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{smtp_port}"})


@pytest.fixture
async def closed(db: AsyncSession, clock: FakeClock) -> int:
    """The closed session's id (14:00-15:00 Moscow time on 27 March 2027); an organiser of
    its forum, its moderator, a guest with an account (English) and an outsider."""
    await load_program(db, clock, attendance_doc())
    forum = await get_forum(db, "test-forum")
    session = (await db.exec(select(Session).where(Session.slug == "closed-session"))).one()
    organiser = await signed_in(db, clock, "organiser@example.org", ORGANISER)
    moderator = await signed_in(db, clock, "moderator@example.org", MODERATOR)
    await signed_in(db, clock, "guest@example.org", GUEST)
    await signed_in(db, clock, "outsider@example.org", OUTSIDER)
    await grant(db, organiser, Role.organiser, forum_id=forum.id)
    await grant(db, moderator, Role.moderator, session_id=session.id)
    await db.commit()
    assert session.id is not None
    return session.id


async def _arrive(inbox: Inbox, clock: FakeClock, count: int) -> list[EmailMessage]:
    """The first `count` messages, moving the clock past the mail sweeper's round until they
    are there (a sweeper busy while the clock moved waits for the next move)."""
    deadline = time.monotonic() + 15
    while len(inbox.messages) < count and time.monotonic() < deadline:
        clock.advance(SWEEP)
        await asyncio.sleep(0.05)
    return await inbox.wait(count, within=0)


def _text(message: EmailMessage) -> str:
    return " ".join(message.get_body(("plain",)).get_content().split())


def _token(message: EmailMessage) -> str:
    found = LINK.search(message.get_body(("plain",)).get_content())
    assert found, message.get_body(("plain",)).get_content()
    return found[1]


async def _invite(
    client: httpx.AsyncClient, session: int, email: str, **more: str
) -> dict[str, object]:
    made = await client.post(
        f"/api/v1/sessions/{session}/invites", json={"email": email, **more}, headers=ORGANISER
    )
    assert made.status_code == 201, made.text
    answer: dict[str, object] = made.json()
    return answer


async def _states(client: httpx.AsyncClient, session: int) -> list[tuple[str, str]]:
    listed = await client.get(f"/api/v1/sessions/{session}/invites", headers=ORGANISER)
    assert listed.status_code == 200, listed.text
    return [(i["email"], i["state"]) for i in listed.json()["invites"]]


async def test_an_invitation_arrives_in_english_with_a_link_that_works(
    client: httpx.AsyncClient, closed: int, clock: FakeClock, inbox: Inbox
) -> None:
    await _invite(client, closed, "Nadia@Example.org", name="Nadia Novak", language="en")

    (mail,) = await _arrive(inbox, clock, 1)
    token = _token(mail)
    preview = await client.get(f"/api/v1/invites/{token}")
    nadia = {"Authorization": "Bearer nadia-token-0000000000000000000"}
    accepted = await client.post("/api/v1/invites/accept", json={"token": token}, headers=nadia)

    assert mail["To"] == "Nadia Novak <nadia@example.org>"
    assert mail["Subject"] == "Invitation: Session closed-session"
    assert _text(mail).startswith(
        "Hello Nadia Novak, you are invited to the closed session «Session closed-session» of "
        "Test Forum. When: Saturday, 27 March 2027, 14:00–15:00 (Europe/Moscow), local time in "
        "Kazan. Accept the invitation here (the link works until Saturday, 3 April 2027, 12:00 "
        f"(Europe/Moscow)): http://pavilion.test/?invite={token} "
    )
    assert preview.status_code == 200
    assert preview.json() == {
        "state": "invited",
        "email": "n***@example.org",
        "session": {
            "id": closed,
            "forum": "test-forum",
            "title_en": "Session closed-session",
            "title_ru": "Сессия closed-session",
            "starts_at": "2027-03-27T11:00:00Z",
            "ends_at": "2027-03-27T12:00:00Z",
            "host_tz": "Europe/Moscow",
            "host_city_en": "Kazan",
            "host_city_ru": "Казань",
        },
        "expires_at": "2027-04-03T09:00:00Z",
        "accepted_by_me": False,
    }
    assert accepted.status_code == 401  # nobody signed in with that token yet


async def test_the_link_accepts_for_the_account_made_with_it(
    client: httpx.AsyncClient, db: AsyncSession, closed: int, clock: FakeClock, inbox: Inbox
) -> None:
    await _invite(client, closed, "nadia@example.org", language="en")
    (mail,) = await _arrive(inbox, clock, 1)
    nadia = {"Authorization": "Bearer nadia-token-0000000000000000000"}
    await signed_in(db, clock, "nadia@example.org", nadia)
    await db.commit()

    before = await client.post(
        f"/api/v1/sessions/{closed}/registrations", json={"mode": "onsite"}, headers=nadia
    )
    accepted = await client.post(
        "/api/v1/invites/accept", json={"token": _token(mail)}, headers=nadia
    )
    preview = await client.get(f"/api/v1/invites/{_token(mail)}", headers=nadia)
    after = await client.post(
        f"/api/v1/sessions/{closed}/registrations", json={"mode": "onsite"}, headers=nadia
    )

    assert before.status_code == 403
    assert accepted.json() == {"session": closed, "accepted": True}
    assert (preview.json()["state"], preview.json()["email"]) == ("accepted", "nadia@example.org")
    assert preview.json()["accepted_by_me"] is True
    assert after.json()["status"] == "confirmed"


async def test_the_mail_speaks_the_chosen_language_else_the_accounts_else_russian(
    client: httpx.AsyncClient, db: AsyncSession, closed: int, clock: FakeClock, inbox: Inbox
) -> None:
    await _invite(client, closed, "ivan@example.org", name="Иван", language="ru")
    await _invite(client, closed, "guest@example.org")  # an account, in English
    await _invite(client, closed, "stranger@example.org")  # no account, no language

    await _arrive(inbox, clock, 3)
    (ivan,), (guest,), (stranger,) = (
        inbox.to(a) for a in ("ivan@example.org", "guest@example.org", "stranger@example.org")
    )
    listed = (await client.get(f"/api/v1/sessions/{closed}/invites", headers=ORGANISER)).json()
    guest_id = (await db.exec(select(User.id).where(User.email == "guest@example.org"))).one()
    notices = (await db.exec(select(Notice))).all()

    assert ivan["Subject"] == "Приглашение: Сессия closed-session"
    assert _text(ivan).startswith(
        "Здравствуйте, Иван! Вы приглашены на закрытую сессию «Сессия closed-session» форума "
        "«Тестовый форум». Когда: суббота, 27 марта 2027 г., 14:00–15:00 (Europe/Moscow), "
        "местное время (Казань). Принять приглашение (ссылка действует до суббота, 3 апреля "
        "2027 г., 12:00 (Europe/Moscow)):"
    )
    assert guest["Subject"] == "Invitation: Session closed-session"
    assert _text(guest).startswith("Hello Guest, you are invited")  # the account's name
    assert stranger["Subject"] == "Приглашение: Сессия closed-session"
    assert _text(stranger).startswith("Здравствуйте! Вы приглашены")
    assert [(i["email"], i["language"]) for i in listed["invites"]] == [
        ("stranger@example.org", "ru"),
        ("guest@example.org", "en"),
        ("ivan@example.org", "ru"),
    ]
    # The account holder is also told by a notice (pushed; the invitation is the one mail).
    assert [(n.user_id, n.kind, n.session_id, n.mailed) for n in notices] == [
        (guest_id, NoticeKind.invited, closed, False)
    ]
    assert len(inbox.messages) == 3


async def test_the_list_follows_an_invitation_from_invited_to_accepted_to_registered(
    client: httpx.AsyncClient, db: AsyncSession, closed: int, clock: FakeClock
) -> None:
    made = await _invite(client, closed, "guest@example.org", name="Gita")
    states = [await _states(client, closed)]
    clock.advance(timedelta(minutes=5))
    await client.post("/api/v1/invites/accept", json={"token": made["token"]}, headers=GUEST)
    states.append(await _states(client, closed))
    base = f"/api/v1/sessions/{closed}/registrations"
    await client.post(base, json={"mode": "onsite"}, headers=GUEST)
    states.append(await _states(client, closed))
    await client.delete(f"{base}/me", headers=GUEST)
    states.append(await _states(client, closed))
    listed = (await client.get(f"/api/v1/sessions/{closed}/invites", headers=ORGANISER)).json()
    guest = (await db.exec(select(User).where(User.email == "guest@example.org"))).one()

    assert states == [
        [("guest@example.org", "invited")],
        [("guest@example.org", "accepted")],
        [("guest@example.org", "registered")],
        [("guest@example.org", "accepted")],  # the registration was cancelled
    ]
    assert listed == {
        "invites": [
            {
                "id": made["id"],
                "session": closed,
                "email": "guest@example.org",
                "name": "Gita",
                "language": "en",
                "state": "accepted",
                "created_at": "2027-03-20T09:00:00Z",
                "sent_at": "2027-03-20T09:00:00Z",
                "expires_at": "2027-04-03T09:00:00Z",
                "accepted_at": "2027-03-20T09:05:00Z",
                "accepted_by": {"id": guest.id, "name": guest.name},
                "revoked_at": None,
            }
        ]
    }


async def test_an_unused_invitation_expires_in_the_list(
    client: httpx.AsyncClient, closed: int, clock: FakeClock
) -> None:
    made = await _invite(client, closed, "late@example.org")
    clock.advance(timedelta(days=15))

    late = await client.post("/api/v1/invites/accept", json={"token": made["token"]}, headers=GUEST)

    assert await _states(client, closed) == [("late@example.org", "expired")]
    assert late.status_code == 409 and "expired" in late.json()["error"]["message"]


async def test_resending_mails_a_fresh_link_and_the_old_one_stops_working(
    client: httpx.AsyncClient, closed: int, clock: FakeClock, inbox: Inbox
) -> None:
    first = await _invite(client, closed, "guest@example.org", language="en")
    await _arrive(inbox, clock, 1)
    clock.set(datetime(2027, 4, 9, 9, 0, tzinfo=UTC))  # long expired
    again = await client.post(f"/api/v1/invites/{first['id']}/resend", headers=ORGANISER)
    mails = await _arrive(inbox, clock, 2)

    old_preview = await client.get(f"/api/v1/invites/{first['token']}")
    old = await client.post("/api/v1/invites/accept", json={"token": first["token"]}, headers=GUEST)
    new = await client.post(
        "/api/v1/invites/accept", json={"token": _token(mails[1])}, headers=GUEST
    )
    twice = await client.post(f"/api/v1/invites/{first['id']}/resend", headers=ORGANISER)

    assert again.status_code == 200, again.text
    assert [_token(m) for m in mails] == [first["token"], again.json()["token"]]
    assert first["token"] != again.json()["token"]
    assert (again.json()["state"], again.json()["sent_at"], again.json()["expires_at"]) == (
        "invited",
        "2027-04-09T09:00:00Z",
        "2027-04-23T09:00:00Z",
    )
    assert (old_preview.status_code, old_preview.json()["error"]["field"]) == (404, "token")
    assert (old.status_code, old.json()["error"]["field"]) == (422, "token")
    assert new.status_code == 200
    assert (twice.status_code, twice.json()["error"]["field"]) == (409, "invite")


async def test_inviting_an_address_twice_asks_to_resend_instead(
    client: httpx.AsyncClient, closed: int
) -> None:
    await _invite(client, closed, "guest@example.org")

    again = await client.post(
        f"/api/v1/sessions/{closed}/invites",
        json={"email": "GUEST@example.org"},
        headers=ORGANISER,
    )

    assert (again.status_code, again.json()["error"]["field"]) == (409, "email")


async def test_a_revoked_invitation_cannot_be_accepted(
    client: httpx.AsyncClient, closed: int
) -> None:
    made = await _invite(client, closed, "guest@example.org")

    revoked = await client.post(f"/api/v1/invites/{made['id']}/revoke", headers=ORGANISER)
    accepted = await client.post(
        "/api/v1/invites/accept", json={"token": made["token"]}, headers=GUEST
    )
    preview = await client.get(f"/api/v1/invites/{made['token']}", headers=GUEST)
    resent = await client.post(f"/api/v1/invites/{made['id']}/resend", headers=ORGANISER)

    assert (revoked.json()["state"], revoked.json()["revoked_at"]) == (
        "revoked",
        "2027-03-20T09:00:00Z",
    )
    assert accepted.status_code == 409
    assert accepted.json()["error"] == {
        "code": "conflict",
        "message": "token: this invitation was revoked by the organisers",
        "field": "token",
    }
    assert preview.json()["state"] == "revoked"
    assert (resent.status_code, resent.json()["error"]["field"]) == (409, "invite")


async def test_revoking_an_accepted_invitation_takes_the_guests_access_away(
    client: httpx.AsyncClient, closed: int
) -> None:
    made = await _invite(client, closed, "guest@example.org")
    await client.post("/api/v1/invites/accept", json={"token": made["token"]}, headers=GUEST)
    base = f"/api/v1/sessions/{closed}/registrations"
    registered = await client.post(base, json={"mode": "onsite"}, headers=GUEST)
    seats_path = f"/api/v1/sessions/{closed}/seats"  # a closed session's: for its staff
    seats = [(await client.get(seats_path, headers=MODERATOR)).json()["left"]["onsite"]]

    revoked = await client.post(f"/api/v1/invites/{made['id']}/revoke", headers=ORGANISER)
    again = await client.post(f"/api/v1/invites/{made['id']}/revoke", headers=ORGANISER)
    mine = await client.get(f"{base}/me", headers=GUEST)
    agenda = await client.get("/api/v1/me/agenda", headers=GUEST)
    attendees = await client.get(base, headers=MODERATOR)
    seats.append((await client.get(seats_path, headers=MODERATOR)).json()["left"]["onsite"])

    assert registered.json()["status"] == "confirmed"
    assert revoked.json()["state"] == "revoked"
    assert again.json() == revoked.json()  # revoking twice changes nothing
    assert mine.status_code == 403
    assert agenda.json()["sessions"] == []
    assert attendees.json()["registrations"] == []  # the seat went back
    assert seats == [9, 10]


async def test_a_revoked_guests_open_socket_leaves_the_session_and_cannot_join_again(
    world: World, connect: object
) -> None:
    room = world.room("closed-session")
    invitee = await connect("invitee")  # type: ignore[operator]
    await invitee.join(room)
    organiser = {"Authorization": f"Bearer {world.tokens['organiser']}"}
    async with httpx.AsyncClient(base_url=world.url) as http:
        session = world.sessions["closed-session"]
        listed = (await http.get(f"/api/v1/sessions/{session}/invites", headers=organiser)).json()
        (accepted,) = listed["invites"]
        revoked = await http.post(f"/api/v1/invites/{accepted['id']}/revoke", headers=organiser)

    closed = await invitee.push(room, "room.closed")
    rejoined = await invitee.call("room.join", room)

    assert accepted["state"] == "accepted"
    assert accepted["accepted_by"]["id"] == world.user_ids["invitee"]
    assert revoked.json()["state"] == "revoked"
    assert closed["data"] == {"room": room, "code": "forbidden"}
    assert rejoined["ok"] is False and rejoined["error"]["code"] == "forbidden"


async def test_only_the_forums_organisers_touch_invitations(
    client: httpx.AsyncClient, closed: int
) -> None:
    made = await _invite(client, closed, "someone@example.org")
    routes = [
        ("post", f"/api/v1/sessions/{closed}/invites", {"email": "x@example.org"}),
        ("get", f"/api/v1/sessions/{closed}/invites", None),
        ("post", f"/api/v1/invites/{made['id']}/resend", None),
        ("post", f"/api/v1/invites/{made['id']}/revoke", None),
    ]

    async def statuses(headers: dict[str, str]) -> list[int]:
        answers = []
        for method, path, body in routes:
            kwargs = {"json": body} if body is not None else {}
            response = await client.request(method.upper(), path, headers=headers, **kwargs)
            answers.append(response.status_code)
        return answers

    refused = {
        "moderator": await statuses(MODERATOR),
        "guest": await statuses(GUEST),
        "outsider": await statuses(OUTSIDER),
        "nobody": await statuses({}),
    }

    assert refused == {
        "moderator": [403] * 4,
        "guest": [403] * 4,
        "outsider": [403] * 4,
        "nobody": [401] * 4,
    }
    assert await _states(client, closed) == [("someone@example.org", "invited")]


async def test_the_invite_page_preview_knows_no_wrong_token_and_masks_others_addresses(
    client: httpx.AsyncClient, closed: int
) -> None:
    made = await _invite(client, closed, "guest@example.org")

    wrong = await client.get("/api/v1/invites/not-a-real-token-at-all")
    theirs = await client.get(f"/api/v1/invites/{made['token']}", headers=OUTSIDER)
    own = await client.get(f"/api/v1/invites/{made['token']}", headers=GUEST)

    assert (wrong.status_code, wrong.json()["error"]["field"]) == (404, "token")
    assert theirs.json()["email"] == "g***@example.org"
    assert own.json()["email"] == "guest@example.org"


async def test_only_closed_sessions_take_invitations(
    client: httpx.AsyncClient, db: AsyncSession, closed: int
) -> None:
    open_one = (await db.exec(select(Session).where(Session.slug == "round-table"))).one()

    refused = await client.post(
        f"/api/v1/sessions/{open_one.id}/invites",
        json={"email": "x@example.org"},
        headers=ORGANISER,
    )
    missing = await client.post(
        "/api/v1/sessions/9999/invites", json={"email": "x@example.org"}, headers=ORGANISER
    )

    assert (refused.status_code, refused.json()["error"]["field"]) == (422, "session")
    assert (missing.status_code, missing.json()["error"]["field"]) == (404, "session")
