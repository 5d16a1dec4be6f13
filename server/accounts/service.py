"""Accounts' verbs: sign up, sign in (throttled), sign out, whose token is this, grant roles.

A wrong password and an unknown email get the same answer and cost the same time (an unknown
email is checked against a dummy hash), so the sign-in form does not tell who has an account.

The throttle is exact under concurrency: a sign-in first reserves its attempt (counted and
written in one serialized step), and only then checks the password, outside any transaction
and off the event loop (server/accounts/hashing.py). An attempt that succeeds is taken back;
one that fails stays, and counts for 15 minutes. So 40 wrong passwords at once for one account
get exactly MAX_FAILURES_PER_ACCOUNT checks. The per-address limit counts finished failures
only: it must not refuse many people signing in at once from one office (one address).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, true, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.hashing import Passwords, needs_rehash
from server.accounts.models import AuthSession, Grant, LoginAttempt, Role, User
from server.clock import Clock
from server.db import rows
from server.errors import RateLimited, Unauthorized
from server.realtime import revocation

SESSION_DAYS = 30
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def find_user(db: AsyncSession, email: str) -> User | None:
    query = select(User).where(User.email == email.strip().lower())
    return (await db.exec(query)).first()


@dataclass(frozen=True)
class SignedIn:
    user: User
    token: str
    expires_at: datetime


async def sign_in(
    db: AsyncSession,
    clock: Clock,
    passwords: Passwords,
    email: str,
    password: str,
    address: str,
) -> SignedIn:
    """A new server-side session for these credentials, or Unauthorized (the same for a
    wrong password and an unknown email), or RateLimited after too many failures. A failure
    is committed although the unit then fails (it counts towards the limit)."""
    now = clock.now()
    email = email.strip().lower()
    passwords.admit()  # refused for load before it reserves anything
    attempt = await _reserve_attempt(db, email, address, now)
    user = await find_user(db, email)
    if user is not None:
        db.expunge(user)  # kept as it is (a rollback would expire it)
    await db.rollback()  # no connection (nor SQLite's writer slot) held while Argon2 runs
    if not await passwords.verify(user.password_hash if user else None, password) or not user:
        await db.exec(
            update(LoginAttempt).where(col(LoginAttempt.id) == attempt).values(pending=False)
        )
        await db.commit()  # a failure now, for this address too
        raise Unauthorized("email or password is wrong")
    if needs_rehash(user.password_hash):
        user.password_hash = await passwords.hash(password)  # before anything is written
        db.add(user)
    await db.exec(delete(LoginAttempt).where(col(LoginAttempt.id) == attempt))
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


def _window(column: Any, value: Any, since: Any) -> Any:
    """Attempts in the throttle window for one account (email) or address."""
    return select(func.count(), func.min(LoginAttempt.at)).where(
        column == value, col(LoginAttempt.at) > since
    )


# Counted in the window: every attempt on the account (failed, or still being checked), and
# the finished failures from the address (sign-ins still being checked are not failures (yet):
# many people signing in at once from one office must not be refused for it).
_ATTEMPTS_ON_ACCOUNT = _window(col(LoginAttempt.email), bindparam("email"), bindparam("since"))
_FAILURES_FROM_ADDRESS = _window(
    col(LoginAttempt.address), bindparam("address"), bindparam("since")
).where(col(LoginAttempt.pending).is_(False))

# The attempt, written only while both counts are under their limits: one statement, so the
# check and the write cannot be interleaved (SQLite runs a statement whole, holding its one
# writer; PostgreSQL also takes an advisory lock on the account first, see below).
# (Core, not the ORM: an ORM insert would take the bound values for rows of its own.)
_ATTEMPTS = LoginAttempt.__table__  # type: ignore[attr-defined]
_RESERVE = (
    insert(_ATTEMPTS)
    .from_select(
        ["email", "address", "at", "pending"],
        sa_select(bindparam("email"), bindparam("address"), bindparam("at"), true()).where(
            _ATTEMPTS_ON_ACCOUNT.with_only_columns(func.count()).scalar_subquery()
            < MAX_FAILURES_PER_ACCOUNT,
            _FAILURES_FROM_ADDRESS.with_only_columns(func.count()).scalar_subquery()
            < MAX_FAILURES_PER_ADDRESS,
        ),
    )
    .returning(col(LoginAttempt.id))
)


async def _reserve_attempt(db: AsyncSession, email: str, address: str, now: datetime) -> int:
    """Write this attempt if the account and the address are under their limits, as one
    statement (on PostgreSQL after an advisory lock on the account, so that concurrent
    sign-ins for it are counted one after the other), or RateLimited. Commits; the attempt's
    id. The write holds SQLite's one writer slot only for that statement and its commit."""
    since = now - THROTTLE_WINDOW
    params = {"email": email, "address": address, "at": now, "since": since}
    if db.get_bind().dialect.name == "postgresql":
        await db.exec(select(func.pg_advisory_xact_lock(func.hashtext(email))))
    written = await rows(db, _RESERVE, params)
    await db.commit()
    if written:
        return int(written[0][0])
    for query, limit in (
        (_ATTEMPTS_ON_ACCOUNT, MAX_FAILURES_PER_ACCOUNT),
        (_FAILURES_FROM_ADDRESS, MAX_FAILURES_PER_ADDRESS),
    ):
        count, oldest = (await db.exec(query, params=params)).one()
        if count >= limit:
            break
    retry = int((oldest + THROTTLE_WINDOW - now).total_seconds()) + 1 if oldest else 60
    raise RateLimited(
        f"too many failed sign-ins; try again in {max(1, retry // 60)} min",
        retry_after=max(1, retry),
    )


# Whose live (unexpired, unrevoked) session a token digest is: built once, run per request.
_TOKEN_OWNER = (
    select(*User.__table__.columns)  # type: ignore[attr-defined]
    .join(AuthSession, col(AuthSession.user_id) == User.id)
    .where(
        col(AuthSession.token_hash) == bindparam("digest"),
        col(AuthSession.revoked_at).is_(None),
        col(AuthSession.expires_at) > bindparam("now"),
    )
)


async def user_for_token(db: AsyncSession, clock: Clock, token: str) -> User | None:
    """The user a live (unexpired, unrevoked) session token belongs to: read fresh (on SQLite,
    on the loop: every request and socket asks this), handed back detached, so that a route
    adding it to its session updates that row rather than inserting another."""
    params = {"digest": token_digest(token), "now": clock.now()}
    found = await rows(db, _TOKEN_OWNER, params, fresh=True)
    if not found:
        return None
    user = User(**found[0]._mapping)
    make_transient_to_detached(user)
    return user


async def sign_out(db: AsyncSession, clock: Clock, token: str) -> None:
    """Revoke this session (unknown tokens are ignored); the sockets opened with it are
    closed once the unit commits, on every node."""
    ended = await db.exec(
        update(AuthSession)
        .where(col(AuthSession.token_hash) == token_digest(token))
        .values(revoked_at=clock.now())
        .returning(col(AuthSession.user_id))
    )
    for user_id in set(ended.scalars().all()):
        revocation.signed_out(db, user_id)


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
