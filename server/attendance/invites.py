"""Invitations to closed sessions: single-use tokens that expire, bound to whoever accepts."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.accounts.service import token_digest
from server.attendance.models import Invite
from server.clock import Clock
from server.errors import Conflict, Invalid
from server.program.models import Access, Session

INVITE_DAYS = 14


async def invite(
    db: AsyncSession, clock: Clock, session: Session, email: str, *, days: int = INVITE_DAYS
) -> str:
    """A new invitation token for `email` to this closed session (the caller commits and
    sends it; only its digest is stored)."""
    if session.access is not Access.invite_only:
        raise Invalid("session: only invite-only sessions take invitations", field="session")
    assert session.id is not None
    token = secrets.token_urlsafe(24)
    now = clock.now()
    db.add(
        Invite(
            session_id=session.id,
            email=email.strip().lower(),
            token_hash=token_digest(token),
            expires_at=now + timedelta(days=days),
            created_at=now,
        )
    )
    await db.flush()
    return token


async def accept(db: AsyncSession, clock: Clock, user: User, token: str) -> Invite:
    """Use an invitation: once, before it expires. A conditional UPDATE, so two people
    racing with one token cannot both get in."""
    now = clock.now()
    digest = token_digest(token)
    result = await db.exec(
        update(Invite)
        .where(
            col(Invite.token_hash) == digest,
            col(Invite.accepted_by).is_(None),
            col(Invite.expires_at) > now,
        )
        .values(accepted_by=user.id, accepted_at=now)
    )
    found = (await db.exec(select(Invite).where(Invite.token_hash == digest))).first()
    if result.rowcount == 1 and found is not None:
        return found
    if found is None:
        raise Invalid("token: no such invitation", field="token")
    if found.accepted_by is not None:
        raise Conflict("token: this invitation has already been used", field="token")
    raise Conflict(
        f"token: this invitation expired at {found.expires_at:%Y-%m-%d %H:%M} UTC", field="token"
    )


async def holds_invite(db: AsyncSession, user: User, session: Session) -> bool:
    query = select(Invite.id).where(Invite.session_id == session.id, Invite.accepted_by == user.id)
    return (await db.exec(query)).first() is not None
