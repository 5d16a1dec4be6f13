"""Accounts' verbs: sign up, sign in (throttled), sign out, whose token is this, grant roles.

A wrong password and an unknown email get the same answer and cost the same time (an unknown
email is checked against a dummy hash), so the sign-in form does not tell who has an account.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import AuthSession, Grant, LoginAttempt, Role, SignupIn, User
from server.clock import Clock
from server.errors import Conflict, RateLimited, Unauthorized
from server.program.zones import parse_zone

SESSION_DAYS = 30
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password anyone has")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_matches(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def find_user(db: AsyncSession, email: str) -> User | None:
    query = select(User).where(User.email == email.strip().lower())
    return (await db.exec(query)).first()


async def sign_up(db: AsyncSession, clock: Clock, data: SignupIn) -> User:
    """A new account (the caller commits). Conflict if the email is taken."""
    parse_zone(data.tz, field="tz")
    if await find_user(db, data.email) is not None:
        raise Conflict("email: an account with this email exists; sign in instead", field="email")
    user = User(
        **data.model_dump(exclude={"password"}),
        password_hash=hash_password(data.password),
        created_at=clock.now(),
    )
    db.add(user)
    await db.flush()
    return user


@dataclass(frozen=True)
class SignedIn:
    user: User
    token: str
    expires_at: datetime


async def sign_in(
    db: AsyncSession, clock: Clock, email: str, password: str, address: str
) -> SignedIn:
    """A new server-side session for these credentials, or Unauthorized (the same for a
    wrong password and an unknown email), or RateLimited after too many failures."""
    now = clock.now()
    email = email.strip().lower()
    await _check_throttle(db, email, address, now)
    user = await find_user(db, email)
    if not _password_matches(user.password_hash if user else None, password) or user is None:
        db.add(LoginAttempt(email=email, address=address, at=now))
        await db.commit()
        raise Unauthorized("email or password is wrong")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.add(user)
    return await open_session(db, clock, user)


async def open_session(db: AsyncSession, clock: Clock, user: User) -> SignedIn:
    """A fresh session token for this user (the caller commits)."""
    now = clock.now()
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(days=SESSION_DAYS)
    assert user.id is not None
    db.add(
        AuthSession(
            user_id=user.id, token_hash=token_digest(token), created_at=now, expires_at=expires
        )
    )
    await db.flush()
    return SignedIn(user, token, expires)


async def _check_throttle(db: AsyncSession, email: str, address: str, now: datetime) -> None:
    since = now - THROTTLE_WINDOW
    for column, value, limit in (
        (LoginAttempt.email, email, MAX_FAILURES_PER_ACCOUNT),
        (LoginAttempt.address, address, MAX_FAILURES_PER_ADDRESS),
    ):
        query = select(func.count(), func.min(LoginAttempt.at)).where(
            column == value, col(LoginAttempt.at) > since
        )
        count, oldest = (await db.exec(query)).one()
        if count >= limit:
            retry = int((oldest + THROTTLE_WINDOW - now).total_seconds()) + 1
            raise RateLimited(
                f"too many failed sign-ins; try again in {max(1, retry // 60)} min",
                retry_after=max(1, retry),
            )


async def user_for_token(db: AsyncSession, clock: Clock, token: str) -> User | None:
    """The user a live (unexpired, unrevoked) session token belongs to."""
    query = (
        select(User)
        .join(AuthSession, col(AuthSession.user_id) == User.id)
        .where(
            AuthSession.token_hash == token_digest(token),
            col(AuthSession.revoked_at).is_(None),
            col(AuthSession.expires_at) > clock.now(),
        )
    )
    return (await db.exec(query)).first()


async def sign_out(db: AsyncSession, clock: Clock, token: str) -> None:
    """Revoke this session (the caller commits); unknown tokens are ignored."""
    await db.exec(
        update(AuthSession)
        .where(col(AuthSession.token_hash) == token_digest(token))
        .values(revoked_at=clock.now())
    )


async def grant(
    db: AsyncSession,
    user: User,
    role: Role,
    *,
    forum_id: int | None = None,
    session_id: int | None = None,
    stand: str | None = None,
) -> Grant:
    """Give a role (idempotent; the caller commits)."""
    assert user.id is not None
    query = select(Grant).where(
        Grant.user_id == user.id,
        Grant.role == role,
        Grant.forum_id == forum_id,
        Grant.session_id == session_id,
        Grant.stand == stand,
    )
    found = (await db.exec(query)).first()
    if found is not None:
        return found
    given = Grant(user_id=user.id, role=role, forum_id=forum_id, session_id=session_id, stand=stand)
    db.add(given)
    await db.flush()
    return given


async def revoke(db: AsyncSession, given: Grant) -> None:
    await db.delete(given)
    await db.flush()


def require_user(user: User | None) -> User:
    if user is None:
        raise Unauthorized("sign in first")
    return user
