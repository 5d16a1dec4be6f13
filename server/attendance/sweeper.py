"""Passes on offers that ran out even when nobody touches their session: once a minute, on the
Clock, on every node (each pool is handled under its own lock, so nodes never double up)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from server.attendance.service import pass_on_expired_offers
from server.clock import Clock
from server.db import Database

log = logging.getLogger("pavilion.attendance")


class OfferSweeper:
    def __init__(
        self, database: Database, clock: Clock, *, every: timedelta = timedelta(minutes=1)
    ) -> None:
        self._database = database
        self._clock = clock
        self._every = every
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="offer-sweeper")

    async def stop(self) -> None:
        """Stop after the sweep in progress (cutting one off would strand its database call)."""
        if self._task is not None:
            self._stop.set()
            await self._task
            self._task = None

    async def sweep(self) -> int:
        async with self._database.session() as db:
            return await pass_on_expired_offers(db, self._clock)

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.sweep()
            except Exception:  # retried at the next sweep, never fatal
                log.exception("offer sweep failed")
            waiting = asyncio.ensure_future(
                self._clock.sleep_until(self._clock.now() + self._every)
            )
            stopping = asyncio.ensure_future(self._stop.wait())
            await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            stopping.cancel()
