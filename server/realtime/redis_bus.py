"""The Redis backend of the bus: rooms fan out across nodes with nothing lost.

Each publish is one Lua step: `INCR` the room's seq, `XADD` the event to the room's capped
stream under the id `<seq>-0`, `PUBLISH` it on the room's channel. The stream is the truth;
pub/sub is only the fast path. A node subscribes to a room's channel only while it has local
subscribers, tracks the last seq it delivered per room, fills any gap from the stream, and on
every reconnect to Redis re-reads each room it holds from its stream, so nothing published
while it was away is missed. When Redis itself lost the data (a restart without persistence),
the room's epoch changes and subscribers get a `room.reset`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from server.realtime.bus import RESET, Bus, Check, Event, Subscribers, new_epoch

log = logging.getLogger("pavilion.bus.redis")

PREFIX = "pv:room:"
CONTROL_CHANNEL = "pv:control"
# Keys of a room live this long after its last event (a forum runs for days).
ROOM_TTL_SECONDS = 14 * 24 * 3600
PRESENCE_TTL_SECONDS = 30.0
LOST = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)

# KEYS: epoch, seq, stream; ARGV: candidate epoch, type, data (JSON), max length, ttl.
# The envelope on the channel is "epoch\nseq\ntype\ndata": no JSON work inside Redis.
PUBLISH_LUA = """
redis.call('SET', KEYS[1], ARGV[1], 'NX')
local epoch = redis.call('GET', KEYS[1])
local seq = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], seq .. '-0',
           'e', epoch, 't', ARGV[2], 'd', ARGV[3])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
redis.call('PUBLISH', KEYS[4], epoch .. '\\n' .. seq .. '\\n' .. ARGV[2] .. '\\n' .. ARGV[3])
return {epoch, seq}
"""

# KEYS: epoch, channel; ARGV: type, data (JSON). A volatile event: seq 0, not kept.
VOLATILE_LUA = """
local epoch = redis.call('GET', KEYS[1]) or ''
redis.call('PUBLISH', KEYS[2], epoch .. '\\n0\\n' .. ARGV[1] .. '\\n' .. ARGV[2])
"""

# KEYS: epoch, seq; ARGV: candidate epoch. The room's (epoch, seq), creating the epoch.
POSITION_LUA = """
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return {redis.call('GET', KEYS[1]), tonumber(redis.call('GET', KEYS[2]) or '0')}
"""


def _keys(room: str) -> tuple[str, str, str, str]:
    base = PREFIX + room
    return f"{base}:epoch", f"{base}:seq", f"{base}:stream", f"{base}:ch"


@dataclass
class _Held:
    """A room this node subscribes to: where it is, and who listens locally."""

    subscribers: Subscribers
    epoch: str | None = None
    seq: int = 0
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class RedisBus(Bus):
    """Rooms across nodes through Redis (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        node: str | None = None,
        history_size: int = 1000,
        queue_size: int = 10_000,
        check: Check | None = None,
    ) -> None:
        super().__init__(check)
        self.node = node or new_epoch()
        self._history_size = history_size
        self._queue_size = queue_size
        # The asyncio Retry: redis.retry.Retry would only wrap the creation of the coroutine,
        # so a command on a connection Redis dropped (a restart) would fail at once.
        retry = Retry(ExponentialBackoff(cap=1.0, base=0.05), 3)
        self._redis = Redis.from_url(url, retry=retry, socket_timeout=5, socket_connect_timeout=2)
        # The listener's own client never retries on its own: a lost connection must surface
        # here, so that every held room is re-read from its stream.
        self._listen_redis = Redis.from_url(url, retry=Retry(ExponentialBackoff(), 0))
        self._publish = self._redis.register_script(PUBLISH_LUA)
        self._position = self._redis.register_script(POSITION_LUA)
        self._volatile = self._redis.register_script(VOLATILE_LUA)
        self._held: dict[str, _Held] = {}
        self._pubsub: PubSub | None = None
        self._connected = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None
        self._presence_local: dict[str, set[int]] = {}
        self._presence_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Future[None]] = set()
        self.reconnects = 0

    # --- publishing and reading -------------------------------------------------------------

    async def publish(self, room: str, type: str, data: dict[str, Any]) -> tuple[str, int]:
        self._inspect(room, type, data)
        payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        keys = _keys(room)
        args: list[str | int] = [new_epoch(), type, payload, self._history_size, ROOM_TTL_SECONDS]
        epoch, seq = await self._publish(keys=list(keys), args=args)
        return _text(epoch), int(seq)

    async def publish_volatile(self, room: str, type: str, data: dict[str, Any]) -> None:
        self._inspect(room, type, data)
        payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        epoch_key, _, _, channel = _keys(room)
        await self._volatile(keys=[epoch_key, channel], args=[type, payload])

    async def position(self, room: str) -> tuple[str, int]:
        epoch_key, seq_key, _, _ = _keys(room)
        epoch, seq = await self._position(keys=[epoch_key, seq_key], args=[new_epoch()])
        return _text(epoch), int(seq)

    async def history(self, room: str, since: int = 0) -> list[Event] | None:
        epoch, seq = await self.position(room)
        if since >= seq:
            return []
        events = await self._read_stream(room, since)
        if not events or events[0].seq != since + 1 or events[0].epoch != epoch:
            return None
        return events

    async def _read_stream(self, room: str, since: int) -> list[Event]:
        stream = _keys(room)[2]
        entries: Any = await self._redis.xrange(stream, min=f"({since}-0", max="+")
        return [_event(room, entry_id, fields) for entry_id, fields in entries]

    # --- subscribing --------------------------------------------------------------------------

    def subscribe(self, room: str) -> AsyncIterator[Event]:
        held = self._held.get(room)
        if held is None:
            held = self._held[room] = _Held(Subscribers(self._queue_size))
            self._background(self._subscribe_channel(room))
        return self._stream(room, held, held.subscribers.stream())

    async def _stream(
        self, room: str, held: _Held, events: AsyncIterator[Event]
    ) -> AsyncIterator[Event]:
        try:
            async for event in events:
                yield event
        finally:
            await events.aclose()  # type: ignore[attr-defined]
            if not held.subscribers.queues and self._held.get(room) is held:
                del self._held[room]
                self._background(self._unsubscribe_channel(room))

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def ready(self, room: str) -> None:
        held = self._held.get(room)
        if held is not None:
            await held.subscribed.wait()

    async def _subscribe_channel(self, room: str) -> None:
        await self._connected.wait()
        if self._pubsub is None or room not in self._held:
            return
        try:
            await self._pubsub.subscribe(_keys(room)[3])
        except LOST:
            return  # the listener re-subscribes every held room when it reconnects

    async def _unsubscribe_channel(self, room: str) -> None:
        if self._pubsub is not None and room not in self._held:
            try:
                await self._pubsub.unsubscribe(_keys(room)[3])
            except LOST:
                pass

    async def _on_subscribed(self, channel: str) -> None:
        room = channel.removeprefix(PREFIX).removesuffix(":ch")
        held = self._held.get(room)
        if held is None or held.subscribed.is_set():
            return
        async with held.lock:
            held.epoch, held.seq = await self.position(room)
        held.subscribed.set()

    # --- the listener -------------------------------------------------------------------------

    async def start(self) -> None:
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen_forever(), name="redis-bus")
            self._presence_task = asyncio.create_task(self._refresh_presence(), name="presence")

    async def _listen_forever(self) -> None:
        delay = 0.05
        first = True
        while True:
            pubsub = self._listen_redis.pubsub()
            try:
                await pubsub.subscribe(CONTROL_CHANNEL, *(_keys(r)[3] for r in self._held))
                self._pubsub = pubsub
                self._connected.set()
                if not first:
                    self.reconnects += 1
                    log.warning("reconnected to Redis; re-reading %d rooms", len(self._held))
                first = False
                await self._catch_up_all()
                delay = 0.05
                async for message in pubsub.listen():
                    await self._handle(message)
            except LOST as exc:
                log.warning("lost Redis (%s); reconnecting in %.2fs", exc, delay)
            except Exception:
                # Refused (out of memory, a read-only replica after a failover, ...): the
                # listener must not die, or every room on this node would fall silent.
                log.exception("the Redis listener failed; starting over in %.2fs", delay)
            finally:
                self._connected.clear()
                self._pubsub = None
                await _quietly_close(pubsub)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        channel = _text(message["channel"])
        if kind == "subscribe" and channel != CONTROL_CHANNEL:
            await self._on_subscribed(channel)
        elif kind == "message" and channel.startswith(PREFIX):
            room = channel.removeprefix(PREFIX).removesuffix(":ch")
            epoch, seq, type_, data = _text(message["data"]).split("\n", 3)
            # `at`: when it left Redis; the hub measures how long it waited here after that.
            event = Event(room, epoch, int(seq), type_, json.loads(data), time.monotonic())
            await self._deliver(room, event)

    async def _deliver(self, room: str, event: Event) -> None:
        held = self._held.get(room)
        if held is None or not held.subscribed.is_set():
            return  # not yet subscribed: the position read on subscribing covers it
        if event.seq == 0:  # volatile: no place in the sequence to keep
            held.subscribers.offer(event)
            return
        async with held.lock:
            if event.epoch != held.epoch:
                self._reset(room, held, event.epoch)
            if event.seq <= held.seq:
                return
            if event.seq > held.seq + 1:
                await self._fill(room, held)
                if event.seq <= held.seq:
                    return
            held.seq = event.seq
            held.subscribers.offer(event)

    async def _fill(self, room: str, held: _Held) -> None:
        """Deliver what the stream has after the last seq delivered (called under the lock)."""
        missed = await self._read_stream(room, held.seq)
        if missed and missed[0].seq != held.seq + 1:
            self._reset(room, held, missed[0].epoch)  # trimmed away: start over
            return
        for event in missed:
            if event.epoch != held.epoch:
                self._reset(room, held, event.epoch)
                return
            held.seq = event.seq
            held.subscribers.offer(event)

    def _reset(self, room: str, held: _Held, epoch: str) -> None:
        log.warning("room %s lost its place (epoch %s -> %s)", room, held.epoch, epoch)
        held.epoch = epoch
        held.seq = 0
        held.subscribers.offer(Event(room, epoch, 0, RESET, {"reason": "history lost"}))

    async def _catch_up_all(self) -> None:
        for room, held in list(self._held.items()):
            if not held.subscribed.is_set():
                continue
            async with held.lock:
                epoch, seq = await self.position(room)
                if epoch != held.epoch or seq < held.seq:
                    self._reset(room, held, epoch)
                    held.seq = seq
                else:
                    await self._fill(room, held)

    # --- presence -----------------------------------------------------------------------------

    async def set_presence(self, room: str, users: set[int]) -> None:
        previous = self._presence_local.get(room, set())
        if users:
            self._presence_local[room] = set(users)
        else:
            self._presence_local.pop(room, None)
        key = f"{PREFIX}{room}:presence"
        gone = [f"{self.node}:{u}" for u in previous - users]
        until = await self._redis_now() + PRESENCE_TTL_SECONDS if users else 0.0
        async with self._redis.pipeline(transaction=False) as pipe:
            if gone:
                pipe.zrem(key, *gone)
            if users:
                pipe.zadd(key, {f"{self.node}:{u}": until for u in users})
                pipe.expire(key, int(PRESENCE_TTL_SECONDS * 4))
            await pipe.execute()

    async def presence(self, room: str) -> set[int]:
        key = f"{PREFIX}{room}:presence"
        await self._redis.zremrangebyscore(key, "-inf", await self._redis_now())
        members: list[Any] = await self._redis.zrange(key, 0, -1)
        return {int(_text(m).rsplit(":", 1)[1]) for m in members}

    async def _redis_now(self) -> float:
        """Redis's own clock, in seconds: the one clock every node's expiry times agree on."""
        seconds, micros = await self._redis.time()
        return float(seconds) + micros / 1_000_000

    async def _refresh_presence(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_TTL_SECONDS / 3)
            for room, users in list(self._presence_local.items()):
                try:
                    await self.set_presence(room, users)
                except Exception as exc:  # lost or refused: the next round tries again
                    log.warning("presence refresh failed: %s", exc)

    # --- lifecycle ----------------------------------------------------------------------------

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        for task in (self._listener, self._presence_task):
            if task is not None:
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, *LOST):
                    pass
        for room, users in list(self._presence_local.items()):
            try:
                await self.set_presence(room, set())
            except Exception as exc:  # lost or refused: the entries expire on their own
                log.warning("could not clear presence in %s: %s", room, exc)
            del users
        await super().close()
        await self._redis.aclose()
        await self._listen_redis.aclose()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _event(room: str, entry_id: bytes | str, fields: dict[Any, Any]) -> Event:
    decoded = {_text(k): _text(v) for k, v in fields.items()}
    seq = int(_text(entry_id).split("-", 1)[0])
    return Event(room, decoded["e"], seq, decoded["t"], json.loads(decoded["d"]))


async def _quietly_close(pubsub: PubSub) -> None:
    try:
        await pubsub.aclose()
    except LOST:
        pass
