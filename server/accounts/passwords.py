"""Choosing a password through a link sent by mail: the first one, for an account made for
somebody (a stand's staff, by the showroom importer), or a new one ("forgot my password").

A link holds a random token; only its SHA-256 is stored. It works once, until it expires, and
choosing a password with it also ends the account's other sessions (whoever knew the old
password is signed out). Asking for a reset answers the same whether or not the address has an
account, and does the same work (one request recorded, one message queued: the link, or a word
that no account uses the address), at most signup.MAX_MAILS_PER_HOUR an hour per address."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.hashing import Passwords
from server.accounts.models import (
    AccountMailKind,
    AuthSession,
    PasswordToken,
    PasswordTokenPurpose,
    User,
)
from server.accounts.service import SignedIn, find_user, open_session, token_digest
from server.accounts.signup import may_mail, page
from server.clock import Clock
from server.errors import Invalid
from server.i18n import language, moment, t, with_signature
from server.mail.outbox import queue
from server.realtime import revocation

LIFETIME = {
    PasswordTokenPurpose.invite: timedelta(days=7),
    PasswordTokenPurpose.reset: timedelta(hours=1),
}


async def issue(
    db: AsyncSession, clock: Clock, user: User, purpose: PasswordTokenPurpose
) -> tuple[str, datetime]:
    """A fresh link token for `user` and when it expires (the caller commits)."""
    assert user.id is not None
    now = clock.now()
    token = secrets.token_urlsafe(32)
    expires = now + LIFETIME[purpose]
    db.add(
        PasswordToken(
            user_id=user.id,
            token_hash=token_digest(token),
            purpose=purpose,
            created_at=now,
            expires_at=expires,
        )
    )
    return token, expires


def link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/?view=password&token={token}"


async def request_reset(
    db: AsyncSession, clock: Clock, email: str, public_url: str, lang: str = "en"
) -> None:
    """Mail a reset link to the account with this address; to an address without one, a word
    that no account uses it (in `lang`, the asking page's language). Both cases record the
    request and queue one message, so neither answers sooner (server/accounts/signup.py)."""
    user = await find_user(db, email)
    if not await may_mail(db, clock, AccountMailKind.reset, email.strip().lower()):
        return
    if user is None or user.id is None:
        _no_account(db, clock, email, public_url, language(lang))
        return
    token, expires = await issue(db, clock, user, PasswordTokenPurpose.reset)
    lang = language(user.language)
    body = t(
        lang,
        "reset.body",
        name=user.name,
        until=moment(expires, user.tz or "UTC", lang),
        link=link(public_url, token),
    )
    queue(
        db,
        clock,
        to_email=user.email,
        to_name=user.name,
        subject=t(lang, "reset.subject"),
        body=with_signature(lang, body),
    )


def _no_account(db: AsyncSession, clock: Clock, email: str, public_url: str, lang: str) -> None:
    body = t(
        lang,
        "reset.none.body",
        forgot=page(public_url, "forgot"),
        signup=page(public_url, "signup"),
    )
    queue(
        db,
        clock,
        to_email=email.strip().lower(),
        subject=t(lang, "reset.none.subject"),
        body=with_signature(lang, body),
    )


async def set_password(
    db: AsyncSession, clock: Clock, passwords: Passwords, token: str, password: str
) -> User:
    """Choose the password with a link's token: the token is spent, and the account's sessions
    are ended (the caller opens a new one and commits). Hashed before anything is written."""
    password_hash = await passwords.hash(password)
    now = clock.now()
    spent = await db.exec(
        update(PasswordToken)
        .where(
            col(PasswordToken.token_hash) == token_digest(token),
            col(PasswordToken.used_at).is_(None),
            col(PasswordToken.expires_at) > now,
        )
        .values(used_at=now)
        .returning(col(PasswordToken.user_id))
    )
    user_id = spent.scalar_one_or_none()
    if user_id is None:
        raise Invalid(
            "token: this link has expired or has been used; ask for a new one", field="token"
        )
    user = await db.get(User, user_id)
    assert user is not None
    user.password_hash = password_hash
    db.add(user)
    await db.exec(
        update(AuthSession)
        .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    revocation.signed_out(db, user_id)  # their open sockets close once this commits
    await db.exec(  # the account's other links die with this one
        update(PasswordToken)
        .where(col(PasswordToken.user_id) == user_id, col(PasswordToken.used_at).is_(None))
        .values(used_at=now)
    )
    return user


async def choose_password(
    db: AsyncSession, clock: Clock, passwords: Passwords, token: str, password: str
) -> SignedIn:
    """Choose the password with a link's token and sign in (the other sessions end)."""
    user = await set_password(db, clock, passwords, token, password)
    return await open_session(db, clock, user)
