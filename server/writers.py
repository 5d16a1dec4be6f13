"""SQLite's one writer, queued inside the process.

SQLite lets one connection write at a time. Left to itself, every connection that wants to
write spins in its own thread on the busy timeout, in no order, and gives up with "database is
locked" once the timeout passes: under a rush of sign-ups that is a 500 for most of them. Here
a transaction instead waits for the node's single writer slot, first come first served, before
its first INSERT, UPDATE or DELETE reaches SQLite, and gives the slot back as soon as it
commits or rolls back. Reads never wait: in WAL mode they see the last commit and take no lock,
and the driver (pysqlite's own transaction control) runs the SELECTs before a transaction's
first write outside any transaction, so a queued writer never holds an old snapshot that
would make SQLite refuse its upgrade.

A writer that would wait longer than `wait` seconds is refused at once with `Busy` (503 with
Retry-After): waiting in a queue that will not reach it in time would only turn into a
timeout later. Other processes writing to the same file (`pavilion` commands run beside the
server) still meet SQLite's busy timeout, as before.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from server.errors import Busy
from server.metrics import Metrics

# How a first guess of a writer's hold time is corrected by each measured one (an EWMA).
_SMOOTHING = 0.1
_FIRST_GUESS_SECONDS = 0.005


class WriteGate:
    """A FIFO mutex over the node's SQLite writers; `holder` is the DBAPI connection in it."""

    def __init__(self, wait: float, metrics: Metrics) -> None:
        self.wait = wait
        self._metrics = metrics
        self.holder: Any = None
        self._since = 0.0
        self._waiters: deque[tuple[asyncio.Future[None], Any]] = deque()
        self._hold = _FIRST_GUESS_SECONDS

    @property
    def queued(self) -> int:
        return len(self._waiters)

    def expected_wait(self, position: int) -> float:
        """Seconds until the writer at `position` in the queue (0: next) gets the slot."""
        return (position + 1) * self._hold

    async def acquire(self, connection: Any) -> None:
        """Take the slot for `connection`, waiting in line; Busy when the line is too long or
        the wait runs out."""
        if self.holder is connection:
            return
        started = time.perf_counter()
        if self.holder is None and not self._waiters:
            self._grant(connection, started)
            return
        expected = self.expected_wait(len(self._waiters))
        if expected > self.wait:
            raise self._busy(expected)
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (waiter, connection)
        self._waiters.append(entry)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), self.wait)
        except (TimeoutError, asyncio.CancelledError) as stopped:
            if waiter.done() and not waiter.cancelled():
                self.release(connection)  # handed over just as we gave up: pass it on
            else:
                waiter.cancel()
                self._waiters.remove(entry)
            if isinstance(stopped, asyncio.CancelledError):
                raise
            raise self._busy(self.expected_wait(len(self._waiters))) from None
        self._metrics.db_write_wait.observe(time.perf_counter() - started)

    def _grant(self, connection: Any, started: float) -> None:
        self.holder = connection
        self._since = time.perf_counter()
        self._metrics.db_write_wait.observe(self._since - started)

    def release(self, connection: Any) -> None:
        """Give the slot back (nothing if `connection` does not hold it)."""
        if self.holder is not connection:
            return
        held = time.perf_counter() - self._since
        self._hold += (held - self._hold) * _SMOOTHING
        self._metrics.db_write_hold.observe(held)
        self.holder = None
        while self._waiters:
            waiter, waiting = self._waiters.popleft()
            if not waiter.done():
                self.holder = waiting
                self._since = time.perf_counter()
                waiter.set_result(None)
                return

    def _busy(self, expected: float) -> Busy:
        self._metrics.busy.labels("db_writer").inc()
        return Busy.after("db_writer", expected, "the server is busy writing")


def is_write(statement: str) -> bool:
    """Whether pysqlite opens a transaction for this statement (it does for DML only)."""
    head = statement.lstrip()[:7].upper()
    return head.startswith(("INSERT", "UPDATE", "DELETE", "REPLACE"))
