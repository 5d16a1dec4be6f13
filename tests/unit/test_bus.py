import asyncio
from typing import Any

from server.realtime.bus import RESET, MemoryBus


async def test_publish_numbers_events_per_room_in_order() -> None:
    bus = MemoryBus()

    seqs = [await bus.publish("session:1", "chat.message", {"n": n}) for n in range(3)]
    other = await bus.publish("session:2", "chat.message", {})

    assert [s for _, s in seqs] == [1, 2, 3]
    assert other == (bus.epoch, 1)


async def test_history_replays_what_came_after_since() -> None:
    bus = MemoryBus()
    for n in range(5):
        await bus.publish("r", "t", {"n": n})

    missed = await bus.history("r", since=3)

    assert [(e.seq, e.data) for e in missed or []] == [(4, {"n": 3}), (5, {"n": 4})]


async def test_history_says_none_when_it_no_longer_reaches_back() -> None:
    bus = MemoryBus(history_size=3)
    for n in range(5):
        await bus.publish("r", "t", {"n": n})

    assert await bus.history("r", since=1) is None
    assert [e.seq for e in await bus.history("r", since=2) or []] == [3, 4, 5]


async def test_a_subscriber_receives_events_published_after_it_joined() -> None:
    bus = MemoryBus()
    stream = bus.subscribe("r")
    first = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)

    await bus.publish("r", "t", {"hello": 1})

    event = await asyncio.wait_for(first, timeout=5)
    assert (event.seq, event.type, event.data) == (1, "t", {"hello": 1})
    await stream.aclose()


async def test_a_subscriber_that_falls_behind_is_dropped_with_a_reset_not_blocking_the_room() -> (
    None
):
    bus = MemoryBus(queue_size=2)
    stream = bus.subscribe("r")

    for n in range(10):
        await bus.publish("r", "t", {"n": n})

    received = [(event.seq, event.type) async for event in stream]
    assert received == [(2, "t"), (0, RESET)]
    assert await bus.position("r") == (bus.epoch, 10)


class _FlakyBus(MemoryBus):
    """A memory bus that cannot be reached for its first `failures` publishes."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def publish(self, room: str, type: str, data: dict[str, Any]) -> tuple[str, int]:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("the bus is away")
        return await super().publish(room, type, data)


async def test_deliver_keeps_trying_in_the_background_while_the_bus_is_away() -> None:
    bus = _FlakyBus(failures=3)
    stream = bus.subscribe("r")

    await bus.deliver("r", "chat.message", {"n": 1})  # does not raise

    event = await asyncio.wait_for(anext(stream), timeout=10)
    assert (event.seq, event.type, event.data, bus.failures) == (1, "chat.message", {"n": 1}, 0)
    await bus.close()
