"""Figures per step (an HTTP route or a room operation): counts, failures by kind, and latency
percentiles over the whole run and per interval. Exact: every latency is kept (a rehearsal of
5,000 people for three hours is a few million floats), so a p99 is the p99, not a bucket's.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def percentile(ordered: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an ascending list (None for no values)."""
    if not ordered:
        return None
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Tally:
    """One step's requests: latencies (ms) of those that succeeded, failures by kind."""

    times: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.times) + sum(self.failures.values())

    def summary(self, seconds: float) -> dict[str, Any]:
        ordered = sorted(self.times)
        return {
            "count": self.count,
            "failures": sum(self.failures.values()),
            "rate": self.count / seconds if seconds > 0 else 0.0,
            "p50": percentile(ordered, 0.50),
            "p90": percentile(ordered, 0.90),
            "p99": percentile(ordered, 0.99),
            "max": ordered[-1] if ordered else None,
            "errors": dict(self.failures.most_common()),
        }


class Steps:
    """Collects every request of a run; `tick()` closes an interval, `final()` the run."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self.started = now()
        self._run: dict[str, Tally] = {}
        self._window: dict[str, Tally] = {}
        self._window_started = self.started

    def record(self, step: str, milliseconds: float, error: str | None = None) -> None:
        for tallies in (self._run, self._window):
            tally = tallies.setdefault(step, Tally())
            if error is None:
                tally.times.append(milliseconds)
            else:
                tally.failures[error] += 1

    def tick(self) -> dict[str, Any]:
        """The interval since the last tick: {"t": seconds since start, "steps": {...}}."""
        now = self._now()
        seconds = now - self._window_started
        window, self._window = self._window, {}
        self._window_started = now
        steps = {}
        for step, tally in window.items():
            ordered = sorted(tally.times)
            steps[step] = {
                "count": tally.count,
                "failures": sum(tally.failures.values()),
                "p99": percentile(ordered, 0.99),
            }
        return {"t": round(now - self.started, 3), "seconds": round(seconds, 3), "steps": steps}

    def final(self) -> dict[str, Any]:
        seconds = self._now() - self.started
        return {
            "seconds": round(seconds, 3),
            "steps": {step: tally.summary(seconds) for step, tally in sorted(self._run.items())},
        }
