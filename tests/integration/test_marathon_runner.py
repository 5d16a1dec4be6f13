"""The live runner on a FakeClock: the demo marathon day, restarts, two nodes, and delays."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.cli import DEMO_FORUM
from server.clock import FakeClock
from server.db import Database
from server.marathon import service
from server.marathon.runner import MarathonRunner
from server.program.models import Session, SessionStatus
from server.program.service import get_forum
from server.realtime.bus import Event, MemoryBus
from server.unit import finish
from tests.conftest import checked_bus
from tests.factories import load_program

ROOM = "marathon:1"
CITIES = ["Jakarta", "Beijing", "Tashkent", "Cairo", "Paris", "Berlin", "Rome", "Buenos Aires"]


@pytest.fixture
async def demo(db: AsyncSession, clock: FakeClock) -> service.MarathonData:
    await load_program(db, clock, yaml.safe_load(DEMO_FORUM.read_text(encoding="utf-8")))
    return await service.load_marathon(db, await get_forum(db, "demo-forum"), "capitals")


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def bus() -> MemoryBus:
    return checked_bus()


class Listener:
    """Everything published to one room, in order, as it arrives."""

    def __init__(self, bus: MemoryBus, room: str) -> None:
        self.events: list[Event] = []
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._task = asyncio.create_task(self._listen(bus, room))

    async def _listen(self, bus: MemoryBus, room: str) -> None:
        async for event in bus.subscribe(room):
            self._queue.put_nowait(event)

    async def take(self, count: int) -> list[Event]:
        """The next `count` events (a generous timeout: a missing event fails, never hangs)."""
        got = [await asyncio.wait_for(self._queue.get(), timeout=10) for _ in range(count)]
        self.events += got
        return got

    def pending(self) -> int:
        return self._queue.qsize()

    def close(self) -> None:
        self._task.cancel()


@pytest.fixture
async def listener(bus: MemoryBus) -> AsyncIterator[Listener]:
    listening = Listener(bus, ROOM)
    await asyncio.sleep(0)  # let it subscribe before anything is published
    yield listening
    listening.close()


def instants(data: service.MarathonData) -> list[tuple[datetime, int]]:
    """Every instant something happens, with the number of events it brings to the room:
    a start brings its status and the handover; an end its status (and, last, the close)."""
    found: dict[datetime, int] = {}
    segments = data.running()
    for index, segment in enumerate(segments):
        session = data.session_of(segment)
        found[session.starts_at] = found.get(session.starts_at, 0) + 2
        closing = 2 if index == len(segments) - 1 else 1
        found[session.ends_at] = found.get(session.ends_at, 0) + closing
    return sorted(found.items())


def handovers(events: list[Event]) -> list[tuple[str | None, str | None, str]]:
    return [
        (
            e.data["from"]["city"] if e.data["from"] else None,
            e.data["to"]["city"] if e.data["to"] else None,
            e.data["at"],
        )
        for e in events
        if e.type == "marathon.handover"
    ]


async def test_the_runner_plays_the_whole_demo_day_with_every_handover_in_order(
    demo: service.MarathonData,
    database: Database,
    clock: FakeClock,
    bus: MemoryBus,
    listener: Listener,
) -> None:
    clock.set(datetime(2027, 3, 28, 4, 0, tzinfo=UTC))
    runner = MarathonRunner(database, clock, bus)
    runner.start()
    started = time.perf_counter()
    try:
        for instant, count in instants(demo):
            clock.set(instant)
            await listener.take(count)
    finally:
        await runner.stop()
    print(f"demo marathon day on a FakeClock: {time.perf_counter() - started:.3f} s of wall time")

    names = [None, *CITIES, None]
    expected_times = [s.starts_at for s in (demo.session_of(x) for x in demo.running())]
    last_end = demo.session_of(demo.running()[-1]).ends_at
    assert handovers(listener.events) == [
        (before, after, (at).strftime("%Y-%m-%dT%H:%M:%SZ"))
        for before, after, at in zip(
            names[:-1], names[1:], [*expected_times, last_end], strict=True
        )
    ]
    statuses = [
        (e.data["city"], e.data["status"]) for e in listener.events if e.type == "session.status"
    ]
    assert statuses == [(city, s) for city in CITIES for s in ("live", "ended")]
    assert listener.pending() == 0


async def test_session_rooms_hear_their_own_status_and_handovers(
    demo: service.MarathonData, database: Database, clock: FakeClock, bus: MemoryBus
) -> None:
    beijing = demo.session_of(demo.running()[1])
    clock.set(beijing.starts_at)

    await MarathonRunner(database, clock, bus).step()

    room = await bus.history(f"session:{beijing.id}") or []
    assert [(e.type, e.data.get("status")) for e in room] == [
        ("marathon.handover", None),
        ("session.status", "live"),
    ]
    assert room[0].data["from"]["city"] == "Jakarta"


async def test_a_restarted_runner_catches_up_from_stored_state_without_repeating(
    demo: service.MarathonData,
    database: Database,
    clock: FakeClock,
    bus: MemoryBus,
    listener: Listener,
) -> None:
    jakarta, beijing, tashkent = (demo.session_of(s) for s in demo.running()[:3])
    clock.set(beijing.starts_at + timedelta(minutes=5))
    await MarathonRunner(database, clock, bus).step()
    await listener.take(3)  # caught up at once: Jakarta ended, the handover, Beijing live
    # The node is down while Beijing ends and Tashkent starts.
    clock.set(tashkent.starts_at + timedelta(minutes=30))

    await MarathonRunner(database, clock, bus).step()

    caught_up = await listener.take(3)
    assert [(e.type, e.data.get("city") or e.data["to"]["city"]) for e in caught_up] == [
        ("session.status", "Beijing"),
        ("marathon.handover", "Tashkent"),
        ("session.status", "Tashkent"),
    ]
    await MarathonRunner(database, clock, bus).step()
    assert listener.pending() == 0
    assert await stored_statuses(database, [jakarta.id, beijing.id, tashkent.id]) == [
        SessionStatus.ended,
        SessionStatus.ended,
        SessionStatus.live,
    ]


async def stored_statuses(database: Database, ids: list[int | None]) -> list[SessionStatus]:
    async with database.session() as db:
        rows = (await db.exec(select(Session).where(Session.id.in_(ids)))).all()  # type: ignore[union-attr]
    by_id = {row.id: row.status for row in rows}
    return [by_id[i] for i in ids]


async def test_two_nodes_announce_each_change_once(
    demo: service.MarathonData,
    database_url: str,
    clock: FakeClock,
    bus: MemoryBus,
    listener: Listener,
) -> None:
    nodes = [Database(database_url), Database(database_url)]
    runners = [MarathonRunner(node, clock, bus) for node in nodes]
    try:
        for instant, count in instants(demo)[:6]:
            clock.set(instant)
            await asyncio.gather(*(runner.step() for runner in runners))
            await listener.take(count)
            assert listener.pending() == 0
    finally:
        for node in nodes:
            await node.dispose()
    assert [h[1] for h in handovers(listener.events)] == ["Jakarta", "Beijing", "Tashkent"]


async def test_a_delay_moves_the_handover_and_the_runner_follows_the_new_time(
    demo: service.MarathonData,
    db: AsyncSession,
    database: Database,
    clock: FakeClock,
    bus: MemoryBus,
    listener: Listener,
) -> None:
    beijing = demo.session_of(demo.running()[1])
    planned_end = beijing.ends_at
    clock.set(beijing.starts_at + timedelta(minutes=80))
    runner = MarathonRunner(database, clock, bus)
    runner.start()
    try:
        await listener.take(3)  # Jakarta ended, the handover, Beijing live
        await service.record_delay(db, clock, demo, demo.running()[1].id or 0, 15)
        await finish(db, bus)  # the unit's commit, then its announcements
        runner.wake()
        changed = await listener.take(1)
        clock.set(planned_end)
        await runner.step()  # whatever is due now is announced by the time this returns
        assert listener.pending() == 0  # Beijing is still on air at its old end
        clock.set(planned_end + timedelta(minutes=15))
        (ended,) = await listener.take(1)
        clock.set(planned_end + timedelta(minutes=25))
        handover, live = await listener.take(2)
    finally:
        await runner.stop()

    assert (changed[0].type, changed[0].data["reason"]) == ("program.changed", "delay")
    assert (ended.data["city"], ended.data["status"], ended.data["at"]) == (
        "Beijing",
        "ended",
        (planned_end + timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    assert (handover.type, live.data["city"], live.data["at"]) == (
        "marathon.handover",
        "Tashkent",
        (planned_end + timedelta(minutes=25)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
