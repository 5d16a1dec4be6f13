"""The async database: one engine per app, sessions per request, UTC instants on every backend."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql import Executable
from sqlalchemy.types import DateTime, String, TypeDecorator
from sqlalchemy.util import await_
from sqlmodel.ext.asyncio.session import AsyncSession

from server.metrics import Metrics
from server.unit import Publisher, UnitSession, unit_of_work
from server.writers import WriteGate, is_write

log = logging.getLogger("pavilion.db")


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored as UTC and always read back as an aware UTC datetime.

    SQLite keeps no offset, so naive values would come back ambiguous; this type refuses
    naive input and normalises everything to UTC on the way in and out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime; pass an aware UTC instant")
        instant = value.astimezone(UTC)
        return instant.replace(tzinfo=None) if dialect.name == "sqlite" else instant

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StrEnumType(TypeDecorator[StrEnum]):
    """A StrEnum stored as its plain string value and read back as the enum member, so that
    `row.status is Status.cancelled` holds for rows from the database too."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=5000")
    # WAL is a property of the database file: set once (by the migrations, see migrate.py).
    # Switching takes a lock that does not wait for the busy timeout, so connections racing
    # to switch would fail at once with "database is locked".
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() != "wal":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    """Owns the engine and hands out sessions; created by `create_app`, never global.

    The pool holds `pool_size` connections and opens up to `pool_overflow` more under load; a
    unit of work that cannot get one within `pool_timeout` seconds is refused (503 `busy`,
    see server/transient.py) instead of waiting on. On SQLite, writers queue for the node's
    one writer slot for at most `write_wait` seconds (server/writers.py)."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        pool_size: int = 10,
        pool_overflow: int = 10,
        pool_timeout: float = 10.0,
        write_wait: float = 10.0,
        metrics: Metrics | None = None,
    ) -> None:
        self.url = url
        self.metrics = metrics or Metrics()
        self.engine: AsyncEngine = create_async_engine(
            url,
            echo=echo,
            pool_size=pool_size,
            max_overflow=pool_overflow,
            pool_timeout=pool_timeout,
        )
        self.writers: WriteGate | None = None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine.sync_engine, "connect", sqlite_pragmas)
            self.writers = WriteGate(write_wait, self.metrics)
            _queue_writers(self.engine, self.writers)
        self.reader = LoopReader(url) if self.engine.dialect.name == "sqlite" else None
        self._sessions = async_sessionmaker(
            self.engine,
            class_=AsyncSession,
            expire_on_commit=False,
            sync_session_class=UnitSession,
            info={READER: self.reader},
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction rolls back unless the caller commits."""
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def unit(self, bus: Publisher | None) -> AsyncIterator[AsyncSession]:
        """One unit of work outside a request (sweepers, runners, the CLI): committed when
        the block ends without an error, then its collected events are published
        (server/unit.py); rolled back otherwise."""
        async with self._sessions() as session, unit_of_work(session, bus):
            yield session

    async def ping(self) -> None:
        """Raises if the database cannot answer a trivial query."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self.reader is not None:
            self.reader.close()
        await self.engine.dispose()

    def pool_status(self) -> dict[str, int]:
        """Connections in use, idle in the pool, and opened beyond its size (for /metrics)."""
        pool: Any = self.engine.sync_engine.pool
        return {
            "checked_out": int(pool.checkedout()),
            "idle": int(pool.checkedin()),
            "overflow": max(0, int(pool.overflow())),
            "size": int(pool.size()),
        }


async def rows(
    db: AsyncSession,
    query: Executable,
    params: dict[str, Any] | None = None,
    *,
    fresh: bool = False,
) -> Sequence[Any]:
    """All rows of a Core query (several columns, a UNION; typically built once, at import,
    with `bindparam`s, so that a hot path pays neither for building nor compiling it).

    `fresh`: the read need not see this session's own uncommitted writes (an admission, a
    token, at the start of a unit of work), so on SQLite it may go through the LoopReader.
    Otherwise it runs in the session's transaction. (`AsyncSession.exec` is typed for
    sqlmodel's own selects.)"""
    reader: LoopReader | None = db.info.get(READER)
    if fresh and reader is not None:
        found = reader.rows(query, params or {})
        if found is not None:
            return found
    result: Any = await db.exec(cast(Any, query), params=params)
    return list(result.all())


READER = "pavilion.loop_reader"


class LoopReader:
    """Point reads of SQLite run right on the event loop's thread (`rows`, or None when SQLite
    is busy for longer than BUSY_MS: the caller then takes the usual path).

    Through aiosqlite every statement costs several hops to the connection's own thread and
    back, and SQLAlchemy's asyncio layer on top of them: some 0.7 ms of CPU for one indexed
    lookup, where pysqlite on the calling thread takes 0.03 ms (bench/peak.py). A join storm is
    thousands of such lookups (whose token is this, may they enter, what is theirs). So the
    hot reads that only need the last commit go through one synchronous connection, on the
    loop: tens of microseconds each, far less than the thread hops they replace would hold
    the loop. It never writes (query_only), and in WAL mode a reader waits for nobody; should
    SQLite still be busy (recovering its WAL), it gives up within BUSY_MS."""

    BUSY_MS = 50

    def __init__(self, url: str) -> None:
        sync_url = make_url(url).set(drivername="sqlite+pysqlite")
        self._engine = create_engine(
            sync_url, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
        event.listen(self._engine, "connect", self._pragmas)
        self._connection: Any = None

    def _pragmas(self, dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={self.BUSY_MS}")
        cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    def rows(self, query: Executable, params: dict[str, Any]) -> Sequence[Any] | None:
        if self._connection is None:
            self._connection = self._engine.connect()
        try:
            return list(self._connection.execute(query, params).all())
        except OperationalError as busy:
            log.info("the loop reader gave way (%s)", busy.orig)
            return None
        finally:
            self._connection.rollback()  # no BEGIN was sent for a SELECT: ends SQLAlchemy's

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self._engine.dispose()


def _queue_writers(engine: AsyncEngine, gate: WriteGate) -> None:
    """Make every transaction wait for `gate` before its first write and give the slot back
    once it commits or rolls back (or its connection is closed or invalidated)."""
    sync = engine.sync_engine
    dialect = sync.dialect

    @event.listens_for(sync, "before_cursor_execute")
    def _before(
        conn: Connection, _cursor: Any, statement: str, *_args: Any
    ) -> None:  # greenlet context: may await
        raw = _raw(conn.connection)
        if gate.holder is not raw and is_write(statement):
            await_(gate.acquire(raw))

    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            gate.release(_raw(dbapi_connection))

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            gate.release(_raw(dbapi_connection))

    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]

    def _gone(dbapi_connection: Any, *_args: Any) -> None:
        gate.release(_raw(dbapi_connection))

    for name in ("checkin", "close", "invalidate"):
        event.listen(sync.pool, name, _gone)


def _raw(connection: Any) -> Any:
    """The driver's own connection, whether given it or the pool's proxy around it."""
    return getattr(connection, "dbapi_connection", None) or connection
