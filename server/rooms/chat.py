"""Chat in session and private rooms: send, edit or delete one's own, moderate.

Every change is published only once its unit of work has committed (server/unit.py), so a
snapshot read after an event has been seen always contains it."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.errors import Forbidden, NotFound, RateLimited
from server.instants import maybe_instant
from server.realtime.person import Person
from server.rooms import views
from server.rooms.access import Admission, RoomKind
from server.rooms.models import ChatMessage, RoomMute, RoomSettings
from server.unit import publish_after

CHAT_ROOMS = (RoomKind.session, RoomKind.private)


async def settings_of(db: AsyncSession, room: str) -> RoomSettings:
    return await db.get(RoomSettings, room) or RoomSettings(room=room)


async def send(
    db: AsyncSession, clock: Clock, who: Admission, user: Person, text: str
) -> dict[str, Any]:
    """Post a message (refused while muted, or sooner than slow mode allows)."""
    who.need_kind(*CHAT_ROOMS)
    now = clock.now()
    if not who.moderator:
        await _check_muted(db, who, now)
        await _check_slow_mode(db, who, now)
    row = ChatMessage(room=who.room, user_id=who.user_id, text=text, created_at=now)
    db.add(row)
    await db.flush()
    shown = views.message(row, {who.user_id: user.name})
    publish_after(db, who.room, "chat.message", {"message": shown}, retry=True)
    return {"message": shown}


async def _mute_ends(db: AsyncSession, room: str, user_id: int, now: datetime) -> datetime | None:
    """When the user's mute in this room ends, if they are muted now."""
    query = select(RoomMute.until).where(RoomMute.room == room, RoomMute.user_id == user_id)
    until = (await db.exec(query)).first()
    return until if until is not None and until > now else None


async def _check_muted(db: AsyncSession, who: Admission, now: datetime) -> None:
    until = await _mute_ends(db, who.room, who.user_id, now)
    if until is not None:
        raise Forbidden(
            "text: a moderator muted you in this room",
            field="text",
            reason="muted",
            until=maybe_instant(until),
        )


async def _check_slow_mode(db: AsyncSession, who: Admission, now: datetime) -> None:
    seconds = (await settings_of(db, who.room)).slow_mode_seconds
    if seconds <= 0:
        return
    query = (
        select(ChatMessage.created_at)
        .where(ChatMessage.room == who.room, ChatMessage.user_id == who.user_id)
        .order_by(col(ChatMessage.id).desc())
        .limit(1)
    )
    last = (await db.exec(query)).first()
    if last is not None:
        wait = (last + timedelta(seconds=seconds) - now).total_seconds()
        if wait > 0:
            raise RateLimited(
                f"text: slow mode allows one message every {seconds} s",
                field="text",
                reason="slow_mode",
                retry_after=math.ceil(wait * 10) / 10,  # never 0: that would be refused again
            )


async def _own_message(db: AsyncSession, who: Admission, message_id: int) -> ChatMessage:
    row = await db.get(ChatMessage, message_id)
    if row is None or row.room != who.room or row.deleted_at is not None:
        raise NotFound(f"message: no message {message_id} in this room", field="message")
    return row


async def edit(
    db: AsyncSession, clock: Clock, who: Admission, message_id: int, text: str
) -> dict[str, Any]:
    """Change one's own message (moderators delete, they do not rewrite)."""
    who.need_kind(*CHAT_ROOMS)
    row = await _own_message(db, who, message_id)
    if row.user_id != who.user_id:
        raise Forbidden("message: only its author may edit a message", field="message")
    row.text = text
    row.edited_at = clock.now()
    db.add(row)
    shown = views.message(row, await views.names(db, [row.user_id]))
    publish_after(db, who.room, "chat.edited", {"message": shown})
    return {"message": shown}


async def delete(db: AsyncSession, clock: Clock, who: Admission, message_id: int) -> dict[str, Any]:
    """Remove a message: its author, or a moderator of the room."""
    who.need_kind(*CHAT_ROOMS)
    row = await _own_message(db, who, message_id)
    if row.user_id != who.user_id and not who.moderator:
        raise Forbidden("message: only its author or a moderator may delete it", field="message")
    row.deleted_at = clock.now()
    row.deleted_by = who.user_id
    db.add(row)
    publish_after(db, who.room, "chat.deleted", {"id": message_id})
    return {"deleted": message_id}


async def mute(
    db: AsyncSession, clock: Clock, who: Admission, user_id: int, minutes: int
) -> dict[str, Any]:
    """Silence a user in this room for `minutes` (0: lift the mute). Moderators only; the
    user hears of it in their own room (`user:{id}`)."""
    who.need_kind(RoomKind.session)
    who.need_moderator()
    until = clock.now() + timedelta(minutes=minutes)
    query = select(RoomMute).where(RoomMute.room == who.room, RoomMute.user_id == user_id)
    row = (await db.exec(query)).first()
    if row is None:
        if user_id not in await views.names(db, [user_id]):
            raise NotFound(f"user: no user {user_id}", field="user")
        row = RoomMute(room=who.room, user_id=user_id, until=until, by_id=who.user_id)
    row.until, row.by_id = until, who.user_id
    db.add(row)
    shown = {"room": who.room, "until": maybe_instant(until) if minutes else None}
    publish_after(db, f"user:{user_id}", "chat.muted", shown)
    return {"user": user_id, "until": shown["until"]}


async def muted_until(db: AsyncSession, clock: Clock, room: str, user_id: int) -> str | None:
    return maybe_instant(await _mute_ends(db, room, user_id, clock.now()))


async def recent(db: AsyncSession, room: str, limit: int = 100) -> list[dict[str, Any]]:
    """The room's last messages, oldest first."""
    query = (
        select(ChatMessage)
        .where(ChatMessage.room == room, col(ChatMessage.deleted_at).is_(None))
        .order_by(col(ChatMessage.id).desc())
        .limit(limit)
    )
    rows = list(reversed((await db.exec(query)).all()))
    known = await views.names(db, (r.user_id for r in rows))
    return [views.message(r, known) for r in rows]


async def update_settings(
    db: AsyncSession, who: Admission, changes: dict[str, Any]
) -> dict[str, Any]:
    """Slow mode and Q&A pre-moderation of a session room. Moderators only."""
    who.need_kind(RoomKind.session)
    who.need_moderator()
    row = await settings_of(db, who.room)
    for name, value in changes.items():
        setattr(row, name, value)
    db.add(row)
    shown = settings_view(row)
    publish_after(db, who.room, "room.settings", shown)
    return shown


def settings_view(row: RoomSettings) -> dict[str, Any]:
    return {"slow_mode_seconds": row.slow_mode_seconds, "premoderation": row.premoderation}
