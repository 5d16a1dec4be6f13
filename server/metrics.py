"""The node's own figures, in the Prometheus exposition format (`GET /metrics`).

One `Metrics` per app (no global registry: tests build many apps in one process). Parts of the
app that count something get it passed in; gauges whose truth lives elsewhere (open sockets,
rooms, stage viewers, the database pool, the mail queue) are read at scrape time through
`watch`, so there is no second bookkeeping that could drift from the first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Seconds: from a fraction of a millisecond (a join, a fan-out) to the 30 s of a bad day.
LATENCY = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
LAG = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)

Reading = Callable[[], Iterable[tuple[tuple[str, ...], float]]]


class _Watched(Collector):
    """A gauge read at scrape time: `read()` yields (label values, value) pairs."""

    def __init__(self, name: str, documentation: str, labels: tuple[str, ...], read: Reading):
        self._name, self._doc, self._labels, self._read = name, documentation, labels, read

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(self._name, self._doc, labels=list(self._labels))
        for values, value in self._read():
            family.add_metric(list(values), value)
        yield family


class Metrics:
    """Every figure a node exposes. Names start with `pavilion_`; seconds are seconds."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "pavilion_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=r,
        )
        self.http_seconds = Histogram(
            "pavilion_http_request_seconds",
            "Time to answer an HTTP request, by route template and method",
            ["route", "method"],
            buckets=LATENCY,
            registry=r,
        )
        self.busy = Counter(
            "pavilion_busy_refusals",
            "Requests and operations refused with 503 `busy` (a bound was reached), by bound",
            ["bound"],
            registry=r,
        )
        self.db_retries = Counter(
            "pavilion_db_retries",
            "Units of work run again after a transient database error, by cause",
            ["cause"],
            registry=r,
        )
        self.db_write_wait = Histogram(
            "pavilion_db_write_wait_seconds",
            "SQLite: time a transaction waited for the node's one writer slot",
            buckets=LATENCY,
            registry=r,
        )
        self.db_write_hold = Histogram(
            "pavilion_db_write_hold_seconds",
            "SQLite: time a transaction held the writer slot (first write to commit)",
            buckets=LATENCY,
            registry=r,
        )
        self.password_hash_seconds = Histogram(
            "pavilion_password_hash_seconds",
            "Time an Argon2 hash or verification took in its pool (queue wait not included)",
            buckets=LATENCY,
            registry=r,
        )
        self.password_hash_wait = Histogram(
            "pavilion_password_hash_wait_seconds",
            "Time an Argon2 job waited for a free worker",
            buckets=LATENCY,
            registry=r,
        )
        self.loop_lag = Histogram(
            "pavilion_loop_lag_seconds",
            "How late the event loop woke a probe that asked to sleep (anything > a few ms "
            "means something blocked the loop)",
            buckets=LAG,
            registry=r,
        )
        self.ws_joins = Counter(
            "pavilion_ws_joins",
            "room.join answered, by outcome: snapshot, recovered (resumed), refused, busy",
            ["outcome"],
            registry=r,
        )
        self.ws_join_seconds = Histogram(
            "pavilion_ws_join_seconds",
            "Server time to answer a room.join (admission, catch-up or snapshot)",
            buckets=LATENCY,
            registry=r,
        )
        self.ws_refused = Counter(
            "pavilion_ws_sockets_refused",
            "Sockets refused or shed at the handshake, by reason",
            ["reason"],
            registry=r,
        )
        self.ws_closed_behind = Counter(
            "pavilion_ws_closed_behind",
            "Sockets closed with 1013 because they stopped reading",
            registry=r,
        )
        self.fanout_seconds = Histogram(
            "pavilion_fanout_seconds",
            "Time to write one room event to every local member",
            buckets=LATENCY,
            registry=r,
        )
        self.fanout_deliveries = Counter(
            "pavilion_fanout_deliveries",
            "Room events written to a member's socket",
            registry=r,
        )
        self.bus_lag = Histogram(
            "pavilion_bus_lag_seconds",
            "From a room event's publication (any node) to its fan-out on this node",
            buckets=LAG,
            registry=r,
        )
        self.snapshot_builds = Counter(
            "pavilion_snapshot_builds",
            "Shared room snapshots built from the database (joins served from one build "
            "between room events share it)",
            ["kind"],
            registry=r,
        )

        self.mail_queue = Gauge(
            "pavilion_mail_queue",
            "Messages in the outbox not sent yet (nor given up on), as of the last mail sweep",
            registry=r,
        )

    def watch(
        self, name: str, documentation: str, read: Reading, labels: tuple[str, ...] = ()
    ) -> None:
        """A gauge whose value is read from its owner each time /metrics is scraped."""
        self.registry.register(_Watched(name, documentation, labels, read))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class RequestMetrics:
    """ASGI middleware: counts each HTTP request by its route's template (`/api/v1/sessions/
    {session}/registrations`, never the raw path: ids would make the series endless) and
    times it."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = _template(scope)
            method = scope["method"]
            self.metrics.http_requests.labels(route, method, str(status)).inc()
            self.metrics.http_seconds.labels(route, method).observe(
                time.perf_counter() - started
            )


def _template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return "unmatched"
    return "static" if path in ("", "/") and not hasattr(route, "endpoint") else path
