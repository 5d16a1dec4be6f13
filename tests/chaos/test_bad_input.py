"""Bad input on the room socket: an oversized frame closes that socket (1009), garbage gets an
`invalid` error and the socket lives on, a flood gets `rate_limited` with a retry-after; and
after each, the room works for everyone."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from server.clock import FakeClock
from server.realtime.connection import CloseCode
from server.realtime.frames import MAX_FRAME_BYTES
from tests.chaos.conftest import Open, nodes
from tests.roomclient import RoomClient
from tests.rooms_world import World

ROOM = "session:1"  # the round table (checked in the fixture)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One app for the cases that only read or chat (each test opens its own sockets)."""
    clock = FakeClock(datetime(2027, 3, 20, 9, 0, tzinfo=UTC))
    with nodes(tmp_path_factory.mktemp("bad-input"), clock) as (world, _):
        assert world.room("round-table") == ROOM
        yield world


async def joined(open_client: Open, world: World, person: str) -> RoomClient:
    client = await open_client(world.url, world.tokens[person])
    await client.join(ROOM)
    return client


async def room_still_works(*clients: RoomClient) -> None:
    """Each client sends a message and every one of them receives all of them."""
    texts = []
    for n, sender in enumerate(clients):
        reply = await sender.ok("chat.send", ROOM, {"text": f"still here {n}"})
        texts.append(reply["message"]["text"])
    for client in clients:

        def arrived(c: RoomClient = client) -> bool:
            seen = [
                p["data"]["message"]["text"] for p in c.pushes[ROOM] if p["type"] == "chat.message"
            ]
            return seen[-len(texts) :] == texts

        await client.wait_for(arrived, 10, "the messages sent after the bad input")


def request(op: Any = "chat.send", room: Any = ROOM, **fields: Any) -> str:
    """A request frame (non-ASCII text escaped as \\uXXXX)."""
    return json.dumps({"id": "bad", "op": op, "room": room, **fields})


def padded_to(size: int, character: str = "x") -> str:
    """A well-formed chat.send of exactly `size` bytes of UTF-8."""
    empty = {"id": "bad", "op": "chat.send", "room": ROOM, "data": {"text": ""}}
    filler = size - len(json.dumps(empty).encode())
    width = len(character.encode())
    text = "x" * (filler % width) + character * (filler // width)
    frame = json.dumps({**empty, "data": {"text": text}}, ensure_ascii=False)
    assert len(frame.encode()) == size
    return frame


@pytest.mark.parametrize("character", ["x", "ж"], ids=["ascii", "two-byte"])
async def test_a_frame_over_64_kib_closes_that_socket_with_1009_and_the_room_goes_on(
    shared: World, open_client: Open, character: str
) -> None:
    sender = await joined(open_client, shared, "alice")
    other = await joined(open_client, shared, "bob")
    await sender.send_raw(padded_to(MAX_FRAME_BYTES + 1, character))
    await asyncio.wait_for(sender.closed, 10)

    assert sender.socket.close_code == CloseCode.message_too_big
    again = await joined(open_client, shared, "alice")
    await room_still_works(other, again)


async def test_a_frame_of_exactly_64_kib_is_read_and_answered(
    shared: World, open_client: Open
) -> None:
    sender = await joined(open_client, shared, "alice")

    await sender.send_raw(padded_to(MAX_FRAME_BYTES))
    reply = await sender.wait_for(lambda: sender.orphans, 10, "the reply")

    assert [(r["id"], r["error"]["code"], r["error"]["field"]) for r in reply] == [
        ("bad", "invalid", "data.text")  # longer than 2000 characters, but read
    ]
    await room_still_works(sender, await joined(open_client, shared, "bob"))


GARBAGE: dict[str, tuple[str | bytes, str | None, str]] = {
    # name: (frame, id in the error reply, field named)
    "not JSON": ("hello {", None, "frame"),
    "empty": ("", None, "frame"),
    "a JSON array": ("[1, 2, 3]", None, "frame"),
    "a JSON string": ('"chat.send"', None, "frame"),
    "null": ("null", None, "frame"),
    "an unknown op": (request(op="chat.shout"), "bad", "op"),
    "no op": (json.dumps({"id": "bad", "room": ROOM}), "bad", "op"),
    "no room": (request(room=None, data={"text": "hi"}), "bad", "room"),
    "op a number": (request(op=42), "bad", "op"),
    "room a number": (request(room=7), "bad", "room"),
    "data a string": (request(data="hi"), "bad", "data"),
    "text a number": (request(data={"text": 5}), "bad", "data.text"),
    "text empty": (request(data={"text": ""}), "bad", "data.text"),
    "an extra field": (request(data={"text": "hi"}, extra=1), "bad", "extra"),
    "since of wrong types": (
        request(op="room.join", data={"since": {"epoch": 5, "seq": -1}}),
        "bad",
        "data.since.epoch",
    ),
    "id a list": (json.dumps({"id": [1], "op": "chat.send", "room": ROOM}), None, "id"),
    "id true": (json.dumps({"id": True, "op": "chat.send", "room": ROOM}), None, "id"),
    "a number of 5000 digits": ('{"id": 1, "op": "x", "n": ' + "7" * 5000 + "}", None, "frame"),
    "NaN": ('{"id": NaN, "op": "chat.send"}', None, "id"),
    "a lone surrogate": (request(data={"text": "a\ud800b"}), "bad", "data.text"),
    "objects nested 9000 deep": ('{"a":' * 9000 + "1" + "}" * 9000, None, "frame"),
    "arrays nested 30000 deep": ("[" * 30000 + "]" * 30000, None, "frame"),
    "a binary frame": (b"\x00\x01\x02 binary", None, "frame"),
}


@pytest.mark.parametrize("frame, frame_id, field", GARBAGE.values(), ids=GARBAGE.keys())
async def test_garbage_gets_an_invalid_error_and_the_socket_and_the_room_go_on(
    shared: World, open_client: Open, frame: str | bytes, frame_id: str | None, field: str
) -> None:
    sender = await joined(open_client, shared, "alice")
    other = await joined(open_client, shared, "bob")

    await sender.send_raw(frame)
    replies = await sender.wait_for(lambda: sender.orphans, 10, "the error")

    assert [(r["id"], r["ok"], r["error"]["code"], r["error"].get("field")) for r in replies] == [
        (frame_id, False, "invalid", field)
    ]
    assert replies[0]["error"]["message"].startswith(f"{field}:")
    await room_still_works(sender, other)


async def test_a_flood_gets_rate_limited_with_a_retry_after_and_the_room_goes_on(
    tmp_path: Path, clock: FakeClock, open_client: Open
) -> None:
    with nodes(tmp_path, clock) as (world, _):
        flooder = await joined(open_client, world, "carol")
        other = await joined(open_client, world, "bob")
        frames = [
            json.dumps({"id": f"f{n}", "op": "room.leave", "room": "forum:x"}) for n in range(150)
        ]

        await asyncio.gather(*(flooder.send_raw(f) for f in frames))
        replies = await flooder.wait_for(
            lambda: len(flooder.orphans) == len(frames) and flooder.orphans, 10, "every reply"
        )

        limited = [r for r in replies if not r["ok"]]
        assert {r["error"]["code"] for r in limited} == {"rate_limited"}
        assert 0 < len(limited) < len(frames)
        assert all(r["error"]["retry_after"] > 0 for r in limited)
        assert [r["id"] for r in replies] == [f"f{n}" for n in range(len(frames))]
        await asyncio.sleep(max(r["error"]["retry_after"] for r in limited))
        await room_still_works(flooder, other)


async def test_a_persons_sockets_share_one_allowance(
    tmp_path: Path, clock: FakeClock, open_client: Open
) -> None:
    with nodes(tmp_path, clock) as (world, _):
        sockets = [await joined(open_client, world, "carol") for _ in range(3)]
        other = await joined(open_client, world, "bob")
        per_socket = 35  # each under its socket's burst of 40; together over the person's 80

        async def flood(client: RoomClient, name: int) -> None:
            for n in range(per_socket):
                await client.send_raw(
                    json.dumps({"id": f"{name}-{n}", "op": "room.leave", "room": "forum:x"})
                )

        await asyncio.gather(*(flood(s, n) for n, s in enumerate(sockets)))
        for client in sockets:

            def answered(c: RoomClient = client) -> bool:
                return len(c.orphans) == per_socket

            await client.wait_for(answered, 10, "every reply")

        replies = [r for client in sockets for r in client.orphans]
        limited = [r["error"] for r in replies if not r["ok"]]
        assert 0 < len(limited) < len(replies)
        assert {(e["code"], e["message"].split(":")[0]) for e in limited} == {
            ("rate_limited", "frame")
        }
        assert min(e["retry_after"] for e in limited) > 0
        await asyncio.sleep(0.25)  # the person's allowance refills at 40 a second
        await room_still_works(*sockets, other)
