"""The bus contract of `RedisBus` against a real Redis (our own `redis-server`, see
tests/redis_server.py): numbering, history, subscriptions, presence, two nodes sharing one
Redis, and what a subscriber sees when Redis restarts or its pub/sub connection drops."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack

import pytest

from server.realtime.bus import RESET, Event
from server.realtime.redis_bus import RedisBus
from tests.redis_server import RedisServer, redis_server

pytestmark = pytest.mark.redis

Buses = Callable[..., Awaitable[RedisBus]]


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest.fixture
async def new_bus(redis: RedisServer) -> AsyncIterator[Buses]:
    """`await new_bus(history_size=...)`: a started RedisBus (a "node"), closed afterwards."""
    async with AsyncExitStack() as stack:

        async def make(history_size: int = 1000) -> RedisBus:
            bus = RedisBus(redis.url, history_size=history_size)
            await bus.start()
            stack.push_async_callback(bus.close)
            return bus

        yield make


async def subscribed(bus: RedisBus, room: str) -> AsyncIterator[Event]:
    stream = bus.subscribe(room)
    await asyncio.wait_for(bus.ready(room), timeout=10)
    return stream


async def take(stream: AsyncIterator[Event], count: int, within: float = 10) -> list[Event]:
    async def collect() -> list[Event]:
        return [await anext(stream) for _ in range(count)]

    return await asyncio.wait_for(collect(), within)


async def nothing_more(stream: AsyncIterator[Event], wait: float = 0.3) -> None:
    """Nothing else arrives within `wait` seconds (no duplicate trails behind)."""
    try:
        extra = await asyncio.wait_for(anext(stream), wait)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected event {extra}")


def publish_blocking(url: str, room: str, numbers: range) -> None:
    """Publish from another node (a thread of its own), holding up the caller's event loop."""

    async def burst() -> None:
        bus = RedisBus(url)
        try:
            for n in numbers:
                await bus.publish(room, "t", {"n": n})
        finally:
            await bus.close()

    thread = threading.Thread(target=asyncio.run, args=(burst(),))
    thread.start()
    thread.join(timeout=30)


def numbered(events: list[Event]) -> list[tuple[int, str, int]]:
    return [(e.seq, e.type, e.data.get("n", -1)) for e in events]


async def test_publish_numbers_events_per_room_from_one_within_one_epoch(new_bus: Buses) -> None:
    bus = await new_bus()

    first = [await bus.publish("session:1", "chat.message", {"n": n}) for n in range(3)]
    other = await bus.publish("session:2", "chat.message", {"n": 0})

    epoch = first[0][0]
    assert first == [(epoch, 1), (epoch, 2), (epoch, 3)]
    assert other[1] == 1
    assert await bus.position("session:1") == (epoch, 3)


async def test_position_of_an_unused_room_is_zero_and_is_the_same_on_every_node(
    new_bus: Buses,
) -> None:
    one, two = await new_bus(), await new_bus()

    before = await one.position("session:9")
    await two.publish("session:9", "t", {})

    assert before[1] == 0
    assert await one.position("session:9") == (before[0], 1)
    assert await two.position("session:9") == (before[0], 1)


async def test_history_replays_what_came_after_since(new_bus: Buses) -> None:
    bus = await new_bus()
    for n in range(5):
        await bus.publish("r", "t", {"n": n})

    missed = await bus.history("r", since=3)
    everything = await bus.history("r", since=0)
    nothing = await bus.history("r", since=5)

    assert [(e.seq, e.data) for e in missed or []] == [(4, {"n": 3}), (5, {"n": 4})]
    assert [e.seq for e in everything or []] == [1, 2, 3, 4, 5]
    assert nothing == []


async def test_history_says_none_once_the_stream_was_trimmed_past_since(new_bus: Buses) -> None:
    # MAXLEN ~ trims whole stream nodes (100 entries each), so publish well past that.
    bus = await new_bus(history_size=10)
    for n in range(400):
        await bus.publish("r", "t", {"n": n})

    assert await bus.history("r", since=1) is None
    recent = await bus.history("r", since=395)
    assert [(e.seq, e.data["n"]) for e in recent or []] == [(s, s - 1) for s in range(396, 401)]


async def test_a_subscriber_receives_every_later_event_in_order(new_bus: Buses) -> None:
    bus = await new_bus()
    await bus.publish("r", "t", {"n": -1})  # before subscribing: not delivered
    stream = await subscribed(bus, "r")

    for n in range(50):
        await bus.publish("r", "t", {"n": n})

    assert numbered(await take(stream, 50)) == [(n + 2, "t", n) for n in range(50)]
    await nothing_more(stream)
    await stream.aclose()  # type: ignore[attr-defined]


async def test_presence_is_the_union_of_every_nodes_members(new_bus: Buses) -> None:
    one, two = await new_bus(), await new_bus()

    await one.set_presence("r", {1, 2})
    await two.set_presence("r", {2, 3})
    both = (await one.presence("r"), await two.presence("r"))
    await one.set_presence("r", set())
    after_one_left = (await one.presence("r"), await two.presence("r"))

    assert both == ({1, 2, 3}, {1, 2, 3})
    assert after_one_left == ({2, 3}, {2, 3})


async def test_a_closed_node_takes_its_members_out_of_presence(redis: RedisServer) -> None:
    one, two = RedisBus(redis.url), RedisBus(redis.url)
    await one.start()
    await two.start()
    try:
        await one.set_presence("r", {1})
        await two.set_presence("r", {2})
        await one.close()

        assert await two.presence("r") == {2}
    finally:
        await two.close()


async def test_events_published_on_either_node_reach_subscribers_on_both_once_and_in_order(
    new_bus: Buses,
) -> None:
    one, two = await new_bus(), await new_bus()
    on_one, on_two = await subscribed(one, "r"), await subscribed(two, "r")

    async def send(bus: RedisBus, start: int) -> None:
        for n in range(start, 60, 2):
            await bus.publish("r", "t", {"n": n})

    await asyncio.gather(send(one, 0), send(two, 1))

    seen_on_one, seen_on_two = await take(on_one, 60), await take(on_two, 60)
    assert [e.seq for e in seen_on_one] == list(range(1, 61))
    assert numbered(seen_on_one) == numbered(seen_on_two)
    assert sorted(e.data["n"] for e in seen_on_one) == list(range(60))
    await nothing_more(on_one)
    await nothing_more(on_two)


async def test_a_redis_restart_that_loses_the_data_resets_subscribers_into_a_new_epoch(
    redis: RedisServer, new_bus: Buses
) -> None:
    bus, other = await new_bus(), await new_bus()
    stream = await subscribed(bus, "r")
    old_epoch, _ = await other.publish("r", "t", {"n": 0})
    await take(stream, 1)

    await asyncio.to_thread(redis.restart)
    reset = await take(stream, 1, within=15)
    new_epoch, seq = await other.publish("r", "t", {"n": 1})
    after = await take(stream, 1)

    assert (reset[0].type, reset[0].seq) == (RESET, 0)
    assert reset[0].epoch == new_epoch != old_epoch
    assert seq == 1
    assert [(e.epoch, e.seq, e.data) for e in after] == [(new_epoch, 1, {"n": 1})]
    assert await bus.history("r", since=0) == after
    await nothing_more(stream)


async def test_a_dropped_pubsub_connection_is_caught_up_from_the_stream_without_gap_or_duplicate(
    redis: RedisServer, new_bus: Buses
) -> None:
    publisher, listener = await new_bus(), await new_bus()
    stream = await subscribed(listener, "r")
    for n in range(10):
        await publisher.publish("r", "t", {"n": n})
    await take(stream, 10)

    # While this event loop (and so the listener) is held up: drop every pub/sub connection,
    # then publish from elsewhere. These events reach the listener only through the stream.
    redis.command("CLIENT", "KILL", "TYPE", "pubsub")
    publish_blocking(redis.url, "r", range(10, 30))
    for n in range(30, 40):
        await publisher.publish("r", "t", {"n": n})

    rest = await take(stream, 30)
    assert numbered(rest) == [(n + 1, "t", n) for n in range(10, 40)]
    assert listener.reconnects == 1
    await nothing_more(stream)


async def test_a_listener_refused_by_redis_on_reconnecting_keeps_trying_and_recovers(
    redis: RedisServer, new_bus: Buses
) -> None:
    publisher, listener = await new_bus(), await new_bus()
    stream = await subscribed(listener, "r")
    await publisher.publish("r", "t", {"n": 0})
    await take(stream, 1)

    # Redis refuses writes (out of memory) just when the listener reconnects and re-reads.
    redis.command("CONFIG", "SET", "maxmemory", "1")
    redis.command("CLIENT", "KILL", "TYPE", "pubsub")
    await asyncio.sleep(0.5)  # a few attempts, all refused
    redis.command("CONFIG", "SET", "maxmemory", "0")
    for n in range(1, 4):
        await publisher.publish("r", "t", {"n": n})

    assert numbered(await take(stream, 3)) == [(2, "t", 1), (3, "t", 2), (4, "t", 3)]
    await nothing_more(stream)


async def test_a_volatile_event_reaches_every_node_unnumbered_and_is_not_kept(
    new_bus: Buses,
) -> None:
    one, two = await new_bus(), await new_bus()
    stream = await subscribed(two, "r")
    await one.publish("r", "t", {"n": 1})

    await one.publish_volatile("r", "presence.counts", {"online": 3})
    await one.publish("r", "t", {"n": 2})

    received = await take(stream, 3)
    epoch, seq = await one.position("r")
    assert [(e.seq, e.type, e.data) for e in received] == [
        (1, "t", {"n": 1}),
        (0, "presence.counts", {"online": 3}),
        (2, "t", {"n": 2}),
    ]
    assert received[1].epoch == epoch and seq == 2
    assert [e.seq for e in await two.history("r", since=0) or []] == [1, 2]
    await nothing_more(stream)
