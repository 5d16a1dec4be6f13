"""The one source of "now": injected everywhere so tests can move time by hand."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current instant as an aware UTC datetime, and can wait."""

    def now(self) -> datetime: ...

    async def sleep_until(self, instant: datetime) -> None:
        """Return once `instant` has come (at once if it has passed)."""
        ...


class SystemClock:
    """The wall clock of the machine, always in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, instant: datetime) -> None:
        await asyncio.sleep(max(0.0, (instant - self.now()).total_seconds()))


class FakeClock:
    """A clock that stands still until a test moves it; sleepers wake when it passes them."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self.set(self._now + delta)
        return self._now

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = instant.astimezone(UTC)
        waiting = []
        for due, future in self._sleepers:
            if due <= self._now:
                if not future.done():
                    future.set_result(None)
            else:
                waiting.append((due, future))
        self._sleepers = waiting

    async def sleep_until(self, instant: datetime) -> None:
        if instant <= self._now:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((instant, future))
        await future
