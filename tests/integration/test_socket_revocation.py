"""Signing out, a password reset or change, and a withdrawn role reach the sockets already open,
at once and on every node (issue 19, item 9).

A socket opened with a sign-in that has ended is closed with `CloseCode.signed_out` (4001,
reason `{"code": "signed_out"}`); nothing it sends after the sign-out is done, not even a frame
sent in the same instant. A withdrawn role takes the socket out of the rooms it no longer
admits. Each case runs on one node (SQLite, the memory bus), and on two `pavilion serve` nodes
on PostgreSQL and Redis with the socket on the node that answered the request and on the
other one.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlmodel import select

from server.accounts.hashing import hash_password
from server.accounts.models import AuthSession, Grant, PasswordTokenPurpose, Role, User
from server.accounts.passwords import issue
from server.accounts.service import grant, token_digest
from server.clock import Clock, FakeClock, SystemClock
from server.db import Database
from server.realtime.connection import CloseCode
from tests.conftest import postgres_database
from tests.integration.conftest import room_settings, serve_world
from tests.redis_server import RedisServer, redis_server
from tests.roomclient import RoomClient
from tests.rooms_world import build_world
from tests.servers import serve_in_process

SIGNED_OUT = (CloseCode.signed_out.value, json.dumps({"code": "signed_out"}))
TWO_NODES = [pytest.mark.redis, pytest.mark.postgres]


@dataclass(frozen=True)
class Nodes:
    """Where the request that ends access goes (`http`), and where the person's socket is."""

    http: str
    socket: str
    database_url: str
    users: dict[str, int]
    sessions: dict[str, int]
    clock: Clock


@dataclass(frozen=True)
class Cluster:
    urls: tuple[str, str]
    database_url: str
    users: dict[str, int]
    sessions: dict[str, int]


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(
    redis: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cluster]:
    """Two `pavilion serve` nodes on one PostgreSQL and one Redis, for the module."""
    folder = tmp_path_factory.mktemp("revocation")
    async with postgres_database() as database_url:
        users, sessions = await build_world(database_url, SystemClock())
        env = {
            "PAVILION_ENVIRONMENT": "test",
            "PAVILION_DATABASE_URL": database_url,
            "PAVILION_REDIS_URL": redis.url,
            "PAVILION_MARATHON_RUNNER": "false",
            "PAVILION_MEDIA_DIR": str(folder / "media"),
            "PAVILION_LOG_FORMAT": "text",
            "PAVILION_LOG_LEVEL": "WARNING",
        }
        with ExitStack() as stack:
            started = await asyncio.gather(
                *(
                    asyncio.to_thread(
                        stack.enter_context, serve_in_process(env, folder / f"node{n}.log")
                    )
                    for n in (1, 2)
                ),
                return_exceptions=True,
            )
            for result in started:
                if isinstance(result, BaseException):
                    raise result
            one, two = started
            assert isinstance(one, str) and isinstance(two, str)
            yield Cluster((one, two), database_url, users, sessions)


@pytest.fixture(
    params=[
        "one node",
        pytest.param("same node", marks=TWO_NODES),
        pytest.param("other node", marks=TWO_NODES),
    ]
)
def nodes(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[Nodes]:
    if request.param == "one node":
        for world in serve_world(room_settings(tmp_path), clock):
            yield Nodes(
                world.url, world.url, world.database_url, world.user_ids, world.sessions, clock
            )
        return
    found: Cluster = request.getfixturevalue("cluster")
    socket_node = found.urls[0 if request.param == "same node" else 1]
    yield Nodes(
        found.urls[0], socket_node, found.database_url, found.users, found.sessions, SystemClock()
    )


@pytest.fixture
async def opened() -> AsyncIterator[list[RoomClient]]:
    clients: list[RoomClient] = []
    yield clients
    for client in clients:
        await client.close()


async def sign_in_anew(nodes: Nodes, person: str) -> str:
    """A fresh sign-in (token) of this person: each test ends sign-ins of its own."""
    token = secrets.token_urlsafe(32)
    now = nodes.clock.now()
    database = Database(nodes.database_url)
    try:
        async with database.session() as db:
            db.add(
                AuthSession(
                    user_id=nodes.users[person],
                    token_hash=token_digest(token),
                    created_at=now,
                    expires_at=now + timedelta(days=1),
                )
            )
            await db.commit()
    finally:
        await database.dispose()
    return token


async def open_socket(nodes: Nodes, opened: list[RoomClient], token: str, room: str) -> RoomClient:
    client = await RoomClient.open(nodes.socket, token)
    opened.append(client)
    await client.join(room)
    return client


async def attempts_right_after(client: RoomClient, room: str, other_room: str) -> list[Any]:
    """A chat message and a join sent at once (before any close could arrive): what became of
    each (a reply frame, or the exception that ended the wait)."""
    return await asyncio.gather(
        client.call("chat.send", room, {"text": "after signing out"}),
        client.call("room.join", other_room),
        return_exceptions=True,
    )


async def closed_as(client: RoomClient) -> tuple[int | None, str | None]:
    await asyncio.wait_for(asyncio.shield(client.closed), 10)
    return client.socket.close_code, client.socket.close_reason


def not_done(attempts: list[Any]) -> list[bool]:
    """For each attempt: True when it was not done (no reply, or a refusal)."""
    return [isinstance(a, Exception) or a.get("ok") is False for a in attempts]


async def chat_seen_by(watcher: RoomClient, room: str, sentinel: str) -> list[str]:
    """The chat texts `watcher` heard in `room` up to its own `sentinel` message."""
    await watcher.ok("chat.send", room, {"text": sentinel})

    def heard() -> list[str] | None:
        pushes = watcher.pushes[room]
        texts = [p["data"]["message"]["text"] for p in pushes if p["type"] == "chat.message"]
        return texts if sentinel in texts else None

    found: list[str] = await watcher.wait_for(heard, 10, "the sentinel")
    return found


async def test_signing_out_closes_the_sockets_of_that_sign_in_and_nothing_sent_after_is_done(
    nodes: Nodes, opened: list[RoomClient]
) -> None:
    room = f"session:{nodes.sessions['round-table']}"
    other_room = f"session:{nodes.sessions['overlapping-talk']}"
    token = await sign_in_anew(nodes, "alice")
    other_sign_in = await sign_in_anew(nodes, "alice")  # e.g. her phone
    alice = await open_socket(nodes, opened, token, room)
    phone = await open_socket(nodes, opened, other_sign_in, room)
    watcher = await open_socket(nodes, opened, await sign_in_anew(nodes, "bob"), room)
    await alice.ok("chat.send", room, {"text": "before signing out"})

    async with httpx.AsyncClient(base_url=nodes.http) as http:
        headers = {"Authorization": f"Bearer {token}"}
        out = await http.post("/api/v1/auth/logout", headers=headers)
        me = await http.get("/api/v1/me", headers=headers)
    attempts = await attempts_right_after(alice, room, other_room)
    closed = await closed_as(alice)
    texts = await chat_seen_by(watcher, room, "bob checks")
    still = await phone.call("chat.send", room, {"text": "from the phone"})

    assert (out.status_code, me.status_code) == (204, 401)
    assert closed == SIGNED_OUT
    assert not_done(attempts) == [True, True]
    assert texts == ["before signing out", "bob checks"]
    assert still["ok"] is True  # her other sign-in is hers still


async def test_a_password_reset_closes_every_socket_of_the_person(
    nodes: Nodes, opened: list[RoomClient]
) -> None:
    room = f"session:{nodes.sessions['round-table']}"
    other_room = f"session:{nodes.sessions['overlapping-talk']}"
    laptop = await open_socket(nodes, opened, await sign_in_anew(nodes, "carol"), room)
    phone = await open_socket(nodes, opened, await sign_in_anew(nodes, "carol"), room)
    link = await reset_link(nodes, "carol")

    async with httpx.AsyncClient(base_url=nodes.http) as http:
        body = {"token": link, "password": "a-brand-new-password-42"}
        reset = await http.post("/api/v1/auth/password", json=body)
    attempts = await attempts_right_after(laptop, room, other_room)
    closed = [await closed_as(laptop), await closed_as(phone)]
    fresh = await RoomClient.open(nodes.socket, reset.json()["token"])
    opened.append(fresh)
    joined = await fresh.join(room)

    assert reset.status_code == 200
    assert closed == [SIGNED_OUT, SIGNED_OUT]
    assert not_done(attempts) == [True, True]
    assert joined["epoch"]  # the sign-in the reset gave works


async def test_changing_the_password_closes_the_other_sign_ins_sockets_only(
    nodes: Nodes, opened: list[RoomClient]
) -> None:
    room = f"session:{nodes.sessions['round-table']}"
    here = await sign_in_anew(nodes, "carol")
    mine = await open_socket(nodes, opened, here, room)
    elsewhere = await open_socket(nodes, opened, await sign_in_anew(nodes, "carol"), room)
    await set_password(nodes, "carol", "correct-horse-9")

    async with httpx.AsyncClient(base_url=nodes.http) as http:
        body = {"current": "correct-horse-9", "password": "another-good-password-7"}
        changed = await http.post(
            "/api/v1/me/password", json=body, headers={"Authorization": f"Bearer {here}"}
        )
    closed = await closed_as(elsewhere)
    still = await mine.call("chat.send", room, {"text": "still here"})

    assert changed.status_code == 204
    assert closed == SIGNED_OUT
    assert still["ok"] is True


async def test_a_withdrawn_role_stops_chat_and_joins_of_an_open_socket(
    nodes: Nodes, opened: list[RoomClient]
) -> None:
    closed_room = f"session:{nodes.sessions['closed-session']}"
    given = await give_role(nodes, "carol", Role.moderator, nodes.sessions["closed-session"])
    carol = await open_socket(nodes, opened, await sign_in_anew(nodes, "carol"), closed_room)
    before = await carol.call("chat.send", closed_room, {"text": "as its moderator"})
    organiser = await sign_in_anew(nodes, "organiser")

    async with httpx.AsyncClient(base_url=nodes.http) as http:
        withdrawn = await http.delete(
            f"/api/v1/forums/test-forum/roles/{given}",
            headers={"Authorization": f"Bearer {organiser}"},
        )
    pushed = await carol.push(closed_room, "room.closed")
    chat = await carol.call("chat.send", closed_room, {"text": "no longer"})
    join = await carol.call("room.join", closed_room)

    assert withdrawn.status_code == 200
    assert before["ok"] is True
    assert pushed["data"] == {"room": closed_room, "code": "forbidden"}
    assert (chat["error"]["code"], join["error"]["code"]) == ("forbidden", "forbidden")


async def test_a_sign_in_ended_without_news_still_closes_its_socket_within_a_minute(
    tmp_path: Path, clock: FakeClock, opened: list[RoomClient]
) -> None:
    """A node that missed the news (a Redis message lost while it reconnected) asks again
    before the next operation once a minute has passed."""
    for world in serve_world(room_settings(tmp_path), clock):
        nodes = Nodes(
            world.url, world.url, world.database_url, world.user_ids, world.sessions, clock
        )
        room = f"session:{nodes.sessions['round-table']}"
        token = await sign_in_anew(nodes, "alice")
        alice = await open_socket(nodes, opened, token, room)
        await end_quietly(nodes, token)  # in the database only: no node hears of it

        within = await alice.call("chat.send", room, {"text": "the node has not heard yet"})
        clock.advance(timedelta(seconds=61))
        after = await asyncio.gather(
            alice.call("chat.send", room, {"text": "a minute later"}), return_exceptions=True
        )
        closed = await closed_as(alice)

    assert within["ok"] is True
    assert not_done(after) == [True]
    assert closed == SIGNED_OUT


# --- arranging --------------------------------------------------------------------------------


async def reset_link(nodes: Nodes, person: str) -> str:
    """The token of a password-reset link for this person, as the mail would carry it."""
    database = Database(nodes.database_url)
    try:
        async with database.session() as db:
            user = await db.get(User, nodes.users[person])
            assert user is not None
            token, _ = await issue(db, nodes.clock, user, PasswordTokenPurpose.reset)
            await db.commit()
    finally:
        await database.dispose()
    return token


async def set_password(nodes: Nodes, person: str, password: str) -> None:
    database = Database(nodes.database_url)
    try:
        async with database.session() as db:
            user = await db.get(User, nodes.users[person])
            assert user is not None
            user.password_hash = hash_password(password)
            db.add(user)
            await db.commit()
    finally:
        await database.dispose()


async def give_role(nodes: Nodes, person: str, role: Role, session_id: int) -> int:
    """Grant `role` over the session (anew, whatever earlier tests withdrew); the grant's id."""
    database = Database(nodes.database_url)
    try:
        async with database.session() as db:
            user = await db.get(User, nodes.users[person])
            assert user is not None
            given = await grant(db, user, role, session_id=session_id)
            await db.commit()
            found = await db.exec(select(Grant.id).where(Grant.id == given.id))
            grant_id = found.one()
    finally:
        await database.dispose()
    assert grant_id is not None
    return grant_id


async def end_quietly(nodes: Nodes, token: str) -> None:
    """End a sign-in in the database alone, as if the news of it were lost on the way."""
    database = Database(nodes.database_url)
    try:
        async with database.session() as db:
            found = await db.exec(
                select(AuthSession).where(AuthSession.token_hash == token_digest(token))
            )
            session = found.one()
            session.revoked_at = nodes.clock.now()
            db.add(session)
            await db.commit()
    finally:
        await database.dispose()
