"""The connection hub of one node: who is in which room here, and fan-out to them.

For every room with local members the hub holds one bus subscription and one consumer task;
each event is encoded once and queued on every member's socket without waiting for any.
Joining subscribes first and catches up second, holding live events back meanwhile, so a
joiner sees every event once and in order: the reply, then the missed events (or a snapshot),
then live ones.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from server.metrics import Metrics
from server.realtime import frames
from server.realtime.bus import Bus, Event
from server.realtime.connection import Connection, Membership, text_frame

log = logging.getLogger("pavilion.hub")

# The room's snapshot for a joiner at this (epoch, seq), as JSON text.
Snapshot = Callable[[tuple[str, int]], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class Joined:
    """A join's answer: resumed (the missed events follow as `backlog`), or a snapshot."""

    recovered: bool
    epoch: str
    seq: int
    snapshot: str | None
    backlog: list[str]


@dataclass
class _LocalRoom:
    members: set[Connection] = field(default_factory=set)
    consumer: asyncio.Task[None] | None = None


class Hub:
    """Local rooms and sockets of this node (one per app)."""

    def __init__(
        self,
        bus: Bus,
        *,
        sockets_per_user: int,
        max_replay: int = 500,
        metrics: Metrics | None = None,
    ) -> None:
        self.bus = bus
        self.metrics = metrics or Metrics()
        self.sockets_per_user = sockets_per_user
        # A resume that would replay more than this gets a snapshot instead: replaying it all
        # would overflow the socket's outbox and close it again.
        self.max_replay = max_replay
        self._rooms: dict[str, _LocalRoom] = {}
        self._sockets: Counter[int] = Counter()
        self._connections: set[Connection] = set()
        # Called with a room's name whenever its local membership changes.
        self.membership_listeners: list[Callable[[str], None]] = []
        # Called with every event fanned out here (before its members get it).
        self.event_listeners: list[Callable[[str, Event], None]] = []

    # --- sockets ------------------------------------------------------------------------------

    def has_room_for(self, user_id: int) -> bool:
        return self._sockets[user_id] < self.sockets_per_user

    def register(self, conn: Connection) -> None:
        self._sockets[conn.user_id] += 1
        self._connections.add(conn)

    def unregister(self, conn: Connection) -> None:
        for room in list(conn.rooms):
            self.leave(conn, room)
        self._connections.discard(conn)
        self._sockets[conn.user_id] -= 1
        if self._sockets[conn.user_id] <= 0:
            del self._sockets[conn.user_id]

    @property
    def connections(self) -> list[Connection]:
        return list(self._connections)

    @property
    def socket_count(self) -> int:
        return len(self._connections)

    @property
    def room_count(self) -> int:
        return len(self._rooms)

    # --- rooms --------------------------------------------------------------------------------

    def has_members(self, room: str) -> bool:
        return room in self._rooms

    def local_users(self, room: str) -> set[int]:
        """Who is in the room through this node's sockets."""
        local = self._rooms.get(room)
        return {c.user_id for c in local.members} if local else set()

    async def join(
        self,
        conn: Connection,
        room: str,
        admission: Any,
        since: tuple[str, int] | None,
        snapshot: Snapshot,
    ) -> Joined:
        """Add the socket to the room: resumed from `since` when history reaches back, else a
        snapshot for the room's current position.

        Live events that arrive meanwhile are held in the membership and released by
        `release` once the caller has sent the reply and the catch-up."""
        if room in conn.rooms:
            self.leave(conn, room)
        local = self._rooms.get(room)
        if local is None:
            local = self._rooms[room] = _LocalRoom()
            local.consumer = asyncio.create_task(
                self._consume(room, self.bus.subscribe(room)), name=f"room-{room}"
            )
        membership = Membership(admission)
        conn.rooms[room] = membership
        local.members.add(conn)
        try:
            await self.bus.ready(room)
            epoch, seq = await self.bus.position(room)
            missed = None
            if since is not None and since[0] == epoch:
                missed = await self.bus.history(room, since[1])
                if missed is not None and len(missed) > self.max_replay:
                    missed = None
            if since is not None and missed is not None:
                membership.after = missed[-1].seq if missed else since[1]
                return Joined(True, epoch, seq, None, [frames.push(e) for e in missed])
            membership.after = seq
            return Joined(False, epoch, seq, await snapshot((epoch, seq)), [])
        except BaseException:
            self.leave(conn, room)
            raise
        finally:
            self._changed(room)

    def release(self, conn: Connection, room: str) -> None:
        """Send the live events held back during the join (those the catch-up did not cover)."""
        membership = conn.rooms.get(room)
        if membership is None or membership.pending is None:
            return
        held, membership.pending = membership.pending, None
        for seq, text in held:
            if seq > membership.after or seq == 0:
                conn.send(text)

    def leave(self, conn: Connection, room: str) -> None:
        if conn.rooms.pop(room, None) is None:
            return
        local = self._rooms.get(room)
        if local is None:
            return
        local.members.discard(conn)
        if not local.members:
            del self._rooms[room]
            if local.consumer is not None:
                local.consumer.cancel()
        self._changed(room)

    def _changed(self, room: str) -> None:
        for listener in self.membership_listeners:
            listener(room)

    async def _consume(self, room: str, events: AsyncIterator[Event]) -> None:
        pause = 0.0
        try:
            async for event in events:
                self._fan_out(room, event)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("room %s: the bus subscription failed", room)
            pause = 1.0
        finally:
            await events.aclose()  # type: ignore[attr-defined]
        # The bus ended the subscription (this node fell behind it: its members got a
        # `room.reset` and resume) or it failed: while members remain, subscribe again, or the
        # room would fall silent here for everyone in it.
        await asyncio.sleep(pause)
        local = self._rooms.get(room)
        if local is not None and local.consumer is asyncio.current_task():
            log.warning("room %s: subscribing to the bus again", room)
            local.consumer = asyncio.create_task(
                self._consume(room, self.bus.subscribe(room)), name=f"room-{room}"
            )

    def _fan_out(self, room: str, event: Event) -> None:
        local = self._rooms.get(room)
        if local is None:
            return
        started = time.perf_counter()
        if event.at:
            self.metrics.bus_lag.observe(max(0.0, time.monotonic() - event.at))
        for listener in self.event_listeners:
            listener(room, event)
        text = frames.push(event)
        frame = text_frame(text)  # encoded once, written as is to every member's transport
        delivered = 0
        for conn in list(local.members):
            membership = conn.rooms.get(room)
            if membership is None:
                continue
            if membership.pending is not None:
                membership.pending.append((event.seq, text))
            else:
                conn.send_frame(frame, text)
                delivered += 1
        self.metrics.fanout_deliveries.inc(delivered)
        self.metrics.fanout_seconds.observe(time.perf_counter() - started)

    async def close(self) -> None:
        for local in list(self._rooms.values()):
            if local.consumer is not None:
                local.consumer.cancel()
        self._rooms.clear()
