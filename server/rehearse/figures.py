"""The report's figures, computed once from what a run collected, for the terminal and the HTML
file alike: the steps, their failures by kind, the WebRTC viewers, the server's own figures,
and the series the charts draw."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from server.rehearse.charts import Line
from server.rehearse.record import Rehearsed
from server.rehearse.scrapes import Scrapes
from server.rehearse.steps import percentile

CHARTED_STEPS = 6


@dataclass(frozen=True)
class StepRow:
    step: str
    count: int
    failures: int
    rate: float
    p50: float | None
    p99: float | None
    max: float | None
    errors: dict[str, int]


def step_rows(run: Rehearsed) -> list[StepRow]:
    """Per step, busiest first: from the swarm's final figures, or (if it never sent them)
    summed from its intervals, with no run-wide percentiles."""
    if run.final is not None:
        seconds = float(run.final.get("seconds") or 1.0)
        rows = [
            StepRow(
                step,
                int(s["count"]),
                int(s["failures"]),
                s["count"] / seconds,
                s["p50"],
                s["p99"],
                s["max"],
                dict(s["errors"]),
            )
            for step, s in run.final["steps"].items()
        ]
    else:
        rows = _rows_from_ticks(run.ticks)
    return sorted(rows, key=lambda r: (-r.count, r.step))


def _rows_from_ticks(ticks: list[dict[str, Any]]) -> list[StepRow]:
    seconds = sum(float(t["seconds"]) for t in ticks) or 1.0
    counts: dict[str, list[int]] = {}
    for tick in ticks:
        for step, s in tick["steps"].items():
            total = counts.setdefault(step, [0, 0])
            total[0] += int(s["count"])
            total[1] += int(s["failures"])
    return [
        StepRow(step, n, f, n / seconds, None, None, None, {}) for step, (n, f) in counts.items()
    ]


def totals(rows: list[StepRow]) -> StepRow:
    return StepRow(
        "all steps",
        sum(r.count for r in rows),
        sum(r.failures for r in rows),
        sum(r.rate for r in rows),
        None,
        None,
        max((r.max for r in rows if r.max is not None), default=None),
        {},
    )


def error_rows(rows: list[StepRow]) -> list[tuple[str, str, int]]:
    """(step, kind, count), most frequent first."""
    found = [(r.step, kind, n) for r in rows for kind, n in r.errors.items()]
    return sorted(found, key=lambda e: (-e[2], e[0], e[1]))


# --- charts of the audience -----------------------------------------------------------------


def throughput_lines(run: Rehearsed, rows: list[StepRow]) -> list[Line]:
    """Requests per second over time: all steps, then the busiest few."""
    busiest = [r.step for r in rows[:CHARTED_STEPS]]
    total = [(t["t"], _per_second(t, None)) for t in run.ticks]
    lines = [Line("all steps", total)]
    for step in busiest:
        lines.append(Line(step, [(t["t"], _per_second(t, step)) for t in run.ticks]))
    return lines


def _per_second(tick: dict[str, Any], step: str | None) -> float:
    seconds = float(tick["seconds"]) or 1.0
    steps = tick["steps"]
    if step is None:
        return sum(s["count"] for s in steps.values()) / seconds
    return steps.get(step, {}).get("count", 0) / seconds


def p99_lines(run: Rehearsed, rows: list[StepRow]) -> list[Line]:
    """Each of the busiest steps' p99 per interval (intervals with successes only)."""
    lines = []
    for row in rows[:CHARTED_STEPS]:
        points = [
            (t["t"], t["steps"][row.step]["p99"])
            for t in run.ticks
            if t["steps"].get(row.step, {}).get("p99") is not None
        ]
        lines.append(Line(row.step, points))
    return lines


def cpu_lines(run: Rehearsed) -> list[Line]:
    """The Locust process's own CPU (% of one core): past 90, the client is the bottleneck."""
    return [Line("Locust process CPU", [(t["t"], float(t.get("cpu") or 0.0)) for t in run.ticks])]


def user_lines(run: Rehearsed) -> list[Line]:
    lines = [Line("Locust users", [(t["t"], float(t["users"])) for t in run.ticks])]
    if run.viewer_ticks:
        watching = [(t["t"], float(t["watching"])) for t in run.viewer_ticks]
        lines.append(Line("WebRTC viewers receiving video", watching))
    return lines


# --- WebRTC viewers -------------------------------------------------------------------------


def viewer_rows(run: Rehearsed, seconds: float) -> list[tuple[str, str]]:
    """(figure, value) for the WebRTC viewers, or nothing when there were none."""
    if not run.viewers:
        return []
    connected = [v for v in run.viewers if v.get("status") == 201]
    refused: dict[str, int] = {}
    for v in run.viewers:
        if v.get("error"):
            refused[str(v["error"])] = refused.get(str(v["error"]), 0) + 1
    answers = sorted(v["answer_ms"] for v in connected if v.get("answer_ms") is not None)
    firsts = sorted(v["first_frame_ms"] for v in run.viewers if v.get("first_frame_ms"))
    frames = sum(int(v.get("frames") or 0) for v in run.viewers)
    rows = [
        ("viewers asked / answered 201", f"{len(run.viewers)} / {len(connected)}"),
        (
            "WHEP answer p50 / p99",
            f"{_ms(percentile(answers, 0.5))} / {_ms(percentile(answers, 0.99))}",
        ),
        (
            "first video frame p50 / p99",
            f"{_ms(percentile(firsts, 0.5))} / {_ms(percentile(firsts, 0.99))}",
        ),
        ("video frames received", f"{frames} ({_fps(frames, len(connected), seconds)})"),
        ("WHEP resources ended (DELETE 204)", f"{sum(v.get('left') == 204 for v in connected)}"),
    ]
    rows += [(f"failed: {kind}", str(n)) for kind, n in sorted(refused.items())]
    return rows


def _fps(frames: int, viewers: int, seconds: float) -> str:
    if not viewers or seconds <= 0:
        return "—"
    return f"{frames / viewers / seconds:.1f} fps per viewer"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


# --- the server's own figures ---------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    label: str
    read: Callable[[Scrapes], str | None]  # None: the node does not expose it


def _seconds_quantile(name: str, q: float) -> Callable[[Scrapes], str | None]:
    def read(s: Scrapes) -> str | None:
        if not s.present(name):
            return None
        value = s.quantile(name, q)
        return "no observations" if value is None else f"{value * 1000:.1f} ms"

    return read


def _increase(name: str, by: str | None) -> Callable[[Scrapes], str | None]:
    def read(s: Scrapes) -> str | None:
        if not s.present(name):
            return None
        rises = s.increase(name, by)
        if not rises:
            return "0"
        return ", ".join(f"{key or 'all'} {value:.0f}" for key, value in rises.items())

    return read


def _peak(
    name: str, where: Callable[[dict[str, str]], bool] = lambda _: True
) -> Callable[[Scrapes], str | None]:
    def read(s: Scrapes) -> str | None:
        if not s.present(name):
            return None
        series = s.series(name, where)
        if not series:
            return "—"
        return f"peak {max(v for _, v in series):.0f}, at the end {series[-1][1]:.0f}"

    return read


def _status_classes(s: Scrapes) -> str | None:
    if not s.present("pavilion_http_requests"):
        return None
    classes: dict[str, float] = {}
    for status, n in s.increase("pavilion_http_requests", "status").items():
        key = f"{status[:1]}xx"
        classes[key] = classes.get(key, 0.0) + n
    return ", ".join(f"{k} {v:.0f}" for k, v in sorted(classes.items())) or "0"


SERVER_FIGURES = (
    Figure("HTTP answers by status class", _status_classes),
    Figure(
        "HTTP answer time p50 (server side)",
        _seconds_quantile("pavilion_http_request_seconds", 0.5),
    ),
    Figure(
        "HTTP answer time p99 (server side)",
        _seconds_quantile("pavilion_http_request_seconds", 0.99),
    ),
    Figure("503 busy refusals, by bound", _increase("pavilion_busy_refusals", "bound")),
    Figure("database units of work run again, by cause", _increase("pavilion_db_retries", "cause")),
    Figure("event loop lag p99", _seconds_quantile("pavilion_loop_lag_seconds", 0.99)),
    Figure("event loop lag, worst bucket", _seconds_quantile("pavilion_loop_lag_seconds", 1.0)),
    Figure("room sockets", _peak("pavilion_ws_sockets")),
    Figure("rooms with members", _peak("pavilion_ws_rooms")),
    Figure("room joins, by outcome", _increase("pavilion_ws_joins", "outcome")),
    Figure("room join time p99", _seconds_quantile("pavilion_ws_join_seconds", 0.99)),
    Figure("room fan-out p99", _seconds_quantile("pavilion_fanout_seconds", 0.99)),
    Figure("bus lag p99", _seconds_quantile("pavilion_bus_lag_seconds", 0.99)),
    Figure("sockets closed for falling behind", _increase("pavilion_ws_closed_behind", None)),
    Figure("sockets refused, by reason", _increase("pavilion_ws_sockets_refused", "reason")),
    Figure("Argon2 queue", _peak("pavilion_password_hash_queue")),
    Figure("Argon2 wait p99", _seconds_quantile("pavilion_password_hash_wait_seconds", 0.99)),
    Figure("Argon2 time p50", _seconds_quantile("pavilion_password_hash_seconds", 0.5)),
    Figure("SQLite writer queue", _peak("pavilion_db_write_queue")),
    Figure("SQLite writer wait p99", _seconds_quantile("pavilion_db_write_wait_seconds", 0.99)),
    Figure("SQLite writer hold p99", _seconds_quantile("pavilion_db_write_hold_seconds", 0.99)),
    Figure(
        "database connections in use",
        _peak("pavilion_db_pool_connections", lambda labels: labels.get("state") == "checked_out"),
    ),
    Figure("stage viewers (WebRTC + HLS)", _peak("pavilion_stage_viewers")),
    Figure("mail queue", _peak("pavilion_mail_queue")),
)


def server_rows(scrapes: Scrapes) -> list[tuple[str, str]]:
    """(figure, value) for every figure the node exposes, then any other family it has."""
    rows = []
    for figure in SERVER_FIGURES:
        value = figure.read(scrapes)
        if value is not None:
            rows.append((figure.label, value))
    for name, family in sorted(scrapes.families.items()):
        if name.startswith("pavilion_") and name not in KNOWN:
            rows.append((f"{name} ({family.kind})", _generic(scrapes, name, family.kind)))
    return rows


# Families the figures above read; any other pavilion_* family is listed as it is.
KNOWN = frozenset(
    {
        "pavilion_http_requests",
        "pavilion_http_request_seconds",
        "pavilion_busy_refusals",
        "pavilion_db_retries",
        "pavilion_loop_lag_seconds",
        "pavilion_ws_sockets",
        "pavilion_ws_rooms",
        "pavilion_ws_joins",
        "pavilion_ws_join_seconds",
        "pavilion_fanout_seconds",
        "pavilion_bus_lag_seconds",
        "pavilion_ws_closed_behind",
        "pavilion_ws_sockets_refused",
        "pavilion_password_hash_queue",
        "pavilion_password_hash_wait_seconds",
        "pavilion_password_hash_seconds",
        "pavilion_db_write_queue",
        "pavilion_db_write_wait_seconds",
        "pavilion_db_write_hold_seconds",
        "pavilion_db_pool_connections",
        "pavilion_stage_viewers",
        "pavilion_mail_queue",
    }
)


def _generic(scrapes: Scrapes, name: str, kind: str) -> str:
    """A family this report does not know by name, summed over its labels."""
    if kind == "counter":
        return _increase(name, None)(scrapes) or "0"
    if kind == "histogram":
        count = scrapes.count(name)
        p99 = scrapes.quantile(name, 0.99)
        return f"{count:.0f} observations, p99 {p99:.4g}" if p99 is not None else "0 observations"
    return _peak(name)(scrapes) or "—"


def route_rows(scrapes: Scrapes, limit: int = 12) -> list[tuple[str, int, str, str]]:
    """The busiest routes as the server timed them: (method route, answers, p50, p99)."""
    if not scrapes.present("pavilion_http_request_seconds") or len(scrapes.readings) < 2:
        return []
    first, last = scrapes.readings[0].values, scrapes.readings[-1].values
    counts: dict[tuple[str, str], float] = {}
    for (name, labels), value in last.items():
        if name == "pavilion_http_request_seconds_count":
            named = dict(labels)
            key = (named.get("method", ""), named.get("route", ""))
            counts[key] = value - first.get((name, labels), 0.0)
    busiest = sorted(((n, key) for key, n in counts.items() if n > 0), reverse=True)[:limit]
    rows = []
    for n, (method, route) in busiest:

        def this(labels: dict[str, str], m: str = method, r: str = route) -> bool:
            return labels.get("method") == m and labels.get("route") == r

        p50 = scrapes.quantile("pavilion_http_request_seconds", 0.5, this)
        p99 = scrapes.quantile("pavilion_http_request_seconds", 0.99, this)
        rows.append((f"{method} {route}", int(n), _seconds(p50), _seconds(p99)))
    return rows


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.1f} ms"


# --- charts of the server -------------------------------------------------------------------


def server_charts(scrapes: Scrapes) -> list[tuple[str, str, list[Line], bool]]:
    """(title, unit, lines, log scale) for each chart the node's figures allow."""
    charts: list[tuple[str, str, list[Line], bool]] = []
    lag = scrapes.quantile_series("pavilion_loop_lag_seconds", 0.99)
    if lag:
        charts.append(
            (
                "Event loop lag p99",
                "ms",
                [Line("loop lag p99", [(t, v * 1000) for t, v in lag])],
                False,
            )
        )
    sockets = [
        Line(label, scrapes.series(name))
        for label, name in (("room sockets", "pavilion_ws_sockets"), ("rooms", "pavilion_ws_rooms"))
        if scrapes.present(name)
    ]
    if sockets:
        charts.append(("Room sockets on the node", "count", sockets, False))
    queues = [
        Line(label, scrapes.series(name))
        for label, name in (
            ("Argon2 queue", "pavilion_password_hash_queue"),
            ("SQLite writer queue", "pavilion_db_write_queue"),
        )
        if scrapes.present(name)
    ]
    if queues:
        charts.append(("Queues", "waiting", queues, False))
    busy = scrapes.rate_series("pavilion_busy_refusals", "bound")
    if busy:  # none at all: the table says 0
        lines = [Line(bound or "busy", points) for bound, points in sorted(busy.items())]
        charts.append(("503 busy refusals", "per second", lines, False))
    statuses = scrapes.rate_series("pavilion_http_requests", "status")
    if statuses:
        lines = [Line(status, points) for status, points in sorted(statuses.items())]
        charts.append(("HTTP answers by status (server side)", "per second", lines, False))
    return charts
