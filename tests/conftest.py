"""Shared fixtures: a migrated database, a fake clock, and an app with its HTTP client."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from server.app import create_app
from server.clock import FakeClock
from server.db import Database
from server.migrate import upgrade
from server.settings import Settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(reason: str) -> None:
    """Skip on a laptop when a service is missing; fail in CI, where it must be there."""
    if IN_CI:
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        need("Debian's chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2027, 3, 20, 9, 0, tzinfo=UTC))


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'pavilion.db'}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        media_dir=tmp_path / "media",
        log_format="text",
        public_url="http://pavilion.test",
    )


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[AsyncSession]:
    await upgrade(database_url)
    database = Database(database_url)
    async with database.session() as session:
        yield session
    await database.dispose()


@pytest.fixture
async def client(
    settings: Settings, clock: FakeClock, db: AsyncSession
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client against a real app on the same (migrated) database as `db`."""
    app = create_app(settings, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=transport, base_url="http://pavilion.test") as c:
            yield c


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database on 127.0.0.1:5432, dropped afterwards."""
    import uuid

    import asyncpg

    if not port_open("127.0.0.1", 5432):
        need("PostgreSQL is not reachable on 127.0.0.1:5432")
    name = f"pavilion_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(host="127.0.0.1", port=5432, user="postgres", database="postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def either_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A test module that names this as its `database_url` runs once on SQLite and once on a
    fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'pavilion.db'}"
        return
    async with postgres_database() as url:
        yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    async with postgres_database() as url:
        yield url
