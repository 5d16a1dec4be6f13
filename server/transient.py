"""When the database says "not now": run the unit of work again, or answer 503 `busy`.

- PostgreSQL serialization failures and deadlocks, and SQLite's "database is locked" (another
  process writing, past the busy timeout), are transient: nothing was kept, so the whole unit of
  work runs again, up to ATTEMPTS times with a short jittered pause.
- A pool that could not hand out a connection in time, and whatever is still transient after
  the last attempt, become `Busy`: 503 with Retry-After over HTTP, `busy` with `retry_after`
  on the socket. Never a 500.

HTTP routes get this through `RetryingRoute` (every router uses it); socket operations through
the dispatcher; background sweepers simply try again at their next round.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from server.errors import Busy
from server.metrics import Metrics

log = logging.getLogger("pavilion.db")

ATTEMPTS = 4
PAUSE_SECONDS = 0.02  # doubled each time, jittered
RETRY_AFTER_SECONDS = 2

# SQLSTATE classes PostgreSQL asks clients to retry.
_PG_RETRY = {"40001": "serialization_failure", "40P01": "deadlock"}

T = TypeVar("T")


def retry_cause(error: BaseException) -> str | None:
    """Why running the unit of work again may succeed (a label for /metrics), or None."""
    if not isinstance(error, DBAPIError) or isinstance(error, PoolTimeout):
        return None
    original = error.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if state in _PG_RETRY:
        return _PG_RETRY[state]
    if "database is locked" in str(original) or "database table is locked" in str(original):
        return "sqlite_locked"
    return None


def busy_for(error: BaseException, metrics: Metrics | None = None) -> Busy | None:
    """The `Busy` to answer for a database error that is not the caller's fault, or None."""
    if isinstance(error, Busy):
        return error
    bound = "db_pool" if isinstance(error, PoolTimeout) else None
    if bound is None and retry_cause(error) is not None:
        bound = "db_retries"
    if bound is None:
        return None
    if metrics is not None:
        metrics.busy.labels(bound).inc()
    return Busy.after(bound, RETRY_AFTER_SECONDS, "the server is busy")


async def pause(attempt: int) -> None:
    """The wait before running a unit of work again (attempt 1, 2, …): short, jittered."""
    ceiling = PAUSE_SECONDS * 2 ** (attempt - 1)
    await asyncio.sleep(ceiling / 2 + random.random() * ceiling / 2)


async def run_unit(work: Callable[[], Awaitable[T]], metrics: Metrics | None = None) -> T:
    """`work()` (one whole unit of work: its own session, its own commit), run again on a
    transient error; `Busy` when it stays transient or the pool ran dry."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await work()
        except Exception as error:
            cause = retry_cause(error)
            if cause is not None and attempt < ATTEMPTS:
                if metrics is not None:
                    metrics.db_retries.labels(cause).inc()
                log.info("transient database error (%s); attempt %d again", cause, attempt + 1)
                await pause(attempt)
                continue
            busy = busy_for(error, metrics)
            if busy is None:
                raise
            raise busy from error
    raise AssertionError("unreachable")


class RetryingRoute(APIRoute):
    """An API route whose whole handling (dependencies, and so its database session,
    included) runs again on a transient database error; see the module docstring.

    Function-scoped dependencies (the database session) get a fresh exit stack per attempt,
    so a failed attempt's session is rolled back and closed before the next one starts."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            metrics: Metrics | None = getattr(request.app.state, "metrics", None)
            scope = request.scope
            outer: Any = scope.get("fastapi_function_astack")

            async def attempt() -> Response:
                async with AsyncExitStack() as stack:
                    scope["fastapi_function_astack"] = stack
                    return await handle(request)

            try:
                return await run_unit(attempt, metrics)
            finally:
                scope["fastapi_function_astack"] = outer

        return handler
