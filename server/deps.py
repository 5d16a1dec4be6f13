"""Request-scoped dependencies, as short `Annotated` aliases for route signatures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.hashing import Passwords
from server.accounts.models import User
from server.accounts.service import user_for_token
from server.clock import Clock
from server.credentials import SESSION_COOKIE
from server.db import Database
from server.errors import Forbidden
from server.realtime.bus import Bus
from server.settings import Settings
from server.unit import unit_of_work


def _database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed once the route has returned, and only then are
    the events it collected published (server/unit.py); rolled back if the route raised."""
    async with _database(request).session() as db, unit_of_work(db, request.app.state.bus):
        yield db


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


async def _notice_kinds(request: Request) -> frozenset[str]:
    """The kinds of notice there are (server/notices/), handed over by the app: accounts keep a
    person's choice of them but sit below notices, so they cannot import the list."""
    kinds: frozenset[str] = request.app.state.notice_kinds
    return kinds


# Closed as soon as the route returns (before the answer is sent), so its connection and, on
# SQLite, the writer slot are free at once; and closed before a retry (server/transient.py).
DbSession = Annotated[AsyncSession, Depends(_session, scope="function")]
AppClock = Annotated[Clock, Depends(_clock)]
AppSettings = Annotated[Settings, Depends(_settings)]
AppPasswords = Annotated[Passwords, Depends(_passwords)]
AppBus = Annotated[Bus, Depends(_bus)]
NoticeKinds = Annotated[frozenset[str], Depends(_notice_kinds)]


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# The two ways to say who is asking, declared so that /openapi.json lists them as security
# schemes on every operation that reads the person (neither refuses by itself: a route that
# needs somebody says 401).
_BEARER = HTTPBearer(
    scheme_name="bearer",
    description="The session token that sign-up and sign-in answer: `Authorization: Bearer …`",
    auto_error=False,
)
_COOKIE = APIKeyCookie(
    name=SESSION_COOKIE,
    scheme_name="session_cookie",
    description="The same token as an HttpOnly cookie (browsers); a state-changing request "
    "that relies on it must come from one of the app's own origins",
    auto_error=False,
)
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]
Cookie = Annotated[str | None, Depends(_COOKIE)]


async def _current_user(
    request: Request, db: DbSession, clock: AppClock, bearer: Bearer, cookie: Cookie
) -> User | None:
    """Who is asking: from `Authorization: Bearer`, else the session cookie; None if nobody.

    A cookie rides along with cross-site requests, so a state-changing request that relies
    on it must come from one of our own origins (bearer tokens are never sent implicitly)."""
    token = bearer.credentials if bearer is not None else None
    if token is None:
        token = cookie
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
