"""Who may open a socket and enter which room; nothing leaks between rooms; resuming."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

from server.clock import FakeClock
from server.db import Database
from server.rooms.access import open_private_room
from tests.integration.conftest import room_settings, serve_world
from tests.roomclient import RoomClient, numbered
from tests.rooms_world import World


def _ws(world: World, query: str = "") -> str:
    return world.url.replace("http://", "ws://") + "/ws" + query


async def _refusal(url: str, **options: object) -> tuple[int, dict]:
    with pytest.raises(InvalidStatus) as refused:
        async with ws_connect(url, **options):  # type: ignore[arg-type]
            pass
    response = refused.value.response
    return response.status_code, json.loads(response.body or b"{}")


async def test_a_socket_needs_valid_credentials(world: World) -> None:
    missing = await _refusal(_ws(world))
    wrong = await _refusal(_ws(world, "?token=not-a-real-token"))

    assert missing[0] == wrong[0] == 401
    assert missing[1]["error"]["code"] == "unauthorized"
    assert "token" in wrong[1]["error"]["message"]


async def test_a_foreign_origin_is_refused_before_the_socket_opens(world: World) -> None:
    token = world.tokens["alice"]

    foreign = await _refusal(_ws(world, f"?token={token}"), origin="https://evil.example")
    cookie_without_origin = await _refusal(
        _ws(world), additional_headers={"Cookie": f"pavilion_session={token}"}
    )
    async with ws_connect(
        _ws(world),
        origin="http://pavilion.test",
        additional_headers={"Cookie": f"pavilion_session={token}"},
    ) as socket:
        await socket.send(json.dumps({"id": 1, "op": "room.join", "room": "forum:test-forum"}))
        joined = json.loads(await socket.recv())

    assert (foreign[0], foreign[1]["error"]["code"]) == (403, "forbidden")
    assert cookie_without_origin[0] == 403
    assert joined["ok"] is True


async def test_a_person_holds_at_most_the_configured_number_of_sockets(
    tmp_path: Path, clock: FakeClock
) -> None:
    for world in serve_world(room_settings(tmp_path, ws_sockets_per_user=2), clock):
        first = await RoomClient.open(world.url, world.tokens["alice"])
        second = await RoomClient.open(world.url, world.tokens["alice"])
        third = await _refusal(_ws(world, f"?token={world.tokens['alice']}"))
        await first.close()
        fourth = await RoomClient.open(world.url, world.tokens["alice"])
        others = await RoomClient.open(world.url, world.tokens["bob"])

        assert (third[0], third[1]["error"]["code"]) == (429, "rate_limited")
        for client in (second, fourth, others):
            await client.close()


async def test_a_closed_sessions_room_admits_invitees_and_staff_only(world: World, connect) -> None:
    room = world.room("closed-session")
    answers = {
        p: await (await connect(p)).call("room.join", room)
        for p in ("carol", "invitee", "moderator", "organiser")
    }

    assert {p: a["ok"] for p, a in answers.items()} == {
        "carol": False,
        "invitee": True,
        "moderator": True,
        "organiser": True,
    }
    assert answers["carol"]["error"]["code"] == "forbidden"
    refused_op = await (await connect("carol")).call("chat.send", room, {"text": "let me in"})
    assert refused_op["error"]["code"] == "forbidden"


async def test_private_rooms_answer_outsiders_as_if_they_did_not_exist(
    world: World, connect, clock: FakeClock
) -> None:
    database = Database(world.database_url)
    async with database.session() as db:
        room = await open_private_room(
            db, clock, "stand-chat", [world.user_ids["alice"], world.user_ids["bob"]]
        )
        await db.commit()
    await database.dispose()
    alice, carol = await connect("alice"), await connect("carol")

    joined = await alice.call("room.join", room)
    outsider = await carol.call("room.join", room)
    outsider_send = await carol.call("chat.send", room, {"text": "hi"})
    made_up = await carol.call("room.join", "private:" + "A" * 32)
    nonsense = [
        await carol.call("room.join", r)
        for r in ("session:999999", "lobby", "session:1:x", f"user:{world.user_ids['alice']}")
    ]

    assert joined["ok"] is True
    assert outsider["error"] == made_up["error"] | {"message": outsider["error"]["message"]}
    assert (outsider["error"]["code"], outsider_send["error"]["code"]) == ("not_found", "not_found")
    assert {a["error"]["code"] for a in nonsense} == {"not_found"}
    assert len(room.removeprefix("private:")) >= 32


async def test_a_member_of_one_room_receives_nothing_from_another(world: World, connect) -> None:
    alice, invitee, moderator = (
        await connect("alice"),
        await connect("invitee"),
        await connect("moderator"),
    )
    room_a, room_b = world.room("round-table"), world.room("closed-session")
    await alice.join(room_a)
    await alice.join(f"forum:{world.forum}")
    await invitee.join(room_b)

    await invitee.ok("chat.send", room_b, {"text": "SECRET-CHAT"})
    await invitee.ok("qa.ask", room_b, {"text": "SECRET-QUESTION"})
    await invitee.ok("hand.raise", room_b, {})
    await invitee.ok("reaction.send", room_b, {"emoji": "🔥"})
    poll = (
        await moderator.ok(
            "poll.create", room_b, {"question": "SECRET-POLL", "options": ["a", "b"]}
        )
    )["poll"]
    await moderator.ok("poll.open", room_b, {"poll": poll["id"]})
    await invitee.ok("poll.vote", room_b, {"poll": poll["id"], "choices": [0]})
    await invitee.push(room_b, "poll.results")
    await invitee.push(room_b, "reaction.counts")
    await alice.ok("chat.send", room_a, {"text": "public hello"})
    await alice.push(room_a, "chat.message")

    everything = json.dumps([alice.pushes, alice.orphans])
    assert set(alice.pushes) <= {room_a, f"forum:{world.forum}"}
    assert "SECRET" not in everything
    assert "🔥" not in everything


async def test_a_client_resumes_with_exactly_what_it_missed(world: World, connect) -> None:
    alice, bob = await connect("alice"), await connect("bob")
    room = world.room("round-table")
    joined = await bob.join(room)
    await alice.ok("chat.send", room, {"text": "m1"})
    last = await bob.push(room, "chat.message")
    await bob.close()

    for n in (2, 3, 4):
        await alice.ok("chat.send", room, {"text": f"m{n}"})
    again = await connect("bob")
    resumed = await again.join(room, since=(last["epoch"], last["seq"]))
    await again.wait_for(
        lambda: (
            [
                p["data"]["message"]["text"]
                for p in again.pushes[room]
                if p["type"] == "chat.message"
            ]
            == ["m2", "m3", "m4"]
        ),
        what="the three missed messages",
    )
    stale = await (await connect("carol")).join(room, since=("other-epoch", 1))

    assert joined["recovered"] is False
    assert resumed["recovered"] is True
    seqs = [p["seq"] for p in numbered(again.pushes[room])]
    assert seqs == list(range(last["seq"] + 1, last["seq"] + 1 + len(seqs)))
    assert stale["recovered"] is False
    assert [m["text"] for m in stale["snapshot"]["messages"]] == ["m1", "m2", "m3", "m4"]


async def test_a_resume_too_long_to_replay_gets_a_snapshot_instead(
    tmp_path: Path, clock: FakeClock
) -> None:
    for world in serve_world(room_settings(tmp_path, ws_outbox_frames=16), clock):
        alice = await RoomClient.open(world.url, world.tokens["alice"])
        room = world.room("round-table")
        position = await alice.join(room)
        for n in range(9):  # one more than half the outbox
            await alice.ok("chat.send", room, {"text": f"m{n}"})
        bob = await RoomClient.open(world.url, world.tokens["bob"])

        short = await bob.join(room, since=(position["epoch"], position["seq"] + 5))
        long = await bob.join(room, since=(position["epoch"], position["seq"]))

        assert short["recovered"] is True
        assert long["recovered"] is False
        assert len(long["snapshot"]["messages"]) == 9
        for client in (alice, bob):
            await client.close()


async def test_a_ping_needs_no_room_and_is_answered(world: World, connect) -> None:
    alice = await connect("alice")

    assert await alice.call("ping") == {"id": 1, "ok": True, "data": {}}
    assert (await alice.call("chat.send", None, {"text": "x"}))["error"]["field"] == "room"


async def _registered_only(world: World, slug: str) -> None:
    """Make the session `registered`: its room and stage for those registered for it."""
    from server.program.models import Access, Session

    database = Database(world.database_url)
    try:
        async with database.session() as db:
            session = await db.get(Session, world.sessions[slug])
            assert session is not None
            session.access = Access.registered
            db.add(session)
            await db.commit()
    finally:
        await database.dispose()


async def test_a_registered_sessions_room_admits_the_registered_and_staff_only(
    world: World, connect
) -> None:
    import httpx

    await _registered_only(world, "round-table")
    room = world.room("round-table")
    async with httpx.AsyncClient(base_url=world.url) as http:
        registered = await http.post(
            f"/api/v1/sessions/{world.sessions['round-table']}/registrations",
            json={"mode": "online"},
            headers={"Authorization": f"Bearer {world.tokens['alice']}"},
        )

    answers = {
        p: await (await connect(p)).call("room.join", room)
        for p in ("alice", "bob", "moderator", "organiser")
    }

    assert registered.json()["status"] == "confirmed"
    assert {p: a["ok"] for p, a in answers.items()} == {
        "alice": True,
        "bob": False,
        "moderator": True,
        "organiser": True,
    }
    assert (answers["bob"]["error"]["code"], answers["bob"]["error"]["reason"]) == (
        "forbidden",
        "registration_required",
    )
    refused_op = await (await connect("bob")).call("chat.send", room, {"text": "let me in"})
    assert refused_op["error"]["code"] == "forbidden"


async def test_cancelling_a_place_in_a_registered_session_takes_its_room_from_open_sockets(
    world: World, connect
) -> None:
    import httpx

    await _registered_only(world, "round-table")
    room = world.room("round-table")
    alice_http = {"Authorization": f"Bearer {world.tokens['alice']}"}
    base = f"/api/v1/sessions/{world.sessions['round-table']}/registrations"
    async with httpx.AsyncClient(base_url=world.url) as http:
        await http.post(base, json={"mode": "online"}, headers=alice_http)
        alice = await connect("alice")
        await alice.join(room)
        cancelled = await http.delete(f"{base}/me", headers=alice_http)

    closed = await alice.push(room, "room.closed")
    rejoined = await alice.call("room.join", room)

    assert cancelled.status_code == 200, cancelled.text
    assert closed["data"] == {"room": room, "code": "forbidden"}
    assert rejoined["ok"] is False and rejoined["error"]["reason"] == "registration_required"
