"""Request-scoped dependencies, as short `Annotated` aliases for route signatures."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.db import Database
from server.errors import Forbidden, Unauthorized
from server.settings import Settings


def _database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with _database(request).session() as session:
        yield session


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DbSession = Annotated[AsyncSession, Depends(_session)]
AppClock = Annotated[Clock, Depends(_clock)]
AppSettings = Annotated[Settings, Depends(_settings)]


def _organiser(request: Request) -> None:
    """Organiser actions need `Authorization: Bearer <PAVILION_ORGANISER_TOKEN>`.

    A stand-in until accounts and roles land: one shared token, compared in constant time.
    """
    expected = _settings(request).organiser_token
    if expected is None:
        raise Forbidden(
            "organiser actions are turned off on this server (PAVILION_ORGANISER_TOKEN is not set)"
        )
    scheme, _, supplied = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not supplied:
        raise Unauthorized("organiser actions need an Authorization: Bearer token")
    if not hmac.compare_digest(supplied.encode(), expected.get_secret_value().encode()):
        raise Forbidden("this token does not allow organiser actions")


Organiser = Depends(_organiser)
