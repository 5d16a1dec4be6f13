"""A node whose own subscription to a room falls behind the bus (a burst while its event loop
was busy) is dropped by the bus with a `room.reset`: its members start over, and the node must
go on carrying the room, not fall silent for everyone still in it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from server.app import create_app
from server.clock import FakeClock
from server.realtime.bus import RESET, MemoryBus
from tests.chaos.conftest import Open
from tests.integration.conftest import room_settings
from tests.roomclient import numbered
from tests.rooms_world import build_world, token_of
from tests.servers import serve_in_thread

QUEUE = 8  # events the bus queues for the node's subscription to a room


def last_in_order(pushes: list[dict[str, Any]], joined: dict[str, Any]) -> int:
    """The seq up to which a client has every push (where it resumes from)."""
    seq = joined["seq"]
    for push in numbered(pushes):
        if push["type"] == RESET or push["seq"] != seq + 1:
            break
        seq = push["seq"]
    return int(seq)


async def test_a_node_dropped_by_the_bus_for_falling_behind_keeps_carrying_the_room(
    tmp_path: Path, clock: FakeClock, open_client: Open
) -> None:
    settings = room_settings(tmp_path)
    bus = MemoryBus(queue_size=QUEUE)
    found: dict[str, Any] = {}

    async def before() -> None:
        found["loop"] = asyncio.get_running_loop()
        found["users"], found["sessions"] = await build_world(settings.database_url, clock)

    async def burst(room: str) -> None:
        # Published back to back without yielding: the node's consumer cannot keep up.
        for n in range(QUEUE * 3):
            await bus.publish(room, "burst", {"n": n})

    with serve_in_thread(create_app(settings, clock=clock, bus=bus), before) as url:
        room = f"session:{found['sessions']['round-table']}"
        alice = await open_client(url, token_of("alice"))
        bob = await open_client(url, token_of("bob"))
        await alice.join(room)
        joined = await bob.join(room)

        future = asyncio.run_coroutine_threadsafe(burst(room), found["loop"])
        await asyncio.wrap_future(future)
        await bob.push(room, RESET)
        resumed = await bob.join(room, (joined["epoch"], last_in_order(bob.pushes[room], joined)))
        sent = await alice.ok("chat.send", room, {"text": "still there?"})

        def got(client: Any) -> bool:
            return any(
                p["type"] == "chat.message" and p["data"]["message"] == sent["message"]
                for p in client.pushes[room]
            )

        await bob.wait_for(lambda: got(bob), 10, "the message after the burst")
        await alice.wait_for(lambda: got(alice), 10, "the message after the burst")
        assert resumed["recovered"]
