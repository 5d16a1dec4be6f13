"""A background job that sweeps now and then, on the Clock, until stopped (offers that ran out,
rings nobody answered). Every node runs its own: each sweep does its work with conditional
writes, so nodes never double up."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from server.clock import Clock

log = logging.getLogger("pavilion.sweeping")


class Sweeper:
    name = "sweep"

    def __init__(self, clock: Clock, every: timedelta) -> None:
        self._clock = clock
        self._every = every
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def sweep(self) -> int:
        """One round; how many things it settled."""
        raise NotImplementedError

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Stop after the sweep in progress (cutting one off would strand its database call)."""
        if self._task is not None:
            self._stop.set()
            await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stop.is_set():
            # The next round is due `every` after this one began: time that passed while it
            # ran (or a clock moved meanwhile) does not push it back.
            began = self._clock.now()
            try:
                await self.sweep()
            except Exception:  # retried at the next sweep, never fatal
                log.exception("%s failed", self.name)
            waiting = asyncio.ensure_future(self._clock.sleep_until(began + self._every))
            stopping = asyncio.ensure_future(self._stop.wait())
            await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            stopping.cancel()
