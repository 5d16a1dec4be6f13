"""The peak hour through real HTTP: a `pavilion serve` process of its own, on the default
install's SQLite and on PostgreSQL, quiet and with the machine busy (a CPU-bound process
beside it).

200 people sign up at once (and follow their mailed links at once), then the same 200 sign in
at once, then register at once for a round table of 30 seats. Nothing answers 5xx but 503
`busy` with Retry-After (a bound was reached; the client here does what a client should: waits
that long and tries again); exactly 30 are confirmed and the waitlist keeps the order of
arrival. 40 wrong passwords at once for one account get exactly 5 checks; the other 35 are
refused without one.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlmodel import col, func, select

from server.accounts.models import LoginAttempt
from server.attendance.models import Registration, Status
from server.clock import SystemClock
from server.db import Database
from server.migrate import upgrade
from server.program.models import Session
from tests.factories import attendance_doc, load_program
from tests.servers import serve_in_process
from tests.signups import mailed_signup_tokens

PEOPLE = 200
SEATS = 30
PASSWORD = "peak-hour-password"
RETRIES = 30


def _burn() -> None:
    while True:
        pass


@contextmanager
def busy_machine(busy: bool) -> Iterator[None]:
    """A CPU-bound process beside the server for the block (when `busy`)."""
    if not busy:
        yield
        return
    burner = multiprocessing.get_context("spawn").Process(target=_burn, daemon=True)
    burner.start()
    try:
        yield
    finally:
        burner.terminate()
        burner.join()


@dataclass
class Tally:
    """What the server answered, every attempt counted (retries included)."""

    statuses: Counter[int] = field(default_factory=Counter)
    missing_retry_after: int = 0

    def note(self, response: httpx.Response) -> None:
        self.statuses[response.status_code] += 1
        if response.status_code == 503 and not response.headers.get("Retry-After"):
            self.missing_retry_after += 1

    @property
    def server_errors(self) -> dict[int, int]:
        return {code: n for code, n in self.statuses.items() if code >= 500 and code != 503}


async def send(
    client: httpx.AsyncClient, tally: Tally, method: str, path: str, **options: Any
) -> httpx.Response:
    """One request, retried after each 503 as its Retry-After asks (jittered)."""
    for _ in range(RETRIES):
        response = await client.request(method, path, **options)
        tally.note(response)
        if response.status_code != 503:
            return response
        wait = float(response.headers.get("Retry-After", "1"))
        await asyncio.sleep(wait * (0.5 + random.random()))
    raise AssertionError(f"{method} {path}: still 503 after {RETRIES} tries")


async def prepare(database_url: str) -> int:
    """Migrate, import the program; the round table's id."""
    await upgrade(database_url)
    database = Database(database_url)
    try:
        async with database.session() as db:
            await load_program(db, SystemClock(), attendance_doc())
            await db.commit()
            table = (await db.exec(select(Session).where(Session.slug == "round-table"))).one()
            assert table.id is not None and table.capacity_onsite == SEATS
            return table.id
    finally:
        await database.dispose()


@dataclass(frozen=True)
class Node:
    url: str
    database_url: str
    table: int


@pytest.fixture
def database_url(either_database: str) -> str:
    """Each test below runs once on SQLite and once on a fresh PostgreSQL database."""
    return either_database


@pytest_asyncio.fixture
async def node(database_url: str, tmp_path: Path) -> AsyncIterator[Node]:
    table = await prepare(database_url)
    env = {
        "PAVILION_ENVIRONMENT": "test",
        "PAVILION_DATABASE_URL": database_url,
        "PAVILION_MEDIA_DIR": str(tmp_path / "media"),
        "PAVILION_LOG_LEVEL": "WARNING",
        "PAVILION_LOG_FORMAT": "text",
        "PAVILION_MARATHON_RUNNER": "false",
    }
    with serve_in_process(env, tmp_path / "server.log") as url:
        yield Node(url, database_url, table)


def client_for(node: Node) -> httpx.AsyncClient:
    # Idle connections are dropped before uvicorn drops them (5 s, as httpx's default): a
    # request sent just as the server closes its connection would be lost in between.
    limits = httpx.Limits(
        max_connections=PEOPLE + 50, max_keepalive_connections=PEOPLE + 50, keepalive_expiry=2.0
    )
    return httpx.AsyncClient(base_url=node.url, limits=limits, timeout=120)


def email(n: int) -> str:
    return f"person{n}@peak.example.org"


@pytest.mark.parametrize("busy", [False, True], ids=["quiet", "busy"])
async def test_sign_ups_sign_ins_and_registrations_at_once_never_fail(
    node: Node, busy: bool
) -> None:
    tally = Tally()
    with busy_machine(busy):
        async with client_for(node) as client:
            signups = await asyncio.gather(
                *(
                    send(
                        client,
                        tally,
                        "POST",
                        "/api/v1/auth/signup",
                        json={"email": email(n), "password": PASSWORD, "name": f"Person {n}"},
                    )
                    for n in range(PEOPLE)
                )
            )
            tokens = await mailed_signup_tokens(node.database_url)
            followed = await asyncio.gather(
                *(
                    send(
                        client,
                        tally,
                        "POST",
                        "/api/v1/auth/signup/confirm",
                        json={"token": tokens[email(n)]},
                    )
                    for n in range(PEOPLE)
                )
            )
            signins = await asyncio.gather(
                *(
                    send(
                        client,
                        tally,
                        "POST",
                        "/api/v1/auth/login",
                        json={"email": email(n), "password": PASSWORD},
                    )
                    for n in range(PEOPLE)
                )
            )
            tokens = [r.json()["token"] for r in signins if r.status_code == 200]
            registrations = await asyncio.gather(
                *(
                    send(
                        client,
                        tally,
                        "POST",
                        f"/api/v1/sessions/{node.table}/registrations",
                        json={"mode": "onsite"},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    for token in tokens
                )
            )

    print(f"every answer, retries included: {dict(tally.statuses)}")
    assert (tally.server_errors, tally.missing_retry_after) == ({}, 0)
    assert Counter(r.status_code for r in signups) == {202: PEOPLE}
    assert Counter(r.status_code for r in followed) == {200: PEOPLE}
    assert Counter(r.status_code for r in signins) == {200: PEOPLE}
    answers = [r.json() for r in registrations]
    assert Counter(r.status_code for r in registrations) == {200: PEOPLE}
    confirmed = {"confirmed": SEATS, "waitlisted": PEOPLE - SEATS}
    assert Counter(a["status"] for a in answers) == confirmed
    rows = await _round_table(node)
    # Seats went to the first 30 tickets; everyone after waits in the order they came, and was
    # told their true place in line.
    assert [ticket for ticket, _ in rows] == list(range(1, PEOPLE + 1))
    assert [status for _, status in rows] == (
        [Status.confirmed] * SEATS + [Status.waitlisted] * (PEOPLE - SEATS)
    )
    places = sorted(a["position"] for a in answers if a["status"] == "waitlisted")
    assert places == list(range(1, PEOPLE - SEATS + 1))


@pytest.mark.parametrize("busy", [False, True], ids=["quiet", "busy"])
async def test_forty_wrong_passwords_at_once_get_exactly_five_checks(
    node: Node, busy: bool
) -> None:
    tally = Tally()
    async with client_for(node) as client:
        asked = await send(
            client,
            tally,
            "POST",
            "/api/v1/auth/signup",
            json={"email": email(0), "password": PASSWORD, "name": "Target"},
        )
        token = (await mailed_signup_tokens(node.database_url))[email(0)]
        created = await send(
            client, tally, "POST", "/api/v1/auth/signup/confirm", json={"token": token}
        )
        assert (asked.status_code, created.status_code) == (202, 200)
        with busy_machine(busy):
            answers = await asyncio.gather(
                *(
                    send(
                        client,
                        tally,
                        "POST",
                        "/api/v1/auth/login",
                        json={"email": email(0), "password": f"wrong-guess-{n}"},
                    )
                    for n in range(40)
                )
            )

    assert (tally.server_errors, tally.missing_retry_after) == ({}, 0)
    assert Counter(r.status_code for r in answers) == {401: 5, 429: 35}
    assert {r.json()["error"]["code"] for r in answers if r.status_code == 429} == {"rate_limited"}
    assert await _failures_of(node, email(0)) == 5


async def _round_table(node: Node) -> list[tuple[int, Status]]:
    database = Database(node.database_url)
    try:
        async with database.session() as db:
            query = (
                select(Registration.ticket, Registration.status)
                .where(Registration.session_id == node.table)
                .order_by(col(Registration.ticket))
            )
            return [(ticket, Status(status)) for ticket, status in (await db.exec(query)).all()]
    finally:
        await database.dispose()


async def _failures_of(node: Node, address: str) -> int:
    database = Database(node.database_url)
    try:
        async with database.session() as db:
            query = select(func.count()).where(LoginAttempt.email == address)
            return int((await db.exec(query)).one())
    finally:
        await database.dispose()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_the_busy_machine_really_is_busy() -> None:
    """The burner keeps a core busy (else the busy runs would prove nothing)."""
    with busy_machine(True):
        burners = multiprocessing.active_children()
        assert len(burners) == 1 and burners[0].pid is not None
        time.sleep(1.0)
        assert _cpu_seconds(burners[0].pid) > 0.5
