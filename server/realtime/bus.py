"""The bus contract (DESIGN.md section 4) and its in-process backend.

`publish(room, type, data) -> (epoch, seq)`, `position(room)`, `history(room, since)`,
`subscribe(room)`. Every room has a monotonic `seq`; the `epoch` changes when history is lost
(here: when the process restarts; with Redis: when Redis loses its data), so a client can tell
"I missed nothing" from "start over".

A subscriber may also see an event of type `room.reset` (seq 0): the bus lost its place in
the room (history gone, or the subscriber fell behind) and whoever listens must start over.

`publish_volatile(room, type, data)` sends a state that the next one replaces (presence counts,
reaction bursts) to whoever is in the room now: seq 0, not numbered, not kept in history, so
a resume does not replay it and it takes no room in the ring (a room's snapshot carries the
latest state instead).

A bus may be given a `check(room, type, data)`, called with every push it is asked to carry
before it carries it (the app's push registry check, in tests and on a staging node). It
looks and never vetoes: whatever it raises is logged, and the push goes out as it is.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import secrets
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("pavilion.bus")

RESET = "room.reset"
REDELIVERY_ATTEMPTS = 60  # about four minutes of retrying, backing off to 5 s

# Shown every push (room, type, data) before it is carried; see the module docstring.
Check = Callable[[str, str, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Event:
    room: str
    epoch: str
    seq: int  # 0: volatile (or room.reset), not numbered
    type: str
    data: dict[str, Any]
    # When it was published, or (Redis) arrived from Redis, on this node's monotonic clock:
    # for the bus lag figure (time spent waiting on this node). Not part of equality.
    at: float = field(default=0.0, compare=False)


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

    def __init__(self, check: Check | None = None) -> None:
        self._redelivering: set[asyncio.Task[None]] = set()
        self._check = check

    def _inspect(self, room: str, type: str, data: dict[str, Any]) -> None:
        """Show the push to the check, if any; never fail the caller because of it."""
        if self._check is None:
            return
        try:
            self._check(room, type, data)
        except Exception:
            log.exception("room %s: the push check failed on %s", room, type)

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
    async def publish_volatile(self, room: str, type: str, data: dict[str, Any]) -> None:
        """Deliver a state to whoever is in the room now; not numbered, not kept."""

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
    """One process: a bounded ring buffer of history per room, bounded queues per subscriber.

    With a `state_file`, a graceful stop writes every room's place and history there and the
    next start reads it back (and deletes it): clients of a restarted node resume where they
    were instead of each asking for a snapshot. After a crash there is no file, the epoch is
    new, and clients start over, as they must (a stale file would number new events with seqs
    they already saw)."""

    def __init__(
        self,
        history_size: int = 1000,
        queue_size: int = 10_000,
        state_file: Path | None = None,
        *,
        check: Check | None = None,
    ) -> None:
        super().__init__(check)
        self.epoch = new_epoch()
        self._history_size = history_size
        self._queue_size = queue_size
        self._state_file = state_file
        self._rooms: dict[str, _Room] = {}
        self._presence: dict[str, set[int]] = {}

    async def start(self) -> None:
        if self._state_file is not None:
            await asyncio.to_thread(self._restore, self._state_file)

    async def close(self) -> None:
        await super().close()
        if self._state_file is not None:
            # Every room, also those with nothing numbered yet: their epoch is what members
            # resume against.
            await asyncio.to_thread(_save, self._state_file, dict(self._rooms))

    def _restore(self, path: Path) -> None:
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            path.unlink()
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("could not read the bus state %s (%s); starting afresh", path, exc)
            path.unlink(missing_ok=True)
            return
        for name, room in saved.get("rooms", {}).items():
            state = self._room(name)
            state.epoch, state.seq = str(room["epoch"]), int(room["seq"])
            for seq, type_, data in room["events"][-self._history_size :]:
                state.events.append(Event(name, state.epoch, int(seq), type_, data))
        log.info("resumed %d rooms from %s", len(saved.get("rooms", {})), path)

    def _room(self, room: str) -> _Room:
        state = self._rooms.get(room)
        if state is None:
            state = _Room(self.epoch, events=deque(maxlen=self._history_size))
            state.subscribers = Subscribers(self._queue_size)
            self._rooms[room] = state
        return state

    async def publish(self, room: str, type: str, data: dict[str, Any]) -> tuple[str, int]:
        self._inspect(room, type, data)
        state = self._room(room)
        state.seq += 1
        event = Event(room, state.epoch, state.seq, type, data, time.monotonic())
        state.events.append(event)
        assert state.subscribers is not None
        state.subscribers.offer(event)
        return state.epoch, state.seq

    async def publish_volatile(self, room: str, type: str, data: dict[str, Any]) -> None:
        self._inspect(room, type, data)
        state = self._rooms.get(room)
        if state is not None and state.subscribers is not None:
            state.subscribers.offer(Event(room, state.epoch, 0, type, data, time.monotonic()))

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
        # Seqs in the ring are consecutive: the missed ones are its tail.
        return list(itertools.islice(state.events, since + 1 - oldest, None))

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


def _save(path: Path, rooms: dict[str, _Room]) -> None:
    """Write the rooms' places and history (readable by this process's user only)."""
    document = {
        "rooms": {
            name: {
                "epoch": state.epoch,
                "seq": state.seq,
                "events": [[e.seq, e.type, e.data] for e in state.events],
            }
            for name, state in rooms.items()
        }
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        json.dump(document, out, separators=(",", ":"), ensure_ascii=False, default=str)
    partial.replace(path)


def create_bus(
    redis_url: str | None,
    *,
    history_size: int = 1000,
    state_file: Path | None = None,
    check: Check | None = None,
) -> Bus:
    """The memory bus (keeping its rooms across a graceful restart in `state_file`), or the
    Redis bus when a URL is given (`redis://…`); either shows every push to `check`."""
    if redis_url:
        from server.realtime.redis_bus import RedisBus

        return RedisBus(redis_url, history_size=history_size, check=check)
    return MemoryBus(history_size=history_size, state_file=state_file, check=check)
