"""Announcements from organisers (and a session's moderators) to a session room, or from
organisers to a whole forum (`forum:{slug}`), where the marathon's handovers are pushed too."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.errors import Forbidden
from server.rooms import views
from server.rooms.access import Admission, RoomKind
from server.rooms.models import Announcement
from server.unit import publish_after


async def announce(db: AsyncSession, clock: Clock, who: Admission, text: str) -> dict[str, Any]:
    who.need_kind(RoomKind.session, RoomKind.forum)
    if not (who.organiser or (who.kind is RoomKind.session and who.moderator)):
        raise Forbidden("room: only organisers (or this session's moderators) announce")
    row = Announcement(room=who.room, author_id=who.user_id, text=text, created_at=clock.now())
    db.add(row)
    await db.flush()
    shown = views.announcement(row, await views.names(db, [who.user_id]))
    publish_after(db, who.room, "announcement", {"announcement": shown}, retry=True)
    return {"announcement": shown}


async def recent(db: AsyncSession, room: str, limit: int = 20) -> list[dict[str, Any]]:
    query = (
        select(Announcement)
        .where(Announcement.room == room)
        .order_by(col(Announcement.id).desc())
        .limit(limit)
    )
    rows = list(reversed((await db.exec(query)).all()))
    known = await views.names(db, (r.author_id for r in rows))
    return [views.announcement(r, known) for r in rows]
