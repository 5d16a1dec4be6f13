"""Admission in front of joins and new sockets: first come first served, bounded, and a
newcomer who would wait too long is told so at once (server/realtime/admission.py)."""

from __future__ import annotations

import asyncio
import statistics

import pytest

from server.errors import Busy
from server.metrics import Metrics
from server.realtime.admission import Bounded


async def test_beyond_the_limit_jobs_wait_their_turn_in_arrival_order() -> None:
    bounded = Bounded("test", 2, 5.0, Metrics())
    release = asyncio.Event()
    order: list[int] = []

    async def job(n: int) -> None:
        async with bounded.slot():
            order.append(n)
            await release.wait()

    tasks = [asyncio.create_task(job(n)) for n in range(5)]
    await asyncio.sleep(0.05)
    started_at_once = list(order)
    release.set()
    await asyncio.gather(*tasks)

    assert started_at_once == [0, 1]
    assert order == [0, 1, 2, 3, 4]
    assert (bounded.running, bounded.waiting) == (0, 0)


async def test_a_wait_that_runs_out_is_busy_with_a_retry_hint_and_leaves_the_line() -> None:
    metrics = Metrics()
    bounded = Bounded("test", 1, 0.1, metrics)
    hold = asyncio.Event()

    async def holder() -> None:
        async with bounded.slot():
            await hold.wait()

    holding = asyncio.create_task(holder())
    await asyncio.sleep(0.01)
    with pytest.raises(Busy) as refused:
        async with bounded.slot():
            pass
    hold.set()
    await holding

    assert refused.value.details["retry_after"] >= 1
    assert refused.value.details["bound"] == "test"
    assert bounded.waiting == 0
    assert metrics.busy.labels("test")._value.get() == 1


async def test_a_line_too_long_for_the_pace_is_refused_at_once_without_waiting() -> None:
    bounded = Bounded("test", 1, 1.0, Metrics())
    gate = asyncio.Event()

    async def job() -> None:
        async with bounded.slot():
            await gate.wait()
            await asyncio.sleep(0.02)  # the pace: one job every 20 ms

    first = [asyncio.create_task(job()) for _ in range(12)]
    await asyncio.sleep(0.01)
    gate.set()
    await asyncio.gather(*first)  # the bound learned the pace
    gate.clear()
    busy = [asyncio.create_task(job()) for _ in range(60)]  # 60 x 20 ms > 1 s
    await asyncio.sleep(0.01)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(Busy):
        async with bounded.slot():
            pass
    waited = loop.time() - started
    gate.set()
    await asyncio.gather(*busy, return_exceptions=True)

    assert waited < 0.05


async def test_a_burst_before_the_pace_is_known_turns_away_the_back_of_the_line_early() -> None:
    bounded = Bounded("test", 1, 1.0, Metrics())
    loop = asyncio.get_running_loop()
    started = loop.time()
    served: list[float] = []
    refused: list[float] = []

    async def job() -> None:
        try:
            async with bounded.slot():
                await asyncio.sleep(0.05)  # one at a time, 20 a second: 1 s serves 20
            served.append(loop.time() - started)
        except Busy:
            refused.append(loop.time() - started)

    await asyncio.gather(*(job() for _ in range(60)))  # all at once, no pace learned yet

    assert refused and served
    # Those the line could not reach were told as soon as it was clear (most at once, as the
    # first were served), never after waiting their whole second out ...
    assert statistics.median(refused) < 0.3 and max(refused) < 1.0
    # ... and everyone it kept was served within the bound (a little slack for the loop).
    assert len(served) <= 25 and max(served) < 1.2
