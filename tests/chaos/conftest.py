"""Fixtures for the chaos tests: apps on real uvicorn (one or more nodes on one database), our
own Redis that a test may restart, and room sockets closed after the test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from server.app import create_app
from server.clock import FakeClock
from tests.integration.conftest import room_settings
from tests.redis_server import RedisServer, redis_server
from tests.roomclient import RoomClient
from tests.rooms_world import PEOPLE, World, build_world, token_of
from tests.servers import serve_in_thread

Open = Callable[[str, str], Awaitable[RoomClient]]


@contextmanager
def nodes(
    folder: Path,
    clock: FakeClock,
    count: int = 1,
    send_buffer: int | None = None,
    **overrides: object,
) -> Iterator[tuple[World, list[str]]]:
    """`count` app nodes on one SQLite database, the rooms world loaded before the first
    starts; the world and every node's URL. Pass `redis_url` to fan out through Redis."""
    settings = room_settings(folder, **overrides)
    found: dict[str, dict[str, int]] = {}

    async def load() -> None:
        found["users"], found["sessions"] = await build_world(settings.database_url, clock)

    with ExitStack() as stack:
        urls = [
            stack.enter_context(
                serve_in_thread(create_app(settings, clock=clock), load, send_buffer)
            )
        ]
        for _ in range(count - 1):
            urls.append(stack.enter_context(serve_in_thread(create_app(settings, clock=clock))))
        world = World(
            url=urls[0],
            tokens={p: token_of(p) for p in PEOPLE},
            user_ids=found["users"],
            sessions=found["sessions"],
            forum="test-forum",
        )
        yield world, urls


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest.fixture
async def open_client() -> AsyncIterator[Open]:
    """`await open_client(url, token)`: a room socket, closed after the test."""
    opened: list[RoomClient] = []

    async def open_one(url: str, token: str) -> RoomClient:
        client = await RoomClient.open(url, token)
        opened.append(client)
        return client

    yield open_one
    for client in opened:
        await client.close()
