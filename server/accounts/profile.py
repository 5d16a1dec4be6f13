"""A person's own account: what they see of it, and what they change on their account page
(name, language, zone, which notices they want by mail, their password)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Integer, String, column, table, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.hashing import Passwords
from server.accounts.models import (
    AccountUpdate,
    AuthSession,
    Grant,
    MePublic,
    PasswordChangeIn,
    RoleHeld,
    User,
)
from server.accounts.service import token_digest
from server.clock import Clock
from server.errors import Forbidden, Invalid
from server.realtime import revocation
from server.zones import parse_zone

# The forum a grant points at, by the table its foreign key names: accounts sit below the program
# domain and do not import its models (an account page shows only the forum's slug).
_FORUM = table("forum", column("id", Integer), column("slug", String))


async def me(db: AsyncSession, user: User) -> MePublic:
    """The signed-in person, their choices and every role they hold."""
    query = (
        select(Grant, _FORUM.c.slug)
        .outerjoin(_FORUM, _FORUM.c.id == Grant.forum_id)
        .where(Grant.user_id == user.id)
        .order_by(col(Grant.id))
    )
    roles = [
        RoleHeld(
            role=g.role, forum=g.forum_id, forum_slug=slug, session=g.session_id, stand=g.stand
        )
        for g, slug in (await db.exec(query)).all()
    ]
    assert user.id is not None
    return MePublic(
        id=user.id,
        email=user.email,
        name=user.name,
        organisation=user.organisation,
        country=user.country,
        language=user.language,
        tz=user.tz,
        mail_off=list(user.mail_off or []),
        roles=roles,
    )


async def update_account(
    db: AsyncSession, user: User, data: AccountUpdate, *, kinds: Collection[str]
) -> MePublic:
    """Change what the person asked to change (`kinds`: the notice kinds there are)."""
    if data.tz is not None:
        parse_zone(data.tz, field="tz")
    if data.mail_off is not None:
        unknown = sorted(set(data.mail_off) - set(kinds))
        if unknown:
            raise Invalid(f"mail_off: no notice kind {unknown[0]!r}", field="mail_off")
    stored = await db.get(User, user.id)
    assert stored is not None
    for name, value in data.model_dump(exclude_none=True).items():
        setattr(stored, name, sorted(set(value)) if name == "mail_off" else value)
    db.add(stored)
    await db.flush()
    return await me(db, stored)


async def change_password(
    db: AsyncSession,
    clock: Clock,
    passwords: Passwords,
    user: User,
    data: PasswordChangeIn,
    token: str | None,
) -> None:
    """A new password, given the current one (checked and hashed off the loop). The person's
    other sessions end (whoever knew the old password is signed out); this one stays."""
    if not await passwords.verify(user.password_hash, data.current):
        raise Forbidden("current: that is not your current password", field="current")
    new_hash = await passwords.hash(data.password)
    await db.exec(update(User).where(col(User.id) == user.id).values(password_hash=new_hash))
    others = update(AuthSession).where(
        col(AuthSession.user_id) == user.id, col(AuthSession.revoked_at).is_(None)
    )
    if token:
        others = others.where(col(AuthSession.token_hash) != token_digest(token))
    await db.exec(others.values(revoked_at=clock.now()))
    assert user.id is not None
    revocation.signed_out(db, user.id)  # the other sessions' open sockets close
