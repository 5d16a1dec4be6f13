"""The baseline bench/peak.py measures Pavilion's joins against, started as a process of its own:

    .venv/bin/python bench/peak_peers.py --port 8001 --state state.json

python-socketio's `AsyncServer` under uvicorn (the same defaults as `pavilion serve`: uvloop,
httptools, websockets-sansio), with no manager (one node, as Pavilion's default install). A
client connects (Engine.IO 4 over a WebSocket), emits `join`, and is answered, as the ack, with
the room's state: the JSON document in `--state` (a Pavilion room snapshot of the same room,
so both send the same bytes), kept in memory and encoded by socket.io for every joiner, as a
socket.io app would. Nothing is stored; `leave` takes the socket out of the room.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ROOM = "bench"


def app(state: Any) -> Any:
    import socketio

    sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*", logger=False)

    @sio.event
    async def join(sid: str, room: str) -> Any:
        await sio.enter_room(sid, room)
        return state

    @sio.event
    async def leave(sid: str, room: str) -> str:
        await sio.leave_room(sid, room)
        return "left"

    return socketio.ASGIApp(sio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", type=Path, required=True)
    args = parser.parse_args()
    import uvicorn

    state = json.loads(args.state.read_text(encoding="utf-8"))
    uvicorn.run(
        app(state), host="127.0.0.1", port=args.port, log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main()
