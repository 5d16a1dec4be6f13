"""The servers of bench/rooms.py as child processes: Redis, Pavilion and the two peers.

Each server is a process of its own on a free loopback port, watched through psutil (CPU
time and resident memory of it and its children) and stopped with SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psutil
from sqlalchemy import insert
from sqlmodel import col, select

from server.accounts.hashing import hash_password
from server.accounts.models import AuthSession, User
from server.accounts.service import token_digest
from server.clock import SystemClock
from server.db import Database
from server.migrate import upgrade
from server.program.models import Session
from tests.factories import load_program, program_doc, session_doc
from tests.servers import free_port, stop_process

BENCH = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


@dataclass
class Running:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def _tree(self) -> list[psutil.Process]:
        try:
            parent = psutil.Process(self.process.pid)
            return [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc in self._tree():
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def rss_mb(self) -> float:
        total = 0
        for proc in self._tree():
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total / 2**20

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""


def _wait_listening(server: Running, timeout: float = 60.0) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"{server.name} exited before listening:\n{server.tail()}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{server.name} did not listen on {port} within {timeout:.0f} s")


@contextmanager
def running(name: str, argv: list[str], env: dict[str, str], workdir: Path) -> Iterator[Running]:
    """A server process until the block ends; its output goes to a log file in workdir."""
    port = free_port()
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [a.replace("{port}", str(port)) for a in argv],
            env={**os.environ, **{k: v.replace("{port}", str(port)) for k, v in env.items()}},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Running(name, f"http://{HOST}:{port}", process, log)
    try:
        _wait_listening(server)
        yield server
    finally:
        stop_process(process)


# ---------------------------------------------------------------------------------- Redis


def redis_server(workdir: Path) -> AbstractContextManager[Running]:
    """`redis-server` without persistence on a free port (`redis://…` as its url)."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    argv = [binary, "--port", "{port}", "--bind", HOST, "--save", "", "--appendonly", "no"]
    argv += ["--dir", str(workdir)]
    return running("redis", argv, {}, workdir)


def redis_url(redis: Running) -> str:
    return redis.url.replace("http://", "redis://") + "/0"


def flush_redis(redis: Running) -> None:
    import redis as redis_client

    client = redis_client.Redis.from_url(redis_url(redis))
    try:
        client.flushall()
    finally:
        client.close()


# ------------------------------------------------------------------------------- Pavilion


def member_token(index: int) -> str:
    return f"bench-member-{index:06d}-0123456789abcdef"


def sender_token(index: int) -> str:
    return f"bench-sender-{index:03d}-0123456789abcdef"


async def build_database(url: str, members: int, senders: int) -> int:
    """Migrate, import a forum with one open session and add people with known tokens;
    the session's id. Everyone shares one Argon2 hash: nobody signs in with a password."""
    await upgrade(url)
    clock = SystemClock()
    doc = program_doc(
        session_doc(
            "bench-hall",
            "2027-03-27T10:00",
            "2027-03-27T18:00",
            capacity={"onsite": 100, "online": 10000},
        )
    )
    now = clock.now()
    tokens = [member_token(i) for i in range(members)] + [sender_token(i) for i in range(senders)]
    shared_hash = hash_password("nobody signs in with this")
    database = Database(url)
    try:
        async with database.session() as db:
            await load_program(db, clock, doc)
            session = (await db.exec(select(Session).where(Session.slug == "bench-hall"))).one()
            people = [
                {
                    "email": f"person{i}@bench.test",
                    "password_hash": shared_hash,
                    "name": f"Member {i}" if i < members else f"Sender {i - members}",
                    "created_at": now,
                }
                for i in range(len(tokens))
            ]
            connection = await db.connection()
            await connection.execute(insert(User), people)
            ids = (await db.exec(select(User.id).order_by(col(User.id)))).all()
            sessions = [
                {
                    "user_id": user_id,
                    "token_hash": token_digest(token),
                    "created_at": now,
                    "expires_at": now + timedelta(days=2),
                }
                for user_id, token in zip(ids, tokens, strict=True)
            ]
            await connection.execute(insert(AuthSession), sessions)
            await db.commit()
            assert session.id is not None
            return session.id
    finally:
        await database.dispose()


def pavilion(
    name: str, database: Path, workdir: Path, redis: str | None, rate: float
) -> AbstractContextManager[Running]:
    """`pavilion serve` on its own copy of the prepared database."""
    copy = workdir / f"{name}.db"
    shutil.copyfile(database, copy)
    env = {
        "PAVILION_ENVIRONMENT": "test",
        "PAVILION_DATABASE_URL": f"sqlite+aiosqlite:///{copy}",
        "PAVILION_HOST": HOST,
        "PAVILION_PORT": "{port}",
        "PAVILION_WS_RATE_PER_SOCKET": str(rate),
        "PAVILION_WS_RATE_PER_USER": str(rate),
        "PAVILION_MARATHON_RUNNER": "false",
        "PAVILION_LOG_LEVEL": "WARNING",
        "PAVILION_LOG_FORMAT": "text",
        "PAVILION_MEDIA_DIR": str(workdir / "media"),
    }
    if redis:
        env["PAVILION_REDIS_URL"] = redis
    return running(name, [str(VENV_BIN / "pavilion"), "serve"], env, workdir)


def peer(name: str, workdir: Path, redis: str | None) -> AbstractContextManager[Running]:
    """One of bench/rooms_peers.py's servers (`socketio` or `floor`)."""
    argv = [sys.executable, str(BENCH / "rooms_peers.py"), name, "--port", "{port}"]
    if redis:
        argv += ["--redis", redis]
    return running(name, argv, {}, workdir)
