"""One unit of work per request, socket operation or background round (Zulip's send-on-commit).

A unit is one database session and one transaction, committed in one place: the request's
session dependency (server/deps.py), the socket dispatcher (server/realtime/dispatch.py), or
`Database.unit()` for sweepers, runners and the CLI. Verbs write and *collect* the events their
change causes with `publish_after`; the events go out only once the transaction that caused
them has committed, in the order they were collected, and are dropped if it rolled back. So a
member never hears of a change the database does not hold, and a verb never commits to be
allowed to publish.

A verb commits by itself only where it must keep something although the unit then fails (a
wrong password is counted even though the answer is 401): such a commit also releases the
events collected so far, which still go out when the unit finishes.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel import Session as SQLModelSession
from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = [
    "Publisher",
    "Push",
    "UnitSession",
    "call_after",
    "finish",
    "publish_after",
    "send_committed",
    "unit_of_work",
]

_PENDING = "pavilion.unit.pending"  # collected in the open transaction
_COMMITTED = "pavilion.unit.committed"  # their transaction committed; not yet sent


class Publisher(Protocol):
    """Where committed events go: the bus (server/realtime/bus.py)."""

    async def publish(self, room: str, type: str, data: dict[str, Any]) -> tuple[str, int]: ...

    async def publish_volatile(self, room: str, type: str, data: dict[str, Any]) -> None: ...

    async def deliver(self, room: str, type: str, data: dict[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class Push:
    """One event for a room's members, waiting for its transaction."""

    room: str
    type: str
    data: dict[str, Any]
    volatile: bool = False
    retry: bool = False


def publish_after(
    db: AsyncSession,
    room: str,
    type: str,
    data: dict[str, Any],
    *,
    volatile: bool = False,
    retry: bool = False,
) -> None:
    """Send `type` with `data` to `room` once this unit's transaction has committed.

    `volatile`: not kept in the room's history (counts that the next one replaces);
    `retry`: news of an addition clients place by id, kept trying in the background if the
    bus cannot take it now (`Bus.deliver`), instead of failing a unit already committed."""
    push = Push(room, type, data, volatile, retry)
    db.sync_session.info.setdefault(_PENDING, []).append(push)


AfterCommit = Callable[[], Awaitable[None] | None]


def call_after(db: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` (plain or async) once this unit's transaction has committed, in order
    with its events: e.g. marking a counter for the next flush, which must then read the
    committed row, or ending a guest's seat on the stage once the lowered hand is stored."""
    db.sync_session.info.setdefault(_PENDING, []).append(callback)


async def finish(db: AsyncSession, bus: Publisher | None) -> None:
    """The unit's one commit, then the events it collected."""
    if db.in_transaction():
        await db.commit()
    else:  # nothing was read or written (e.g. a call's signalling): nothing to wait for
        _committed(db.sync_session)
    await send_committed(db, bus)


@asynccontextmanager
async def unit_of_work(db: AsyncSession, bus: Publisher | None) -> AsyncIterator[AsyncSession]:
    """`db` as one unit: committed and its events sent when the block ends; on an error,
    rolled back (by the session's close), and only what a deliberate early commit kept is
    told."""
    try:
        yield db
    except BaseException:
        await send_committed(db, bus)
        raise
    await finish(db, bus)


async def send_committed(db: AsyncSession, bus: Publisher | None) -> None:
    """Publish, in order, the events whose transactions have committed (without a bus — a
    command-line tool, a test of a verb — nobody is listening: they are dropped)."""
    ready: list[Push | AfterCommit] = db.sync_session.info.pop(_COMMITTED, [])
    for push in ready:
        if bus is None:
            continue
        if not isinstance(push, Push):
            done = push()
            if inspect.isawaitable(done):
                await done
        elif push.volatile:
            await bus.publish_volatile(push.room, push.type, push.data)
        elif push.retry:
            await bus.deliver(push.room, push.type, push.data)
        else:
            await bus.publish(push.room, push.type, push.data)


class UnitSession(SQLModelSession):
    """The sessions Pavilion's database hands out: they keep the events of their unit."""


@event.listens_for(UnitSession, "after_commit")
def _committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_COMMITTED, []).extend(pending)


@event.listens_for(UnitSession, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)
