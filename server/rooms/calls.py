"""1:1 video calls in a private room (a visitor and a stand): WebRTC between the two browsers,
the socket only carrying their signalling. Either side sends an offer, the other an answer,
both their ICE candidates, and either hangs up; each message goes to the room, stamped with
its sender and time (a client ignores its own, and ones older than a call's setup).

Who else cares that a call was offered is told through a `CallListener` that server/app.py
passes in (`operations(...)` in handlers.py): the showrooms make an offer in a stand's chat a
step of that stand's lead. So the rooms layer never imports the showrooms: the showrooms
build on the rooms (a lead's chat is a private room), never the other way round."""

from __future__ import annotations

from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.instants import instant
from server.rooms.access import Admission, RoomKind
from server.unit import publish_after


class CallListener(Protocol):
    """Told of each call offered in a private room, within the offer's unit of work (what it
    writes commits with the offer)."""

    async def __call__(self, db: AsyncSession, clock: Clock, room: str, caller: int) -> None: ...


async def nobody_listens(db: AsyncSession, clock: Clock, room: str, caller: int) -> None:
    """The listener of an app without showrooms (and of tests of the rooms alone)."""


async def signal(
    db: AsyncSession,
    clock: Clock,
    who: Admission,
    kind: str,
    payload: dict[str, Any],
    listener: CallListener = nobody_listens,
) -> dict[str, Any]:
    """Pass one signalling message to the room's other member (once the unit commits)."""
    who.need_kind(RoomKind.private)
    now = clock.now()
    if kind == "offer":
        await listener(db, clock, who.room, who.user_id)
    message = {"from": who.user_id, "kind": kind, "at": instant(now), **payload}
    publish_after(db, who.room, "call.signal", message)
    return {"sent": kind}
