"""The bus contract (DESIGN.md section 4) and its in-process backend.

`publish(room, type, data) -> (epoch, seq)`, `position(room)`, `history(room, since)`,
`subscribe(room)`. Every room has a monotonic `seq`; the `epoch` changes when history is lost
(here: when the process restarts; with Redis: when Redis loses its data), so a client can tell
"I missed nothing" from "start over".

A subscriber may also see an event of type `room.reset` (seq 0): the bus lost its place in
the room (history gone, or the subscriber fell behind) and whoever listens must start over.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("pavilion.bus")

RESET = "room.reset"
REDELIVERY_ATTEMPTS = 60  # about four minutes of retrying, backing off to 5 s


@dataclass(frozen=True)
class Event:
    room: str
    epoch: str
    seq: int
    type: str
    data: dict[str, Any]


def new_epoch() -> str:
    return secrets.token_hex(4)


class Subscribers:
    """Bounded queues of one room's subscribers on this node; a full queue is dropped (its
    iterator ends after a `room.reset`) rather than slowing the room."""

    def __init__(self, queue_size: int) -> None:
        self._queue_size = queue_size
        self.queues: set[asyncio.Queue[Event]] = set()

    def offer(self, event: Event) -> None:
        for queue in list(self.queues):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                self.queues.discard(queue)
                _force(queue, Event(event.room, event.epoch, 0, RESET, {"reason": "behind"}))

    def stream(self) -> AsyncIterator[Event]:
        """A new subscriber, registered now (not at the first `anext`)."""
        queue: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)
        self.queues.add(queue)
        return self._drain(queue)

    async def _drain(self, queue: asyncio.Queue[Event]) -> AsyncIterator[Event]:
        try:
            while True:
                event = await queue.get()
                yield event
                if event.type == RESET and queue not in self.queues:
                    return
        finally:
            self.queues.discard(queue)


def _force(queue: asyncio.Queue[Event], event: Event) -> None:
    """Make room for a last event in a full queue (dropping the oldest)."""
    while True:
        try:
            queue.put_nowait(event)
            return
        except asyncio.QueueFull:
            queue.get_nowait()


class Bus(ABC):
    """Publishes room events and replays or streams them to subscribers."""

    def __init__(self) -> None:
        self._redelivering: set[asyncio.Task[None]] = set()

    async def deliver(self, room: str, type: str, data: dict[str, Any]) -> None:
        """Publish the news of something already stored, such as a new chat message: if the
        bus cannot take it now, keep trying in the background instead of failing the caller
        (who would send it again, and store it twice). Members get it late, or in a snapshot.

        Only for additions that clients place by id: a late copy of a changing state (a hand
        queue, a poll's state) could overwrite a newer one."""
        try:
            await self.publish(room, type, data)
        except Exception as exc:
            log.warning("room %s: could not publish %s now (%s); retrying", room, type, exc)
            task = asyncio.create_task(self._redeliver(room, type, data))
            self._redelivering.add(task)
            task.add_done_callback(self._redelivering.discard)

    async def _redeliver(self, room: str, type: str, data: dict[str, Any]) -> None:
        delay = 0.1
        for _ in range(REDELIVERY_ATTEMPTS):
            await asyncio.sleep(delay)
            try:
                await self.publish(room, type, data)
                return
            except Exception:
                delay = min(delay * 2, 5.0)
        log.error(
            "room %s: gave up publishing %s; members see it in their next snapshot", room, type
        )

    @abstractmethod
    async def publish(self, room: str, type: str, data: dict[str, Any]) -> tuple[str, int]:
        """Number the event, keep it in the room's history, deliver it; its (epoch, seq)."""

    @abstractmethod
    async def position(self, room: str) -> tuple[str, int]:
        """The room's current (epoch, seq): seq of the last event published (0: none yet)."""

    @abstractmethod
    async def history(self, room: str, since: int = 0) -> list[Event] | None:
        """Events with seq > since, or None when history no longer reaches back that far."""

    @abstractmethod
    def subscribe(self, room: str) -> AsyncIterator[Event]:
        """Events published to the room from now on (and `room.reset` when the place is lost).

        The subscription starts when this is called; once `ready(room)` returns, no later
        event is missed."""

    @abstractmethod
    async def ready(self, room: str) -> None:
        """Return once a subscription to `room` made on this node receives every later event."""

    @abstractmethod
    async def set_presence(self, room: str, users: set[int]) -> None:
        """This node's members of the room (ids of signed-in users)."""

    @abstractmethod
    async def presence(self, room: str) -> set[int]:
        """Everyone in the room, across nodes."""

    @abstractmethod
    async def ping(self) -> None: ...

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        for task in list(self._redelivering):
            task.cancel()


@dataclass
class _Room:
    epoch: str
    seq: int = 0
    events: deque[Event] = field(default_factory=deque)
    subscribers: Subscribers | None = None


class MemoryBus(Bus):
    """One process: a bounded ring buffer of history per room, bounded queues per subscriber."""

    def __init__(self, history_size: int = 1000, queue_size: int = 10_000) -> None:
        super().__init__()
        self.epoch = new_epoch()
        self._history_size = history_size
        self._queue_size = queue_size
        self._rooms: dict[str, _Room] = {}
        self._presence: dict[str, set[int]] = {}

    def _room(self, room: str) -> _Room:
        state = self._rooms.get(room)
        if state is None:
            state = _Room(self.epoch, events=deque(maxlen=self._history_size))
            state.subscribers = Subscribers(self._queue_size)
            self._rooms[room] = state
        return state

    async def publish(self, room: str, type: str, data: dict[str, Any]) -> tuple[str, int]:
        state = self._room(room)
        state.seq += 1
        event = Event(room, state.epoch, state.seq, type, data)
        state.events.append(event)
        assert state.subscribers is not None
        state.subscribers.offer(event)
        return state.epoch, state.seq

    async def position(self, room: str) -> tuple[str, int]:
        state = self._room(room)
        return state.epoch, state.seq

    async def history(self, room: str, since: int = 0) -> list[Event] | None:
        state = self._room(room)
        if since >= state.seq:
            return []
        oldest = state.events[0].seq if state.events else state.seq + 1
        if since + 1 < oldest:
            return None
        return [e for e in state.events if e.seq > since]

    def subscribe(self, room: str) -> AsyncIterator[Event]:
        subscribers = self._room(room).subscribers
        assert subscribers is not None
        return subscribers.stream()

    async def ready(self, room: str) -> None:
        return None

    async def set_presence(self, room: str, users: set[int]) -> None:
        if users:
            self._presence[room] = set(users)
        else:
            self._presence.pop(room, None)

    async def presence(self, room: str) -> set[int]:
        return set(self._presence.get(room, ()))

    async def ping(self) -> None:
        return None


def create_bus(redis_url: str | None, *, history_size: int = 1000) -> Bus:
    """The memory bus, or the Redis bus when a URL is given (`redis://…`)."""
    if redis_url:
        from server.realtime.redis_bus import RedisBus

        return RedisBus(redis_url, history_size=history_size)
    return MemoryBus(history_size=history_size)
