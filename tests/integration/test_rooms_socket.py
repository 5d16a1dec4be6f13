"""Under uvicorn, room sockets take the direct path: pushes are encoded once and written
straight to each connection's transport. An upgrade of uvicorn that hides its transport would
quietly fall back to the slower queued path; this test makes it loud."""

from __future__ import annotations

from pathlib import Path

from server.app import create_app
from server.clock import FakeClock
from server.realtime.hub import Hub
from tests.integration.conftest import room_settings
from tests.roomclient import RoomClient
from tests.rooms_world import build_world, token_of
from tests.servers import serve_in_thread


async def test_sockets_under_uvicorn_write_frames_straight_to_their_transport(
    tmp_path: Path, clock: FakeClock
) -> None:
    settings = room_settings(tmp_path)
    app = create_app(settings, clock=clock)
    sessions: dict[str, dict[str, int]] = {}

    async def before() -> None:
        sessions["ids"] = (await build_world(settings.database_url, clock))[1]

    with serve_in_thread(app, before) as url:
        alice = await RoomClient.open(url, token_of("alice"))
        bob = await RoomClient.open(url, token_of("bob"))
        room = f"session:{sessions['ids']['round-table']}"
        await bob.join(room)
        await alice.ok("chat.send", room, {"text": "straight through"})
        pushed = await bob.push(room, "chat.message")
        hub: Hub = app.state.hub
        transports = [conn.transport for conn in hub.connections]
        for client in (alice, bob):
            await client.close()

    assert pushed["data"]["message"]["text"] == "straight through"
    assert len(transports) == 2
    assert all(
        t is not None and type(t).__module__.startswith(("uvloop", "asyncio")) for t in transports
    )
