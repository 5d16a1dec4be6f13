"""Private agenda feeds: a secret calendar URL per person that calendar apps subscribe to."""

from __future__ import annotations

import secrets

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server import calendars
from server.accounts.models import User
from server.accounts.service import token_digest
from server.attendance.models import CalendarFeed
from server.attendance.service import agenda
from server.clock import Clock
from server.errors import NotFound
from server.program.exports import add_events, calendar
from server.program.models import Forum
from server.program.service import load_program
from server.program.views import Lang


async def new_feed(db: AsyncSession, clock: Clock, user: User) -> str:
    """A new feed token; any earlier one stops working."""
    await revoke_feeds(db, clock, user)
    token = secrets.token_urlsafe(24)
    assert user.id is not None
    db.add(CalendarFeed(user_id=user.id, token_hash=token_digest(token), created_at=clock.now()))
    return token


async def revoke_feeds(db: AsyncSession, clock: Clock, user: User) -> None:
    await db.exec(
        update(CalendarFeed)
        .where(col(CalendarFeed.user_id) == user.id, col(CalendarFeed.revoked_at).is_(None))
        .values(revoked_at=clock.now())
    )


async def feed_owner(db: AsyncSession, token: str) -> User | None:
    query = (
        select(User)
        .join(CalendarFeed, col(CalendarFeed.user_id) == User.id)
        .where(
            CalendarFeed.token_hash == token_digest(token),
            col(CalendarFeed.revoked_at).is_(None),
        )
    )
    return (await db.exec(query)).first()


async def agenda_ics(
    db: AsyncSession, clock: Clock, token: str, lang: Lang, public_url: str
) -> bytes:
    """The agenda behind a feed's secret token as iCalendar: the sessions its owner holds a
    place in, across forums, each zone described once. NotFound for a token turned off."""
    owner = await feed_owner(db, token)
    if owner is None:
        raise NotFound("token: no such calendar (it may have been turned off)", field="token")
    cal = calendar(f"Pavilion · {owner.name}")
    by_forum: dict[int, set[int | None]] = {}
    for _, session in await agenda(db, owner):
        by_forum.setdefault(session.forum_id, set()).add(session.id)
    for forum_id, sessions in sorted(by_forum.items()):
        forum = await db.get(Forum, forum_id)
        assert forum is not None
        data = await load_program(db, forum)
        mine = [row for row in data.sessions if row.id in sessions]
        add_events(cal, data, mine, lang, public_url, clock.now())
    return calendars.ics(cal)
