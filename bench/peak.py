"""The peak hour, measured: join storms, a sign-in storm, a reconnect storm, memory per socket
and under churn, and a rush of registrations on PostgreSQL. Pavilion beside a baseline.

    .venv/bin/pip install -c requirements.lock -e '.[bench]'    # python-socketio, psutil
    .venv/bin/python bench/peak.py [--quick] [--only joins,signins,resume,memory,churn,rush]
                                   [--churn-minutes 5] [--json out.json]

Every server is a process of its own on loopback (`pavilion serve`: the default install,
SQLite and the memory bus; the rush also on PostgreSQL), the crowd another process
(bench/peak_load.py); figures of a server are its own CPU time (psutil, all its threads) and
resident memory. The baseline is python-socketio's AsyncServer under uvicorn
(bench/peak_peers.py), whose clients enter a room and get the same room state (the same
bytes Pavilion sends, kept in memory) as their ack.

- joins: 500 and 2,000 members open a socket and join one room at once (a crowd's browsers:
  at most 200 handshakes in flight). Server CPU per join (handshake included), wall time
  until the last has its snapshot, p50 and p99 of the time each waited.
- signins: 200 people sign in at once (Argon2, RFC 9106 low-memory profile); sign-ins per
  second against the bound the machine sets (Argon2 hashes per second with one thread per
  core, measured here first), refused with 503 and retried as told.
- resume: 2,000 members in a room; the node restarts (SIGTERM, then `pavilion serve` again on
  the same port and files); every member comes back within a second (the page's first
  reconnect, jittered) and joins with the position it had. Time until all are back, how many
  resumed rather than needed a snapshot, server CPU per return.
- memory: 5,000 members joined and idle: resident memory per member (RSS after minus before,
  over members), Pavilion and the baseline.
- churn: 1,000 members stay while 50 loops join and leave again and again for
  `--churn-minutes`; resident memory every 15 s, after a warm-up minute and at the end.
- rush (PostgreSQL on 127.0.0.1:5432): 2,000 registrations at once for a round table of 30
  seats through HTTP; every 5xx counted (503 with Retry-After is a bound reached: the client
  waits and tries again); exactly 30 confirmed, the waitlist in arrival order.

Figures, not verdicts: machines are noisy; compare the columns of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import platform
import random
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import rooms_servers
import servers
from peak_http import Caller
from peak_load import crowd_process

from server.accounts.hashing import hash_password
from server.clock import SystemClock
from server.db import Database
from server.rooms.models import (
    Announcement,
    ChatMessage,
    Poll,
    PollOption,
    PollResults,
    PollState,
    Question,
    QuestionStatus,
)

BENCH = Path(__file__).resolve().parent
HOST = "127.0.0.1"
SHARED_PASSWORD = "nobody signs in with this"  # rooms_servers.build_database's accounts


# ------------------------------------------------------------------------------- helpers


def pct(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    print("  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def pavilion(
    workdir: Path, database_url: str, port: int | None = None, **settings: str
) -> AbstractContextManager[servers.Running]:
    """`pavilion serve` (the default install's settings but the database) on a port."""
    env = {
        "PAVILION_ENVIRONMENT": "test",
        "PAVILION_DATABASE_URL": database_url,
        "PAVILION_HOST": HOST,
        "PAVILION_PORT": "{port}",
        "PAVILION_MARATHON_RUNNER": "false",
        "PAVILION_LOG_LEVEL": "WARNING",
        "PAVILION_LOG_FORMAT": "text",
        "PAVILION_MEDIA_DIR": str(workdir / "media"),
        **{f"PAVILION_{k.upper()}": v for k, v in settings.items()},
    }
    argv = [str(servers.VENV_BIN / "pavilion"), "serve"]
    return servers.running("pavilion", argv, workdir, env, port=port)


def socketio(workdir: Path, state: Path) -> AbstractContextManager[servers.Running]:
    argv = [sys.executable, str(BENCH / "peak_peers.py"), "--port", "{port}", "--state", str(state)]
    return servers.running("socketio", argv, workdir)


class Crowd:
    """bench/peak_load.py's process and its pipe."""

    def __init__(self, kind: str, url: str, room: str, tokens: list[str]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.pipe, child = ctx.Pipe()
        self.process = ctx.Process(
            target=crowd_process, args=(kind, url, room, tokens, child), daemon=True
        )
        self.process.start()

    def ask(self, command: str, argument: Any = None, timeout: float = 900) -> Any:
        self.pipe.send((command, argument))
        deadline = time.monotonic() + timeout
        while not self.pipe.poll(0.2):
            if not self.process.is_alive():
                raise RuntimeError("the crowd process died")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the crowd did not finish {command}")
        status, value = self.pipe.recv()
        if status == "failed":
            raise RuntimeError(value)
        return value

    def close(self) -> None:
        try:
            self.ask("close", timeout=60)
        finally:
            self.process.join(10)
            if self.process.is_alive():
                self.process.kill()


# ---------------------------------------------------------------------------- the room


async def fill_room(url: str, session_id: int, people: list[int]) -> None:
    """A room in full swing: 150 messages (a snapshot shows the last 100), 30 questions (a
    third anonymous), 3 open polls, 10 announcements."""
    database = Database(url)
    now = SystemClock().now()
    room = f"session:{session_id}"
    try:
        async with database.session() as db:
            for n in range(150):
                db.add(
                    ChatMessage(
                        room=room,
                        user_id=people[n % len(people)],
                        text=f"Message {n}: the pump housings ship from Kazan on Tuesday.",
                        created_at=now,
                    )
                )
            for n in range(30):
                db.add(
                    Question(
                        room=room,
                        user_id=people[n % len(people)],
                        text=f"Question {n}: what do the export rules say for valves?",
                        anonymous=n % 3 == 0,
                        status=QuestionStatus.visible,
                        votes=n,
                        created_at=now,
                    )
                )
            for n in range(3):
                poll = Poll(
                    room=room,
                    question=f"Poll {n}: which market first?",
                    multiple=False,
                    results=PollResults.after_vote,
                    state=PollState.open,
                    created_by=people[0],
                    created_at=now,
                )
                db.add(poll)
                await db.flush()
                assert poll.id is not None
                for position, label in enumerate(("Indonesia", "Egypt", "Brazil", "Germany")):
                    db.add(PollOption(poll_id=poll.id, position=position, label=label))
            for n in range(10):
                notice = Announcement(room=room, author_id=people[0], text=f"Notice {n}")
                notice.created_at = now
                db.add(notice)
            await db.commit()
    finally:
        await database.dispose()


@dataclass
class Prepared:
    database: Path
    session: int
    tokens: list[str]
    state: Path  # the room's snapshot, as the baseline's state


_PREPARED: dict[tuple[Path, int], Prepared] = {}


def prepare(workdir: Path, members: int) -> Prepared:
    """A SQLite database with `members` people (known tokens) and one room in full swing
    (made once per size; each server runs on a copy of it)."""
    if (workdir, members) in _PREPARED:
        return _PREPARED[workdir, members]
    database = workdir / f"prepared-{members}.db"
    url = f"sqlite+aiosqlite:///{database}"

    async def build() -> int:
        session = await rooms_servers.build_database(url, members, 1)
        await fill_room(url, session, list(range(1, min(members, 40) + 1)))
        return session

    session = asyncio.run(build())
    tokens = [rooms_servers.member_token(i) for i in range(members)]
    state = workdir / "state.json"
    if not state.exists():
        with pavilion(workdir, url) as server:
            answer = httpx.get(
                f"{server.url}/api/v1/rooms/session:{session}",
                headers={"Authorization": f"Bearer {tokens[0]}"},
                timeout=30,
            )
            answer.raise_for_status()
            state.write_text(json.dumps(answer.json()["snapshot"]), encoding="utf-8")
    _PREPARED[workdir, members] = Prepared(database, session, tokens, state)
    return _PREPARED[workdir, members]


def copy_of(prepared: Prepared, workdir: Path, name: str) -> str:
    copy = workdir / f"{name}.db"
    shutil.copyfile(prepared.database, copy)
    return f"sqlite+aiosqlite:///{copy}"


# ---------------------------------------------------------------------------- sections


def storm(server: servers.Running, crowd: Crowd, n: int) -> dict[str, Any]:
    time.sleep(1.0)  # let the server settle
    cpu = server.cpu_seconds()
    started = time.monotonic()
    answer = crowd.ask("storm", {"n": n, "concurrency": 200})
    wall = time.monotonic() - started
    time.sleep(0.5)
    spent = server.cpu_seconds() - cpu
    latencies = answer["latencies"]
    return {
        "server": server.name,
        "members": n,
        "wall_s": wall,
        "cpu_ms_per_join": spent / n * 1000,
        "p50_s": pct(latencies, 0.5),
        "p99_s": pct(latencies, 0.99),
        "errors": answer["errors"],
        "reply_bytes": answer["reply_bytes"],
    }


def joins(workdir: Path, sizes: list[int]) -> list[dict[str, Any]]:
    found = []
    for n in sizes:
        prepared = prepare(workdir, n)
        with pavilion(workdir, copy_of(prepared, workdir, f"joins-{n}")) as server:
            crowd = Crowd("pavilion", server.url, f"session:{prepared.session}", prepared.tokens)
            try:
                found.append(storm(server, crowd, n))
            finally:
                crowd.close()
        with socketio(workdir, prepared.state) as server:
            crowd = Crowd("socketio", server.url, "bench", prepared.tokens)
            try:
                found.append(storm(server, crowd, n))
            finally:
                crowd.close()
    table(
        "Join storms: every member opens a socket and joins one room at once",
        ["server", "members", "wall", "CPU/join", "p50", "p99", "reply", "refused (retried)"],
        [
            [
                r["server"],
                f"{r['members']:,}",
                ms(r["wall_s"]),
                f"{r['cpu_ms_per_join']:.2f} ms",
                ms(r["p50_s"]),
                ms(r["p99_s"]),
                f"{r['reply_bytes'] / 1024:.1f} KiB",
                json.dumps(r["errors"]) if r["errors"] else "none",
            ]
            for r in found
        ],
    )
    return found


async def _sign_in_storm(url: str, emails: list[str]) -> dict[str, Any]:
    statuses: Counter[int] = Counter()
    done: list[float] = []
    started = time.monotonic()

    async def one(email: str) -> None:
        caller = Caller(url)
        body = {"email": email, "password": SHARED_PASSWORD}
        for _ in range(50):
            answer = await caller.request("POST", "/api/v1/auth/login", body)
            statuses[answer.status] += 1
            if answer.status != 503:
                break
            await asyncio.sleep(float(answer.headers["retry-after"]) * (1 + random.random()))
        caller.close()
        done.append(time.monotonic() - started)

    await asyncio.gather(*(one(e) for e in emails))
    return {"statuses": dict(statuses), "wall_s": max(done), "latencies": done}


def signins(workdir: Path, people: int = 200) -> dict[str, Any]:
    prepared = prepare(workdir, people)
    one_hash = min(timed(lambda: hash_password("x" * 12)) for _ in range(3))
    cores = os.cpu_count() or 1
    bound = argon2_throughput(cores)
    with pavilion(workdir, copy_of(prepared, workdir, "signins")) as server:
        time.sleep(1.0)
        cpu = server.cpu_seconds()
        emails = [f"person{i}@bench.test" for i in range(people)]
        result = asyncio.run(_sign_in_storm(server.url, emails))
        spent = server.cpu_seconds() - cpu
    rate = people / result["wall_s"]
    found = {
        **result,
        "people": people,
        "per_second": rate,
        "bound_per_second": bound,
        "one_hash_ms": one_hash * 1000,
        "cpu_ms_per_sign_in": spent / people * 1000,
    }
    table(
        f"Sign-in storm: {people} people sign in at once",
        ["sign-ins/s", "Argon2 bound", "one hash", "CPU/sign-in", "p50", "p99", "answers"],
        [
            [
                f"{rate:.1f}",
                f"{found['bound_per_second']:.1f}/s ({cores} cores)",
                f"{one_hash * 1000:.0f} ms",
                f"{found['cpu_ms_per_sign_in']:.0f} ms",
                ms(pct(result["latencies"], 0.5)),
                ms(pct(result["latencies"], 0.99)),
                json.dumps(result["statuses"]),
            ]
        ],
    )
    return found


def argon2_throughput(workers: int, hashes: int = 24) -> float:
    """Hashes per second this machine makes with `workers` threads at once, as the server's
    pool runs them: the bound a storm of sign-ins meets."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        started = time.perf_counter()
        list(pool.map(lambda _: hash_password("x" * 12), range(hashes)))
        return hashes / (time.perf_counter() - started)


def timed(work: Any) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def resume(workdir: Path, n: int) -> dict[str, Any]:
    prepared = prepare(workdir, n)
    url = copy_of(prepared, workdir, "resume")
    port = servers.free_port()
    room = f"session:{prepared.session}"
    with pavilion(workdir, url, port) as server:
        crowd = Crowd("pavilion", server.url, room, prepared.tokens)
        crowd.ask("storm", {"n": n, "concurrency": 200})
        time.sleep(1.0)
    # Stopped with SIGTERM (a deploy): the node says goodbye and keeps its rooms' places.
    try:
        with pavilion(workdir, url, port) as server:
            time.sleep(0.5)
            cpu = server.cpu_seconds()
            started = time.monotonic()
            answer = crowd.ask("resume", {"jitter_s": 1.0})
            wall = time.monotonic() - started
            spent = server.cpu_seconds() - cpu
    finally:
        crowd.close()
    found = {
        "members": n,
        "wall_s": wall,
        "recovered": answer["recovered"],
        "snapshots": answer["snapshots"],
        "cpu_ms_per_return": spent / n * 1000,
        "p50_s": pct(answer["latencies"], 0.5),
        "p99_s": pct(answer["latencies"], 0.99),
        "errors": answer["errors"],
    }
    table(
        f"Reconnect storm: {n:,} members come back after a restart (within 1 s, jittered)",
        ["all back", "resumed", "snapshots", "CPU/return", "p50", "p99", "refused (retried)"],
        [
            [
                ms(wall),
                f"{found['recovered']:,}",
                f"{found['snapshots']:,}",
                f"{found['cpu_ms_per_return']:.2f} ms",
                ms(found["p50_s"]),
                ms(found["p99_s"]),
                json.dumps(found["errors"]) if found["errors"] else "none",
            ]
        ],
    )
    return found


@contextmanager
def server_and_crowd(
    kind: str, workdir: Path, prepared: Prepared, name: str
) -> Iterator[tuple[servers.Running, Crowd]]:
    """Pavilion (on a copy of the prepared database) or the baseline, and a crowd for it."""
    starting = (
        pavilion(workdir, copy_of(prepared, workdir, name))
        if kind == "pavilion"
        else socketio(workdir, prepared.state)
    )
    with starting as server:
        room = f"session:{prepared.session}" if kind == "pavilion" else "bench"
        crowd = Crowd(kind, server.url, room, prepared.tokens)
        try:
            yield server, crowd
        finally:
            crowd.close()


def memory(workdir: Path, n: int) -> list[dict[str, Any]]:
    prepared = prepare(workdir, n)
    found = []
    for kind in ("pavilion", "socketio"):
        with server_and_crowd(kind, workdir, prepared, "memory") as (server, crowd):
            crowd.ask("storm", {"n": 50, "concurrency": 50})  # warm: imports, caches
            crowd.ask("leave")
            time.sleep(2.0)
            before = server.rss_mb()
            crowd.ask("storm", {"n": n, "concurrency": 200})
            time.sleep(5.0)
            after = server.rss_mb()
        found.append(
            {
                "server": kind,
                "members": n,
                "rss_before_mb": before,
                "rss_after_mb": after,
                "kib_per_member": (after - before) * 1024 / n,
            }
        )
    table(
        f"Memory: {n:,} members joined and idle",
        ["server", "RSS before", "RSS with members", "per member"],
        [
            [
                r["server"],
                f"{r['rss_before_mb']:.0f} MB",
                f"{r['rss_after_mb']:.0f} MB",
                f"{r['kib_per_member']:.1f} KiB",
            ]
            for r in found
        ],
    )
    return found


def churn(workdir: Path, minutes: float, resident: int = 1000) -> list[dict[str, Any]]:
    prepared = prepare(workdir, resident + 200)
    found = []
    for kind in ("pavilion", "socketio"):
        with server_and_crowd(kind, workdir, prepared, "churn") as (server, crowd):
            crowd.ask("storm", {"n": resident, "concurrency": 200})
            samples: list[tuple[float, float]] = []
            started = time.monotonic()
            crowd.pipe.send(("churn", {"seconds": minutes * 60, "parallel": 50, "hold_s": 1.0}))
            while not crowd.pipe.poll(15):
                samples.append((time.monotonic() - started, server.rss_mb()))
            status, answer = crowd.pipe.recv()
            if status == "failed":
                raise RuntimeError(answer)
            samples.append((time.monotonic() - started, server.rss_mb()))
        warm = [rss for t, rss in samples if t >= 60] or [samples[-1][1]]
        found.append(
            {
                "server": kind,
                "minutes": minutes,
                "joins": answer["joins"],
                "errors": answer["errors"],
                "rss_after_warmup_mb": warm[0],
                "rss_end_mb": samples[-1][1],
                "rss_max_mb": max(rss for _, rss in samples),
                "samples": samples,
            }
        )
    table(
        f"Churn: {resident:,} members stay while 50 loops join and leave for {minutes:g} min",
        ["server", "joins", "RSS after 1 min", "RSS at the end", "max", "growth after warm-up"],
        [
            [
                r["server"],
                f"{r['joins']:,}",
                f"{r['rss_after_warmup_mb']:.0f} MB",
                f"{r['rss_end_mb']:.0f} MB",
                f"{r['rss_max_mb']:.0f} MB",
                f"{r['rss_end_mb'] - r['rss_after_warmup_mb']:+.0f} MB",
            ]
            for r in found
        ],
    )
    return found


# -------------------------------------------------------------------- rush on PostgreSQL

ADMIN = {"host": HOST, "port": 5432, "user": "postgres", "database": "postgres"}


async def _rush_database(people: int) -> tuple[str, int, list[str]]:
    import asyncpg
    from sqlalchemy import insert
    from sqlmodel import col, select

    from server.accounts.models import AuthSession, User
    from server.accounts.service import token_digest
    from server.migrate import upgrade
    from server.program.models import Session
    from tests.factories import attendance_doc, load_program

    name = f"pavilion_peak_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(**ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = f"postgresql+asyncpg://postgres@{HOST}:5432/{name}"
    await upgrade(url)
    clock = SystemClock()
    now = clock.now()
    tokens = [f"rush-{i:05d}-0123456789abcdef" for i in range(people)]
    database = Database(url)
    try:
        async with database.session() as db:
            await load_program(db, clock, attendance_doc())
            table_ = (await db.exec(select(Session).where(Session.slug == "round-table"))).one()
            connection = await db.connection()
            await connection.execute(
                insert(User),
                [
                    {"email": f"r{i}@peak.test", "password_hash": "-", "name": f"R{i}"}
                    | {"created_at": now}
                    for i in range(people)
                ],
            )
            ids = (await db.exec(select(User.id).order_by(col(User.id)))).all()
            await connection.execute(
                insert(AuthSession),
                [
                    {
                        "user_id": user_id,
                        "token_hash": token_digest(token),
                        "created_at": now,
                        "expires_at": now.replace(year=now.year + 1),
                    }
                    for user_id, token in zip(ids, tokens, strict=True)
                ],
            )
            await db.commit()
            assert table_.id is not None
            return url, table_.id, tokens
    finally:
        await database.dispose()


async def _drop(url: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(**ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    await admin.close()


async def _register_all(url: str, session: int, tokens: list[str]) -> dict[str, Any]:
    statuses: Counter[int] = Counter()
    missing_retry_after = 0
    done: list[float] = []
    answers: list[dict[str, Any]] = []
    started = time.monotonic()

    async def one(token: str) -> None:
        nonlocal missing_retry_after
        caller = Caller(url)
        path = f"/api/v1/sessions/{session}/registrations"
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(100):
            answer = await caller.request("POST", path, {"mode": "onsite"}, headers)
            statuses[answer.status] += 1
            if answer.status != 503:
                answers.append(answer.json())
                break
            if "retry-after" not in answer.headers:
                missing_retry_after += 1
            wait = float(answer.headers.get("retry-after", 1))
            await asyncio.sleep(wait * (1 + random.random()))
        caller.close()
        done.append(time.monotonic() - started)

    await asyncio.gather(*(one(t) for t in tokens))
    return {
        "statuses": dict(statuses),
        "missing_retry_after": missing_retry_after,
        "wall_s": max(done),
        "latencies": done,
        "answers": answers,
    }


async def _outcome(url: str, session: int) -> tuple[list[int], Counter[str]]:
    from sqlmodel import col, select

    from server.attendance.models import Registration

    database = Database(url)
    try:
        async with database.session() as db:
            query = (
                select(Registration.ticket, Registration.status)
                .where(Registration.session_id == session)
                .order_by(col(Registration.ticket))
            )
            rows = (await db.exec(query)).all()
            return [t for t, _ in rows], Counter(str(s) for _, s in rows)
    finally:
        await database.dispose()


def rush(workdir: Path, people: int = 2000) -> dict[str, Any]:
    url, session, tokens = asyncio.run(_rush_database(people))
    try:
        with pavilion(workdir, url) as server:
            time.sleep(1.0)
            cpu = server.cpu_seconds()
            result = asyncio.run(_register_all(server.url, session, tokens))
            spent = server.cpu_seconds() - cpu
        tickets, statuses = asyncio.run(_outcome(url, session))
    finally:
        asyncio.run(_drop(url))
    answers = result.pop("answers")
    positions = sorted(a["position"] for a in answers if a.get("status") == "waitlisted")
    five_xx = {code: n for code, n in result["statuses"].items() if code >= 500 and code != 503}
    found = {
        **result,
        "people": people,
        "server_errors": five_xx,
        "confirmed": statuses.get("confirmed", 0),
        "waitlisted": statuses.get("waitlisted", 0),
        "tickets_in_order": tickets == list(range(1, people + 1)),
        "positions_in_order": positions == list(range(1, people - 30 + 1)),
        "cpu_ms_per_registration": spent / people * 1000,
    }
    table(
        f"Rush on PostgreSQL: {people:,} registrations at once for 30 seats",
        ["5xx", "503 (retried)", "confirmed", "waitlist in order", "wall", "p50", "p99", "CPU/reg"],
        [
            [
                str(sum(five_xx.values())),
                str(result["statuses"].get(503, 0)),
                str(found["confirmed"]),
                "yes" if found["tickets_in_order"] and found["positions_in_order"] else "NO",
                ms(result["wall_s"]),
                ms(pct(result["latencies"], 0.5)),
                ms(pct(result["latencies"], 0.99)),
                f"{found['cpu_ms_per_registration']:.1f} ms",
            ]
        ],
    )
    result.pop("latencies")
    return found


# ---------------------------------------------------------------------------------- main

SECTIONS = ("joins", "signins", "resume", "memory", "churn", "rush")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller crowds, 1 min of churn")
    parser.add_argument("--only", default=",".join(SECTIONS), help="sections, comma-separated")
    parser.add_argument("--churn-minutes", type=float, default=5.0)
    parser.add_argument("--json", type=Path, help="write every figure here too")
    args = parser.parse_args()
    wanted = [s for s in args.only.split(",") if s]
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    quick = args.quick
    print(
        f"bench/peak.py on {platform.node()}: {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {'quick' if quick else 'full'} run"
    )
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="pavilion-peak-") as folder:
        workdir = Path(folder)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        if "joins" in wanted:
            results["joins"] = joins(workdir, [200, 500] if quick else [500, 2000])
        if "signins" in wanted:
            results["signins"] = signins(workdir, 60 if quick else 200)
        if "resume" in wanted:
            results["resume"] = resume(workdir, 500 if quick else 2000)
        if "memory" in wanted:
            results["memory"] = memory(workdir, 1000 if quick else 5000)
        if "churn" in wanted:
            results["churn"] = churn(workdir, 1.0 if quick else args.churn_minutes)
        if "rush" in wanted:
            results["rush"] = rush(workdir, 300 if quick else 2000)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    print("\nstatistics: medians and percentiles of one run; compare the columns, not the runs.")


if __name__ == "__main__":
    main()
