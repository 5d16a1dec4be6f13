"""Admission in front of work that a storm could pile up: room joins, new sockets.

A `Bounded` lets `limit` jobs run at once and the rest wait in line, first come first served,
for at most `wait` seconds. It does not let anyone queue into a timeout: from how fast the
line has been moving it knows how long a wait is, and a newcomer who would wait longer than
`wait` is told at once to come back later (`Busy`, with Retry-After), before it has cost
anything. A burst that arrives before the pace is known joins the line; as soon as the first
of it are served, those at the back who could not be reached in time are told so, then and
there, rather than when their wait runs out. Everyone who stays in line is served within the
bound; the rest retry, spread out by their own jitter.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from server.errors import Busy, error_body
from server.metrics import Metrics

_SMOOTHING = 0.2


class Bounded:
    def __init__(
        self,
        name: str,
        limit: int,
        wait: float,
        metrics: Metrics,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.limit = limit
        self.wait = wait
        self._metrics = metrics
        self._now = now
        self.running = 0
        self._line: deque[tuple[asyncio.Future[None], float]] = deque()  # (turn, since)
        self._gap = 0.001  # seconds between finishes while some wait (an EWMA; a first guess)
        self._last_finish = 0.0

    @property
    def waiting(self) -> int:
        return len(self._line)

    def expected_wait(self) -> float:
        """How long a newcomer would wait, from the line's length and the recent pace."""
        if self.running < self.limit and not self._line:
            return 0.0
        return (len(self._line) + 1) * self._gap

    def check(self) -> None:
        """Busy now if a newcomer would wait too long (without joining the line)."""
        expected = self.expected_wait()
        if expected > self.wait:
            raise self._busy(expected)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Run the block once admitted; Busy (at once, or when the wait runs out) otherwise."""
        await self.enter()
        try:
            yield
        finally:
            self.leave()

    async def enter(self) -> None:
        """Wait to be admitted (Busy when refused); every `enter` is followed by a `leave`."""
        if self.running < self.limit and not self._line:
            self.running += 1
            return
        self.check()
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (turn, self._now())
        self._line.append(entry)
        try:
            await asyncio.wait_for(asyncio.shield(turn), self.wait)
        except (TimeoutError, asyncio.CancelledError) as stopped:
            if turn.done() and not turn.cancelled() and turn.exception() is None:
                self.leave()  # admitted just as we gave up: pass the place on
            elif not turn.done():
                turn.cancel()
                self._line.remove(entry)
            if isinstance(stopped, asyncio.CancelledError):
                raise
            raise self._busy(self.expected_wait()) from None

    def leave(self) -> None:
        now = self._now()
        # The pace is what the line moves at while it is full: the time between two finishes
        # with people waiting at both (otherwise it only tells how sparse the arrivals were).
        if self._line and self._last_finish:
            self._gap += (min(now - self._last_finish, 1.0) - self._gap) * _SMOOTHING
        self._last_finish = now if self._line else 0.0
        self._turn_away(now)
        while self._line:
            turn, _ = self._line.popleft()
            if not turn.done():
                turn.set_result(None)  # the place passes on: `running` stays the same
                return
        self.running -= 1

    def _turn_away(self, now: float) -> None:
        """Tell those at the back of the line whom the line will not reach before their wait
        runs out (at its present pace) to come back later, now rather than then."""
        while len(self._line) > 1:
            turn, since = self._line[-1]
            expected = len(self._line) * self._gap
            if expected <= self.wait - (now - since):
                return
            self._line.pop()
            if not turn.done():
                turn.set_exception(self._busy(expected))

    def _busy(self, expected: float) -> Busy:
        """Busy, to come back when the line, moving at its pace, leaves a newcomer half the
        bound to wait: soon enough that the line never runs dry, late enough not to be
        refused again at once."""
        self._metrics.busy.labels(self.name).inc()
        back = max(1.0, expected - self.wait / 2)
        return Busy.after(self.name, back, "many people are arriving at once")


class HttpAdmission:
    """ASGI middleware: the API's requests are admitted through a `Bounded` (see the module
    docstring); health checks, /metrics, the web app's files, media and HLS are not held.

    Nor are the routes that check a password: they spend their time waiting for an Argon2
    worker, which has a bound of its own (server/accounts/hashing.py), and counted here they
    would hold places others need and teach the line the pace of Argon2 (a tenth of a second
    a request) where every other route takes milliseconds."""

    PREFIXES = ("/api/",)
    OWN_BOUND = frozenset({"/api/v1/auth/login", "/api/v1/auth/signup", "/api/v1/auth/password"})

    def __init__(self, app: ASGIApp, bounded: Bounded) -> None:
        self.app = app
        self.bounded = bounded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not path.startswith(self.PREFIXES)
            or path.rstrip("/") in self.OWN_BOUND
        ):
            await self.app(scope, receive, send)
            return
        try:
            await self.bounded.enter()
        except Busy as busy:  # refused at the door: nothing was done
            retry = str(busy.details.get("retry_after", 1))
            body = error_body(busy.code, busy.message, **busy.details)
            await JSONResponse(body, 503, headers={"Retry-After": retry})(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.bounded.leave()
