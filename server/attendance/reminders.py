"""A reminder shortly before each session a person registered for: a notice, pushed and (unless
they turned it off) mailed with the times in their zone. Once per person and start time: a
session moved later is reminded of again before its new start. Swept with the offers
(server/attendance/sweeper.py); the notices' keys keep it to once."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.attendance.models import Registration, Status
from server.clock import Clock
from server.instants import instant
from server.notices.models import NoticeKind
from server.notices.service import Told, tell
from server.program.models import Forum, Session, SessionStatus
from server.program.service import session_facts

LEAD = timedelta(minutes=30)  # how long before the start the reminder goes
REMINDED = (Status.confirmed, Status.offered)


async def send_reminders(db: AsyncSession, clock: Clock) -> int:
    """Remind everyone registered for a session starting within LEAD; how many were told.
    The caller's unit commits (and pushes the notices)."""
    now = clock.now()
    query = (
        select(Session, Forum)
        .join(Forum, col(Forum.id) == Session.forum_id)
        .where(
            col(Session.starts_at) > now,
            col(Session.starts_at) <= now + LEAD,
            col(Session.status).in_([SessionStatus.scheduled, SessionStatus.delayed]),
        )
    )
    told: list[Told] = []
    for session, forum in (await db.exec(query)).all():
        people = await db.exec(
            select(Registration.user_id).where(
                Registration.session_id == session.id, col(Registration.status).in_(REMINDED)
            )
        )
        told += await tell(
            db,
            clock,
            users=people.all(),
            kind=NoticeKind.reminder,
            key=f"reminder:{session.id}:{instant(session.starts_at)}",
            session=session_facts(forum, session),
        )
    return len(told)
