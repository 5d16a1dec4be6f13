"""A room-socket client for tests and benchmarks: requests paired with replies by id, and
every push kept per room in arrival order."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

# Pushes that are states the next one replaces: seq 0, not numbered, never replayed.
VOLATILE = frozenset({"presence.counts", "presence.list", "reaction.counts"})


def numbered(pushes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pushes that take a place in the room's sequence (and resets, which break it);
    volatile ones (seq 0) left out, after checking that they are volatile indeed."""
    kept = []
    for push in pushes:
        if push["seq"] == 0 and push["type"] != "room.reset":
            assert push["type"] in VOLATILE, f"{push['type']} arrived unnumbered"
            continue
        kept.append(push)
    return kept


class ReplyError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.error = error
        self.code = error.get("code")


class RoomClient:
    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.pushes: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        self.orphans: list[dict[str, Any]] = []  # replies without a matching request
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @classmethod
    async def open(cls, base_url: str, token: str, **options: Any) -> RoomClient:
        url = base_url.replace("http://", "ws://") + f"/ws?token={token}"
        return cls(await connect(url, max_size=None, **options))

    async def _read(self) -> None:
        try:
            async for raw in self.socket:
                frame = json.loads(raw)
                if "room" in frame and "type" in frame:
                    self.pushes[frame["room"]].append(frame)
                elif frame.get("id") in self._waiting:
                    self._waiting.pop(frame["id"]).set_result(frame)
                else:
                    self.orphans.append(frame)
                self._changed.set()
        except Exception as exc:  # the socket closed; waiters see it below
            del exc
        finally:
            if not self.closed.done():
                self.closed.set_result(None)
            for waiter in self._waiting.values():
                if not waiter.done():
                    waiter.set_exception(ConnectionError("the socket closed"))
            self._changed.set()

    async def send_raw(self, frame: Any) -> None:
        await self.socket.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))

    async def call(
        self,
        op: str,
        room: str | None = None,
        data: dict[str, Any] | None = None,
        within: float = 10,
    ) -> dict[str, Any]:
        """The reply frame of one request (whether ok or not)."""
        frame_id = next(self._ids)
        waiter = asyncio.get_running_loop().create_future()
        self._waiting[frame_id] = waiter
        frame: dict[str, Any] = {"id": frame_id, "op": op, "data": data or {}}
        if room is not None:
            frame["room"] = room
        await self.socket.send(json.dumps(frame))
        return await asyncio.wait_for(waiter, within)

    async def ok(
        self, op: str, room: str | None = None, data: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The data of a successful reply (ReplyError otherwise)."""
        reply = await self.call(op, room, data)
        if not reply["ok"]:
            raise ReplyError(reply["error"])
        return reply["data"]

    async def join(self, room: str, since: tuple[str, int] | None = None) -> dict[str, Any]:
        data = {"since": {"epoch": since[0], "seq": since[1]}} if since else {}
        return await self.ok("room.join", room, data)

    async def wait_for(
        self, check: Callable[[], Any], within: float = 10, what: str = "a push"
    ) -> Any:
        """Wait until `check()` is truthy (re-checked on every frame); its value."""

        async def loop() -> Any:
            while True:
                found = check()
                if found:
                    return found
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(loop(), within)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None

    async def push(self, room: str, type_: str, within: float = 10, after: int = 0) -> dict:
        """The first push of this type in `room` after index `after` of its pushes."""

        def found() -> dict[str, Any] | None:
            return next((p for p in self.pushes[room][after:] if p["type"] == type_), None)

        return await self.wait_for(found, within, f"{type_} in {room}")

    def types(self, room: str) -> list[str]:
        return [p["type"] for p in self.pushes[room]]

    async def close(self) -> None:
        await self.socket.close()
        self._reader.cancel()
        try:
            await self._reader
        except asyncio.CancelledError:
            pass
