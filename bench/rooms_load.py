"""The load generator of bench/rooms.py: room members and senders, in processes of their own.

A generator process holds many sockets on one uvloop event loop and is driven by the parent
over a pipe: `connect`, then one `step` at a time, then `stop`. A step is the plan "messages
numbered first … first+count-1, `rate` per second, the first due at t0" (t0 on the
CLOCK_MONOTONIC clock, which all processes share):

- a sender process sends message n at its scheduled time t0 + (n - first) / rate whatever
  happened to the earlier ones (open loop), on sender socket n % senders; a socket that
  cannot keep up sends late, and whatever is still unsent at the step's deadline is dropped
  (it counts as lost at every member);
- a member process records, for each of its sockets, which numbers arrived, how late
  (receive time minus the *scheduled* send time, so a server that stalls the sender is not
  flattered), duplicates, and reorderings (a number below the last one seen from the same
  sender socket; each sender's messages are sent in order on one socket).

Each answers the step with its figures; latencies come as a histogram with 1 % buckets.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from rooms_socket import RawSocket
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

MARK = re.compile(rb"bench#(\d+);")
ROOM = "bench"  # the peers' room name
CONNECTS_IN_FLIGHT = 32  # per process, while the members join


# ---------------------------------------------------------------------------- histograms


def bucket(ms: float) -> int:
    """1 % wide buckets of latency in milliseconds (anything under 0.01 ms in the first)."""
    return int(math.log(max(ms, 0.01)) * 100)


def bucket_top(key: int) -> float:
    return math.exp((key + 1) / 100)


def percentile(histogram: Counter[int], q: float) -> float:
    """The upper edge of the bucket holding the q-th percentile (nan when empty)."""
    total = sum(histogram.values())
    if total == 0:
        return math.nan
    rank = max(1, math.ceil(q / 100 * total))
    seen = 0
    for key in sorted(histogram):
        seen += histogram[key]
        if seen >= rank:
            return bucket_top(key)
    return bucket_top(max(histogram))


# ------------------------------------------------------------------------- plans, results


@dataclass(frozen=True)
class Plan:
    index: int
    first: int
    count: int
    rate: float
    t0: float
    duration: float
    deadline: float

    def due(self, number: int) -> float:
        return self.t0 + (number - self.first) / self.rate


@dataclass
class Heard:
    """What one member process saw during a step."""

    expected: int = 0
    delivered: int = 0
    duplicates: int = 0
    reorders: int = 0
    stale: int = 0  # numbers of earlier steps, arriving late
    histogram: Counter[int] = field(default_factory=Counter)
    cpu_s: float = 0.0
    sockets: int = 0
    reconnected: int = 0
    disconnects: int = 0


@dataclass
class Sent:
    """What the sender process did during a step."""

    sent: int = 0
    unsent: int = 0
    lag: Counter[int] = field(default_factory=Counter)  # actual minus scheduled send time
    errors: Counter[str] = field(default_factory=Counter)  # error replies, by code
    cpu_s: float = 0.0


# --------------------------------------------------------------------------------- wires


def text_of(number: int, size: int) -> str:
    head = f"bench#{number}; "
    return head + "x" * max(0, size - len(head))


class Member:
    """One member socket and what it has received in the current step."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.sock: RawSocket | None = None
        self.got = bytearray()
        self.last: dict[int, int] = {}  # sender socket -> last number seen
        self.counted = 0  # reactions counted so far (the `reaction` op)


class Wire:
    """How one kind of server is spoken to; the base is the bare websockets floor.

    Members use the lean RawSocket (bench/rooms_socket.py); the few senders use `websockets`."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("http://", "ws://")

    async def member(self, index: int) -> RawSocket:
        sock = await RawSocket.open(self.url + "/")
        if await sock.recv() != b"joined":
            raise RuntimeError("floor: expected `joined`")
        return sock

    async def sender(self, index: int) -> ClientConnection:
        return await self._sender_socket("/send")

    async def _sender_socket(self, path: str) -> ClientConnection:
        return await connect(
            self.url + path, max_size=None, ping_interval=None, open_timeout=60, compression=None
        )

    def frame(self, number: int, text: str) -> str:
        return text

    def numbers(self, raw: bytes, member: Member) -> Iterable[int]:
        found = MARK.search(raw)
        return (int(found[1]),) if found else ()

    def chore(self, sock: RawSocket, raw: bytes) -> None:
        """Protocol upkeep for a member's frame that carried no message."""

    async def reply(self, ws: ClientConnection, raw: str, errors: Counter[str]) -> None:
        """Handle a frame a sender received (count error replies, answer pings)."""


class SocketIOWire(Wire):
    """Engine.IO 4 / Socket.IO 5 over a WebSocket, spoken by hand (no polling, no aiohttp)."""

    PATH = "/socket.io/?EIO=4&transport=websocket"

    async def member(self, index: int) -> RawSocket:
        sock = await RawSocket.open(self.url + self.PATH)
        if not (await sock.recv()).startswith(b"0"):
            raise RuntimeError("socket.io: expected an open packet")
        sock.send_text("40")
        while not (await sock.recv()).startswith(b"40"):
            pass
        sock.send_text('420["join","bench"]')
        while True:
            raw = await sock.recv()
            if raw.startswith(b"430"):
                return sock
            self.chore(sock, raw)

    async def sender(self, index: int) -> ClientConnection:
        ws = await self._sender_socket(self.PATH)
        if not str(await ws.recv()).startswith("0"):
            raise RuntimeError("socket.io: expected an open packet")
        await ws.send("40")
        while not str(await ws.recv()).startswith("40"):
            pass
        return ws

    def frame(self, number: int, text: str) -> str:
        return "42" + json.dumps(["chat", text])

    def chore(self, sock: RawSocket, raw: bytes) -> None:
        if raw == b"2":  # the server's ping
            sock.send_text("3")

    async def reply(self, ws: ClientConnection, raw: str, errors: Counter[str]) -> None:
        if raw == "2":
            await ws.send("3")


class PavilionWire(Wire):
    """Pavilion's `/ws` (docs/rooms.md): members join the session room; senders do not."""

    def __init__(self, url: str, room: str, tokens: list[str], op: str) -> None:
        super().__init__(url)
        self.room, self.tokens, self.op = room, tokens, op

    async def member(self, index: int) -> RawSocket:
        sock = await RawSocket.open(f"{self.url}/ws?token={self.tokens[index]}")
        sock.send_text(json.dumps({"id": 1, "op": "room.join", "room": self.room, "data": {}}))
        while True:
            raw = await sock.recv()
            if raw.startswith(b'{"id":1,'):
                reply = json.loads(raw)
                if not reply["ok"]:
                    raise RuntimeError(f"room.join refused: {reply['error']}")
                return sock

    async def sender(self, index: int) -> ClientConnection:
        return await self._sender_socket(f"/ws?token={self.tokens[index]}")

    def frame(self, number: int, text: str) -> str:
        if self.op == "reaction":
            op, data = "reaction.send", {"emoji": "👏"}
        else:
            op, data = "chat.send", {"text": text}
        return json.dumps({"id": number, "op": op, "room": self.room, "data": data})

    def numbers(self, raw: bytes, member: Member) -> Iterable[int]:
        if self.op != "reaction":
            return super().numbers(raw, member)
        if b'"type":"reaction.counts"' not in raw:
            return ()
        # Counts are per flush; the k-th reaction counted stands for message number k - 1.
        count = json.loads(raw)["data"]["counts"].get("👏", 0)
        start, member.counted = member.counted, member.counted + count
        return range(start, member.counted)

    async def reply(self, ws: ClientConnection, raw: str, errors: Counter[str]) -> None:
        if '"ok":false' in raw:
            errors[json.loads(raw)["error"]["code"]] += 1


def make_wire(kind: str, url: str, setup: dict[str, Any]) -> Wire:
    if kind.startswith("pavilion"):
        return PavilionWire(url, setup["room"], setup["tokens"], setup["op"])
    if kind == "socketio":
        return SocketIOWire(url)
    return Wire(url)


# ------------------------------------------------------------------------------- members


class Members:
    """The member sockets of one process."""

    def __init__(self, wire: Wire, indexes: list[int], senders: int) -> None:
        self.wire = wire
        self.members = [Member(i) for i in indexes]
        self.senders = senders
        self.plan: Plan | None = None
        self.heard = Heard()
        self.complete = asyncio.Event()

    async def connect(self) -> dict[str, Any]:
        started = time.monotonic()
        failures = await self._join_all(self.members)
        return {"seconds": time.monotonic() - started, "failures": dict(failures)}

    async def _join_all(self, members: list[Member]) -> Counter[str]:
        gate = asyncio.Semaphore(CONNECTS_IN_FLIGHT)
        failures = await asyncio.gather(*(self._join(m, gate) for m in members))
        return Counter(f for f in failures if f)

    async def _join(self, member: Member, gate: asyncio.Semaphore) -> str | None:
        async with gate:
            try:
                sock = await self.wire.member(member.index)
            except Exception as exc:  # reported, and retried before the next step
                return f"{type(exc).__name__}: {exc}"[:200]
        member.sock = sock
        sock.listen(lambda raw: self._on_text(member, raw))
        sock.closed.add_done_callback(lambda _: self._lost(member))
        return None

    def _lost(self, member: Member) -> None:
        member.sock = None
        self.heard.disconnects += 1

    def _on_text(self, member: Member, raw: bytes) -> None:
        now = time.monotonic()
        found = False
        for number in self.wire.numbers(raw, member):
            found = True
            self._record(member, number, now)
        if not found and member.sock is not None:
            self.wire.chore(member.sock, raw)

    def _record(self, member: Member, number: int, now: float) -> None:
        plan, heard = self.plan, self.heard
        if plan is None or number < plan.first:
            heard.stale += 1
            return
        i = number - plan.first
        if i >= plan.count:
            return  # a reaction count beyond the plan (an earlier step's, late)
        if member.got[i]:
            heard.duplicates += 1
            return
        member.got[i] = 1
        sender = number % self.senders
        if number < member.last.get(sender, -1):
            heard.reorders += 1
        else:
            member.last[sender] = number
        heard.histogram[bucket((now - plan.due(number)) * 1000)] += 1
        heard.delivered += 1
        if heard.delivered == heard.expected:
            self.complete.set()

    async def step(self, plan: Plan) -> Heard:
        lost = [m for m in self.members if m.sock is None]
        if lost:
            await self._join_all(lost)
        heard = Heard(reconnected=len(lost) - sum(m.sock is None for m in lost))
        for member in self.members:
            member.got = bytearray(plan.count)
        heard.sockets = sum(m.sock is not None for m in self.members)
        heard.expected = plan.count * len(self.members)
        self.heard, self.plan = heard, plan
        self.complete.clear()
        cpu = asyncio.create_task(_cpu_during(plan))
        remaining = plan.deadline - time.monotonic()
        try:
            await asyncio.wait_for(self.complete.wait(), max(0.0, remaining))
        except TimeoutError:
            pass
        heard.cpu_s = await cpu
        return heard

    async def close(self) -> None:
        for member in self.members:
            if member.sock is not None:
                member.sock.close()
        await asyncio.sleep(0.1)


async def _cpu_during(plan: Plan) -> float:
    """This process's CPU seconds between t0 and t0 + duration."""
    await asyncio.sleep(max(0.0, plan.t0 - time.monotonic()))
    started = time.process_time()
    await asyncio.sleep(max(0.0, plan.t0 + plan.duration - time.monotonic()))
    return time.process_time() - started


# ------------------------------------------------------------------------------- senders


class Senders:
    """The sender sockets; message n goes out on socket n % len(sockets)."""

    def __init__(self, wire: Wire, count: int, text_bytes: int) -> None:
        self.wire = wire
        self.count = count
        self.text_bytes = text_bytes
        self.sockets: list[ClientConnection] = []
        self.errors: Counter[str] = Counter()
        self._readers: list[asyncio.Task[None]] = []

    async def connect(self) -> dict[str, Any]:
        started = time.monotonic()
        self.sockets = [await self.wire.sender(i) for i in range(self.count)]
        self._readers = [asyncio.create_task(self._listen(ws)) for ws in self.sockets]
        return {"seconds": time.monotonic() - started, "failures": {}}

    async def _listen(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                if isinstance(raw, str):
                    await self.wire.reply(ws, raw, self.errors)
        except ConnectionClosed:
            pass

    async def step(self, plan: Plan) -> Sent:
        sent = Sent()
        errors_before = Counter(self.errors)
        cpu = asyncio.create_task(_cpu_during(plan))
        await asyncio.gather(*(self._send(k, plan, sent) for k in range(self.count)))
        # Replies to the last messages may still be on their way.
        await asyncio.sleep(max(0.0, min(plan.deadline, time.monotonic() + 0.5) - time.monotonic()))
        sent.cpu_s = await cpu
        sent.errors = self.errors - errors_before
        return sent

    async def _send(self, k: int, plan: Plan, sent: Sent) -> None:
        ws = self.sockets[k]
        start = plan.first + (k - plan.first) % self.count
        for number in range(start, plan.first + plan.count, self.count):
            due = plan.due(number)
            await _until(due)
            now = time.monotonic()
            if now >= plan.deadline:
                sent.unsent += 1
                continue
            try:
                await asyncio.wait_for(
                    ws.send(self.wire.frame(number, text_of(number, self.text_bytes))),
                    plan.deadline - now,
                )
            except (TimeoutError, ConnectionClosed):
                sent.unsent += 1
                continue
            sent.lag[bucket((now - due) * 1000)] += 1
            sent.sent += 1

    async def close(self) -> None:
        for ws in self.sockets:
            await ws.close()
        for task in self._readers:
            task.cancel()


async def _until(instant: float) -> None:
    """Sleep until `instant` (monotonic); timers may fire a little early, so look again."""
    for _ in range(5):
        wait = instant - time.monotonic()
        if wait <= 0:
            return
        await asyncio.sleep(wait)


# ------------------------------------------------------------------------------ process


def generator_process(
    role: str, kind: str, url: str, setup: dict[str, Any], work: Any, pipe: Connection
) -> None:
    """Entry point of a generator process: `work` is the member indexes or the sender count."""
    import uvloop

    try:
        uvloop.run(_serve(role, kind, url, setup, work, pipe))
    except BaseException as exc:  # reported to the parent, which stops the benchmark
        pipe.send(("failed", f"{role}: {type(exc).__name__}: {exc}"))
        raise


async def _serve(
    role: str, kind: str, url: str, setup: dict[str, Any], work: Any, pipe: Connection
) -> None:
    wire = make_wire(kind, url, setup)
    side: Members | Senders
    if role == "members":
        side = Members(wire, work, setup["senders"])
    else:
        side = Senders(wire, work, setup["text_bytes"])
    while True:
        command, argument = await asyncio.to_thread(pipe.recv)
        if command == "connect":
            pipe.send(("ok", await side.connect()))
        elif command == "step":
            pipe.send(("ok", await side.step(argument)))
        else:
            await side.close()
            pipe.send(("ok", None))
            return
