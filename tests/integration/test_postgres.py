"""The same program on PostgreSQL as on SQLite: migrations, import, the program view, and the
marathon runner's conditional updates."""

import asyncio
import json
from datetime import UTC, datetime

import pytest

from server.clock import FakeClock
from server.db import Database
from server.marathon import service as marathons
from server.marathon.runner import MarathonRunner
from server.migrate import upgrade
from server.program import service
from server.program.rendering import prepare, program_json
from server.program.views import ProgramFilter
from server.zones import parse_zone
from tests.conftest import checked_bus
from tests.factories import load_program, marathon_doc, program_doc, session_doc

pytestmark = pytest.mark.postgres

DOC = program_doc(
    session_doc("night-talk", "2027-03-27T23:30", "2027-03-28T01:00"),
    session_doc(
        "buenos-aires",
        "2027-03-28T10:00",
        "2027-03-28T10:45",
        host={
            "city": {"en": "Buenos Aires", "ru": "Буэнос-Айрес"},
            "tz": "America/Argentina/Buenos_Aires",
        },
        cast=[{"person": "anna", "role": "moderator", "presence": "remote"}],
    ),
)


async def imported(url: str, clock: FakeClock) -> service.ProgramData:
    """Migrate the database at `url`, import DOC, and read the program back."""
    await upgrade(url)
    database = Database(url)
    try:
        async with database.session() as db:
            await load_program(db, clock, DOC)
            return await service.load_program(db, await service.get_forum(db, "test-forum"))
    finally:
        await database.dispose()


async def program_on(url: str, clock: FakeClock) -> dict:
    data = await imported(url, clock)
    view = json.loads(
        program_json(prepare(data, "en"), parse_zone("Pacific/Auckland"), ProgramFilter())
    )
    for day in view["days"]:
        for s in day["sessions"]:
            s.pop("uid")  # random per database
    return view


async def test_postgres_and_sqlite_give_the_same_program(
    postgres_url: str, database_url: str, clock: FakeClock
) -> None:
    on_postgres = await program_on(postgres_url, clock)
    on_sqlite = await program_on(database_url, clock)

    assert on_postgres == on_sqlite
    assert on_postgres["days"][0]["sessions"][0]["starts_at"] == "2027-03-27T20:30:00Z"


async def test_instants_come_back_from_postgres_as_aware_utc(
    postgres_url: str, clock: FakeClock
) -> None:
    data = await imported(postgres_url, clock)

    assert [s.starts_at for s in data.sessions] == [
        datetime(2027, 3, 27, 20, 30, tzinfo=UTC),
        datetime(2027, 3, 28, 13, 0, tzinfo=UTC),
    ]


async def test_upgrade_twice_is_harmless(postgres_url: str) -> None:
    await upgrade(postgres_url)
    await upgrade(postgres_url)


async def test_on_postgres_two_runners_announce_each_change_once_and_a_delay_replans(
    postgres_url: str, clock: FakeClock
) -> None:
    await upgrade(postgres_url)
    nodes = [Database(postgres_url), Database(postgres_url)]
    bus = checked_bus()
    try:
        async with nodes[0].session() as db:
            await load_program(db, clock, marathon_doc(positions={"jakarta": 1}))
        clock.set(datetime(2027, 3, 28, 9, 0, tzinfo=UTC))  # Jakarta on air since 08:40Z
        runners = [MarathonRunner(node, clock, bus) for node in nodes]
        await asyncio.gather(*(runner.step() for runner in runners))
        async with nodes[1].unit(bus) as db:
            forum = await service.get_forum(db, "test-forum")
            data = await marathons.load_marathon(db, forum, "relay")
            await marathons.record_delay(db, clock, data, data.segments[0].id or 0, 20)
        async with nodes[1].session() as db:
            data = await marathons.load_marathon(db, forum, "relay")
        announced = await bus.history("marathon:1") or []
    finally:
        for node in nodes:
            await node.dispose()

    assert [(e.type, e.data.get("status")) for e in announced] == [
        ("marathon.handover", None),
        ("session.status", "live"),
        ("program.changed", None),
    ]
    cairo = data.session_of(data.segments[1])
    assert (cairo.starts_at, cairo.sequence) == (datetime(2027, 3, 28, 10, 40, tzinfo=UTC), 1)
