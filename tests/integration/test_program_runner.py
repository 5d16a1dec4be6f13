"""The program's runner on a FakeClock: every session goes scheduled → live → ended on the
clock, and each change is announced once, to real sockets, also with two nodes running.

The rooms world's program (2027-03-27, Moscow = UTC+3): the round table 07:00-08:30Z, the
overlapping talk 08:00-09:00Z, the closed session 11:00-12:00Z, online-only 13:00-14:00Z.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.app import create_app
from server.clock import FakeClock
from server.db import Database
from server.marathon.runner import relay_sessions
from server.program.models import Forum, Session, SessionStatus
from server.program.runner import ProgramRunner
from server.realtime.bus import Bus
from tests.conftest import checked_bus
from tests.factories import load_program, marathon_doc, session_doc
from tests.integration.conftest import room_settings
from tests.roomclient import RoomClient, numbered
from tests.rooms_world import build_world, token_of
from tests.servers import serve_here

FORUM_ROOM = "forum:test-forum"
ROUND_TABLE_STARTS = datetime(2027, 3, 27, 7, 0, tzinfo=UTC)
TALK_STARTS = datetime(2027, 3, 27, 8, 0, tzinfo=UTC)
ROUND_TABLE_ENDS = datetime(2027, 3, 27, 8, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Live:
    url: str
    app: FastAPI
    database_url: str
    sessions: dict[str, int]

    @property
    def bus(self) -> Bus:
        bus: Bus = self.app.state.bus
        return bus


@pytest.fixture
async def live(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Live]:
    """The rooms world served in this loop, with no runner of its own: the tests run theirs
    on its bus, as further nodes would."""
    settings = room_settings(tmp_path)
    _, sessions = await build_world(settings.database_url, clock)
    app = create_app(settings, clock=clock)
    async with serve_here(app) as url:
        yield Live(url, app, settings.database_url, sessions)


@pytest.fixture
async def alice(live: Live) -> AsyncIterator[RoomClient]:
    """A socket in the forum's room and in the round table's."""
    client = await RoomClient.open(live.url, token_of("alice"))
    await client.join(FORUM_ROOM)
    await client.join(f"session:{live.sessions['round-table']}")
    yield client
    await client.close()


def heard(client: RoomClient, room: str, type_: str) -> list[dict[str, Any]]:
    return [p["data"] for p in numbered(client.pushes[room]) if p["type"] == type_]


async def statuses(live: Live) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=live.url) as http:
        program = (await http.get("/api/v1/forums/test-forum/program")).json()
    return {s["slug"]: s["status"] for day in program["days"] for s in day["sessions"]}


async def test_a_session_goes_live_and_ends_on_the_clock_and_each_change_is_said_once(
    live: Live, alice: RoomClient, clock: FakeClock
) -> None:
    table, talk = live.sessions["round-table"], live.sessions["overlapping-talk"]
    room = f"session:{table}"
    database = Database(live.database_url)
    runner = ProgramRunner(database, clock, live.bus)
    runner.start()
    try:
        clock.set(ROUND_TABLE_STARTS)
        await alice.push(room, "session.status")
        await alice.push(FORUM_ROOM, "program.changed")
        clock.set(TALK_STARTS)
        await alice.wait_for(lambda: len(heard(alice, FORUM_ROOM, "program.changed")) == 2)
        clock.set(ROUND_TABLE_ENDS)
        await alice.wait_for(lambda: len(heard(alice, room, "session.status")) == 2)
        await runner.step()  # nothing is due any more: nothing is said again
        await alice.ok("ping")
    finally:
        await runner.stop()
        await database.dispose()

    assert heard(alice, room, "session.status") == [
        {"session": table, "status": "live"},
        {"session": table, "status": "ended"},
    ]
    assert heard(alice, FORUM_ROOM, "program.changed") == [
        {"forum": "test-forum", "sessions": [table], "reason": "status"},
        {"forum": "test-forum", "sessions": [talk], "reason": "status"},
        {"forum": "test-forum", "sessions": [table], "reason": "status"},
    ]
    assert await statuses(live) == {
        "round-table": "ended",
        "overlapping-talk": "live",
        "closed-session": "scheduled",
        "online-only": "scheduled",
    }


async def test_two_nodes_announce_each_change_once(
    live: Live, alice: RoomClient, clock: FakeClock
) -> None:
    table, talk = live.sessions["round-table"], live.sessions["overlapping-talk"]
    room = f"session:{table}"
    nodes = [Database(live.database_url), Database(live.database_url)]
    runners = [ProgramRunner(node, clock, live.bus) for node in nodes]
    try:
        for instant in (ROUND_TABLE_STARTS, TALK_STARTS, ROUND_TABLE_ENDS):
            clock.set(instant)
            await asyncio.gather(*(runner.step() for runner in runners))
        await asyncio.gather(*(runner.step() for runner in runners))
        await alice.ok("ping")  # every push published before it has arrived
    finally:
        for node in nodes:
            await node.dispose()

    assert [d["status"] for d in heard(alice, room, "session.status")] == ["live", "ended"]
    assert [d["sessions"] for d in heard(alice, FORUM_ROOM, "program.changed")] == [
        [table],
        [talk],
        [table],
    ]


async def test_a_runner_that_was_down_catches_up_in_one_step(
    live: Live, alice: RoomClient, clock: FakeClock
) -> None:
    table, talk = live.sessions["round-table"], live.sessions["overlapping-talk"]
    clock.set(ROUND_TABLE_ENDS + timedelta(minutes=5))
    database = Database(live.database_url)
    try:
        upcoming = await ProgramRunner(database, clock, live.bus).step()
    finally:
        await database.dispose()
    await alice.ok("ping")

    assert heard(alice, f"session:{table}", "session.status") == [
        {"session": table, "status": "ended"}
    ]
    assert heard(alice, FORUM_ROOM, "program.changed") == [
        {"forum": "test-forum", "sessions": [table, talk], "reason": "status"}
    ]
    assert upcoming == datetime(2027, 3, 27, 9, 0, tzinfo=UTC)  # the talk's end


async def test_a_change_to_the_program_on_any_node_wakes_the_runner(
    live: Live, alice: RoomClient, clock: FakeClock
) -> None:
    table, online = live.sessions["round-table"], live.sessions["online-only"]
    clock.set(ROUND_TABLE_STARTS)
    database = Database(live.database_url)
    runner = ProgramRunner(database, clock, live.bus)
    runner.start()
    try:
        await alice.push(f"session:{table}", "session.status")  # its first step is done
        # An organiser brings the online session forward to now. The clock stands still, so
        # only the program's `program.changed` can wake the runner before the talk starts.
        async with database.session() as db:
            session = await db.get(Session, online)
            assert session is not None
            session.starts_at = clock.now()
            db.add(session)
            await db.commit()
        edited = {"forum": "test-forum", "sessions": [online], "reason": "edited"}

        def moved() -> bool:
            return any(
                d["sessions"] == [online] and d["reason"] == "status"
                for d in heard(alice, FORUM_ROOM, "program.changed")
            )

        async def until_moved() -> None:
            while not moved():  # said again until heard: the runner subscribes by itself
                await live.bus.publish(FORUM_ROOM, "program.changed", edited)
                await asyncio.sleep(0.1)

        await asyncio.wait_for(until_moved(), 10)
    finally:
        await runner.stop()
        await database.dispose()

    assert (await statuses(live))["online-only"] == "live"


# --- what the runner leaves alone (no sockets needed: the bus's history is enough) ----------


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


async def test_cancelled_sessions_stay_cancelled_and_delayed_ones_wait_for_their_times(
    db: AsyncSession, database: Database, clock: FakeClock
) -> None:
    doc = marathon_doc()
    doc["sessions"] += [
        session_doc("cancelled", "2027-03-28T10:00", "2027-03-28T11:00", status="cancelled"),
        session_doc("delayed", "2027-03-28T10:00", "2027-03-28T11:00", status="delayed"),
    ]
    await load_program(db, clock, doc)
    bus = checked_bus()
    runner = ProgramRunner(database, clock, bus, others=relay_sessions())

    clock.set(datetime(2027, 3, 28, 6, 59, tzinfo=UTC))  # 09:59 in Moscow
    await runner.step()
    before = await stored(db)
    clock.set(datetime(2027, 3, 28, 7, 0, tzinfo=UTC))
    await runner.step()
    during = await stored(db)
    clock.set(datetime(2027, 3, 28, 23, 0, tzinfo=UTC))  # the relay is long over
    await runner.step()
    after = await stored(db)

    relay = {
        "relay-jakarta": "scheduled",
        "relay-cairo": "scheduled",
        "relay-buenos-aires": "scheduled",
    }
    assert before == {**relay, "cancelled": "cancelled", "delayed": "delayed"}
    assert during == {**relay, "cancelled": "cancelled", "delayed": "live"}
    assert after == {**relay, "cancelled": "cancelled", "delayed": "ended"}  # segments: not its
    changed = await bus.history("forum:test-forum") or []
    assert [(e.type, e.data["reason"]) for e in changed] == [
        ("program.changed", "status"),
        ("program.changed", "status"),
    ]


async def stored(db: AsyncSession) -> dict[str, str]:
    db.expire_all()
    return {s.slug: s.status.value for s in (await db.exec(select(Session))).all()}


async def test_each_move_bumps_the_program_version(
    db: AsyncSession, database: Database, clock: FakeClock
) -> None:
    doc = marathon_doc()
    doc["sessions"] = [session_doc("talk", "2027-03-28T10:00", "2027-03-28T11:00")]
    doc["marathons"] = []
    await load_program(db, clock, doc)
    seen = []
    for hour in (6, 7, 7, 8):
        clock.set(datetime(2027, 3, 28, hour, 30, tzinfo=UTC))
        await ProgramRunner(database, clock, checked_bus()).step()
        async with database.session() as fresh:
            talk = (await fresh.exec(select(Session))).one()
            forum = (await fresh.exec(select(Forum))).one()
            seen.append((talk.status, forum.program_version))

    first = seen[0][1]
    assert seen == [
        (SessionStatus.scheduled, first),
        (SessionStatus.live, first + 1),
        (SessionStatus.live, first + 1),
        (SessionStatus.ended, first + 2),
    ]


async def test_now_names_what_is_live_and_what_starts_next_by_the_servers_clock(
    live: Live, clock: FakeClock
) -> None:
    table, talk = live.sessions["round-table"], live.sessions["overlapping-talk"]
    database = Database(live.database_url)
    answers = []
    try:
        async with httpx.AsyncClient(base_url=live.url) as http:
            for instant in (
                ROUND_TABLE_STARTS + timedelta(minutes=10),
                datetime(2027, 3, 28, tzinfo=UTC),
            ):
                clock.set(instant)
                await ProgramRunner(database, clock, live.bus).step()
                answers.append((await http.get("/api/v1/forums/test-forum/now")).json())
    finally:
        await database.dispose()

    assert answers == [
        {
            "forum": "test-forum",
            "now": "2027-03-27T07:10:00Z",
            "live": [table],
            "next": [talk],
            "next_starts_at": "2027-03-27T08:00:00Z",
            "over": False,
        },
        {
            "forum": "test-forum",
            "now": "2027-03-28T00:00:00Z",
            "live": [],
            "next": [],
            "next_starts_at": None,
            "over": True,
        },
    ]
