import asyncio
import stat
from pathlib import Path
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


async def test_a_volatile_event_reaches_subscribers_unnumbered_and_is_never_replayed() -> None:
    bus = MemoryBus()
    stream = bus.subscribe("r")
    await bus.publish("r", "t", {"n": 1})

    await bus.publish_volatile("r", "presence.counts", {"online": 7})
    await bus.publish("r", "t", {"n": 2})

    received = [await anext(stream) for _ in range(3)]
    assert [(e.seq, e.type) for e in received] == [(1, "t"), (0, "presence.counts"), (2, "t")]
    assert [e.seq for e in await bus.history("r", since=0) or []] == [1, 2]
    assert await bus.position("r") == (bus.epoch, 2)
    await stream.aclose()


async def test_a_graceful_restart_keeps_every_rooms_place_and_history(tmp_path: Path) -> None:
    state = tmp_path / "state" / "bus.json"
    before = MemoryBus(history_size=3, state_file=state)
    await before.start()
    for n in range(5):
        await before.publish("session:1", "chat.message", {"n": n})
    await before.publish("private:x", "chat.message", {"text": "hi"})
    await before.close()

    after = MemoryBus(history_size=3, state_file=state)
    await after.start()

    assert await after.position("session:1") == (before.epoch, 5)
    assert [(e.seq, e.data) for e in await after.history("session:1", since=3) or []] == [
        (4, {"n": 3}),
        (5, {"n": 4}),
    ]
    assert await after.history("session:1", since=1) is None  # older than the ring
    assert (await after.publish("session:1", "t", {}))[1] == 6
    assert not state.exists(), "read once: a later crash must not bring it back"


async def test_after_a_crash_the_epoch_is_new_so_nobody_resumes_on_stale_numbers(
    tmp_path: Path,
) -> None:
    state = tmp_path / "bus.json"
    first = MemoryBus(state_file=state)
    await first.start()
    await first.publish("r", "t", {})
    await first.close()  # graceful: saved
    second = MemoryBus(state_file=state)
    await second.start()  # read (and the file gone)
    await second.publish("r", "t", {})
    # ... and this node dies without closing: nothing is saved.

    third = MemoryBus(state_file=state)
    await third.start()

    assert (await third.position("r"))[0] != first.epoch
    assert await third.history("r", since=2) == []


async def test_the_saved_state_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    state = tmp_path / "bus.json"
    bus = MemoryBus(state_file=state)
    await bus.publish("private:abc", "chat.message", {"text": "between two people"})

    await bus.close()

    assert stat.S_IMODE(state.stat().st_mode) == 0o600


async def test_a_room_where_nothing_was_numbered_yet_keeps_its_epoch_across_a_restart(
    tmp_path: Path,
) -> None:
    state = tmp_path / "bus.json"
    before = MemoryBus(state_file=state)
    await before.start()
    joined = await before.position("session:1")  # members joined; only volatile pushes since
    await before.publish_volatile("session:1", "presence.counts", {"online": 2})
    await before.close()

    after = MemoryBus(state_file=state)
    await after.start()

    assert await after.position("session:1") == joined
    assert await after.history("session:1", since=0) == []
