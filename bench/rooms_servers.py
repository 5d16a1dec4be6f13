"""The servers of bench/rooms.py (and bench/peak.py): Redis, Pavilion on a prepared database,
and the two peers, each started and stopped by bench/servers.py."""

from __future__ import annotations

import shutil
import sys
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path

from servers import HOST, VENV_BIN, Running, running
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

BENCH = Path(__file__).resolve().parent


# ---------------------------------------------------------------------------------- Redis


def redis_server(workdir: Path) -> AbstractContextManager[Running]:
    """`redis-server` without persistence on a free port (`redis://…` as its url)."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    argv = [binary, "--port", "{port}", "--bind", HOST, "--save", "", "--appendonly", "no"]
    argv += ["--dir", str(workdir)]
    return running("redis", argv, workdir)


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
    return running(name, [str(VENV_BIN / "pavilion"), "serve"], workdir, env)


def peer(name: str, workdir: Path, redis: str | None) -> AbstractContextManager[Running]:
    """One of bench/rooms_peers.py's servers (`socketio` or `floor`)."""
    argv = [sys.executable, str(BENCH / "rooms_peers.py"), name, "--port", "{port}"]
    if redis:
        argv += ["--redis", redis]
    return running(name, argv, workdir)
