"""A room has one name (issue 19, item 10): every other way of writing it is refused, on the
socket and over HTTP, naming the field, so nobody reaches a room's chat, Q&A or mutes through a
second name that nobody moderates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.clock import FakeClock
from tests.integration.conftest import room_settings, serve_world
from tests.rooms_world import World

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock) -> Iterator[World]:
    """The rooms world, with rate limits that let a test try every spelling in a row."""
    settings = room_settings(tmp_path, ws_rate_per_socket=1000, ws_rate_per_user=1000)
    yield from serve_world(settings, clock)


def aliases(room: str) -> list[str]:
    """Other ways of writing `room` (`kind:id`, or `kind:id:staff`): leading zeros, a sign,
    whitespace, digits of other scripts, upper case, trailing characters."""
    kind, number, *staff = room.split(":")
    tail = "".join(f":{part}" for part in staff)
    return [
        f"{kind}:0{number}{tail}",
        f"{kind}:000{number}{tail}",
        f"{kind}:+{number}{tail}",
        f" {kind}:{number}{tail}",
        f"{kind}: {number}{tail}",
        f"{kind} :{number}{tail}",
        f"{kind}:{number}{tail} ",
        f"{kind}:{number}{tail}\n",
        f"{kind}:{number}{tail}\t",
        f"{kind}:{number.translate(ARABIC_INDIC)}{tail}",
        f"{kind}:{number.translate(FULL_WIDTH)}{tail}",
        f"{kind.upper()}:{number}{tail}",
        f"{kind.title()}:{number}{tail}",
        *([f"{kind}:{number}{tail.upper()}"] if tail else []),
    ]


def junk_after(room: str) -> list[str]:
    return [f"{room}x", f"{room}:", f"{room}\x00", f"{room}/"]


async def test_every_other_spelling_of_a_room_is_refused_naming_the_field(
    world: World, connect
) -> None:
    room = world.room("round-table")
    moderator = await connect("moderator")  # type: ignore[operator]
    names = [
        *aliases(room),
        *aliases(f"{room}:staff"),
        *aliases(f"user:{world.user_ids['moderator']}"),
        f"forum:{world.forum.upper()}",
        f"forum:{world.forum}\n",
    ]

    joins = [await moderator.call("room.join", name) for name in names]
    sends = [await moderator.call("chat.send", name, {"text": "hi"}) for name in names]
    junk = [await moderator.call("room.join", name) for name in junk_after(room)]
    canonical = await moderator.call("room.join", room)

    refused = [(r["ok"], r["error"]["code"], r["error"]["field"]) for r in joins + sends]
    assert refused == [(False, "invalid", "room")] * (2 * len(names))
    assert [(r["ok"], r["error"]["field"]) for r in junk] == [(False, "room")] * len(junk)
    assert canonical["ok"] is True


async def test_a_refusal_names_the_room_as_it_should_be_written(world: World, connect) -> None:
    room = world.room("round-table")
    alice = await connect("alice")  # type: ignore[operator]

    reply = await alice.call("room.join", room.replace(":", ":0"))

    assert reply["error"]["message"].endswith(f"the room is {room!r}")


async def test_a_muted_attendee_cannot_chat_or_ask_through_another_spelling(
    world: World, connect
) -> None:
    room = world.room("round-table")
    moderator, alice = await connect("moderator"), await connect("alice")  # type: ignore[operator]
    await moderator.join(room)
    await alice.join(room)
    await moderator.ok("chat.mute", room, {"user": world.user_ids["alice"], "minutes": 60})
    await moderator.ok("room.settings", room, {"premoderation": True})

    attempts = []
    for name in [room, *aliases(room)]:
        attempts.append(await alice.call("chat.send", name, {"text": "muted, or am I?"}))
        attempts.append(await alice.call("qa.ask", name, {"text": "unmoderated?"}))
        attempts.append(await alice.call("room.join", name))

    chats, asks, joins = attempts[0::3], attempts[1::3], attempts[2::3]
    assert [c["ok"] for c in chats] == [False] * len(chats)
    assert chats[0]["error"]["code"] == "forbidden"  # muted, in the room's one name
    assert {c["error"]["code"] for c in chats[1:]} == {"invalid"}
    # In the room's one name, the question waits for the moderators (pre-moderation).
    assert (asks[0]["ok"], asks[0]["data"]["question"]["status"]) == (True, "pending")
    assert {a["error"]["code"] for a in asks[1:]} == {"invalid"}
    assert joins[0]["ok"] is True
    assert {j["error"]["code"] for j in joins[1:]} == {"invalid"}


async def test_the_rooms_http_routes_refuse_another_spelling_too(world: World) -> None:
    room = world.room("round-table")
    headers = {"Authorization": f"Bearer {world.tokens['alice']}"}
    async with httpx.AsyncClient(base_url=world.url, headers=headers) as http:
        canonical = await http.get(f"/api/v1/rooms/{room}")
        alias = await http.get(f"/api/v1/rooms/{room.replace(':', ':0')}")

    assert canonical.status_code == 200
    assert (alias.status_code, alias.json()["error"]["field"]) == (422, "room")
