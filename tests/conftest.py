"""Shared fixtures: a migrated database, a fake clock, and an app with its HTTP client; and,
for the whole session, every push checked against the push registry."""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from server.app import create_app
from server.clock import FakeClock
from server.db import Database
from server.pushes import PUSHES, push_check
from server.realtime.bus import MemoryBus
from server.settings import Settings
from tests.migrated import migrated

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
NEVER_EMITTED = pytest.StashKey[list[str]]()


@pytest.fixture(scope="session", autouse=True)
def pushes_checked(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """Every push the suite emits is checked against its model in the push registry
    (server/pushes.py): set in the environment before the first app or `pavilion serve` child
    is made (Settings read it; children inherit it), every bus checks what it carries and
    appends what does not match to one audit file. The session fails at its end, listing
    them, if any did not match."""
    audit = tmp_path_factory.mktemp("pushes") / "audit.jsonl"
    environment = pytest.MonkeyPatch()
    environment.setenv("PAVILION_CHECK_PUSHES", "true")
    environment.setenv("PAVILION_PUSH_AUDIT", str(audit))
    try:
        yield audit
    finally:
        environment.undo()
    bad, seen = _read_audit(audit)
    request.config.stash[NEVER_EMITTED] = sorted(set(PUSHES) - seen)
    if bad:
        pytest.fail(_bad_pushes(bad, audit), pytrace=False)


def _read_audit(audit: Path) -> tuple[list[dict[str, Any]], set[str]]:
    """The pushes that did not match their model, and the types seen."""
    lines = audit.read_text(encoding="utf-8").splitlines() if audit.exists() else []
    records = [json.loads(line) for line in lines]
    return [r for r in records if r["kind"] == "bad"], {r["type"] for r in records}


def _bad_pushes(bad: list[dict[str, Any]], audit: Path) -> str:
    by_type: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in bad:
        by_type[record["type"]].append(record)
    parts = [f"{len(bad)} push(es) did not match the push registry (all of them: {audit}):"]
    for type_, records in sorted(by_type.items()):
        first = records[0]
        data = json.dumps(first["data"], ensure_ascii=False)[:400]
        parts.append(f"- {type_} ×{len(records)}, e.g. in {first['room']}: {data}")
        parts.append("  " + first["error"].replace("\n", "\n  "))
    return "\n".join(parts)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    never = config.stash.get(NEVER_EMITTED, None)
    if never:
        terminalreporter.write_line(f"push types this run never emitted: {', '.join(never)}")


def need(reason: str) -> None:
    """Skip on a laptop when a service is missing; fail in CI, where it must be there."""
    if IN_CI:
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


def checked_bus(**options: Any) -> MemoryBus:
    """A memory bus that checks its pushes as an app's bus does (`pushes_checked`), for a test
    that hands its own bus to `create_app` or to a runner."""
    return MemoryBus(check=push_check(Settings()), **options)


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
    await migrated(database_url)
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
