"""Rehearsals (`pavilion rehearse`): only a forum's organisers start, read and end them; their
accounts are marked and never mailed; ending one leaves no row that names its accounts (the
tables come from the metadata, so a new table cannot slip past) and real people's counters and
seats as they were; the sweeper ends one whose driver was killed; and the command itself runs
against a real served demo forum, to the end and interrupted, leaving nothing behind."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import Column, func, select, text
from sqlmodel import SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

import server.models  # noqa: F401  (every table on the metadata)
from server.accounts.models import Grant, Role, User
from server.accounts.service import grant
from server.app import create_app
from server.attendance.models import Mode, Registration, SeatPool
from server.cli import DEMO_FORUM, demo_packs
from server.clock import FakeClock, SystemClock
from server.db import Database
from server.editor.importer import import_program
from server.expo.importer import import_pack
from server.expo.media import MediaStore
from server.expo.packs import read_pack
from server.mail.models import OutboxMail
from server.mail.outbox import queue
from server.migrate import upgrade
from server.people.demo import create_demo_people
from server.program.models import Forum, Session
from server.rehearsals.models import Rehearsal
from server.rooms.models import ChatMessage, Poll, PollOption, PrivateRoom, Question
from server.settings import Settings
from tests.conftest import postgres_database
from tests.factories import attendance_doc, load_program, program_doc, signed_in
from tests.integration.conftest import room_settings, serve_world
from tests.roomclient import RoomClient
from tests.rooms_world import World
from tests.servers import free_socket, serve_in_thread
from tests.showroom_packs import stand_doc, write_pack

ORGANISER = {"Authorization": "Bearer organiser-token-0123456789abcdef"}
STRANGER = {"Authorization": "Bearer organiser-of-another-forum-0123"}
ATTENDEE = {"Authorization": "Bearer attendee-token-0123456789abcdef"}
ALWAYS = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "00:00", "to": "23:59"}
]


def person_columns() -> list[Column[Any]]:
    """Every column of every table with a foreign key to user.id, straight from the metadata
    (not from the code under test): what could name a rehearsal account."""
    user = SQLModel.metadata.tables["user"]
    return [
        column
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        if any(key.column.table is user for key in column.foreign_keys)
    ]


async def rows_naming(db: AsyncSession, ids: set[int]) -> dict[str, int]:
    """{"table.column": rows} for every such column with rows naming one of `ids`."""
    found = {}
    for column in person_columns():
        query = select(func.count()).select_from(column.table).where(column.in_(ids))
        count = (await db.exec(query)).one()[0]  # type: ignore[call-overload]
        if count:
            found[f"{column.table.name}.{column.name}"] = count
    return found


# --- who may, and what a rehearsal is --------------------------------------------------------


@pytest.fixture
async def forums(db: AsyncSession, clock: FakeClock) -> dict[str, int]:
    """The attendance program (test-forum) with its organiser and an attendee, and a second
    forum with an organiser of its own; the session ids by slug."""
    await load_program(db, clock, attendance_doc())
    await load_program(db, clock, program_doc(slug="other-forum"))
    mine = (await db.exec(select(Forum).where(Forum.slug == "test-forum"))).one()[0]
    other = (await db.exec(select(Forum).where(Forum.slug == "other-forum"))).one()[0]
    organiser = await signed_in(db, clock, "olga@forum.test", ORGANISER)
    stranger = await signed_in(db, clock, "stan@other.test", STRANGER)
    await signed_in(db, clock, "anton@forum.test", ATTENDEE)
    await grant(db, organiser, Role.organiser, forum_id=mine.id)
    await grant(db, stranger, Role.organiser, forum_id=other.id)
    await db.commit()
    sessions = (await db.exec(select(Session.slug, Session.id))).all()
    return {slug: session_id for slug, session_id in sessions}


async def test_only_the_forums_organisers_start_read_and_end_its_rehearsals(
    client: httpx.AsyncClient, db: AsyncSession, forums: dict[str, int]
) -> None:
    path = "/api/v1/forums/test-forum/rehearsals"
    body = {"attendees": 3, "minutes": 5, "session": forums["round-table"]}
    refused = [
        (await client.post(path, json=body, headers=who)).status_code
        for who in ({}, ATTENDEE, STRANGER)
    ]
    assert refused == [401, 403, 403]

    answer = await client.post(path, json=body, headers=ORGANISER)
    assert answer.status_code == 201, answer.text
    created = answer.json()
    rid = created["id"]
    emails = [f"r{rid}-{n}@rehearsal.invalid" for n in (1, 2, 3)]
    assert (created["emails"], created["moderator"]) == (emails, emails[0])
    assert (created["session"], created["room"], created["mode"]) == (
        forums["round-table"],
        f"session:{forums['round-table']}",
        "online",
    )
    assert len(created["password"]) >= 20

    one = f"{path}/{rid}"
    for method in ("GET", "DELETE"):
        statuses = [
            (await client.request(method, one, headers=who)).status_code
            for who in ({}, ATTENDEE, STRANGER)
        ]
        assert statuses == [401, 403, 403], method
    elsewhere = await client.get(f"/api/v1/forums/other-forum/rehearsals/{rid}", headers=STRANGER)
    assert elsewhere.status_code == 404

    state = (await client.get(one, headers=ORGANISER)).json()
    assert (state["status"], state["accounts"], state["remaining"]) == ("running", 3, {"grant": 1})
    # The accounts are marked as the rehearsal's, and its first one moderates the session.
    marked = (await db.exec(select(User.email, User.name).where(User.rehearsal_id == rid))).all()
    assert sorted(marked) == [(e, f"Rehearsal attendee {n}") for n, e in enumerate(emails, 1)]
    roles = (
        await db.exec(
            select(Grant.role, Grant.session_id)
            .join(User, col(User.id) == Grant.user_id)
            .where(User.email == emails[0])
        )
    ).all()
    assert [tuple(r) for r in roles] == [(Role.moderator, forums["round-table"])]

    ended = await client.delete(one, headers=ORGANISER)
    again = await client.delete(one, headers=ORGANISER)
    assert ended.status_code == again.status_code == 200
    assert (ended.json()["status"], ended.json()["accounts"], ended.json()["remaining"]) == (
        "ended",
        0,
        {},
    )
    assert again.json() == ended.json()


async def test_a_rehearsal_names_the_field_it_cannot_use(
    client: httpx.AsyncClient, forums: dict[str, int]
) -> None:
    path = "/api/v1/forums/test-forum/rehearsals"

    async def field(body: dict[str, Any]) -> tuple[int, str]:
        answer = await client.post(path, json=body, headers=ORGANISER)
        return answer.status_code, answer.json()["error"]["field"]

    assert await field({"attendees": 3, "minutes": 5}) == (422, "session")  # no marathon
    closed = {"attendees": 3, "minutes": 5, "session": forums["closed-session"]}
    assert await field(closed) == (422, "session")
    assert await field({"attendees": 0, "minutes": 5, "session": 1}) == (422, "attendees")
    assert await field({"attendees": 5001, "minutes": 5, "session": 1}) == (422, "attendees")
    assert await field({"attendees": 3, "minutes": 181, "session": 1}) == (422, "minutes")
    assert await field({"attendees": 3, "minutes": 5, "session": 99999}) == (422, "session")


async def test_rehearsal_accounts_are_never_mailed(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock, forums: dict[str, int]
) -> None:
    body = {"attendees": 2, "minutes": 5, "session": forums["round-table"]}
    created = (
        await client.post("/api/v1/forums/test-forum/rehearsals", json=body, headers=ORGANISER)
    ).json()
    # A forgotten password mails its link: to the real person, and to nobody else.
    for email in (created["emails"][1], "anton@forum.test"):
        answer = await client.post("/api/v1/auth/password-reset", json={"email": email})
        assert answer.status_code == 202
    queue(db, clock, to_email=created["emails"][0], subject="hello", body="hello")
    await db.commit()
    mailed = (await db.exec(select(OutboxMail.to_email))).all()
    assert [row[0] for row in mailed] == ["anton@forum.test"]


async def test_the_sweeper_ends_a_rehearsal_whose_driver_never_did(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock, forums: dict[str, int]
) -> None:
    body = {"attendees": 2, "minutes": 1, "session": forums["round-table"]}
    path = "/api/v1/forums/test-forum/rehearsals"
    created = (await client.post(path, json=body, headers=ORGANISER)).json()
    signed = await client.post(
        "/api/v1/auth/login",
        json={"email": created["emails"][1], "password": created["password"]},
    )
    token = {"Authorization": f"Bearer {signed.json()['token']}"}
    registration = f"/api/v1/sessions/{forums['round-table']}/registrations"
    assert (await client.post(registration, json={"mode": "onsite"}, headers=token)).is_success
    one = f"{path}/{created['id']}"

    clock.advance(timedelta(minutes=30))  # inside its margin: nothing happens
    await asyncio.sleep(0.2)
    assert (await client.get(one, headers=ORGANISER)).json()["status"] == "running"
    clock.advance(timedelta(minutes=2))  # past expires_at: the sweeper's next round ends it
    deadline = time.monotonic() + 10
    while (state := (await client.get(one, headers=ORGANISER)).json())["status"] != "ended":
        assert time.monotonic() < deadline, state
        await asyncio.sleep(0.05)
    assert (state["accounts"], state["remaining"]) == (0, {})
    left = await db.exec(select(func.count()).where(col(User.rehearsal_id) == created["id"]))
    assert left.one()[0] == 0
    seats = (await db.exec(select(SeatPool.taken).where(SeatPool.mode == Mode.onsite))).one()
    assert seats[0] == 0


# --- ending a rehearsal: everything its accounts did goes; real figures stay ------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def world(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[World]:
    """The rooms world served by uvicorn (on SQLite, and on PostgreSQL), with a stand whose
    staff (bob) is always on duty."""
    if request.param == "sqlite":
        served = serve_world(room_settings(tmp_path), clock)
        yield next(served)
        served.close()
        return
    async with postgres_database() as url:
        served = serve_world(room_settings(tmp_path, database_url=url), clock)
        yield next(served)
        served.close()


async def _stand_and_tight_seats(world: World, tmp_path: Path, clock: FakeClock) -> None:
    """A stand (bob on duty, always) and a single on-site seat at the round table."""
    staff = [{"email": "bob@rooms.test", "name": "Bob", "tz": "Europe/Moscow", "duty": ALWAYS}]
    folder = write_pack(tmp_path / "pack", [stand_doc("alpha-works", staff=staff)])
    database = Database(world.database_url)
    try:
        async with database.session() as db:
            await import_pack(db, clock, read_pack(folder), MediaStore(tmp_path / "showrooms"))
            table = await db.get(Session, world.sessions["round-table"])
            assert table is not None
            table.capacity_onsite = 1
            db.add(table)
            await db.commit()
    finally:
        await database.dispose()


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _real_figures(world: World) -> dict[str, Any]:
    """What real people's rows say: question votes, poll counts, seats, registrations."""
    database = Database(world.database_url)
    try:
        async with database.session() as db:
            questions = (await db.exec(select(Question.text, Question.votes))).all()
            polls = (await db.exec(select(Poll.question, Poll.voters))).all()
            options = (
                await db.exec(
                    select(PollOption.poll_id, PollOption.position, PollOption.votes).order_by(
                        PollOption.poll_id, PollOption.position
                    )
                )
            ).all()
            pools = (await db.exec(select(SeatPool.mode, SeatPool.taken))).all()
            people = (
                await db.exec(
                    select(User.email, Registration.mode, Registration.status)
                    .join(User, col(User.id) == Registration.user_id)
                    .where(col(User.rehearsal_id).is_(None))
                )
            ).all()
    finally:
        await database.dispose()
    return {
        "questions": sorted(tuple(r) for r in questions),
        "polls": sorted(tuple(r) for r in polls),
        "options": [tuple(r) for r in options],
        "pools": sorted((str(m), n) for m, n in pools),
        "registrations": sorted((e, str(m), str(s)) for e, m, s in people),
    }


async def test_ending_a_rehearsal_leaves_no_row_of_its_accounts_and_real_figures_as_they_were(
    world: World, tmp_path: Path, clock: FakeClock
) -> None:
    await _stand_and_tight_seats(world, tmp_path, clock)
    room = world.room("round-table")
    table = world.sessions["round-table"]
    registrations = f"/api/v1/sessions/{table}/registrations"
    opened: list[RoomClient] = []

    async def socket(token: str) -> RoomClient:
        client = await RoomClient.open(world.url, token)
        opened.append(client)
        await client.join(room)
        return client

    async with httpx.AsyncClient(base_url=world.url, timeout=30) as http:
        # Real people first: alice asks, bob upvotes; the moderator polls, bob votes; bob
        # has an online seat.
        alice, bob = await socket(world.tokens["alice"]), await socket(world.tokens["bob"])
        moderator = await socket(world.tokens["moderator"])
        carol = await socket(world.tokens["carol"])
        real_question = (await alice.ok("qa.ask", room, {"text": "Real question?"}))["question"]
        await bob.ok("qa.upvote", room, {"question": real_question["id"]})
        options = {"question": "Real poll?", "options": ["yes", "no"], "results": "after_vote"}
        real_poll = (await moderator.ok("poll.create", room, options))["poll"]["id"]
        await moderator.ok("poll.open", room, {"poll": real_poll})
        await bob.ok("poll.vote", room, {"poll": real_poll, "choices": [0]})
        bob_http = _as(world.tokens["bob"])
        assert (
            await http.post(registrations, json={"mode": "online"}, headers=bob_http)
        ).is_success
        before = await _real_figures(world)

        # The rehearsal: three accounts, signed in.
        body = {"attendees": 3, "minutes": 10, "session": table}
        created = (
            await http.post(
                "/api/v1/forums/test-forum/rehearsals",
                json=body,
                headers=_as(world.tokens["organiser"]),
            )
        ).json()
        tokens = []
        for email in created["emails"]:
            signed = await http.post(
                "/api/v1/auth/login", json={"email": email, "password": created["password"]}
            )
            tokens.append(signed.json()["token"])
        first, second, third = (_as(t) for t in tokens)

        # Seats: the rehearsal's first account takes the only on-site seat; its third waits
        # ahead of carol, a real person; its second is online.
        for who, mode in ((first, "onsite"), (third, "onsite"), (second, "online")):
            assert (await http.post(registrations, json={"mode": mode}, headers=who)).is_success
        carol_http = _as(world.tokens["carol"])
        waiting = await http.post(registrations, json={"mode": "onsite"}, headers=carol_http)
        assert (waiting.json()["status"], waiting.json()["position"]) == ("waitlisted", 2)

        # The room: chat, questions, votes on real and rehearsal polls and questions, a hand,
        # an announcement, a real message deleted and a real person muted by its moderator.
        r1, r2, r3 = [await socket(t) for t in tokens]
        said = (await r1.ok("chat.send", room, {"text": "rehearsal hello"}))["message"]["id"]
        await r2.ok("chat.send", room, {"text": "rehearsal too"})
        theirs = (await r1.ok("qa.ask", room, {"text": "Rehearsal question?"}))["question"]["id"]
        for voter in (r2, r3):
            await voter.ok("qa.upvote", room, {"question": real_question["id"]})
            await voter.ok("poll.vote", room, {"poll": real_poll, "choices": [1]})
        await r2.ok("qa.upvote", room, {"question": theirs})
        await alice.ok("qa.upvote", room, {"question": theirs})
        their_poll = (await r1.ok("poll.create", room, {**options, "question": "R?"}))["poll"]["id"]
        await r1.ok("poll.open", room, {"poll": their_poll})
        await alice.ok("poll.vote", room, {"poll": their_poll, "choices": [0]})
        await r2.ok("hand.raise", room, {})
        await r1.ok("announce", room, {"text": "rehearsal announcement"})
        alice_said = (await alice.ok("chat.send", room, {"text": "real words"}))["message"]["id"]
        await r1.ok("chat.delete", room, {"message": alice_said})
        await r1.ok("chat.mute", room, {"user": world.user_ids["alice"], "minutes": 15})

        # The showrooms: a visit, a ring bob answers, a private chat, a meeting in his slot.
        await http.post("/api/v1/stands/alpha-works/visits", headers=second)
        slot = {"start": "2027-03-26T15:00", "end": "2027-03-26T15:30"}
        slots = await http.post(
            "/api/v1/stands/alpha-works/slots", json={"slots": [slot]}, headers=bob_http
        )
        ring = (
            await http.post("/api/v1/stands/alpha-works/contact-requests", json={}, headers=second)
        ).json()
        accepted = await http.post(
            f"/api/v1/contact-requests/{ring['id']}/accept", headers=bob_http
        )
        private = accepted.json()["room"]
        await r2.join(private)
        await bob.join(private)
        await r2.ok("chat.send", private, {"text": "a private question"})
        await bob.ok("chat.send", private, {"text": "a private answer"})
        booked = await http.post(
            "/api/v1/stands/alpha-works/meetings",
            json={"slot": slots.json()[0]["id"]},
            headers=second,
        )
        assert booked.status_code == 201, booked.text

        # The door: a badge, checked in; a calendar feed; a failed sign-in; a reset link.
        badge = (await http.get("/api/v1/forums/test-forum/badge", headers=first)).json()
        scanned = await http.post(
            "/api/v1/checkin",
            json={"forum": "test-forum", "door": "hall-a", "token": badge["token"]},
            headers=_as(world.tokens["organiser"]),
        )
        assert scanned.status_code == 200, scanned.text
        await http.post("/api/v1/me/agenda/feed", headers=second)
        wrong = {"email": created["emails"][2], "password": "not the password"}
        assert (await http.post("/api/v1/auth/login", json=wrong)).status_code == 401
        await http.post("/api/v1/auth/password-reset", json={"email": created["emails"][2]})

        path = f"/api/v1/forums/test-forum/rehearsals/{created['id']}"
        organiser = _as(world.tokens["organiser"])
        made = (await http.get(path, headers=organiser)).json()["remaining"]
        assert {"chatmessage", "question", "poll", "pollvote", "hand", "lead", "meeting"} <= set(
            made
        )
        assert {"badge", "calendarfeed", "standvisit", "loginattempt", "registration"} <= set(made)
        database = Database(world.database_url)
        async with database.session() as db:
            ids = {
                int(i)
                for (i,) in (
                    await db.exec(select(User.id).where(col(User.rehearsal_id) == created["id"]))
                ).all()
            }
            assert len(ids) == 3 and await rows_naming(db, ids)
        await database.dispose()

        ended = await http.delete(path, headers=organiser)
        assert ended.status_code == 200, ended.text
        assert (ended.json()["status"], ended.json()["accounts"], ended.json()["remaining"]) == (
            "ended",
            0,
            {},
        )

        # Their sockets are closed; the rooms' members are told their messages are gone.
        for closed in (r1, r2, r3):
            await asyncio.wait_for(closed.closed, 5)
        retracted = await carol.wait_for(
            lambda: (
                {p["data"]["id"] for p in carol.pushes[room] if p["type"] == "chat.deleted"}
                >= {said}
            ),
            what="chat.deleted",
        )
        assert retracted
        # alice's mute (a rehearsal moderator's) went with it: she speaks again.
        await alice.ok("chat.send", room, {"text": "unmuted"})

        after = await _real_figures(world)
        for client in opened:
            await client.close()

    # Real people's figures are as they were, but for carol: the freed seat is offered to
    # her, the first real person in line (the rehearsal's own place ahead of her is gone).
    carol_offered = [
        ("carol@rooms.test", "onsite", "offered") if r[0] == "carol@rooms.test" else r
        for r in before["registrations"] + [("carol@rooms.test", "onsite", "offered")]
    ]
    assert after["registrations"] == sorted(set(carol_offered))
    assert {k: after[k] for k in ("questions", "polls", "options")} == {
        k: before[k] for k in ("questions", "polls", "options")
    }
    assert after["pools"] == [("online", 1), ("onsite", 1)]  # bob's; carol's offer

    database = Database(world.database_url)
    try:
        async with database.session() as db:
            assert await rows_naming(db, ids) == {}
            pattern = f"r{created['id']}-%"
            attempts = await db.exec(
                text("SELECT count(*) FROM loginattempt WHERE email LIKE :p").bindparams(p=pattern)
            )
            assert attempts.one()[0] == 0
            mail = (await db.exec(select(OutboxMail.to_email))).all()
            # bob's invitation, and carol told of the seat offered to her; none to them.
            assert [m[0] for m in mail] == ["bob@rooms.test", "carol@rooms.test"]
            assert (await db.exec(select(func.count()).select_from(PrivateRoom))).one()[0] == 0
            texts = (await db.exec(select(ChatMessage.text, ChatMessage.deleted_by))).all()
            # alice's message stays deleted; who deleted it is forgotten with the account.
            assert sorted(tuple(t) for t in texts) == [("real words", None), ("unmuted", None)]
            kept = (await db.exec(select(Rehearsal.ended_at))).one()[0]
            assert kept is not None
    finally:
        await database.dispose()


# --- the command, against a served demo forum ----------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The demo forum (program, people, one showroom pack) served on the system clock; its
    URL and database URL."""
    folder = tmp_path_factory.mktemp("rehearse-demo")
    sock = free_socket()
    settings = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{folder / 'demo.db'}",
        media_dir=folder / "media",
        log_format="text",
        log_level="WARNING",
        public_url=f"http://127.0.0.1:{sock.getsockname()[1]}",
    )

    async def load() -> None:
        await upgrade(settings.database_url)
        database = Database(settings.database_url)
        clock = SystemClock()
        try:
            async with database.session() as db:
                document = yaml.safe_load(DEMO_FORUM.read_text(encoding="utf-8"))
                await import_program(db, clock, document)
                await db.commit()
                await create_demo_people(db, clock, "demo-forum")
                store = MediaStore(settings.media_dir / "showrooms")
                await import_pack(db, clock, read_pack(demo_packs()[0]), store)
                await db.commit()
        finally:
            await database.dispose()

    with serve_in_thread(create_app(settings), load, sock=sock) as url:
        yield url, settings.database_url


def _organiser_token(url: str) -> str:
    answer = httpx.post(
        f"{url}/api/v1/auth/login",
        json={"email": "organiser@demo.pavilion.test", "password": "demo-password"},
    )
    return str(answer.json()["token"])


async def _table_counts(database_url: str) -> dict[str, int]:
    database = Database(database_url)
    try:
        async with database.session() as db:
            return {
                name: (await db.exec(select(func.count()).select_from(table))).one()[0]
                for name, table in SQLModel.metadata.tables.items()
            }
    finally:
        await database.dispose()


async def _scalar(database_url: str, query: Any) -> Any:
    database = Database(database_url)
    try:
        async with database.session() as db:
            return (await db.exec(query)).one()[0]
    finally:
        await database.dispose()


def _command(url: str, token: str, report: Path, seconds: int) -> list[str]:
    return [
        str(Path(sys.executable).parent / "pavilion"),
        "rehearse",
        url,
        "--token",
        token,
        "--attendees",
        "6",
        "--webrtc",
        "1",
        "--seconds",
        str(seconds),
        "--report",
        str(report),
    ]


async def _nothing_left(database_url: str, before: dict[str, int]) -> None:
    """Every table counts what it counted before the run, but for the rehearsal's own record
    and the seat pools a first registration creates (empty again)."""
    after = await _table_counts(database_url)
    assert after["rehearsal"] == before["rehearsal"] + 1
    changed = {
        name: (before[name], after[name])
        for name in after
        if after[name] != before[name] and name not in ("rehearsal", "seatpool")
    }
    assert changed == {}
    assert await _scalar(database_url, select(func.coalesce(func.sum(SeatPool.taken), 0))) == 0
    assert (
        await _scalar(database_url, select(func.count()).where(col(Rehearsal.ended_at).is_(None)))
        == 0
    )


async def test_the_command_rehearses_a_served_forum_and_leaves_nothing_behind(
    demo: tuple[str, str], tmp_path: Path
) -> None:
    url, database_url = demo
    token = _organiser_token(url)
    before = await _table_counts(database_url)
    report = tmp_path / "report.html"
    done = await asyncio.to_thread(
        subprocess.run,
        _command(url, token, report, 12),
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "COLUMNS": "160"},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "left behind: nothing" in done.stdout
    page = report.read_text(encoding="utf-8")
    assert "<table class=steps>" in page and "<svg" in page
    for step in ("POST auth.login", "POST registration", "WS room.join", "WS reaction.send"):
        assert f"<td>{step}</td>" in page, step
    assert "WebRTC viewers" in page and "own figures" in page
    assert "left behind: nothing" in page
    await _nothing_left(database_url, before)


async def test_the_command_interrupted_cleans_up_and_exits_non_zero(
    demo: tuple[str, str], tmp_path: Path
) -> None:
    url, database_url = demo
    token = _organiser_token(url)
    before = await _table_counts(database_url)
    report = tmp_path / "report.html"
    child = await asyncio.create_subprocess_exec(
        *_command(url, token, report, 120),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "COLUMNS": "160"},
    )
    try:
        # Once its accounts exist and have registered, the audience is in.
        registered = select(func.count()).select_from(Registration)
        deadline = time.monotonic() + 60
        while await _scalar(database_url, registered) < 3:
            assert child.returncode is None and time.monotonic() < deadline, "no audience came"
            await asyncio.sleep(0.2)
        child.send_signal(signal.SIGINT)
        raw, _ = await asyncio.wait_for(child.communicate(), 120)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    output = raw.decode(errors="replace")
    assert child.returncode == 128 + signal.SIGINT, output[-3000:]
    assert "interrupted (SIGINT)" in report.read_text(encoding="utf-8")
    assert "left behind: nothing" in output
    await _nothing_left(database_url, before)
