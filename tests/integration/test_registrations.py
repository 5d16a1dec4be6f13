"""Registration with dual capacity: exact under a rush on SQLite and PostgreSQL, waitlists in
arrival order, offers that expire, no overlapping on-site seats."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.attendance import service
from server.attendance.models import Mode, Registration, SeatPool, Status
from server.attendance.sweeper import OfferSweeper
from server.clock import FakeClock
from server.db import Database
from server.errors import Conflict, Invalid
from server.instants import instant
from server.migrate import upgrade
from server.program.models import Session
from tests.factories import attendance_doc, load_program, make_user


async def prepared(url: str, clock: FakeClock, people: int) -> list[int]:
    """Migrate, import the attendance program and create `people` accounts; their ids."""
    await upgrade(url)
    database = Database(url)
    try:
        async with database.session() as db:
            await load_program(db, clock, attendance_doc())
            users = [await make_user(db, clock, f"p{i}@example.org") for i in range(people)]
            await db.commit()
            return [u.id for u in users if u.id is not None]
    finally:
        await database.dispose()


async def session_named(db: AsyncSession, slug: str) -> Session:
    return (await db.exec(select(Session).where(Session.slug == slug))).one()


async def rush(url: str, clock: FakeClock, user_ids: list[int], mode: Mode) -> list[Status]:
    """Every user registers for the round table at once, each on its own connection."""
    database = Database(url)

    async def one(user_id: int) -> Status:
        async with database.session() as db:
            user = await db.get(User, user_id)
            table = await session_named(db, "round-table")
            assert user is not None
            result = await service.register_for_session(db, clock, user, table, mode)
            return result.registration.status

    try:
        return list(await asyncio.gather(*(one(u) for u in user_ids)))
    finally:
        await database.dispose()


async def outcomes(url: str) -> list[tuple[int, Status, int]]:
    """(ticket, status, user) of every round-table registration, in ticket order."""
    database = Database(url)
    try:
        async with database.session() as db:
            table = await session_named(db, "round-table")
            query = (
                select(Registration)
                .where(Registration.session_id == table.id)
                .order_by(col(Registration.ticket))
            )
            return [(r.ticket, r.status, r.user_id) for r in (await db.exec(query)).all()]
    finally:
        await database.dispose()


async def check_the_rush(url: str, clock: FakeClock) -> None:
    people = await prepared(url, clock, 200)

    statuses = await rush(url, clock, people, Mode.onsite)

    assert (statuses.count(Status.confirmed), statuses.count(Status.waitlisted)) == (30, 170)
    rows = await outcomes(url)
    # Seats went to the first 30 to arrive; everyone after waits, in the order they came.
    assert [ticket for ticket, _, _ in rows] == list(range(1, 201))
    assert [status for _, status, _ in rows] == [Status.confirmed] * 30 + [Status.waitlisted] * 170
    database = Database(url)
    try:
        async with database.session() as db:
            pool = (await db.exec(select(SeatPool).where(SeatPool.mode == Mode.onsite))).one()
            last = (await db.exec(select(Registration).where(Registration.ticket == 200))).one()
            assert (pool.taken, pool.capacity, pool.arrivals) == (30, 30, 200)
            assert (await service.outcome(db, last)).position == 170
    finally:
        await database.dispose()


async def test_a_rush_of_200_for_30_seats_on_sqlite(tmp_path: Path, clock: FakeClock) -> None:
    await check_the_rush(f"sqlite+aiosqlite:///{tmp_path / 'rush.db'}", clock)


@pytest.mark.postgres
async def test_a_rush_of_200_for_30_seats_on_postgres(postgres_url: str, clock: FakeClock) -> None:
    await check_the_rush(postgres_url, clock)


# --- step by step, on SQLite and on PostgreSQL ------------------------------------------------


@pytest.fixture
def database_url(either_database: str) -> str:
    """Each test below runs once on SQLite and once on a fresh PostgreSQL database."""
    return either_database


@pytest.fixture
async def people(db: AsyncSession, clock: FakeClock) -> AsyncIterator[list[User]]:
    await load_program(db, clock, attendance_doc())
    users = [await make_user(db, clock, f"u{i}@example.org") for i in range(5)]
    await db.commit()
    yield users


async def full_table(db: AsyncSession, clock: FakeClock, people: list[User]) -> Session:
    """The round table with 2 seats, taken by people 0 and 1; 2, 3 and 4 wait in order."""
    table = await session_named(db, "round-table")
    table.capacity_onsite = 2
    db.add(table)
    await db.commit()
    for person in people:
        await service.register_for_session(db, clock, person, table, Mode.onsite)
    return table


async def status_of(db: AsyncSession, person: User, table: Session) -> tuple[Status, int | None]:
    query = select(Registration).where(
        Registration.user_id == person.id, Registration.session_id == table.id
    )
    registration = (await db.exec(query.execution_options(populate_existing=True))).one()
    result = await service.outcome(db, registration)
    return registration.status, result.position


async def test_a_cancellation_offers_the_seat_to_the_first_in_line(
    db: AsyncSession, clock: FakeClock, people: list[User]
) -> None:
    table = await full_table(db, clock, people)

    await service.cancel_registration(db, clock, people[0], table)

    assert [await status_of(db, p, table) for p in people[1:]] == [
        (Status.confirmed, None),
        (Status.offered, None),
        (Status.waitlisted, 1),
        (Status.waitlisted, 2),
    ]
    accepted = await service.accept_offer(db, clock, people[2], table)
    assert accepted.registration.status is Status.confirmed


async def test_an_offer_not_taken_in_time_passes_to_the_next_in_line(
    db: AsyncSession, clock: FakeClock, people: list[User]
) -> None:
    table = await full_table(db, clock, people)
    await service.cancel_registration(db, clock, people[0], table)
    clock.advance(service.OFFER_HOLD + timedelta(seconds=1))

    with pytest.raises(Conflict, match="no open offer for you"):
        await service.accept_offer(db, clock, people[2], table)

    assert [await status_of(db, p, table) for p in people[2:]] == [
        (Status.expired, None),
        (Status.offered, None),
        (Status.waitlisted, 1),
    ]


async def test_an_offer_that_expires_with_nobody_waiting_frees_the_seat(
    db: AsyncSession, clock: FakeClock, people: list[User]
) -> None:
    table = await full_table(db, clock, people)
    for person in people[3:]:
        await service.cancel_registration(db, clock, person, table)
    await service.cancel_registration(db, clock, people[0], table)
    clock.advance(service.OFFER_HOLD)

    late = await service.register_for_session(db, clock, people[0], table, Mode.onsite)

    # Person 2's offer ran out; the seat came back and the next to ask got it.
    assert late.registration.status is Status.confirmed
    assert await status_of(db, people[2], table) == (Status.expired, None)
    assert (await service.seats_left(db, table))["onsite"] == 0


async def test_registering_twice_answers_the_registration_as_it_stands(
    db: AsyncSession, clock: FakeClock, people: list[User]
) -> None:
    table = await full_table(db, clock, people)

    again = await service.register_for_session(db, clock, people[4], table, Mode.onsite)

    assert (again.registration.status, again.position) == (Status.waitlisted, 3)


async def test_two_overlapping_on_site_seats_are_refused_naming_both(
    db: AsyncSession, clock: FakeClock, people: list[User]
) -> None:
    table = await session_named(db, "round-table")
    talk = await session_named(db, "overlapping-talk")
    await service.register_for_session(db, clock, people[0], table, Mode.onsite)

    with pytest.raises(Conflict) as refusal:
        await service.register_for_session(db, clock, people[0], talk, Mode.onsite)

    assert "'Session overlapping-talk'" in refusal.value.message
    assert "'Session round-table'" in refusal.value.message
    assert refusal.value.details["sessions"] == [talk.id, table.id]
    # A code and particulars for the page to word in the reader's language and zone.
    assert refusal.value.details["reason"] == "seat_overlap"
    assert refusal.value.details["params"] == {
        "title": talk.title_en,
        "title_ru": talk.title_ru or talk.title_en,
        "start": instant(talk.starts_at),
        "end": instant(talk.ends_at),
        "other_title": table.title_en,
        "other_title_ru": table.title_ru or table.title_en,
        "other_start": instant(table.starts_at),
        "other_end": instant(table.ends_at),
    }
    online = await service.register_for_session(db, clock, people[1], talk, Mode.onsite)
    assert online.registration.status is Status.confirmed


async def test_watching_online_does_not_clash_with_a_seat(
    db: AsyncSession, clock: FakeClock, people: list[User]
) -> None:
    table = await session_named(db, "round-table")
    talk = await session_named(db, "overlapping-talk")
    await service.register_for_session(db, clock, people[0], talk, Mode.onsite)

    result = await service.register_for_session(db, clock, people[0], table, Mode.online)

    assert result.registration.status is Status.confirmed


async def test_a_mode_the_session_does_not_offer_is_refused(
    db: AsyncSession, clock: FakeClock, people: list[User]
) -> None:
    online_only = await session_named(db, "online-only")

    with pytest.raises(Invalid, match="has no onsite places") as refusal:
        await service.register_for_session(db, clock, people[0], online_only, Mode.onsite)

    assert refusal.value.details["field"] == "mode"


async def test_the_sweeper_passes_on_an_offer_nobody_touched(
    db: AsyncSession, clock: FakeClock, people: list[User], database_url: str
) -> None:
    table = await full_table(db, clock, people)
    await service.cancel_registration(db, clock, people[0], table)
    node = Database(database_url)
    clock.advance(service.OFFER_HOLD + timedelta(minutes=1))

    try:
        swept = await OfferSweeper(node, clock).sweep()
    finally:
        await node.dispose()

    assert swept == 1
    assert [await status_of(db, p, table) for p in people[2:]] == [
        (Status.expired, None),
        (Status.offered, None),
        (Status.waitlisted, 1),
    ]
