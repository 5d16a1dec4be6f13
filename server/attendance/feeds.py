"""Private agenda feeds: a secret calendar URL per person that calendar apps subscribe to."""

from __future__ import annotations

import secrets

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.accounts.service import token_digest
from server.attendance.models import CalendarFeed
from server.clock import Clock


async def new_feed(db: AsyncSession, clock: Clock, user: User) -> str:
    """A new feed token; any earlier one stops working (commits)."""
    await revoke_feeds(db, clock, user)
    token = secrets.token_urlsafe(24)
    assert user.id is not None
    db.add(CalendarFeed(user_id=user.id, token_hash=token_digest(token), created_at=clock.now()))
    await db.commit()
    return token


async def revoke_feeds(db: AsyncSession, clock: Clock, user: User) -> None:
    await db.exec(
        update(CalendarFeed)
        .where(col(CalendarFeed.user_id) == user.id, col(CalendarFeed.revoked_at).is_(None))
        .values(revoked_at=clock.now())
    )
    await db.commit()


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
