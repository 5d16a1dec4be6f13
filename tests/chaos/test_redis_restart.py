"""Redis trouble while two nodes carry a busy session room.

A restart that loses everything: members are told to start over (`room.reset`), resume as the
protocol says, and end up with every message whose `chat.send` was acknowledged; then the room
carries on. Dropped pub/sub connections (Redis keeps its data): the nodes catch up from the
streams and members see nothing at all, no reset, no gap, no repeat."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import pytest

from server.clock import FakeClock
from server.realtime.bus import RESET
from tests.chaos.conftest import Open, nodes
from tests.redis_server import RedisServer
from tests.roomclient import RoomClient, numbered

pytestmark = pytest.mark.redis

# person -> node; the senders are members too. Fewer messages in all than the snapshot's 100.
LISTENERS = (("invitee", 0), ("invitee", 1))
SENDERS = (("alice", 0), ("bob", 1), ("carol", 0), ("moderator", 1))
PER_SENDER = 15
RESTART_AFTER = 16  # acknowledged messages


class Follower:
    """A member that keeps its view of the room's chat as docs/rooms.md tells a client to: apply
    pushes in seq order, skip what it already has, and join again with `since` on any
    `room.reset`, a new epoch or a gap (a snapshot then replaces what it had); pushes of an
    epoch it left are stale."""

    def __init__(self, client: RoomClient, room: str) -> None:
        self.client = client
        self.room = room
        self.messages: dict[int, str] = {}
        self.epoch = ""
        self.seq = 0
        self.old_epochs: set[str] = set()
        self.resets = 0
        self.snapshots = 0
        self._cursor = 0
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def start(self) -> None:
        await self._join()
        self._task = asyncio.create_task(self._follow())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _join(self) -> None:
        since = {"since": {"epoch": self.epoch, "seq": self.seq}} if self.epoch else {}
        while True:  # while Redis is away, a join is refused (internal): try again
            reply = await self.client.call("room.join", self.room, since)
            if reply["ok"]:
                break
            assert reply["error"]["code"] == "internal", reply
            await asyncio.sleep(0.1)
        data = reply["data"]
        if self.epoch and data["epoch"] != self.epoch:
            self.old_epochs.add(self.epoch)
        self.epoch = data["epoch"]
        if not data["recovered"]:
            self.snapshots += 1
            self.messages = {m["id"]: m["text"] for m in data["snapshot"]["messages"]}
            self.seq = data["seq"]

    async def _follow(self) -> None:
        try:
            await self._apply_pushes()
        finally:
            self._changed.set()  # `has` notices a follower that failed

    async def _apply_pushes(self) -> None:
        pushes = self.client.pushes[self.room]
        while True:
            await self.client.wait_for(lambda: len(pushes) > self._cursor, 3600)
            push = pushes[self._cursor]
            self._cursor += 1
            if push["epoch"] in self.old_epochs:
                continue  # sent before we started over
            if push["type"] == RESET:  # even in the epoch it is in: the node lost its place
                self.resets += 1
                await self._join()
            elif push["epoch"] != self.epoch or push["seq"] > self.seq + 1:
                await self._join()
            elif push["seq"] == self.seq + 1:
                self.seq = push["seq"]
                if push["type"] == "chat.message":
                    message = push["data"]["message"]
                    self.messages[message["id"]] = message["text"]
            self._changed.set()

    def texts(self) -> set[str]:
        return set(self.messages.values())

    async def has(self, texts: set[str], within: float = 20) -> None:
        """Wait until these messages are among what it holds."""

        async def loop() -> None:
            while not texts <= self.texts():
                if self._task is not None and self._task.done():
                    self._task.result()  # what it failed with
                    raise AssertionError("the follower stopped")
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(loop(), within)
        except TimeoutError:
            missing = sorted(texts - self.texts())
            raise AssertionError(f"{self.client} never got {missing}") from None


# Down briefly, a publish waits for Redis (its retries); down longer, a stored message is
# acknowledged and its news redelivered once Redis is back (Bus.deliver). Either way every
# send is acknowledged, and every acknowledged message must arrive.
@pytest.mark.parametrize("down_for", [0.3, 1.5], ids=["brief", "long"])
async def test_after_a_redis_restart_members_resume_with_every_acknowledged_message(
    tmp_path: Path, clock: FakeClock, redis: RedisServer, open_client: Open, down_for: float
) -> None:
    with nodes(tmp_path, clock, count=2, redis_url=redis.url) as (world, urls):
        room = world.room("round-table")
        followers: list[Follower] = []
        clients: dict[str, RoomClient] = {}
        for person, node in (*LISTENERS, *SENDERS):
            client = await open_client(urls[node], world.tokens[person])
            clients[person] = client
            followers.append(Follower(client, room))
        for follower in followers:
            await follower.start()
        acknowledged: list[str] = []
        refused: list[str] = []
        restarted = asyncio.Event()

        async def send(person: str) -> None:
            for n in range(PER_SENDER):
                text = f"{person} {n}"
                reply = await clients[person].call("chat.send", room, {"text": text})
                if not reply["ok"]:
                    assert reply["error"]["code"] == "internal", reply
                (acknowledged if reply["ok"] else refused).append(text)
                if len(acknowledged) >= RESTART_AFTER and not restarted.is_set():
                    restarted.set()
                await asyncio.sleep(0.02)

        async def restart_redis() -> None:
            await restarted.wait()
            await asyncio.to_thread(redis.restart, down_for=down_for)

        try:
            await asyncio.wait_for(
                asyncio.gather(restart_redis(), *(send(p) for p, _ in SENDERS)), 60
            )
            for follower in followers:
                await follower.has(set(acknowledged))
            # And the room carries on: one more message reaches everyone.
            await clients["alice"].ok("chat.send", room, {"text": "after the storm"})
            for follower in followers:
                await follower.has({"after the storm"})
        finally:
            for follower in followers:
                await follower.stop()

        assert (len(acknowledged), refused) == (len(SENDERS) * PER_SENDER, [])
        # Everyone was told, and started over from a snapshot (after the first one, on joining).
        assert all(f.resets >= 1 and f.snapshots >= 2 for f in followers)


async def test_dropped_pubsub_connections_cost_members_nothing(
    tmp_path: Path, clock: FakeClock, redis: RedisServer, open_client: Open
) -> None:
    with nodes(tmp_path, clock, count=2, redis_url=redis.url) as (world, urls):
        room = world.room("round-table")
        clients: list[RoomClient] = []
        joins: list[dict[str, Any]] = []
        for person, node in (*LISTENERS, *SENDERS):
            clients.append(await open_client(urls[node], world.tokens[person]))
            joins.append(await clients[-1].join(room))
        senders = dict(zip((p for p, _ in SENDERS), clients[len(LISTENERS) :], strict=True))
        sent: list[str] = []

        async def send(person: str) -> None:
            for n in range(PER_SENDER):
                await senders[person].ok("chat.send", room, {"text": f"{person} {n}"})
                sent.append(f"{person} {n}")
                if len(sent) in (RESTART_AFTER, 2 * RESTART_AFTER):  # twice, while it flows
                    redis.command("CLIENT", "KILL", "TYPE", "pubsub")
                await asyncio.sleep(0.02)

        await asyncio.wait_for(asyncio.gather(*(send(p) for p, _ in SENDERS)), 60)

        def chat(client: RoomClient) -> list[tuple[int, str]]:
            pushes = client.pushes[room]
            return [
                (p["seq"], p["data"]["message"]["text"])
                for p in pushes
                if p["type"] == "chat.message"
            ]

        for client in clients:

            def has_all(c: RoomClient = client) -> bool:
                return len(chat(c)) == len(sent)

            await client.wait_for(has_all, 20, "every message")
        assert sorted(text for _, text in chat(clients[0])) == sorted(sent)
        assert all(chat(client) == chat(clients[0]) for client in clients)
        for client, joined in zip(clients, joins, strict=True):  # no gap, no repeat, no reset
            pushes = numbered(client.pushes[room])
            assert [(p["epoch"], p["seq"]) for p in pushes] == [
                (joined["epoch"], seq)
                for seq in range(joined["seq"] + 1, joined["seq"] + 1 + len(pushes))
            ]
