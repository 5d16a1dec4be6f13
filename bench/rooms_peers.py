"""The servers bench/rooms.py measures Pavilion against, each started as a process of its own:

    .venv/bin/python bench/rooms_peers.py socketio --port 8001 --redis redis://127.0.0.1:6390/0
    .venv/bin/python bench/rooms_peers.py floor --port 8002

- socketio: python-socketio's `AsyncServer` with `AsyncRedisManager` (what a Python team
  would pick for rooms across nodes), served by uvicorn as an ASGI app with the same
  defaults as `pavilion serve` (uvloop, httptools, websockets-sansio). Clients emit
  `join` (answered by an ack once the socket is in the room) and `chat`; the server emits
  every `chat` to the room. With the Redis manager an emit is fanned out to this node's
  members at once and published to Redis for the other nodes.
- floor: a bare `websockets` server on uvloop. A socket on `/` is a member (told `joined`
  once it is); every text frame that arrives on `/send` goes to all members through
  `websockets.broadcast()`, which writes the same frame to every socket without awaiting
  any. Nothing is stored, numbered or checked: the least a Python server can do.
"""

from __future__ import annotations

import argparse
from typing import Any

ROOM = "bench"


def socketio_app(redis_url: str) -> Any:
    import socketio

    manager = socketio.AsyncRedisManager(redis_url)
    sio = socketio.AsyncServer(
        async_mode="asgi", client_manager=manager, cors_allowed_origins="*", logger=False
    )

    @sio.event
    async def join(sid: str, room: str) -> str:
        await sio.enter_room(sid, room)
        return "joined"

    @sio.event
    async def chat(sid: str, text: str) -> None:
        await sio.emit("chat", text, room=ROOM)

    return socketio.ASGIApp(sio)


def serve_socketio(port: int, redis_url: str) -> None:
    import uvicorn

    uvicorn.run(
        socketio_app(redis_url), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )


async def _floor(port: int) -> None:
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    members: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        if ws.request is not None and ws.request.path == "/send":
            async for message in ws:
                broadcast(members, message)
            return
        members.add(ws)
        try:
            await ws.send("joined")
            await ws.wait_closed()
        finally:
            members.discard(ws)

    async with serve(handler, "127.0.0.1", port, max_size=64 * 1024) as server:
        await server.serve_forever()


def serve_floor(port: int) -> None:
    import uvloop

    uvloop.run(_floor(port))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["socketio", "floor"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", help="redis://… (socketio only)")
    args = parser.parse_args()
    if args.kind == "socketio":
        if not args.redis:
            parser.error("socketio needs --redis")
        serve_socketio(args.port, args.redis)
    else:
        serve_floor(args.port)


if __name__ == "__main__":
    main()
