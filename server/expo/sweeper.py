"""Ends "talk to us now" rings that nobody answered: every few seconds, on the Clock, on every
node (each request is missed by one conditional UPDATE, so nodes never double up)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from server.clock import Clock
from server.db import Database
from server.expo.leads import miss_expired
from server.realtime.bus import Bus

log = logging.getLogger("pavilion.expo")


class RingSweeper:
    def __init__(
        self, database: Database, clock: Clock, bus: Bus, *, every: timedelta = timedelta(seconds=3)
    ) -> None:
        self._database = database
        self._clock = clock
        self._bus = bus
        self._every = every
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="ring-sweeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._stop.set()
            await self._task
            self._task = None

    async def sweep(self) -> int:
        async with self._database.session() as db:
            return await miss_expired(db, self._clock, self._bus)

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.sweep()
            except Exception:  # retried at the next sweep, never fatal
                log.exception("ring sweep failed")
            waiting = asyncio.ensure_future(
                self._clock.sleep_until(self._clock.now() + self._every)
            )
            stopping = asyncio.ensure_future(self._stop.wait())
            await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            stopping.cancel()
