"""A closed session is public knowledge, its seats and attendees are not: every route that could
leak them is asked by someone uninvited, and invitations work once, before they expire."""

from __future__ import annotations

from datetime import timedelta

import httpx
import icalendar
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import Role, User
from server.accounts.service import grant
from server.clock import FakeClock
from server.program.models import Session
from server.program.service import get_forum
from tests.factories import attendance_doc, load_program, session_doc, signed_in

OUTSIDER = {"Authorization": "Bearer outsider"}
GUEST = {"Authorization": "Bearer guest"}
MODERATOR = {"Authorization": "Bearer moderator"}
ORGANISER = {"Authorization": "Bearer organiser"}


@pytest.fixture
async def closed(db: AsyncSession, clock: FakeClock) -> int:
    """The closed session's id; the guest holds an accepted invitation to it."""
    await load_program(db, clock, attendance_doc())
    forum = await get_forum(db, "test-forum")
    session = (await db.exec(select(Session).where(Session.slug == "closed-session"))).one()
    await signed_in(db, clock, "outsider@example.org", OUTSIDER)
    await signed_in(db, clock, "guest@example.org", GUEST)
    moderator = await signed_in(db, clock, "moderator@example.org", MODERATOR)
    organiser = await signed_in(db, clock, "organiser@example.org", ORGANISER)
    await grant(db, moderator, Role.moderator, session_id=session.id)
    await grant(db, organiser, Role.organiser, forum_id=forum.id)
    await db.commit()
    assert session.id is not None
    return session.id


async def invite_and_accept(client: httpx.AsyncClient, session: int, who: dict[str, str]) -> str:
    made = await client.post(
        f"/api/v1/sessions/{session}/invites",
        json={"email": "guest@example.org"},
        headers=ORGANISER,
    )
    token = made.json()["token"]
    accepted = await client.post("/api/v1/invites/accept", json={"token": token}, headers=who)
    assert accepted.status_code == 200, accepted.text
    return token


async def test_the_published_description_stays_visible_to_everyone(
    client: httpx.AsyncClient, closed: int
) -> None:
    program = (await client.get("/api/v1/forums/test-forum/program")).json()
    page = await client.get(f"/api/v1/forums/test-forum/sessions/{closed}", headers=OUTSIDER)
    feed = await client.get("/api/v1/forums/test-forum/program.ics")

    listed = [s for d in program["days"] for s in d["sessions"] if s["id"] == closed]
    assert [(s["title"], s["access"]) for s in listed] == [
        ("Session closed-session", "invite_only")
    ]
    assert page.json()["title"] == "Session closed-session"
    summaries = [
        str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    ]
    assert "Session closed-session" in summaries


async def test_nobody_uninvited_gets_a_seat_or_sees_who_comes(
    client: httpx.AsyncClient, closed: int
) -> None:
    await invite_and_accept(client, closed, GUEST)
    await client.post(
        f"/api/v1/sessions/{closed}/registrations", json={"mode": "onsite"}, headers=GUEST
    )
    base = f"/api/v1/sessions/{closed}/registrations"

    answers = {
        "register": await client.post(base, json={"mode": "onsite"}, headers=OUTSIDER),
        "mine": await client.get(f"{base}/me", headers=OUTSIDER),
        "cancel": await client.delete(f"{base}/me", headers=OUTSIDER),
        "accept": await client.post(f"{base}/me/accept", headers=OUTSIDER),
        "attendees": await client.get(base, headers=OUTSIDER),
        "attendees, invited": await client.get(base, headers=GUEST),
        "anonymous": await client.post(base, json={"mode": "onsite"}),
    }

    assert {name: r.status_code for name, r in answers.items()} == {
        "register": 403,
        "mine": 403,
        "cancel": 403,
        "accept": 403,
        "attendees": 403,
        "attendees, invited": 403,
        "anonymous": 401,
    }
    leaked = " ".join(r.text for r in answers.values())
    assert "guest@example.org" not in leaked
    agenda = await client.get("/api/v1/me/agenda", headers=OUTSIDER)
    assert agenda.json()["sessions"] == []


async def test_the_invited_guest_registers_and_the_moderator_sees_them(
    client: httpx.AsyncClient, closed: int
) -> None:
    await invite_and_accept(client, closed, GUEST)

    registered = await client.post(
        f"/api/v1/sessions/{closed}/registrations", json={"mode": "onsite"}, headers=GUEST
    )
    attendees = await client.get(f"/api/v1/sessions/{closed}/registrations", headers=MODERATOR)

    assert registered.json()["status"] == "confirmed"
    assert [r["user"]["email"] for r in attendees.json()["registrations"]] == ["guest@example.org"]


async def test_an_invitation_works_once(client: httpx.AsyncClient, closed: int) -> None:
    token = await invite_and_accept(client, closed, GUEST)

    replayed = await client.post("/api/v1/invites/accept", json={"token": token}, headers=OUTSIDER)
    register = await client.post(
        f"/api/v1/sessions/{closed}/registrations", json={"mode": "onsite"}, headers=OUTSIDER
    )

    assert (replayed.status_code, replayed.json()["error"]["message"]) == (
        409,
        "token: this invitation has already been used",
    )
    assert register.status_code == 403


async def test_an_invitation_expires(
    client: httpx.AsyncClient, closed: int, clock: FakeClock
) -> None:
    made = await client.post(
        f"/api/v1/sessions/{closed}/invites", json={"email": "x@example.org"}, headers=ORGANISER
    )
    clock.advance(timedelta(days=15))

    late = await client.post(
        "/api/v1/invites/accept", json={"token": made.json()["token"]}, headers=OUTSIDER
    )
    unknown = await client.post(
        "/api/v1/invites/accept", json={"token": "made-up-token"}, headers=OUTSIDER
    )

    assert late.status_code == 409 and "expired" in late.json()["error"]["message"]
    assert (unknown.status_code, unknown.json()["error"]["field"]) == (422, "token")


async def test_only_organisers_invite(client: httpx.AsyncClient, closed: int) -> None:
    for who in (OUTSIDER, GUEST, MODERATOR):
        response = await client.post(
            f"/api/v1/sessions/{closed}/invites", json={"email": "x@example.org"}, headers=who
        )
        assert response.status_code == 403


async def test_a_granted_role_counts_from_the_next_request(
    client: httpx.AsyncClient, closed: int, db: AsyncSession
) -> None:
    base = f"/api/v1/sessions/{closed}/registrations"
    before = await client.get(base, headers=OUTSIDER)
    outsider = (await db.exec(select(User).where(User.email == "outsider@example.org"))).one()
    given = await grant(db, outsider, Role.moderator, session_id=closed)
    await db.commit()

    during = await client.get(base, headers=OUTSIDER)
    await db.delete(given)
    await db.commit()
    after = await client.get(base, headers=OUTSIDER)

    assert [r.status_code for r in (before, during, after)] == [403, 200, 403]


async def test_held_permissions_agree_with_asking_one_by_one(
    db: AsyncSession, clock: FakeClock, closed: int
) -> None:
    from server.attendance import invites
    from server.attendance.permissions import Permission, allowed, held

    session = await db.get(Session, closed)
    assert session is not None
    people = (await db.exec(select(User).order_by(User.email))).all()
    speaker = await signed_in(db, clock, "speaker@example.org", {"Authorization": "Bearer s"})
    await grant(db, speaker, Role.speaker, session_id=closed)
    door = await signed_in(db, clock, "door@example.org", {"Authorization": "Bearer d"})
    await grant(db, door, Role.door, forum_id=session.forum_id)
    guest = (await db.exec(select(User).where(User.email == "guest@example.org"))).one()
    await invites.accept(db, clock, guest, await invites.invite(db, clock, session, guest.email))
    await db.commit()

    for person in [*people, speaker, door]:
        one_by_one = {
            p
            for p in Permission
            if await allowed(db, person, p, forum_id=session.forum_id, session=session)
        }
        assert await held(db, person, forum_id=session.forum_id, session=session) == one_by_one, (
            person.email
        )


async def test_a_closed_sessions_seats_left_are_for_its_invitees_and_staff_only(
    client: httpx.AsyncClient, closed: int
) -> None:
    await invite_and_accept(client, closed, GUEST)
    path = f"/api/v1/sessions/{closed}/seats"

    answers = {
        who: await client.get(path, headers=header)
        for who, header in {
            "anonymous": {},
            "outsider": OUTSIDER,
            "guest": GUEST,
            "moderator": MODERATOR,
            "organiser": ORGANISER,
        }.items()
    }

    assert {who: a.status_code for who, a in answers.items()} == {
        "anonymous": 401,
        "outsider": 403,
        "guest": 200,
        "moderator": 200,
        "organiser": 200,
    }
    assert answers["guest"].json()["left"] == {"onsite": 10, "online": None}
    assert "10" not in answers["outsider"].text + answers["anonymous"].text


async def test_an_open_sessions_seats_left_stay_public(
    client: httpx.AsyncClient, closed: int, db: AsyncSession
) -> None:
    table = (await db.exec(select(Session).where(Session.slug == "round-table"))).one()

    seats = await client.get(f"/api/v1/sessions/{table.id}/seats")

    assert (seats.status_code, seats.json()["left"]) == (200, {"onsite": 30, "online": 500})


REGISTERED_ONLY = session_doc(
    "members-briefing",
    "2027-03-27T18:00",
    "2027-03-27T19:00",
    access="registered",
    format="online",
    venue="channel",
)


@pytest.fixture
async def briefing(db: AsyncSession, clock: FakeClock) -> int:
    """A `registered` session: anyone signed in registers; room and stage for the registered.
    Outsider and guest are signed in; the moderator runs it."""
    await load_program(db, clock, attendance_doc(REGISTERED_ONLY))
    session = (await db.exec(select(Session).where(Session.slug == "members-briefing"))).one()
    await signed_in(db, clock, "outsider@example.org", OUTSIDER)
    await signed_in(db, clock, "guest@example.org", GUEST)
    moderator = await signed_in(db, clock, "moderator@example.org", MODERATOR)
    await grant(db, moderator, Role.moderator, session_id=session.id)
    await db.commit()
    assert session.id is not None
    return session.id


async def test_a_registered_session_is_registered_for_by_anyone_and_watched_by_the_registered(
    client: httpx.AsyncClient, briefing: int
) -> None:
    stage, hls = f"/api/v1/stage/{briefing}", f"/hls/{briefing}/index.m3u8"
    before = await client.get(stage, headers=GUEST)
    hls_before = await client.get(hls, headers=GUEST)
    seats = await client.get(f"/api/v1/sessions/{briefing}/seats")

    registered = await client.post(
        f"/api/v1/sessions/{briefing}/registrations", json={"mode": "online"}, headers=GUEST
    )
    after = await client.get(stage, headers=GUEST)
    hls_after = await client.get(hls, headers=GUEST)
    moderator = await client.get(stage, headers=MODERATOR)
    outsider = await client.get(stage, headers=OUTSIDER)

    assert (before.status_code, before.json()["error"]["reason"]) == (
        403,
        "registration_required",
    )
    assert hls_before.status_code == 403
    assert seats.status_code == 200
    assert (registered.status_code, registered.json()["status"]) == (200, "confirmed")
    assert (after.status_code, moderator.status_code, outsider.status_code) == (200, 200, 403)
    assert hls_after.status_code == 404  # let in: there is no broadcast yet


async def test_cancelling_a_registration_closes_a_registered_sessions_stage_again(
    client: httpx.AsyncClient, briefing: int
) -> None:
    base = f"/api/v1/sessions/{briefing}/registrations"
    await client.post(base, json={"mode": "online"}, headers=GUEST)
    await client.delete(f"{base}/me", headers=GUEST)

    refused = await client.get(f"/api/v1/stage/{briefing}", headers=GUEST)

    assert refused.status_code == 403


async def test_watching_agrees_with_held_permissions_in_a_registered_session(
    db: AsyncSession, client: httpx.AsyncClient, briefing: int
) -> None:
    from server.attendance.permissions import Permission, allowed, held

    await client.post(
        f"/api/v1/sessions/{briefing}/registrations", json={"mode": "online"}, headers=GUEST
    )
    await db.rollback()
    session = await db.get(Session, briefing)
    assert session is not None
    people = {u.email: u for u in (await db.exec(select(User))).all()}

    watchers = {
        email
        for email, person in people.items()
        if await allowed(db, person, Permission.watch, forum_id=session.forum_id, session=session)
    }
    held_watch = {
        email
        for email, person in people.items()
        if Permission.watch in await held(db, person, forum_id=session.forum_id, session=session)
    }

    assert watchers == held_watch == {"guest@example.org", "moderator@example.org"}
