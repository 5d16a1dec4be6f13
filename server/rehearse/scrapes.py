"""The server's own figures: `/metrics` read now and then during a rehearsal, and what they say
over the run (a counter's increase, a gauge's peak, a histogram's percentiles) and per
interval (for the charts). Whatever families the node exposes are read; none is required, so
a node that has fewer (an older version) still gets its report.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Scrape:
    """One reading: seconds since the rehearsal started, every sample's value."""

    t: float
    values: dict[tuple[str, Labels], float]


@dataclass
class Family:
    name: str
    kind: str  # counter, gauge, histogram, summary, unknown
    help: str


@dataclass
class Scrapes:
    """Every reading of one node's /metrics during the run, in order."""

    readings: list[Scrape] = field(default_factory=list)
    families: dict[str, Family] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, t: float, text: str) -> None:
        values: dict[tuple[str, Labels], float] = {}
        for family in text_string_to_metric_families(text):
            if family.name.endswith("_created"):
                continue  # when a counter or histogram was made: not a figure
            self.families.setdefault(
                family.name, Family(family.name, family.type, family.documentation)
            )
            for sample in family.samples:
                if sample.name.endswith("_created"):
                    continue
                values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        self.readings.append(Scrape(t, values))

    # --- over the run -------------------------------------------------------------------------

    def increase(self, counter: str, by: str | None = None) -> dict[str, float]:
        """How much a counter rose from the first reading to the last, summed by one label
        (or in all under "")."""
        if len(self.readings) < 2:
            return {}
        first, last = self.readings[0].values, self.readings[-1].values
        rises: dict[str, float] = {}
        for (name, labels), value in last.items():
            if name != f"{counter}_total" and name != counter:
                continue
            key = dict(labels).get(by, "") if by else ""
            rises[key] = rises.get(key, 0.0) + value - first.get((name, labels), 0.0)
        return {key: rise for key, rise in sorted(rises.items()) if rise}

    def series(
        self, gauge: str, where: Callable[[dict[str, str]], bool] = lambda _: True
    ) -> list[tuple[float, float]]:
        """A gauge over time (summed over its matching labels); none when the node does not
        expose it, 0 at a reading with no label set of it (viewers of no session)."""
        if gauge not in self.families:
            return []
        return [
            (
                reading.t,
                sum(
                    value
                    for (name, labels), value in reading.values.items()
                    if name == gauge and where(dict(labels))
                ),
            )
            for reading in self.readings
        ]

    def quantile(
        self, histogram: str, q: float, where: Callable[[dict[str, str]], bool] = lambda _: True
    ) -> float | None:
        """A histogram's q-quantile over the run (its buckets' increase), in its unit."""
        if len(self.readings) < 2:
            return None
        return _quantile(_buckets(self.readings[0], self.readings[-1], histogram, where), q)

    def count(
        self, histogram: str, where: Callable[[dict[str, str]], bool] = lambda _: True
    ) -> float:
        """Observations a histogram made over the run."""
        if len(self.readings) < 2:
            return 0.0
        buckets = _buckets(self.readings[0], self.readings[-1], histogram, where)
        return buckets[-1][1] if buckets else 0.0

    # --- per interval -------------------------------------------------------------------------

    def quantile_series(self, histogram: str, q: float) -> list[tuple[float, float]]:
        """A histogram's q-quantile between consecutive readings."""
        points = []
        for before, after in zip(self.readings, self.readings[1:], strict=False):
            value = _quantile(_buckets(before, after, histogram, lambda _: True), q)
            if value is not None:
                points.append((after.t, value))
        return points

    def rate_series(
        self, counter: str, by: str | None = None
    ) -> dict[str, list[tuple[float, float]]]:
        """A counter's increase per second between consecutive readings, by one label."""
        lines: dict[str, list[tuple[float, float]]] = {}
        for before, after in zip(self.readings, self.readings[1:], strict=False):
            seconds = after.t - before.t
            if seconds <= 0:
                continue
            rises: dict[str, float] = {}
            for (name, labels), value in after.values.items():
                if name in (f"{counter}_total", counter):
                    key = dict(labels).get(by, "") if by else ""
                    rise = value - before.values.get((name, labels), 0.0)
                    rises[key] = rises.get(key, 0.0) + rise
            for key, rise in rises.items():
                lines.setdefault(key, []).append((after.t, rise / seconds))
        return lines

    def present(self, name: str) -> bool:
        return name in self.families


def _buckets(
    before: Scrape, after: Scrape, histogram: str, where: Callable[[dict[str, str]], bool]
) -> list[tuple[float, float]]:
    """Cumulative (upper bound, increase) of a histogram's buckets between two readings,
    summed over its matching label sets, by ascending bound."""
    sums: dict[float, float] = {}
    for (name, labels), value in after.values.items():
        if name != f"{histogram}_bucket":
            continue
        named = dict(labels)
        bound = float(named.pop("le"))
        if not where(named):
            continue
        sums[bound] = sums.get(bound, 0.0) + value - before.values.get((name, labels), 0.0)
    return sorted(sums.items())


def _quantile(buckets: Iterable[tuple[float, float]], q: float) -> float | None:
    """As Prometheus' histogram_quantile: linear within the bucket holding the rank; the
    highest finite bound when the rank falls in +Inf."""
    ordered = list(buckets)
    if not ordered or ordered[-1][1] <= 0:
        return None
    rank = q * ordered[-1][1]
    lower, below = 0.0, 0.0
    for bound, cumulative in ordered:
        if cumulative >= rank:
            if math.isinf(bound):
                return lower
            inside = cumulative - below
            share = (rank - below) / inside if inside > 0 else 1.0
            return lower + (bound - lower) * share
        lower, below = bound, cumulative
    return lower
