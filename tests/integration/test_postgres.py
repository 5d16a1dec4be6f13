"""The same program on PostgreSQL as on SQLite: migrations, import, and the program view."""

import json
from datetime import UTC, datetime

import pytest

from server.clock import FakeClock
from server.db import Database
from server.migrate import upgrade
from server.program import service
from server.program.rendering import prepare, program_json
from server.program.views import ProgramFilter
from server.program.zones import parse_zone
from tests.factories import load_program, program_doc, session_doc

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
