"""The bus contract (DESIGN.md section 4) and its in-process backend.

`publish(room, type, data) -> (epoch, seq)`, `history(room, since)`, `subscribe(room)`.
Every room has a monotonic `seq`; the `epoch` changes when history is lost (here: when the
process restarts), so a client can tell "I missed nothing" from "start over".
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


@dataclass(frozen=True)
class Event:
    room: str
    epoch: str
    seq: int
    type: str
    data: dict[str, Any]


class Bus(ABC):
    """Publishes room events and replays or streams them to subscribers."""

    @abstractmethod
    async def publish(self, room: str, type: str, data: dict[str, Any]) -> tuple[str, int]: ...

    @abstractmethod
    async def history(self, room: str, since: int = 0) -> list[Event] | None:
        """Events with seq > since, or None when history no longer reaches back that far."""

    @abstractmethod
    def subscribe(self, room: str) -> AsyncIterator[Event]: ...

    @abstractmethod
    async def ping(self) -> None: ...

    async def close(self) -> None:
        return None


@dataclass
class _Room:
    seq: int = 0
    events: deque[Event] = field(default_factory=deque)
    queues: set[asyncio.Queue[Event]] = field(default_factory=set)


class MemoryBus(Bus):
    """One process: a bounded ring buffer of history per room, bounded queues per subscriber.

    A subscriber whose queue is full is dropped (its iterator ends) instead of slowing the
    room; it recovers through `history`.
    """

    def __init__(self, history_size: int = 1000, queue_size: int = 1000) -> None:
        self.epoch = secrets.token_hex(4)
        self._history_size = history_size
        self._queue_size = queue_size
        self._rooms: dict[str, _Room] = {}

    def _room(self, room: str) -> _Room:
        return self._rooms.setdefault(room, _Room(events=deque(maxlen=self._history_size)))

    async def publish(self, room: str, type: str, data: dict[str, Any]) -> tuple[str, int]:
        state = self._room(room)
        state.seq += 1
        event = Event(room, self.epoch, state.seq, type, data)
        state.events.append(event)
        for queue in list(state.queues):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                # Dropped only when full, so its iterator drains what it has and then ends.
                state.queues.discard(queue)
        return self.epoch, state.seq

    async def history(self, room: str, since: int = 0) -> list[Event] | None:
        state = self._room(room)
        if since >= state.seq:
            return []
        oldest = state.events[0].seq if state.events else state.seq + 1
        if since + 1 < oldest:
            return None
        return [e for e in state.events if e.seq > since]

    async def subscribe(self, room: str) -> AsyncIterator[Event]:
        state = self._room(room)
        queue: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)
        state.queues.add(queue)
        try:
            while queue in state.queues or not queue.empty():
                yield await queue.get()
        finally:
            state.queues.discard(queue)

    async def ping(self) -> None:
        return None


def create_bus(redis_url: str | None) -> Bus:
    """The bus for these settings. Only the in-process backend exists so far; the Redis
    fan-out backend arrives with the live rooms (nothing publishes across nodes before)."""
    if redis_url:
        log.warning(
            "PAVILION_REDIS_URL is set, but this version has only the in-process bus; "
            "room events will not cross nodes until the Redis bus lands"
        )
    return MemoryBus()
