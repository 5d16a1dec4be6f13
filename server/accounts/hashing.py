"""Argon2 off the event loop: hashing and checking passwords in a pool bounded to the cores.

One Argon2 computation takes about a tenth of a second of CPU (argon2-cffi's RFC 9106 profile,
64 MiB). Run on the event loop, each sign-in stopped every socket of the node for that long;
here it runs in a thread (argon2-cffi releases the GIL), at most one per core at a time, so the
loop keeps answering while a storm of sign-ins queues. The queue is bounded by time: a request
that would wait longer than `max_wait` seconds is refused at once with `Busy` (503,
Retry-After), before it has cost anything.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.errors import Busy
from server.metrics import Metrics

T = TypeVar("T")

_hasher = PasswordHasher()
# An unknown email is checked against this, so that it costs what a wrong password costs.
_DUMMY_HASH = _hasher.hash("not a password anyone has")
_SMOOTHING = 0.1


def hash_password(password: str) -> str:
    """Argon2 hash, here and now (for commands and loaders, not for request paths)."""
    return _hasher.hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    """Whether `password` is the one `stored` was made from (always False for None, after
    the same work)."""
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


class Passwords:
    """The node's Argon2 pool (one per app)."""

    def __init__(self, metrics: Metrics, *, workers: int | None = None, max_wait: float = 10.0):
        self.workers = workers or os.cpu_count() or 1
        self.max_wait = max_wait
        self._metrics = metrics
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="argon2")
        self._pending = 0  # jobs submitted and not finished
        self._seconds = 0.1  # a first guess of one job, corrected by each measured one
        metrics.watch(
            "pavilion_password_hash_queue",
            "Argon2 jobs waiting for a worker",
            lambda: [((), float(max(0, self._pending - self.workers)))],
        )

    def admit(self) -> None:
        """Busy if a job submitted now would wait longer than `max_wait`: say so before the
        caller does anything (a sign-in reserves its throttle slot only after this)."""
        expected = self._pending * self._seconds / self.workers
        if expected > self.max_wait:
            self._metrics.busy.labels("password_hash").inc()
            raise Busy.after("password_hash", expected, "many people are signing in")

    async def hash(self, password: str) -> str:
        return await self._run(hash_password, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        return await self._run(password_matches, stored, password)

    async def _run(self, work: Callable[..., T], *args: object) -> T:
        self.admit()
        queued = time.perf_counter()
        self._pending += 1

        def job() -> T:
            started = time.perf_counter()
            try:
                return work(*args)
            finally:
                self._measured(queued, started)  # in the worker: plain arithmetic only

        future = asyncio.get_running_loop().run_in_executor(self._pool, job)
        future.add_done_callback(self._finished)
        # Shielded: a caller that goes away does not leave the count of pending jobs wrong.
        return await asyncio.shield(future)

    def _measured(self, queued: float, started: float) -> None:
        took = time.perf_counter() - started
        self._seconds += (took - self._seconds) * _SMOOTHING
        self._metrics.password_hash_wait.observe(started - queued)
        self._metrics.password_hash_seconds.observe(took)

    def _finished(self, _future: asyncio.Future[Any]) -> None:
        self._pending -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
