"""Invitations to closed sessions: single-use tokens that expire, bound to whoever accepts,
and taken back by revoking them.

This module holds what access rests on (making a token, accepting it, whether someone holds
an invitation), so that `permissions.py` can ask it without importing mail, notices or
sockets; the organisers' verbs around it (mailing, re-sending, revoking, listing) are in
`invitations.py`.
"""

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
DEFAULT_LANGUAGE = "ru"  # the forums' own language, when the guest's is unknown


def new_token() -> str:
    return secrets.token_urlsafe(24)


async def invite(
    db: AsyncSession,
    clock: Clock,
    session: Session,
    email: str,
    *,
    days: int = INVITE_DAYS,
    name: str = "",
    language: str = DEFAULT_LANGUAGE,
    invited_by: int | None = None,
) -> str:
    """A new invitation token for `email` to this closed session (the caller commits and
    sends it; only its digest is stored)."""
    _, token = await new_invite(
        db, clock, session, email, days=days, name=name, language=language, invited_by=invited_by
    )
    return token


async def new_invite(
    db: AsyncSession,
    clock: Clock,
    session: Session,
    email: str,
    *,
    days: int = INVITE_DAYS,
    name: str = "",
    language: str = DEFAULT_LANGUAGE,
    invited_by: int | None = None,
) -> tuple[Invite, str]:
    """The stored invitation and its token (the caller commits and sends it)."""
    if session.access is not Access.invite_only:
        raise Invalid("session: only invite-only sessions take invitations", field="session")
    assert session.id is not None
    token = new_token()
    now = clock.now()
    row = Invite(
        session_id=session.id,
        email=email.strip().lower(),
        token_hash=token_digest(token),
        expires_at=now + timedelta(days=days),
        created_at=now,
        invited_by=invited_by,
        name=name.strip(),
        language=language,
    )
    db.add(row)
    await db.flush()
    return row, token


async def accept(db: AsyncSession, clock: Clock, user: User, token: str) -> Invite:
    """Use an invitation: once, before it expires, unless it was revoked. A conditional
    UPDATE, so two people racing with one token cannot both get in."""
    now = clock.now()
    digest = token_digest(token)
    result = await db.exec(
        update(Invite)
        .where(
            col(Invite.token_hash) == digest,
            col(Invite.accepted_by).is_(None),
            col(Invite.revoked_at).is_(None),
            col(Invite.expires_at) > now,
        )
        .values(accepted_by=user.id, accepted_at=now)
    )
    found = (await db.exec(select(Invite).where(Invite.token_hash == digest))).first()
    if found is not None:
        await db.refresh(found)
    if result.rowcount == 1 and found is not None:
        return found
    if found is None:
        raise Invalid("token: no such invitation", field="token")
    if found.revoked_at is not None:
        raise Conflict("token: this invitation was revoked by the organisers", field="token")
    if found.accepted_by is not None:
        raise Conflict("token: this invitation has already been used", field="token")
    raise Conflict(
        f"token: this invitation expired at {found.expires_at:%Y-%m-%d %H:%M} UTC", field="token"
    )


async def holds_invite(db: AsyncSession, user: User, session: Session) -> bool:
    """Whether `user` accepted an invitation to this session that has not been revoked."""
    query = select(Invite.id).where(
        Invite.session_id == session.id,
        Invite.accepted_by == user.id,
        col(Invite.revoked_at).is_(None),
    )
    return (await db.exec(query)).first() is not None
