"""A probe of the event loop: it asks to sleep a little, again and again, and notes how late
it woke. Anything that blocks the loop (a password hash, a video encode, a large JSON encode)
shows here as lag, for every socket of the node alike (`pavilion_loop_lag_seconds`)."""

from __future__ import annotations

import asyncio
import contextlib
import time

from server.metrics import Metrics

INTERVAL_SECONDS = 0.1


class LoopLagProbe:
    def __init__(self, metrics: Metrics, interval: float = INTERVAL_SECONDS) -> None:
        self._metrics = metrics
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="loop-lag-probe")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(self._interval)
            lag = max(0.0, time.perf_counter() - asked - self._interval)
            self._metrics.loop_lag.observe(lag)
