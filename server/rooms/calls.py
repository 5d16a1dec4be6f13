"""1:1 video calls in a private room (a visitor and a stand): WebRTC between the two browsers,
the socket only carrying their signalling. Either side sends an offer, the other an answer,
both their ICE candidates, and either hangs up; each message goes to the room, stamped with
its sender and time (a client ignores its own, and ones older than a call's setup). An offer
made in a stand's chat is an event of that stand's lead."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.expo.models import Lead, LeadEvent
from server.realtime.bus import Bus
from server.rooms.access import Admission, RoomKind


async def signal(
    db: AsyncSession, clock: Clock, bus: Bus, who: Admission, kind: str, payload: dict[str, Any]
) -> dict[str, Any]:
    who.need_kind(RoomKind.private)
    now = clock.now()
    if kind == "offer":
        lead = (await db.exec(select(Lead).where(Lead.room == who.room))).first()
        if lead is not None and lead.id is not None:
            db.add(LeadEvent(lead_id=lead.id, kind="call", actor_id=who.user_id, data={}, at=now))
            lead.updated_at = now
            db.add(lead)
            await db.commit()
    message = {
        "from": who.user_id,
        "kind": kind,
        "at": now.isoformat().replace("+00:00", "Z"),
        **payload,
    }
    await bus.publish(who.room, "call.signal", message)
    return {"sent": kind}
