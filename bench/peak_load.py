"""The crowd of bench/peak.py, in a process of its own (uvloop), driven over a pipe.

Commands, each answered on the pipe when done:

- `storm`  {"n", "concurrency"}: n members open a socket and join the room at once (at most
  `concurrency` handshakes in flight, as a real crowd's browsers are spread over a network);
  answers each join's latency from the storm's start, the errors by kind, and the largest
  reply. The sockets stay open.
- `resume` {"jitter_s"}: after the server went away (every socket closed), each member comes
  back after a random wait below `jitter_s` (the page's first reconnect) and joins with the
  position it had; answers how many recovered (replayed) and how many got a snapshot, and
  when each was done.
- `churn`  {"seconds", "parallel", "hold_s"}: `parallel` loops, each opening a socket, joining,
  staying a moment and leaving, again and again, while the resident members stay; answers
  the joins made and the errors.
- `leave`: every socket goes; `close`: they go and so does the process.

A member speaks Pavilion's `/ws` (docs/rooms.md) or Socket.IO 5 (bench/peak_peers.py). Replies
are recognised by their first bytes, not parsed whole: the crowd's own CPU is the server's
neighbour on a small machine.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any

from rooms_socket import RawSocket

POSITION = re.compile(rb'"recovered":(true|false),"epoch":"([^"]+)","seq":(\d+)')
SIO_PATH = "/socket.io/?EIO=4&transport=websocket"


class Member:
    __slots__ = ("epoch", "index", "seq", "sock")

    def __init__(self, index: int) -> None:
        self.index = index
        self.sock: RawSocket | None = None
        self.epoch = ""
        self.seq = 0


class Crowd:
    def __init__(self, kind: str, url: str, room: str, tokens: list[str]) -> None:
        self.kind, self.room, self.tokens = kind, room, tokens
        self.url = url.replace("http", "ws", 1)
        self.members: list[Member] = []

    # --- one member -----------------------------------------------------------------------

    async def _open(self, index: int) -> RawSocket:
        if self.kind == "socketio":
            sock = await RawSocket.open(self.url + SIO_PATH)
            if not (await sock.recv()).startswith(b"0"):
                raise RuntimeError("socket.io: no open packet")
            sock.send_text("40")
            while not (await sock.recv()).startswith(b"40"):
                pass
            return sock
        return await RawSocket.open(f"{self.url}/ws?token={self.tokens[index]}")

    async def _join(self, member: Member, since: bool = False) -> tuple[bool, int]:
        """Join; (recovered, size of the reply)."""
        sock = member.sock
        assert sock is not None
        if self.kind == "socketio":
            sock.send_text(f'420["join","{self.room}"]')
            while True:
                raw = await sock.recv()
                if raw.startswith(b"430"):
                    return False, len(raw)
                if raw == b"2":
                    sock.send_text("3")
        data: dict[str, Any] = {}
        if since and member.epoch:
            data = {"since": {"epoch": member.epoch, "seq": member.seq}}
        sock.send_text(json.dumps({"id": 1, "op": "room.join", "room": self.room, "data": data}))
        while True:
            raw = await sock.recv()
            if raw.startswith(b'{"id":1,'):
                break
        if not raw.startswith(b'{"id":1,"ok":true'):
            error = json.loads(raw)["error"]
            raise Refused(error["code"], float(error.get("retry_after") or 0))
        found = POSITION.search(raw[:200])
        assert found is not None, raw[:200]
        member.epoch, member.seq = found[2].decode(), int(found[3])
        return found[1] == b"true", len(raw)

    async def _arrive(self, member: Member, since: bool, errors: Counter[str]) -> tuple[bool, int]:
        """Open and join, coming back as told while refused (busy, or a shed socket)."""
        for _ in range(50):
            try:
                member.sock = await self._open(member.index)
                joined = await self._join(member, since)
                self._keep(member.sock)
                return joined
            except Refused as refused:
                errors[refused.code] += 1
                wait = refused.retry_after or 1.0
            except (ConnectionError, OSError, TimeoutError) as lost:
                errors[type(lost).__name__] += 1
                wait = 1.0
            if member.sock is not None:
                member.sock.close()
                member.sock = None
            await asyncio.sleep(wait * (1 + random.random()))
        raise RuntimeError(f"member {member.index} never got in")

    def _keep(self, sock: RawSocket) -> None:
        """From now on: pushes are dropped as they come; socket.io's pings answered (a member
        that does not answer them is dropped by the server)."""
        if self.kind == "socketio":
            sock.listen(lambda raw: sock.send_text("3") if raw == b"2" else None)
        else:
            sock.listen(lambda raw: None)

    # --- commands ---------------------------------------------------------------------------

    async def storm(self, n: int, concurrency: int) -> dict[str, Any]:
        self.members = [Member(i) for i in range(n)]
        errors: Counter[str] = Counter()
        done: list[float] = []
        sizes: list[int] = []
        gate = asyncio.Semaphore(concurrency)
        started = time.monotonic()

        async def one(member: Member) -> None:
            async with gate:
                _, size = await self._arrive(member, False, errors)
            done.append(time.monotonic() - started)
            sizes.append(size)

        await asyncio.gather(*(one(m) for m in self.members))
        return {"latencies": done, "errors": dict(errors), "reply_bytes": max(sizes)}

    async def resume(self, jitter_s: float) -> dict[str, Any]:
        for member in self.members:
            if member.sock is not None:
                member.sock.close()
                member.sock = None
        errors: Counter[str] = Counter()
        recovered, snapshots, done = 0, 0, []
        started = time.monotonic()

        async def one(member: Member) -> None:
            nonlocal recovered, snapshots
            await asyncio.sleep(random.random() * jitter_s)
            back, _ = await self._arrive(member, True, errors)
            recovered, snapshots = recovered + back, snapshots + (not back)
            done.append(time.monotonic() - started)

        await asyncio.gather(*(one(m) for m in self.members))
        return {
            "recovered": recovered,
            "snapshots": snapshots,
            "latencies": done,
            "errors": dict(errors),
        }

    async def churn(self, seconds: float, parallel: int, hold_s: float) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        errors: Counter[str] = Counter()
        joins = 0
        spare = len(self.tokens) - len(self.members)

        async def loop(slot: int) -> None:
            nonlocal joins
            while time.monotonic() < deadline:
                member = Member(len(self.members) + slot % max(1, spare))
                try:
                    await self._arrive(member, False, errors)
                    joins += 1
                    await asyncio.sleep(random.random() * hold_s)
                finally:
                    if member.sock is not None:
                        member.sock.close()

        await asyncio.gather(*(loop(s) for s in range(parallel)))
        return {"joins": joins, "errors": dict(errors)}

    def close(self) -> None:
        for member in self.members:
            if member.sock is not None:
                member.sock.close()
        self.members = []


class Refused(Exception):
    def __init__(self, code: str, retry_after: float) -> None:
        super().__init__(code)
        self.code, self.retry_after = code, retry_after


def crowd_process(kind: str, url: str, room: str, tokens: list[str], pipe: Connection) -> None:
    import uvloop

    try:
        uvloop.run(_serve(Crowd(kind, url, room, tokens), pipe))
    except BaseException as exc:  # reported to the parent, which stops the bench
        pipe.send(("failed", f"{type(exc).__name__}: {exc}"))
        raise


async def _serve(crowd: Crowd, pipe: Connection) -> None:
    while True:
        command, argument = await asyncio.to_thread(pipe.recv)
        if command == "url":
            crowd.url = argument.replace("http", "ws", 1)
            pipe.send(("ok", None))
        elif command == "storm":
            pipe.send(("ok", await crowd.storm(**argument)))
        elif command == "resume":
            pipe.send(("ok", await crowd.resume(**argument)))
        elif command == "churn":
            pipe.send(("ok", await crowd.churn(**argument)))
        elif command == "leave":
            crowd.close()
            pipe.send(("ok", None))
        else:
            crowd.close()
            pipe.send(("ok", None))
            return
