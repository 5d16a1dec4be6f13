"""Operations of the room socket: validate a frame, authorize it against its room, run it.

The operations themselves live with their domain (`server/rooms/handlers.py`); this module
only knows their shape: a pydantic model for `data`, and a handler that gets the context and
the parsed data and answers the reply's data. Every failure is an error frame; the socket
lives on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.db import Database
from server.errors import Busy, DomainError, ErrorCode, Invalid
from server.realtime import frames
from server.realtime.admission import Bounded
from server.realtime.bus import Bus
from server.realtime.connection import Connection
from server.realtime.hub import Hub
from server.realtime.person import Person
from server.transient import run_unit
from server.unit import unit_of_work

log = logging.getLogger("pavilion.ws")

Data = TypeVar("Data", bound=BaseModel)


class RoomPolicy(Protocol):
    """Which rooms exist and who may be in them (implemented by `server/rooms`)."""

    async def admit(self, db: AsyncSession, user: Person, room: str) -> Any:
        """What the user is in this room (raises NotFound / Forbidden)."""

    async def snapshot(
        self, db: AsyncSession, user: Person, admission: Any, at: tuple[str, int]
    ) -> str:
        """The room's state as this user sees it for a joiner at `at`, as JSON text."""


@dataclass
class Context:
    """What an operation handler may use: one database session per operation."""

    db: AsyncSession
    clock: Clock
    bus: Bus
    user: Person
    room: str
    admission: Any


@dataclass(frozen=True)
class Operation(Generic[Data]):
    model: type[Data]
    handler: Callable[[Context, Data], Awaitable[dict[str, Any]]]


class Since(BaseModel):
    model_config = ConfigDict(extra="forbid")
    epoch: str = Field(min_length=1, max_length=32)
    seq: int = Field(ge=0)


class JoinData(BaseModel):
    model_config = ConfigDict(extra="forbid")
    since: Since | None = None


class Dispatcher:
    """Runs the operations of one app's sockets."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        hub: Hub,
        policy: RoomPolicy,
        operations: dict[str, Operation[Any]],
        joins: Bounded | None = None,
        vouch: Callable[[Connection], Awaitable[bool]] | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._hub = hub
        self._policy = policy
        self._operations = operations
        self._metrics = database.metrics
        self.joins = joins or Bounded("ws_join", 32, 5.0, self._metrics)
        # Whether a socket's sign-in still holds (closing it if not): server/realtime/recheck.py
        self._vouch = vouch

    @property
    def operations(self) -> Mapping[str, Operation[Any]]:
        """The operations a socket may send (besides `ping`, `room.join` and `room.leave`)."""
        return MappingProxyType(self._operations)

    async def handle(self, conn: Connection, text: str) -> None:
        """Answer one text frame (never raises for the client's mistakes)."""
        frame_id = frames.request_id(text)
        if conn.checking is not None:  # the person's access is being checked again: wait
            await asyncio.shield(conn.checking)
        if conn.closed is not None:
            return  # e.g. signed out meanwhile: the socket is closing, nothing more is done
        try:
            if self._vouch is not None and not await self._vouch(conn):
                return  # its sign-in ended: closed
            conn.limit("frame")
            request = frames.parse_request(text)
            frame_id = request.id
            await self._run(conn, request)
        except DomainError as problem:
            conn.send(frames.error(frame_id, problem))
        except Exception:
            log.exception("socket %s: operation failed", conn.id)
            conn.send(frames.error(frame_id, _Internal("something went wrong; try again")))

    async def _run(self, conn: Connection, request: frames.Request) -> None:
        if request.op == "ping":  # a client checking that its socket still carries frames
            conn.send(frames.reply(request.id, {}))
            return
        if request.room is None:
            raise Invalid("room: every operation names its room", field="room")
        room = request.room
        if request.op == "room.leave":
            self._hub.leave(conn, room)
            conn.send(frames.reply(request.id, {"left": room}))
            return
        operation = self._operations.get(request.op)
        if operation is None and request.op != "room.join":
            raise Invalid(f"op: unknown operation {request.op!r}", field="op")
        if operation is None:
            await self._counted_join(conn, request, room)
            return
        data = _parse(operation.model, request.data)

        async def unit() -> dict[str, Any]:
            async with self._database.session() as db, unit_of_work(db, self._hub.bus):
                admission = await self._policy.admit(db, conn.user, room)
                context = Context(db, self._clock, self._hub.bus, conn.user, room, admission)
                return await operation.handler(context, data)

        answer = await run_unit(unit, self._database.metrics)
        conn.send(frames.reply(request.id, answer))

    async def _counted_join(self, conn: Connection, request: frames.Request, room: str) -> None:
        """A join, admitted in turn (server/realtime/admission.py), counted and timed."""
        started = time.perf_counter()
        outcome = "refused"
        try:
            async with self.joins.slot():
                outcome = await run_unit(
                    lambda: self._join_unit(conn, request, room), self._metrics
                )
        except Busy:
            outcome = "busy"
            raise
        finally:
            self._metrics.ws_joins.labels(outcome).inc()
            self._metrics.ws_join_seconds.observe(time.perf_counter() - started)

    async def _join_unit(self, conn: Connection, request: frames.Request, room: str) -> str:
        async with self._database.session() as db:
            admission = await self._policy.admit(db, conn.user, room)
            return await self._join(db, conn, request, admission)

    async def _join(
        self, db: AsyncSession, conn: Connection, request: frames.Request, admission: Any
    ) -> str:
        """Join and answer; "recovered" or "snapshot" (what the joiner got)."""
        join = _parse(JoinData, request.data)
        since = (join.since.epoch, join.since.seq) if join.since else None
        room = request.room
        assert room is not None

        async def snapshot(at: tuple[str, int]) -> str:
            return await self._policy.snapshot(db, conn.user, admission, at)

        joined = await self._hub.join(conn, room, admission, since, snapshot)
        reply = frames.join_reply(
            request.id, joined.recovered, joined.epoch, joined.seq, joined.snapshot
        )
        conn.send(reply)
        for text in joined.backlog:
            conn.send(text)
        self._hub.release(conn, room)
        return "recovered" if joined.recovered else "snapshot"


def _parse(model: type[Data], data: dict[str, Any]) -> Data:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise frames.invalid_from(exc, prefix="data.") from None


class _Internal(DomainError):
    code = ErrorCode.internal
