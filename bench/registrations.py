"""A rush of registrations for one 30-seat round table, on PostgreSQL: speed and correctness.

    .venv/bin/python bench/registrations.py [--people 1000] [--seats 30] [--url postgresql+asyncpg://…]

Every person registers at once, each on its own database session (the pool's connections are
shared as a real server shares them). Two implementations run side by side on fresh databases:

- pavilion: `attendance.service.register_for_session` (locks, tickets, conditional UPDATE);
- naive: count the confirmed registrations, then insert confirmed or waitlisted: the
  check-then-insert race the service is built to avoid.

For each it prints registrations per second and the number of wrong outcomes: seats given
beyond capacity, plus people confirmed after someone who came earlier was sent to wait
(must be 0). Figures, not a verdict.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.attendance import service
from server.attendance.models import Mode, Registration, Status
from server.clock import FakeClock
from server.db import Database
from server.migrate import upgrade
from server.program.models import Session
from tests.factories import attendance_doc, load_program

ADMIN = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "database": "postgres"}
Register = Callable[[AsyncSession, FakeClock, User, Session], Awaitable[Status]]


async def pavilion(db: AsyncSession, clock: FakeClock, user: User, table: Session) -> Status:
    result = await service.register_for_session(db, clock, user, table, Mode.onsite)
    return result.registration.status


async def naive(db: AsyncSession, clock: FakeClock, user: User, table: Session) -> Status:
    count = select(func.count()).where(
        Registration.session_id == table.id, Registration.status == Status.confirmed
    )
    taken = (await db.exec(count)).one()
    status = Status.confirmed if taken < (table.capacity_onsite or 0) else Status.waitlisted
    assert table.id is not None and user.id is not None
    now = clock.now()
    db.add(
        Registration(
            session_id=table.id,
            user_id=user.id,
            mode=Mode.onsite,
            status=status,
            ticket=0,
            created_at=now,
            updated_at=now,
        )
    )
    await db.commit()
    return status


async def fresh_database(people: int, seats: int) -> str:
    name = f"pavilion_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(**ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    await upgrade(url)
    clock = FakeClock(datetime(2027, 3, 20, tzinfo=UTC))
    database = Database(url)
    async with database.session() as db:
        await load_program(db, clock, attendance_doc())
        table = (await db.exec(select(Session).where(Session.slug == "round-table"))).one()
        table.capacity_onsite = seats
        db.add(table)
        db.add_all(
            User(email=f"p{i}@example.org", password_hash="-", name=f"P{i}", created_at=clock.now())
            for i in range(people)
        )
        await db.commit()
    await database.dispose()
    return url


async def drop(url: str) -> None:
    admin = await asyncpg.connect(**ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    await admin.close()


async def rush(url: str, register: Register) -> tuple[float, int, int]:
    """(seconds, confirmed, wrong outcomes)."""
    database = Database(url)
    clock = FakeClock(datetime(2027, 3, 20, tzinfo=UTC))
    async with database.session() as db:
        ids = list((await db.exec(select(User.id))).all())
        table = (await db.exec(select(Session).where(Session.slug == "round-table"))).one()

    async def one(user_id: int | None) -> None:
        async with database.session() as db:
            user = await db.get(User, user_id)
            assert user is not None
            await register(db, clock, user, table)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in ids))
    took = time.perf_counter() - started
    async with database.session() as db:
        query = select(Registration).order_by(col(Registration.ticket), col(Registration.id))
        rows = (await db.exec(query)).all()
    await database.dispose()
    return took, *_judge(rows, table.capacity_onsite or 0)


def _judge(rows: list[Registration], seats: int) -> tuple[int, int]:
    """(confirmed, wrong): seats beyond capacity, plus confirmed people who arrived after
    someone who was sent to the waitlist (arrival: the ticket, else the row's insertion)."""
    arrived = sorted(rows, key=lambda r: (r.ticket, r.id or 0))
    confirmed = sum(1 for r in arrived if r.status is Status.confirmed)
    first_waiting = next(
        (i for i, r in enumerate(arrived) if r.status is Status.waitlisted), len(arrived)
    )
    jumped = sum(1 for r in arrived[first_waiting:] if r.status is Status.confirmed)
    return confirmed, max(0, confirmed - seats) + jumped


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=30)
    args = parser.parse_args()
    print(f"{args.people} people, {args.seats} seats, PostgreSQL on 127.0.0.1:5432")
    print(f"{'implementation':16} {'seconds':>8} {'reg/s':>8} {'confirmed':>10} {'wrong':>6}")
    for name, register in (("pavilion", pavilion), ("naive", naive)):
        url = await fresh_database(args.people, args.seats)
        try:
            took, confirmed, wrong = await rush(url, register)
        finally:
            await drop(url)
        print(f"{name:16} {took:8.2f} {args.people / took:8.0f} {confirmed:10} {wrong:6}")


if __name__ == "__main__":
    asyncio.run(main())
