"""Two app nodes (separate `pavilion serve` processes) sharing one database and one Redis: a
session room spans both, every member sees every message once and in the one order, and a
client that moves from one node to the other resumes without a gap or a duplicate.

The database is PostgreSQL, as in the deployment these tests stand for (docker-compose.yml:
two replicas on PostgreSQL and Redis); two processes writing one SQLite file would mostly
test SQLite's file lock."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from server.clock import SystemClock
from tests.conftest import postgres_database
from tests.redis_server import RedisServer, redis_server
from tests.roomclient import RoomClient, numbered
from tests.rooms_world import build_world, token_of
from tests.servers import serve_in_process

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

SENDERS = (("alice", 0), ("bob", 1), ("carol", 0), ("moderator", 1))  # person, node
PER_SENDER = 24


@dataclass(frozen=True)
class Cluster:
    nodes: tuple[str, str]
    sessions: dict[str, int]

    def room(self, slug: str) -> str:
        return f"session:{self.sessions[slug]}"


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(
    redis: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cluster]:
    """Two nodes for the module (starting one takes seconds); each test uses its own room."""
    folder = tmp_path_factory.mktemp("multinode")
    async with postgres_database() as database_url:
        _, sessions = await build_world(database_url, SystemClock())
        env = {
            "PAVILION_ENVIRONMENT": "test",
            "PAVILION_DATABASE_URL": database_url,
            "PAVILION_REDIS_URL": redis.url,
            "PAVILION_MARATHON_RUNNER": "false",
            "PAVILION_MEDIA_DIR": str(folder / "media"),
            "PAVILION_LOG_FORMAT": "text",
            "PAVILION_LOG_LEVEL": "WARNING",
        }
        with ExitStack() as stack:
            started = await asyncio.gather(
                *(
                    asyncio.to_thread(
                        stack.enter_context, serve_in_process(env, folder / f"node{n}.log")
                    )
                    for n in (1, 2)
                ),
                return_exceptions=True,  # both started (or failed) before the stack may unwind
            )
            for result in started:
                if isinstance(result, BaseException):
                    raise result
            one, two = started
            assert isinstance(one, str) and isinstance(two, str)
            yield Cluster((one, two), sessions)


@pytest.fixture
async def opened() -> AsyncIterator[list[RoomClient]]:
    clients: list[RoomClient] = []
    yield clients
    for client in clients:
        await client.close()


async def join(
    clients: list[RoomClient], url: str, person: str, room: str, since: Any = None
) -> tuple[RoomClient, dict[str, Any]]:
    client = await RoomClient.open(url, token_of(person))
    clients.append(client)
    return client, await client.join(room, since)


def chat(pushes: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """(seq, text) of the chat messages among these pushes, in arrival order."""
    return [(p["seq"], p["data"]["message"]["text"]) for p in pushes if p["type"] == "chat.message"]


def assert_consecutive(pushes: list[dict[str, Any]], after: int) -> None:
    """Every numbered push of the room once, without a gap, from seq `after` + 1 on."""
    seqs = [p["seq"] for p in numbered(pushes)]
    assert seqs == list(range(after + 1, after + 1 + len(seqs)))


async def send_all(client: RoomClient, person: str, room: str, pause_at: dict[int, Any]) -> None:
    """Send PER_SENDER numbered messages, waiting at the given numbers for the test to go on."""
    for n in range(PER_SENDER):
        if n in pause_at:
            await pause_at[n]()
        await client.ok("chat.send", room, {"text": f"{person}:{n}"})
        await asyncio.sleep(0.005)


async def test_members_on_two_nodes_see_every_message_once_and_in_the_same_order(
    cluster: Cluster, opened: list[RoomClient]
) -> None:
    room = cluster.room("round-table")
    listeners = [await join(opened, cluster.nodes[n], "invitee", room) for n in (0, 1)]
    senders = [(p, *await join(opened, cluster.nodes[n], p, room)) for p, n in SENDERS]
    total = len(SENDERS) * PER_SENDER

    await asyncio.gather(*(send_all(c, p, room, {}) for p, c, _ in senders))

    everyone = [*listeners, *((c, joined) for _, c, joined in senders)]
    for client, _ in everyone:

        def has_all(c: RoomClient = client) -> bool:
            return len(chat(c.pushes[room])) == total

        await client.wait_for(has_all, 20, "every message")
    seen = [chat(client.pushes[room]) for client, _ in everyone]
    assert all(s == seen[0] for s in seen)
    texts = [text for _, text in seen[0]]
    assert sorted(texts) == sorted(f"{p}:{n}" for p, _ in SENDERS for n in range(PER_SENDER))
    for person, _ in SENDERS:  # each sender's messages in the order it sent them
        assert [t for t in texts if t.startswith(f"{person}:")] == [
            f"{person}:{n}" for n in range(PER_SENDER)
        ]
    for client, joined in everyone:
        assert_consecutive(client.pushes[room], joined["seq"])


async def test_a_client_moved_to_the_other_node_mid_stream_resumes_without_gap_or_duplicate(
    cluster: Cluster, opened: list[RoomClient]
) -> None:
    room = cluster.room("overlapping-talk")
    watcher, watcher_joined = await join(opened, cluster.nodes[1], "invitee", room)
    mover, first_join = await join(opened, cluster.nodes[0], "organiser", room)
    senders = [(p, *await join(opened, cluster.nodes[n], p, room)) for p, n in SENDERS]
    total = len(SENDERS) * PER_SENDER
    away, back = asyncio.Event(), asyncio.Event()
    reached = itertools.count(1)
    all_sent_while_away = asyncio.Event()

    async def sent_before_move() -> None:  # at a third: wait until the mover left node 1
        await away.wait()

    async def sent_while_away() -> None:  # at two thirds: wait until it is back on node 2
        if next(reached) == len(SENDERS):
            all_sent_while_away.set()
        await back.wait()

    pauses = {PER_SENDER // 3: sent_before_move, 2 * PER_SENDER // 3: sent_while_away}
    sending = asyncio.gather(*(send_all(c, p, room, pauses) for p, c, _ in senders))

    # Leave node 1 while messages are still coming, having seen a few.
    await mover.wait_for(lambda: len(chat(mover.pushes[room])) >= 5, 10, "first messages")
    await mover.close()
    away.set()
    before = list(mover.pushes[room])
    await asyncio.wait_for(all_sent_while_away.wait(), 20)
    since = (before[-1]["epoch"], before[-1]["seq"])
    moved, resumed = await join(opened, cluster.nodes[1], "organiser", room, since)
    back.set()
    await asyncio.wait_for(sending, 30)

    after = moved.pushes[room]
    await moved.wait_for(lambda: len(chat(before + after)) == total, 20, "every message")
    await watcher.wait_for(lambda: len(chat(watcher.pushes[room])) == total, 20, "every message")
    assert (resumed["recovered"], resumed["epoch"]) == (True, first_join["epoch"])
    assert_consecutive(before + after, first_join["seq"])
    assert chat(before + after) == chat(watcher.pushes[room])
    assert_consecutive(watcher.pushes[room], watcher_joined["seq"])
    # It left before anything of the second third was sent: that came by replay.
    numbers_before = [int(text.split(":")[1]) for _, text in chat(before)]
    assert len(numbers_before) >= 5
    assert max(numbers_before) < PER_SENDER // 3
