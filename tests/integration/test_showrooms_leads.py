"""Reaching an exhibitor, over HTTP and the room socket, against a running app: a contact
request rings the staff on duty, the first to accept opens a private chat, a meeting is
booked, and all of it is one lead; nobody on duty means slot offers at once; a stand's leads
and chats are its staff's alone; consent decides what the export shows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import icalendar
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import FakeClock
from server.db import Database
from server.expo.contacts import miss_expired, request_contact
from server.expo.importer import import_pack
from server.expo.media import MediaStore
from server.expo.models import ContactRequest, Lead, LeadEvent, Stand
from server.expo.packs import read_pack
from tests.factories import signed_in
from tests.rooms_world import World
from tests.showroom_packs import stand_doc, write_pack

WORLD_NOW = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)  # the tests' FakeClock (a Saturday)
ALWAYS = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "00:00", "to": "23:59"}
]


def _person(email: str, duty: list) -> dict:
    return {
        "email": email,
        "name": email.split("@")[0].title(),
        "tz": "Europe/Moscow",
        "duty": duty,
    }


async def _load_stands(world: World, tmp_path: Path) -> None:
    alpha = stand_doc(
        "alpha-works",
        staff=[_person("bob@rooms.test", ALWAYS), _person("moderator@rooms.test", ALWAYS)],
    )
    beta = stand_doc("beta-works", staff=[_person("carol@rooms.test", [])])
    folder = write_pack(tmp_path / "pack", [alpha, beta])
    database = Database(world.database_url)
    try:
        async with database.session() as db:
            store = MediaStore(tmp_path / "media" / "showrooms")
            await import_pack(db, FakeClock(WORLD_NOW), read_pack(folder), store)
            await db.commit()
    finally:
        await database.dispose()


def _as(world: World, person: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[person]}"}


async def test_contact_accept_chat_and_meeting_make_one_lead_the_stands_alone(
    world: World, connect, tmp_path: Path
) -> None:
    await _load_stands(world, tmp_path)
    alice, bob = await connect("alice"), await connect("bob")
    moderator, carol = await connect("moderator"), await connect("carol")
    for client, person in ((alice, "alice"), (bob, "bob"), (moderator, "moderator")):
        await client.join(f"user:{world.user_ids[person]}")
    async with httpx.AsyncClient(base_url=world.url) as http:
        # Carol (beta's staff, never on duty) publishes slots; Bob publishes one for alpha.
        carol_slots = await http.post(
            "/api/v1/stands/beta-works/slots",
            json={
                "slots": [
                    {"start": "2027-03-26T10:00", "end": "2027-03-26T10:30", "mode": "onsite"}
                ]
            },
            headers=_as(world, "carol"),
        )
        bob_slots = await http.post(
            "/api/v1/stands/alpha-works/slots",
            json={
                "slots": [
                    {"start": "2027-03-26T15:00", "end": "2027-03-26T15:30", "tz": "Europe/Moscow"}
                ]
            },
            headers=_as(world, "bob"),
        )
        assert (carol_slots.status_code, bob_slots.status_code) == (201, 201), carol_slots.text

        asked = await http.post(
            "/api/v1/stands/alpha-works/contact-requests",
            json={"message": "Do you ship to Jakarta?"},
            headers=_as(world, "alice"),
        )
        request = asked.json()
        assert (asked.status_code, request["state"]) == (201, "open")
        bob_room = f"user:{world.user_ids['bob']}"
        ring = await bob.push(bob_room, "contact.ring")
        assert ring["data"]["visitor"] == {"name": "Alice"}
        assert ring["data"]["message"] == "Do you ship to Jakarta?"
        # A desk opened mid-ring finds it too; another stand's staff do not.
        ringing = await http.get("/api/v1/me/contact-requests", headers=_as(world, "bob"))
        elsewhere = await http.get("/api/v1/me/contact-requests", headers=_as(world, "carol"))
        assert ringing.json() == [ring["data"]] and elsewhere.json() == []

        accepted = await http.post(
            f"/api/v1/contact-requests/{request['id']}/accept", headers=_as(world, "bob")
        )
        late = await http.post(
            f"/api/v1/contact-requests/{request['id']}/accept", headers=_as(world, "moderator")
        )
        stranger = await http.post(
            f"/api/v1/contact-requests/{request['id']}/accept", headers=_as(world, "carol")
        )
        assert (accepted.status_code, late.status_code, stranger.status_code) == (200, 409, 403)
        room = accepted.json()["room"]
        answered = await alice.push(f"user:{world.user_ids['alice']}", "contact.answered")
        assert answered["data"]["room"] == room and answered["data"]["by"]["name"] == "Bob"
        closed = await moderator.push(f"user:{world.user_ids['moderator']}", "contact.closed")
        assert closed["data"] == {"request": request["id"], "state": "answered"}

        # The private chat: the visitor and the stand's staff; nobody else.
        await alice.join(room)
        await bob.join(room)
        await alice.ok("chat.send", room, {"text": "Hello from Alice"})
        message = await bob.push(room, "chat.message")
        assert message["data"]["message"]["text"] == "Hello from Alice"
        outsider = await carol.call("room.join", room)
        assert outsider["ok"] is False and outsider["error"]["code"] == "not_found"

        # A video call from the chat: the socket carries the two browsers' signalling.
        call = {"call": "call-0001"}
        await alice.ok("call.signal", room, {**call, "kind": "offer", "sdp": "v=0 (an offer)"})
        offer = await bob.push(room, "call.signal")
        assert (offer["data"]["from"], offer["data"]["kind"]) == (world.user_ids["alice"], "offer")
        assert offer["data"]["call"] == "call-0001"
        await bob.ok("call.signal", room, {**call, "kind": "answer", "sdp": "v=0 (an answer)"})
        answer = await alice.wait_for(
            lambda: [p for p in alice.pushes[room] if p["type"] == "call.signal"][1:], what="answer"
        )
        assert answer[0]["data"]["kind"] == "answer"
        eavesdrop = await carol.call("call.signal", room, {**call, "kind": "hangup"})
        assert eavesdrop["error"]["code"] == "not_found"
        nameless = await bob.call("call.signal", room, {"kind": "hangup", "call": "x/../y"})
        assert nameless["error"]["code"] == "invalid" and nameless["error"]["field"] == "data.call"

        # A meeting on the same lead, with its invitation.
        (slot,) = bob_slots.json()
        booked = await http.post(
            "/api/v1/stands/alpha-works/meetings",
            json={"slot": slot["id"]},
            headers=_as(world, "alice"),
        )
        twice = await http.post(
            "/api/v1/stands/alpha-works/meetings",
            json={"slot": slot["id"]},
            headers=_as(world, "carol"),
        )
        assert (booked.status_code, twice.status_code) == (201, 409)
        assert booked.json()["start"] == "2027-03-26T12:00:00Z"  # 15:00 in Moscow
        invitation = await http.get(booked.json()["ics"], headers=_as(world, "alice"))
        assert "BEGIN:VTIMEZONE" in invitation.text and "TZID:Europe/Moscow" in invitation.text
        (event,) = icalendar.Calendar.from_ical(invitation.text).walk("VEVENT")
        assert sorted(str(a) for a in event["ATTENDEE"]) == [
            "mailto:alice@rooms.test",
            "mailto:bob@rooms.test",
        ]
        assert (
            await http.get(booked.json()["ics"], headers=_as(world, "carol"))
        ).status_code == 404
        await bob.push(bob_room, "meeting.booked")

        # Nobody on duty at beta: missed at once, with Carol's slot offered.
        missed = (
            await http.post(
                "/api/v1/stands/beta-works/contact-requests", json={}, headers=_as(world, "alice")
            )
        ).json()
        assert missed["state"] == "missed"
        assert [o["start"] for o in missed["offers"]] == ["2027-03-26T07:00:00Z"]

        # One lead at alpha holds it all; beta's staff cannot see it.
        (lead,) = (
            await http.get("/api/v1/stands/alpha-works/leads", headers=_as(world, "bob"))
        ).json()
        detail = (
            await http.get(
                f"/api/v1/stands/alpha-works/leads/{lead['id']}", headers=_as(world, "bob")
            )
        ).json()
        kinds = [e["kind"] for e in detail["history"]]
        assert kinds == ["contact_request", "answered", "call", "meeting"]
        assert [m["text"] for m in detail["chat"]] == ["Hello from Alice"]
        for path in ("leads", f"leads/{lead['id']}", "leads.csv"):
            refused = await http.get(
                f"/api/v1/stands/alpha-works/{path}", headers=_as(world, "carol")
            )
            assert refused.status_code == 403, path
        hidden = await http.get(
            f"/api/v1/contact-requests/{request['id']}", headers=_as(world, "carol")
        )
        assert hidden.status_code == 404

        # Consent: the export shows the email only while Alice shares it.
        async def exported() -> str:
            answer = await http.get(
                "/api/v1/stands/alpha-works/leads.csv", headers=_as(world, "bob")
            )
            assert answer.status_code == 200
            return answer.text

        assert "alice@rooms.test" not in await exported()
        shared = await http.put(
            "/api/v1/stands/alpha-works/consent",
            json={"share": ["email"]},
            headers=_as(world, "alice"),
        )
        assert shared.json() == {"stand": "alpha-works", "share": ["email"]}
        assert "alice@rooms.test" in await exported()
        await http.put(
            "/api/v1/stands/alpha-works/consent", json={"share": []}, headers=_as(world, "alice")
        )
        assert "alice@rooms.test" not in await exported()

        # Alice cancels the meeting: Bob hears it, and the lead keeps both events.
        cancelled = await http.delete(booked.json()["ics"][:-4], headers=_as(world, "alice"))
        assert cancelled.status_code == 204
        gone = await bob.push(bob_room, "meeting.cancelled")
        assert gone["data"] == {
            "meeting": booked.json()["id"],
            "stand": "alpha-works",
            "by": {"name": "Alice"},
            "start": "2027-03-26T12:00:00Z",
        }
        detail = (
            await http.get(
                f"/api/v1/stands/alpha-works/leads/{lead['id']}", headers=_as(world, "bob")
            )
        ).json()
        kinds = [e["kind"] for e in detail["history"]]
        assert "meeting" in kinds and kinds[-1] == "meeting_cancelled"


async def test_a_ring_nobody_answers_is_missed_and_offers_slots(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock, tmp_path: Path, settings
) -> None:
    header = {"Authorization": "Bearer visitor"}
    staff_header = {"Authorization": "Bearer staff"}
    await signed_in(db, clock, "visitor@leads.test", header)
    await signed_in(db, clock, "staff@leads.test", staff_header)
    await db.commit()
    doc = stand_doc("gamma-works", staff=[_person("staff@leads.test", ALWAYS)])
    await import_pack(
        db,
        clock,
        read_pack(write_pack(tmp_path / "p", [doc])),
        MediaStore(settings.media_dir / "showrooms"),
    )
    await db.commit()
    await client.post(
        "/api/v1/stands/gamma-works/slots",
        json={"slots": [{"start": "2027-03-22T11:00", "end": "2027-03-22T11:30"}]},
        headers=staff_header,
    )
    asked = (
        await client.post("/api/v1/stands/gamma-works/contact-requests", json={}, headers=header)
    ).json()
    again = await client.post(
        "/api/v1/stands/gamma-works/contact-requests", json={}, headers=header
    )
    assert (
        asked["state"] == "open" and again.status_code == 200 and again.json()["id"] == asked["id"]
    )

    # The app's sweeper wakes on the clock: past the ring time, it misses the request.
    clock.advance(timedelta(seconds=settings.contact_ring_seconds + 1))

    async def missed() -> dict:
        while True:
            answer = await client.get(f"/api/v1/contact-requests/{asked['id']}", headers=header)
            if answer.json()["state"] == "missed":
                return answer.json()
            await asyncio.sleep(0.05)

    after = await asyncio.wait_for(missed(), 10)
    assert await miss_expired(db, clock) == 0  # once only, whoever sweeps
    late = await client.post(f"/api/v1/contact-requests/{asked['id']}/accept", headers=staff_header)

    assert after["state"] == "missed"
    assert [o["start"] for o in after["offers"]] == ["2027-03-22T08:00:00Z"]
    assert late.status_code == 409


async def test_stand_analytics_count_per_local_day_for_its_staff_only(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock, tmp_path: Path, settings
) -> None:
    visitor, staff, other = (
        {"Authorization": f"Bearer {p}"} for p in ("visitor", "staff", "other")
    )
    for person, header in (("visitor", visitor), ("staff", staff), ("other", other)):
        await signed_in(db, clock, f"{person}@leads.test", header)
    await db.commit()
    doc = stand_doc("delta-works", staff=[_person("staff@leads.test", ALWAYS)])
    store = MediaStore(settings.media_dir / "showrooms")
    await import_pack(db, clock, read_pack(write_pack(tmp_path / "p", [doc])), store)
    await db.commit()
    base = "/api/v1/stands/delta-works"

    # Saturday 09:00 UTC: a signed-in visit of 90 s and an anonymous one without pings.
    opened = (await client.post(f"{base}/visits", headers=visitor)).json()
    for _ in range(3):
        clock.advance(timedelta(seconds=30))
        await client.post(f"/api/v1/visits/{opened['visit']}/ping", json={"key": opened["key"]})
    forged = await client.post(f"/api/v1/visits/{opened['visit']}/ping", json={"key": "x" * 32})
    await client.post(f"{base}/visits")
    await client.post(f"{base}/visits", headers=staff)  # its own staff: not a visitor
    # A request answered after 20 s, then a slot booked.
    asked = (await client.post(f"{base}/contact-requests", json={}, headers=visitor)).json()
    clock.advance(timedelta(seconds=20))
    await client.post(f"/api/v1/contact-requests/{asked['id']}/accept", headers=staff)
    slots = await client.post(
        f"{base}/slots",
        json={"slots": [{"start": "2027-03-25T10:00", "end": "2027-03-25T10:30"}]},
        headers=staff,
    )
    await client.post(f"{base}/meetings", json={"slot": slots.json()[0]["id"]}, headers=visitor)
    # 23:30 UTC the same day: Sunday already in Tokyo; a visit there.
    clock.set(WORLD_NOW.replace(hour=23, minute=30))
    await client.post(f"{base}/visits", headers=visitor)

    utc = (
        await client.get(f"{base}/analytics", params={"days": 2, "tz": "UTC"}, headers=staff)
    ).json()
    tokyo = (
        await client.get(f"{base}/analytics", params={"days": 2, "tz": "Asia/Tokyo"}, headers=staff)
    ).json()
    refused = await client.get(f"{base}/analytics", headers=other)

    assert forged.status_code == 404 and refused.status_code == 403
    saturday = utc["days"][-1]
    assert saturday == {
        "date": "2027-03-20",
        "visits": 3,
        "unique_visitors": 2,
        "minutes_on_stand": 1.5,
        "contact_requests": 1,
        "answered": 1,
        "missed": 0,
        "median_seconds_to_answer": 20.0,
        "meetings_booked": 1,
        "badge_scans": 0,
    }
    assert [(d["date"], d["visits"]) for d in tokyo["days"]] == [
        ("2027-03-20", 2),
        ("2027-03-21", 1),
    ]


async def test_a_visitor_cannot_ring_a_stand_again_and_again(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock, tmp_path: Path, settings
) -> None:
    visitor = {"Authorization": "Bearer visitor"}
    await signed_in(db, clock, "visitor@leads.test", visitor)
    await db.commit()
    doc = stand_doc("quiet-works", staff=[_person("nobody@leads.test", [])])
    store = MediaStore(settings.media_dir / "showrooms")
    await import_pack(db, clock, read_pack(write_pack(tmp_path / "p", [doc])), store)
    await db.commit()
    url = "/api/v1/stands/quiet-works/contact-requests"

    made = []
    for _ in range(5):  # nobody on duty: each is missed at once, so the next is a new one
        made.append(await client.post(url, json={}, headers=visitor))
        clock.advance(timedelta(minutes=5))
    refused = await client.post(url, json={}, headers=visitor)
    clock.advance(timedelta(minutes=40))  # an hour after the first
    allowed = await client.post(url, json={}, headers=visitor)

    assert [r.status_code for r in made] == [201] * 5
    assert {r.json()["state"] for r in made} == {"missed"}
    assert refused.status_code == 429
    assert refused.json()["error"]["field"] == "request"
    assert "book a meeting" in refused.json()["error"]["message"]
    assert int(refused.headers["Retry-After"]) == 35 * 60 + 1  # until the first is an hour old
    assert allowed.status_code == 201


async def _history(client: httpx.AsyncClient, slug: str, staff: dict[str, str]) -> list[dict]:
    (lead,) = (await client.get(f"/api/v1/stands/{slug}/leads", headers=staff)).json()
    detail = await client.get(f"/api/v1/stands/{slug}/leads/{lead['id']}", headers=staff)
    return detail.json()["history"]


async def test_a_missed_ring_says_why_as_a_code_not_as_words(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock, tmp_path: Path, settings
) -> None:
    visitor, staff, off = (
        {"Authorization": f"Bearer {p}"} for p in ("visitor", "staff", "off-duty")
    )
    for person, header in (("visitor", visitor), ("staff", staff), ("off-duty", off)):
        await signed_in(db, clock, f"{person}@leads.test", header)
    await db.commit()
    docs = [
        stand_doc("ringing-works", staff=[_person("staff@leads.test", ALWAYS)]),
        stand_doc("empty-works", staff=[_person("off-duty@leads.test", [])]),
    ]
    store = MediaStore(settings.media_dir / "showrooms")
    await import_pack(db, clock, read_pack(write_pack(tmp_path / "p", docs)), store)
    await db.commit()

    # Nobody on duty: missed at once. On duty but nobody answers: missed by the sweeper.
    at_once = await client.post(
        "/api/v1/stands/empty-works/contact-requests", json={}, headers=visitor
    )
    rung = await client.post(
        "/api/v1/stands/ringing-works/contact-requests", json={}, headers=visitor
    )
    clock.advance(timedelta(seconds=settings.contact_ring_seconds + 1))

    async def swept() -> None:
        path = f"/api/v1/contact-requests/{rung.json()['id']}"
        while True:
            if (await client.get(path, headers=visitor)).json()["state"] == "missed":
                return
            await asyncio.sleep(0.05)

    await asyncio.wait_for(swept(), 10)
    nobody = [
        e["data"] for e in await _history(client, "empty-works", off) if e["kind"] == "missed"
    ]
    unanswered = [
        e["data"] for e in await _history(client, "ringing-works", staff) if e["kind"] == "missed"
    ]

    assert nobody == [{"request": at_once.json()["id"], "reason": "nobody_on_duty"}]
    assert unanswered == [{"request": rung.json()["id"], "reason": "no_answer"}]


async def test_a_step_written_before_reasons_were_codes_is_read_as_its_code(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock, tmp_path: Path, settings
) -> None:
    staff = {"Authorization": "Bearer staff"}
    await signed_in(db, clock, "staff@leads.test", staff)
    visitor = await signed_in(db, clock, "visitor@leads.test", {"Authorization": "Bearer v"})
    doc = stand_doc("older-works", staff=[_person("staff@leads.test", ALWAYS)])
    store = MediaStore(settings.media_dir / "showrooms")
    await import_pack(db, clock, read_pack(write_pack(tmp_path / "p", [doc])), store)
    stand = (await db.exec(select(Stand).where(Stand.slug == "older-works"))).one()
    lead = Lead(
        stand_id=stand.id, visitor_id=visitor.id, created_at=WORLD_NOW, updated_at=WORLD_NOW
    )
    db.add(lead)
    await db.flush()
    for request, said in ((1, "nobody on duty"), (2, "no answer")):  # as stored until now
        data = {"request": request, "reason": said}
        db.add(LeadEvent(lead_id=lead.id, kind="missed", actor_id=None, data=data, at=WORLD_NOW))
    await db.commit()

    history = await _history(client, "older-works", staff)

    assert [e["data"]["reason"] for e in history] == ["nobody_on_duty", "no_answer"]


class _Told:
    """A bus that notes each push with what the database held when it went out."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.pushes: list[tuple[str, str, int]] = []  # room, type, requests stored then

    async def publish(self, room: str, type: str, data: dict) -> tuple[str, int]:
        async with self.database.session() as other:  # another connection: committed rows only
            stored = len((await other.exec(select(ContactRequest))).all())
        self.pushes.append((room, type, stored))
        return ("0-0", 0)

    async def publish_volatile(self, room: str, type: str, data: dict) -> None:
        raise AssertionError("a contact request's pushes are kept in the room's history")

    async def deliver(self, room: str, type: str, data: dict) -> None:
        raise AssertionError("a contact request's pushes are sent at once")


async def test_a_contact_requests_ring_goes_out_after_its_commit_and_never_if_it_fails(
    db: AsyncSession, clock: FakeClock, tmp_path: Path, database_url: str
) -> None:
    visitor = await signed_in(db, clock, "visitor@leads.test", {"Authorization": "Bearer v"})
    staff = await signed_in(db, clock, "staff@leads.test", {"Authorization": "Bearer s"})
    doc = stand_doc("unit-works", staff=[_person("staff@leads.test", ALWAYS)])
    store = MediaStore(tmp_path / "media")
    await import_pack(db, clock, read_pack(write_pack(tmp_path / "p", [doc])), store)
    await db.commit()
    database = Database(database_url)
    told = _Told(database)
    ring = timedelta(minutes=1)
    try:
        # A unit that fails after the verb rang: rolled back, and nobody was rung.
        with pytest.raises(RuntimeError):
            async with database.unit(told) as unit:
                await request_contact(unit, clock, "unit-works", visitor, "", ring)
                raise RuntimeError("a later step of the same unit of work fails")
        after_failure = list(told.pushes)
        async with database.unit(told) as unit:
            made, new = await request_contact(unit, clock, "unit-works", visitor, "", ring)
    finally:
        await database.dispose()

    assert after_failure == []
    assert (made.state, new) == ("open", True)
    assert told.pushes == [(f"user:{staff.id}", "contact.ring", 1)]


async def test_a_visitor_finds_their_conversations_with_stands_and_what_each_may_see(
    world: World, connect, tmp_path: Path
) -> None:
    """Coming back to a stand: the earlier chat is listed (mine only), with its last message,
    and the consent I gave is read back as I left it."""
    await _load_stands(world, tmp_path)
    alice, bob = await connect("alice"), await connect("bob")
    await bob.join(f"user:{world.user_ids['bob']}")
    async with httpx.AsyncClient(base_url=world.url) as http:
        before = await http.get("/api/v1/me/conversations", headers=_as(world, "alice"))
        assert (before.status_code, before.json()) == (200, [])
        asked = await http.post(
            "/api/v1/stands/alpha-works/contact-requests", json={}, headers=_as(world, "alice")
        )
        await bob.push(f"user:{world.user_ids['bob']}", "contact.ring")
        accepted = await http.post(
            f"/api/v1/contact-requests/{asked.json()['id']}/accept", headers=_as(world, "bob")
        )
        room = accepted.json()["room"]
        await alice.join(room)
        await alice.ok("chat.send", room, {"text": "First question"})
        await alice.ok("chat.send", room, {"text": "And a second one"})

        mine = await http.get("/api/v1/me/conversations", headers=_as(world, "alice"))
        assert mine.status_code == 200
        (conversation,) = mine.json()
        assert conversation["stand"] == {
            "slug": "alpha-works",
            "name": conversation["stand"]["name"],
            "name_ru": conversation["stand"]["name_ru"],
        }
        assert (conversation["room"], conversation["last_text"]) == (room, "And a second one")
        assert conversation["last_at"].endswith("Z")
        theirs = await http.get("/api/v1/me/conversations", headers=_as(world, "carol"))
        assert theirs.json() == []
        anonymous = await http.get("/api/v1/me/conversations")
        assert anonymous.status_code == 401

        unread = await http.get("/api/v1/stands/alpha-works/consent", headers=_as(world, "alice"))
        assert unread.json() == {"stand": "alpha-works", "share": []}
        await http.put(
            "/api/v1/stands/alpha-works/consent",
            json={"share": ["country", "email"]},
            headers=_as(world, "alice"),
        )
        read = await http.get("/api/v1/stands/alpha-works/consent", headers=_as(world, "alice"))
        assert read.json() == {"stand": "alpha-works", "share": ["country", "email"]}
        elsewhere = await http.get("/api/v1/stands/beta-works/consent", headers=_as(world, "alice"))
        assert elsewhere.json() == {"stand": "beta-works", "share": []}
        missing = await http.get("/api/v1/stands/no-such/consent", headers=_as(world, "alice"))
        assert missing.status_code == 404
