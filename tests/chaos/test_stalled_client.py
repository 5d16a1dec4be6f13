"""A member that stops reading never slows its room: its small outbox fills, the server closes it
with 1013 and takes it out of the room at once, and it comes back by resuming."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from server.clock import FakeClock
from server.realtime.connection import CloseCode
from tests.chaos.conftest import Open, nodes
from tests.chaos.rawclient import RawClient
from tests.roomclient import RoomClient, numbered

OUTBOX = 16  # frames (the queued path)
OUTBOX_BYTES = 64 * 1024  # bytes waiting in the transport (the direct path, under uvicorn)
# ~4 KB a push (two-byte characters): the stalled socket's buffers fill after a few dozen.
TEXT = "ж" * 1990
# The kernel's send buffer of the server's sockets (Linux doubles it); left to grow, it would
# hold megabytes for the stalled reader before the outbox even starts to fill.
SEND_BUFFER = 8192
# Far more than it takes (the test stops sending once the stalled member is gone).
AT_MOST = 600


def online(pushes: list[dict[str, Any]]) -> list[int]:
    return [p["data"]["online"] for p in pushes if p["type"] == "presence.counts"]


def chat(pushes: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(p["seq"], p["data"]["message"]["text"]) for p in pushes if p["type"] == "chat.message"]


def messages(pushes: list[dict[str, Any]]) -> dict[int, str]:
    """Message id -> text of the chat messages among these pushes."""
    found = [p["data"]["message"] for p in pushes if p["type"] == "chat.message"]
    return {m["id"]: m["text"] for m in found}


async def test_a_stalled_member_is_closed_with_1013_and_never_slows_the_others(
    tmp_path: Path, clock: FakeClock, open_client: Open
) -> None:
    overrides = {
        "ws_outbox_frames": OUTBOX,
        "ws_outbox_bytes": OUTBOX_BYTES,
        "ws_rate_per_socket": 1000,
        "ws_rate_per_user": 1000,
    }
    with nodes(tmp_path, clock, send_buffer=SEND_BUFFER, **overrides) as (world, _):
        room = world.room("round-table")
        watcher = await open_client(world.url, world.tokens["bob"])
        await watcher.join(room)
        stalled = await asyncio.to_thread(RawClient, world.url, world.tokens["carol"])
        try:
            await asyncio.to_thread(stalled.join, room)
            senders = [await open_client(world.url, world.tokens[p]) for p in ("alice", "invitee")]
            for sender in senders:
                await sender.join(room)
            await watcher.wait_for(lambda: 4 in online(watcher.pushes[room]), 10, "4 online")
            gone = asyncio.Event()

            async def send_until_gone(sender: RoomClient, name: str) -> int:
                sent = 0
                while not gone.is_set() and sent < AT_MOST:
                    await sender.ok("chat.send", room, {"text": f"{name}{sent} {TEXT}"})
                    sent += 1
                return sent

            # The stalled member stops reading (it never reads again until the end).
            sending = asyncio.gather(
                *(send_until_gone(s, n) for s, n in zip(senders, "ab", strict=True))
            )
            await watcher.wait_for(lambda: online(watcher.pushes[room])[-1] == 3, 30, "3 online")
            gone.set()
            sent = sum(await sending)

            # Meanwhile every other member got every message, in one order.
            await watcher.wait_for(lambda: len(chat(watcher.pushes[room])) == sent, 10, "all")
            for sender in senders:

                def has_all(c: RoomClient = sender) -> bool:
                    return len(chat(c.pushes[room])) == sent

                await sender.wait_for(has_all, 10, "every message")
                assert chat(sender.pushes[room]) == chat(watcher.pushes[room])
            assert sent < AT_MOST

            # The stalled member, reading at last, finds the pushes it got and then a 1013.
            frames, code = await asyncio.to_thread(stalled.drain)
        finally:
            stalled.close()
        assert code == CloseCode.try_again_later
        pushes = numbered([f for f in frames if "seq" in f])
        assert 0 < len(chat(pushes)) < sent

        # It comes back and resumes from the last push it has.
        back = await open_client(world.url, world.tokens["carol"])
        resumed = await back.join(room, (pushes[-1]["epoch"], pushes[-1]["seq"]))
        welcome = (await senders[0].ok("chat.send", room, {"text": "welcome back"}))["message"]
        for client in (back, watcher):

            def welcomed(c: RoomClient = client) -> bool:
                return welcome["id"] in messages(c.pushes[room])

            await client.wait_for(welcomed, 10, "the welcome")
        before = {k: v for k, v in messages(watcher.pushes[room]).items() if k != welcome["id"]}
        if resumed["recovered"]:  # a gap short enough to replay
            assert chat(pushes + back.pushes[room]) == chat(watcher.pushes[room])
        else:  # a snapshot: it holds every message so far (the last 100; fewer were sent)
            shown = {m["id"]: m["text"] for m in resumed["snapshot"]["messages"]}
            assert shown == before
