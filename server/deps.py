"""Request-scoped dependencies, as short `Annotated` aliases for route signatures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.hashing import Passwords
from server.accounts.models import User
from server.accounts.service import user_for_token
from server.clock import Clock
from server.db import Database
from server.errors import Forbidden
from server.realtime.bus import Bus
from server.settings import Settings


def _database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with _database(request).session() as session:
        yield session


# Dependencies are `async def` even when they await nothing: FastAPI runs a plain `def`
# dependency in a worker thread, a hop there and back on every request.


async def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


async def _bus(request: Request) -> Bus:
    bus: Bus = request.app.state.bus
    return bus


# Closed as soon as the route returns (before the answer is sent), so its connection and, on
# SQLite, the writer slot are free at once; and closed before a retry (server/transient.py).
DbSession = Annotated[AsyncSession, Depends(_session, scope="function")]
AppClock = Annotated[Clock, Depends(_clock)]
AppSettings = Annotated[Settings, Depends(_settings)]
AppPasswords = Annotated[Passwords, Depends(_passwords)]
AppBus = Annotated[Bus, Depends(_bus)]


SESSION_COOKIE = "pavilion_session"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def _current_user(request: Request, db: DbSession, clock: AppClock) -> User | None:
    """Who is asking: from `Authorization: Bearer`, else the session cookie; None if nobody.

    A cookie rides along with cross-site requests, so a state-changing request that relies
    on it must come from one of our own origins (bearer tokens are never sent implicitly)."""
    token = bearer_token(request)
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        if token is not None and request.method not in _SAFE_METHODS:
            _check_origin(request)
    if not token:
        return None
    return await user_for_token(db, clock, token)


def _check_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin is None:
        return
    settings: Settings = request.app.state.settings
    allowed = {*settings.allowed_origins, settings.public_url.rstrip("/")}
    if origin.rstrip("/") not in allowed:
        raise Forbidden(f"requests from {origin} may not act on your behalf")


CurrentUser = Annotated[User | None, Depends(_current_user)]
