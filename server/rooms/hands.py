"""Raised hands: an attendee asks to speak; moderators see the queue and invite to the stage
(the stage turns an invited hand into a speaker seat)."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.errors import NotFound
from server.rooms import views
from server.rooms.access import Admission, RoomKind
from server.rooms.models import Hand, HandStatus
from server.unit import publish_after


async def queue(db: AsyncSession, room: str) -> list[dict[str, Any]]:
    """The room's hands, first raised first."""
    query = select(Hand).where(Hand.room == room).order_by(col(Hand.raised_at), col(Hand.id))
    rows = (await db.exec(query)).all()
    known = await views.names(db, (r.user_id for r in rows))
    return [views.hand(r, known) for r in rows]


async def own(db: AsyncSession, room: str, user_id: int) -> str | None:
    query = select(Hand.status).where(Hand.room == room, Hand.user_id == user_id)
    status = (await db.exec(query)).first()
    return None if status is None else HandStatus(status).value


async def _announce(db: AsyncSession, who: Admission, user_id: int) -> None:
    hands = await queue(db, who.public_room)
    publish_after(db, who.staff_room, "hand.queue", {"hands": hands})
    status = await own(db, who.public_room, user_id)
    publish_after(db, who.public_room, "hand.state", {"user": user_id, "status": status})


async def _row(db: AsyncSession, room: str, user_id: int) -> Hand | None:
    query = select(Hand).where(Hand.room == room, Hand.user_id == user_id)
    return (await db.exec(query)).first()


async def raise_hand(db: AsyncSession, clock: Clock, who: Admission) -> dict:
    """Join the queue (raising again keeps one's place)."""
    who.need_kind(RoomKind.session)
    if await _row(db, who.public_room, who.user_id) is None:
        db.add(
            Hand(
                room=who.public_room,
                user_id=who.user_id,
                status=HandStatus.raised,
                raised_at=clock.now(),
            )
        )
        await _announce(db, who, who.user_id)
    return {"hand": await own(db, who.public_room, who.user_id)}


async def lower(db: AsyncSession, who: Admission, user_id: int | None) -> dict:
    """Lower one's own hand, or (moderators) anyone's."""
    who.need_kind(RoomKind.session)
    target = who.user_id if user_id is None else user_id
    if target != who.user_id:
        who.need_moderator()
    row = await _row(db, who.public_room, target)
    if row is not None:
        await db.delete(row)
        await _announce(db, who, target)
    return {"user": target, "hand": None}


async def invite(db: AsyncSession, who: Admission, user_id: int) -> dict:
    """Ask a raised hand onto the stage. Moderators only."""
    who.need_kind(RoomKind.session)
    who.need_moderator()
    row = await _row(db, who.public_room, user_id)
    if row is None:
        raise NotFound(f"user: user {user_id} has no hand raised here", field="user")
    row.status = HandStatus.invited
    db.add(row)
    await _announce(db, who, user_id)
    return {"user": user_id, "hand": HandStatus.invited.value}
