"""A running app for the room tests: real uvicorn, real sockets, the rooms world loaded; and a
real SMTP server for the mail tests (a module points its `settings` at `smtp_port`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from server.app import create_app
from server.clock import FakeClock
from server.settings import Settings
from tests.roomclient import RoomClient
from tests.rooms_world import PEOPLE, World, build_world, token_of
from tests.servers import free_port, serve_in_thread
from tests.smtp_server import Inbox, smtp_server


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    """An SMTP server on 127.0.0.1:`smtp_port` for the test, and what it received."""
    with smtp_server(smtp_port) as (received, _):
        yield received


def room_settings(folder: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "database_url": f"sqlite+aiosqlite:///{folder / 'rooms.db'}",
        "media_dir": folder / "media",
        "log_format": "text",
        "log_level": "WARNING",
        "public_url": "http://pavilion.test",
        "marathon_runner": False,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


def serve_world(settings: Settings, clock: FakeClock) -> Iterator[World]:
    found: dict[str, dict[str, int]] = {}

    async def before() -> None:
        found["users"], found["sessions"] = await build_world(settings.database_url, clock)

    with serve_in_thread(create_app(settings, clock=clock), before) as url:
        yield World(
            url=url,
            tokens={p: token_of(p) for p in PEOPLE},
            user_ids=found["users"],
            sessions=found["sessions"],
            forum="test-forum",
            database_url=settings.database_url,
        )


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock) -> Iterator[World]:
    """A fresh app and database per test (the rooms world loaded)."""
    yield from serve_world(room_settings(tmp_path), clock)


@pytest.fixture
async def connect(world: World) -> AsyncIterator[object]:
    """`await connect("alice")`: a room socket for that person, closed after the test."""
    opened: list[RoomClient] = []

    async def open_for(person: str) -> RoomClient:
        client = await RoomClient.open(world.url, world.tokens[person])
        opened.append(client)
        return client

    yield open_for
    for client in opened:
        await client.close()
