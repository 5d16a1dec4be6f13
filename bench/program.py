"""The program endpoint under load: the real app side by side with a bare FastAPI baseline.

    .venv/bin/python bench/program.py [--sessions 1000] [--requests 2000] [--concurrency 16]
                                      [--rounds 3] [--clients 1] [--json out.json]

A forum of `--sessions` sessions (5 days, 8 venues, host cities in nine zones, 2-5 speakers
each) is imported into a fresh SQLite database; then two uvicorn servers are started as
child processes on loopback, one worker each:

- app: `create_app(Settings(...))`, the whole stack (middleware, a database session per
  request, the forum lookup, the rendered-program cache);
- baseline: a bare FastAPI app with the same route returning the same document from memory
  as a plain dict, which FastAPI serialises on every request. How depends on the route:
  typed (`-> dict[str, Any]`, the default) it validates and dumps with pydantic; untyped
  (`--baseline-route untyped`) it runs `jsonable_encoder` and `json.dumps`, which for this
  document costs some 30 times more CPU.

Each round measures the app, then the baseline (A/B/A/B, so drift hits both): fresh
keep-alive httpx clients in `--clients` processes send `--warmup` unmeasured requests, then
`--requests` GETs with `--concurrency` in flight in all. Every response must be a 200 of
the expected size, and the two servers' documents must be equal as parsed JSON.

The figures:
- req/s: completed requests per second of wall time (closed loop, so it is also
  `concurrency / mean latency`);
- p50 / p99 ms: latency from sending a request to having read its whole body;
- srv CPU ms/req: the server process's CPU time per request. It does not depend on how fast
  the client is, so it is the steadiest figure when the client is the bottleneck;
- srv / cli / other CPU: CPU time per wall second during the measured part (100% is one
  core) of the server, of all client processes, and of everything else on the machine
  (including time the hypervisor took). A process near 100% is the bottleneck; a large
  "other" means someone else's work disturbed that run;
- ratios (app÷base): app/baseline for latency and CPU per request, baseline/app for req/s,
  so above 1 means the app is slower than the baseline, below 1 faster. Summaries are
  medians over rounds (ratio medians are medians of the per-round ratios).

On a 2-core machine one client process is the default: a 1.5 MB response costs the httpx
client about twice the CPU it costs the app to send, so the client saturates first, but a
second client process only takes CPU from the server (try `--clients 2` and compare).

Timings are figures to compare, never a pass/fail verdict; machines are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import platform
import queue
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import servers  # bench/ is on the path: this runs as a script
from machine import machine_cpu_seconds

FORUM = "bench-forum"
PATH = f"/api/v1/forums/{FORUM}/program"
QUERY = {"tz": "Asia/Jakarta"}
DAYS = 5
FIRST_DAY = date(2027, 6, 7)  # no clock changes in any host zone that week

# ---------------------------------------------------------------------------- the forum

HOSTS: dict[str, tuple[str, str]] = {
    "Asia/Jakarta": ("Jakarta", "Джакарта"),
    "Asia/Shanghai": ("Shanghai", "Шанхай"),
    "Asia/Tashkent": ("Tashkent", "Ташкент"),
    "Africa/Cairo": ("Cairo", "Каир"),
    "Europe/Paris": ("Paris", "Париж"),
    "Europe/Berlin": ("Berlin", "Берлин"),
    "Europe/Rome": ("Rome", "Рим"),
    "America/Argentina/Buenos_Aires": ("Buenos Aires", "Буэнос-Айрес"),
    "Europe/Moscow": ("Moscow", "Москва"),
}
FIRST_NAMES = [
    ("Anna", "Анна"),
    ("Budi", "Буди"),
    ("Li", "Ли"),
    ("Aziz", "Азиз"),
    ("Marie", "Мари"),
    ("Jonas", "Йонас"),
    ("Giulia", "Джулия"),
    ("Mateo", "Матео"),
    ("Olga", "Ольга"),
    ("Nour", "Нур"),
    ("Dewi", "Деви"),
    ("Ivan", "Иван"),
]
LAST_NAMES = [
    ("Orlova", "Орлова"),
    ("Santoso", "Сантосо"),
    ("Wang", "Ван"),
    ("Karimov", "Каримов"),
    ("Dubois", "Дюбуа"),
    ("Becker", "Беккер"),
    ("Rossi", "Росси"),
    ("Fernández", "Фернандес"),
    ("Hassan", "Хасан"),
    ("Petrov", "Петров"),
    ("Lestari", "Лестари"),
    ("Zhang", "Чжан"),
]
COUNTRIES = ["ID", "CN", "UZ", "EG", "FR", "DE", "IT", "AR", "RU"]
TOPICS = [
    ("Industrial automation", "Промышленная автоматизация"),
    ("Supply chains", "Цепочки поставок"),
    ("Energy transition", "Энергетический переход"),
    ("Machine tools", "Станкостроение"),
    ("Logistics corridors", "Логистические коридоры"),
    ("Digital twins", "Цифровые двойники"),
    ("Engineering education", "Инженерное образование"),
    ("Export finance", "Экспортное финансирование"),
]
TYPES = [
    "plenary",
    "panel",
    "round_table",
    "expert_session",
    "practical_session",
    "strategic_session",
    "workshop",
    "project_defence",
    "networking",
]
ROLES = ["speaker", "speaker", "expert"]


def _text(en: str, ru: str) -> dict[str, str]:
    return {"en": en, "ru": ru}


def _venues() -> list[dict[str, Any]]:
    halls = [
        {
            "slug": f"hall-{i}",
            "name": _text(f"Hall {i}", f"Зал {i}"),
            "kind": "hall",
            "seats": 100 * i,
        }
        for i in range(1, 6)
    ]
    channels = [
        {"slug": f"channel-{i}", "name": _text(f"Channel {i}", f"Канал {i}"), "kind": "channel"}
        for i in range(1, 3)
    ]
    site = {"slug": "plant", "name": _text("Plant floor", "Цех"), "kind": "site"}
    return [*halls, *channels, site]


def _tracks() -> list[dict[str, Any]]:
    return [
        {"slug": f"track-{i}", "name": _text(en, ru), "color": f"#{(i * 0x2468AC) % 0xFFFFFF:06x}"}
        for i, (en, ru) in enumerate(TOPICS)
    ]


def _person(rng: random.Random, index: int) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    org = rng.choice(TOPICS)
    return {
        "slug": f"person-{index}",
        "name": _text(f"{first[0]} {last[0]}", f"{first[1]} {last[1]}"),
        "position": _text("Director", "Директор"),
        "organisation": _text(f"{org[0]} Institute", f"Институт: {org[1]}"),
        "country": rng.choice(COUNTRIES),
    }


def _cast(rng: random.Random, people: int) -> list[dict[str, str]]:
    chosen = rng.sample(range(people), rng.randint(2, 5))
    roles = ["moderator", *(rng.choice(ROLES) for _ in chosen[1:])]
    return [
        {"person": f"person-{p}", "role": role, "presence": rng.choice(["onsite", "remote"])}
        for p, role in zip(chosen, roles, strict=True)
    ]


def _session(rng: random.Random, index: int, people: int, venues: list[str]) -> dict[str, Any]:
    zone = rng.choice(list(HOSTS))
    day = FIRST_DAY + timedelta(days=index % DAYS)
    start = datetime(day.year, day.month, day.day, rng.randint(8, 19), rng.choice([0, 15, 30, 45]))
    end = start + timedelta(minutes=rng.choice([45, 60, 90, 120]))
    topic = rng.choice(TOPICS)
    return {
        "slug": f"session-{index}",
        "title": _text(f"{topic[0]}: session {index}", f"{topic[1]}: сессия {index}"),
        "abstract": _text(f"What {topic[0].lower()} needs next.", f"Что нужно дальше: {topic[1]}."),
        "type": rng.choice(TYPES),
        "format": rng.choice(["onsite", "online", "hybrid"]),
        "venue": rng.choice(venues),
        "track": f"track-{rng.randrange(len(TOPICS))}",
        "start": start.isoformat(timespec="minutes"),
        "end": end.isoformat(timespec="minutes"),
        "host": {"city": _text(*HOSTS[zone]), "tz": zone},
        "language": rng.choice(["ru", "en"]),
        "cast": _cast(rng, people),
    }


def program_document(sessions: int, seed: int = 2027) -> dict[str, Any]:
    """A valid program document (see server/editor/importer.py); the same for the same seed."""
    rng = random.Random(seed)
    people = max(20, sessions // 2)
    venues = _venues()
    slugs = [v["slug"] for v in venues]
    return {
        "forum": {
            "slug": FORUM,
            "name": _text("Benchmark Forum", "Форум для замеров"),
            "city": _text("Kazan", "Казань"),
            "tz": "Europe/Moscow",
            "starts_on": FIRST_DAY.isoformat(),
            "ends_on": (FIRST_DAY + timedelta(days=DAYS - 1)).isoformat(),
        },
        "venues": venues,
        "tracks": _tracks(),
        "people": [_person(rng, i) for i in range(people)],
        "sessions": [_session(rng, i, people, slugs) for i in range(sessions)],
    }


async def build_forum(url: str, document: dict[str, Any]) -> None:
    """Migrate a fresh database and import the document in one transaction."""
    from server.clock import FakeClock
    from server.db import Database
    from server.editor.importer import import_program
    from server.migrate import upgrade

    await upgrade(url)
    db = Database(url)
    try:
        async with db.session() as session:
            await import_program(session, FakeClock(datetime(2027, 1, 1, tzinfo=UTC)), document)
            await session.commit()
    finally:
        await db.dispose()


# -------------------------------------------------------------------------- the servers


def real_app(database_url: str, *, cache: bool = True) -> Any:
    """The whole Pavilion app, as `pavilion serve` builds it (its program cache on or off)."""
    from server.app import create_app
    from server.settings import Settings

    settings = Settings(
        environment="test",
        database_url=database_url,
        log_level="WARNING",
        program_cache_mb=64 if cache else 0,
    )
    return create_app(settings)


def baseline_app(body_file: Path, *, typed: bool) -> Any:
    """A bare FastAPI app answering the program route with a dict held in memory.

    Typed, FastAPI takes the return annotation as the response model and validates and
    serialises the dict with pydantic (its fast path); untyped (`response_model=None`), it
    runs `jsonable_encoder` over the dict and then `json.dumps`.
    """
    from fastapi import FastAPI

    document: dict[str, Any] = json.loads(body_file.read_bytes())
    app = FastAPI()

    async def program(forum: str) -> dict[str, Any]:
        return document

    options: dict[str, Any] = {} if typed else {"response_model": None}
    app.get("/api/v1/forums/{forum}/program", **options)(program)
    return app


BASELINE_ROUTES = {
    "typed": "-> dict[str, Any], serialised by pydantic",
    "untyped": "response_model=None, jsonable_encoder + json.dumps",
}


def serve(kind: str, port: int, source: str, parent: int) -> None:
    """The `--serve` mode: the app (or the baseline) as a server of bench/servers.py."""
    if kind.startswith("app"):
        app = real_app(source, cache=kind == "app")
    else:
        app = baseline_app(Path(source), typed=kind == "baseline-typed")
    servers.serve_app(app, port, parent)


def running(kind: str, source: str, workdir: Path) -> AbstractContextManager[servers.Running]:
    """This script as a `--serve` child process, until the block ends."""
    argv = servers.this_script(__file__, "--serve", kind, "--port", "{port}", "--source", source)
    return servers.running(kind, argv, workdir)


async def fetch(server: servers.Running) -> tuple[bytes, float]:
    """One program request: the body and its latency in milliseconds (must be a 200)."""
    async with httpx.AsyncClient(base_url=server.url, trust_env=False) as client:
        started = time.perf_counter()
        response = await client.get(PATH, params=QUERY, timeout=60.0)
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{server.name}: {response.status_code} {response.text[:300]}")
    return response.content, elapsed


# ----------------------------------------------------------------------------- the load
#
# The load comes from `--clients` OS processes (httpx on asyncio in each), released together
# by a barrier after their warm-up; each reports its latencies, its CPU time and when its
# measured burst started and ended (perf_counter is CLOCK_MONOTONIC, shared by processes).


@dataclass(frozen=True)
class Share:
    """One client process's part of a run."""

    requests: int
    concurrency: int
    warmup: int


@dataclass
class ClientResult:
    latencies_ms: list[float]
    cpu_s: float
    started: float
    ended: float


@dataclass
class Run:
    """Raw results of one measured run against one server."""

    seconds: float
    latencies_ms: list[float]
    server_cpu_s: float
    client_cpu_s: float
    machine_cpu_s: float


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (i < total % parts) for i in range(parts)]


def shares(args: argparse.Namespace) -> list[Share]:
    parts = zip(
        *(split(n, args.clients) for n in (args.requests, args.concurrency, args.warmup)),
        strict=True,
    )
    return [Share(*part) for part in parts]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _worker(
    client: httpx.AsyncClient, todo: Iterator[int], size: int, out: list[float]
) -> None:
    for _ in todo:
        started = time.perf_counter()
        response = await client.get(PATH, params=QUERY)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or len(response.content) != size:
            raise RuntimeError(
                f"bad response: {response.status_code}, {len(response.content)} bytes"
            )
        out.append(elapsed)


async def _burst(client: httpx.AsyncClient, total: int, concurrency: int, size: int) -> list[float]:
    todo = iter(range(total))  # shared: each worker takes the next request number
    latencies: list[float] = []
    workers = [_worker(client, todo, size, latencies) for _ in range(min(concurrency, total))]
    await asyncio.gather(*workers)
    return latencies


async def _client(base_url: str, share: Share, size: int, barrier: Any) -> ClientResult:
    """Warm up a fresh keep-alive client, wait for the others, then measure."""
    limits = httpx.Limits(
        max_connections=share.concurrency, max_keepalive_connections=share.concurrency
    )
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=60.0, trust_env=False
    ) as client:
        await _burst(client, share.warmup, share.concurrency, size)
        barrier.wait(timeout=120)  # blocking is fine: nothing else runs in this process
        cpu, started = time.process_time(), time.perf_counter()
        latencies = await _burst(client, share.requests, share.concurrency, size)
        ended = time.perf_counter()
        return ClientResult(latencies, time.process_time() - cpu, started, ended)


def client_process(base_url: str, share: Share, size: int, barrier: Any, out: Any) -> None:
    """Entry point of a client process: puts a ClientResult or an error message on `out`."""
    servers.exit_when_orphaned(os.getppid())
    try:
        out.put(asyncio.run(_client(base_url, share, size, barrier)))
    except BaseException as exc:  # reported to the parent, which stops the benchmark
        barrier.abort()
        out.put(f"{type(exc).__name__}: {exc}")


async def _collect(out: Any, count: int, processes: list[Any]) -> list[ClientResult]:
    """Results from every client, polling so that a timeout can cancel the wait."""
    results: list[ClientResult] = []
    while len(results) < count:
        try:
            item = out.get_nowait()
        except queue.Empty:
            # A process puts its result before it exits, so more exits than results is a loss.
            if sum(not p.is_alive() for p in processes) > len(results) and out.empty():
                raise RuntimeError("a client process died without a result") from None
            await asyncio.sleep(0.01)
            continue
        if isinstance(item, str):
            raise RuntimeError(f"client failed: {item}")
        results.append(item)
    return results


def _stop(processes: list[Any]) -> None:
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


async def drive(server: servers.Running, args: argparse.Namespace, size: int) -> Run:
    """One measured run: `args.requests` requests from `args.clients` processes."""
    ctx = multiprocessing.get_context("spawn")
    parts = shares(args)
    barrier, out = ctx.Barrier(len(parts) + 1), ctx.Queue()
    processes = [
        ctx.Process(target=client_process, args=(server.url, s, size, barrier, out), daemon=True)
        for s in parts
    ]
    for process in processes:
        process.start()
    try:
        await asyncio.to_thread(barrier.wait, 120)
        server_cpu, machine_cpu = cpu_seconds(server.process.pid), machine_cpu_seconds()
        results = await _collect(out, len(processes), processes)
        server_cpu = cpu_seconds(server.process.pid) - server_cpu
        machine_cpu = machine_cpu_seconds() - machine_cpu
    finally:
        barrier.abort()  # frees a waiting thread if a client never arrived; harmless after
        _stop(processes)
    seconds = max(r.ended for r in results) - min(r.started for r in results)
    latencies = [ms for r in results for ms in r.latencies_ms]
    return Run(seconds, latencies, server_cpu, sum(r.cpu_s for r in results), machine_cpu)


# --------------------------------------------------------------------------- the report


@dataclass
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    server_cpu: float
    client_cpu: float
    other_cpu: float
    server_ms_per_request: float


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def figures(run: Run) -> Figures:
    return Figures(
        rps=len(run.latencies_ms) / run.seconds,
        p50_ms=percentile(run.latencies_ms, 50),
        p99_ms=percentile(run.latencies_ms, 99),
        server_cpu=run.server_cpu_s / run.seconds,
        client_cpu=run.client_cpu_s / run.seconds,
        other_cpu=max(0.0, run.machine_cpu_s - run.server_cpu_s - run.client_cpu_s) / run.seconds,
        server_ms_per_request=run.server_cpu_s * 1000 / len(run.latencies_ms),
    )


def ratios(app: Figures, base: Figures) -> dict[str, float]:
    """Above 1: the app is slower than the baseline."""
    return {
        "rps": base.rps / app.rps,
        "p50_ms": app.p50_ms / base.p50_ms,
        "p99_ms": app.p99_ms / base.p99_ms,
        "server_ms_per_request": app.server_ms_per_request / base.server_ms_per_request,
    }


def median_figures(rows: list[Figures]) -> Figures:
    names = Figures.__annotations__
    return Figures(*(statistics.median(getattr(r, name) for r in rows) for name in names))


def median_ratios(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


COLUMNS = ("req/s", "p50 ms", "p99 ms", "srv CPU ms/req", "srv CPU", "cli CPU", "other CPU")


def header(title: str) -> str:
    widths = (9, 9, 9, 16, 9, 9, 11)
    return f"{title:<12}" + "".join(f"{c:>{w}}" for c, w in zip(COLUMNS, widths, strict=True))


def figures_line(name: str, f: Figures) -> str:
    return (
        f"  {name:<10}{f.rps:>9.1f}{f.p50_ms:>9.2f}{f.p99_ms:>9.2f}"
        f"{f.server_ms_per_request:>16.2f}"
        f"{f.server_cpu:>9.0%}{f.client_cpu:>9.0%}{f.other_cpu:>11.0%}"
    )


def ratio_line(r: dict[str, float]) -> str:
    return (
        f"  {'app÷base':<10}{r['rps']:>8.2f}×{r['p50_ms']:>8.2f}×{r['p99_ms']:>8.2f}×"
        f"{r['server_ms_per_request']:>15.2f}×"
    )


def print_table(title: str, app: Figures, base: Figures, r: dict[str, float]) -> None:
    print(f"\n{header(title)}")
    print(figures_line("app", app))
    print(figures_line("baseline", base))
    print(ratio_line(r))


def bottleneck(f: Figures, clients: int, cpus: int) -> str:
    """Which side was saturated: a process near a full core, or all the cores together."""
    if f.server_cpu >= 0.9:
        return "the server (its worker uses a full core)"
    if f.client_cpu / clients >= 0.9:
        return "the client (a full core per client process)"
    if f.server_cpu + f.client_cpu + f.other_cpu >= 0.9 * cpus:
        return f"the CPUs (server, client and other work fill {cpus} cores)"
    return "nothing saturated"


def environment() -> dict[str, Any]:
    import fastapi
    import uvicorn

    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "uvicorn": uvicorn.__version__,
        "fastapi": fastapi.__version__,
        "httpx": httpx.__version__,
        "server_loop": _installed("uvloop") or "asyncio",
        "server_http": _installed("httptools") or "h11",
        "code": _code_version(),
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def _installed(module: str) -> str | None:
    try:
        __import__(module)
    except ImportError:
        return None
    return module


def _code_version() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=10
        ).stdout.strip()

    try:
        head, dirty = git("rev-parse", "--short", "HEAD"), git("status", "--porcelain")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head or 'unknown'}{' + uncommitted changes' if dirty else ''}"


def plural(count: int, one: str, many: str = "") -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def print_environment(env: dict[str, Any]) -> None:
    print("Pavilion program endpoint: the real app against a bare FastAPI baseline")
    print(f"python:   {env['python']} on {env['platform']}")
    print(f"cpus:     {env['cpus']} ({env['usable_cpus']} usable by this process)")
    print(
        f"servers:  uvicorn {env['uvicorn']} ({env['server_loop']}, {env['server_http']}), "
        f"fastapi {env['fastapi']}, 1 worker each; clients: httpx {env['httpx']}, asyncio"
    )
    print(f"code:     {env['code']}")
    print(f"machine:  {env['load_average_1min']:.2f} (1-minute load average before starting)")


# ------------------------------------------------------------------------------- main


async def prepare(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Build the forum; returns what the report says about it."""
    document = program_document(args.sessions)
    url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    started = time.perf_counter()
    await build_forum(url, document)
    seconds = time.perf_counter() - started
    print(
        f"forum:    {args.sessions} sessions, {len(document['venues'])} venues, "
        f"{len(document['people'])} people, {DAYS} days, {len(HOSTS)} host zones; "
        f"migrated and imported into SQLite in {seconds:.1f} s"
    )
    return {"url": url, "sessions": args.sessions, "build_s": seconds}


async def start_pair(
    stack: ExitStack, forum: dict[str, Any], workdir: Path, baseline: str, app_cache: str
) -> tuple[servers.Running, servers.Running, bytes]:
    """Start the app, take its answer as the baseline's document, start the baseline."""
    kind = "app" if app_cache == "on" else "app-nocache"
    app = stack.enter_context(running(kind, forum.pop("url"), workdir))
    body, forum["cold_first_request_ms"] = await fetch(app)
    forum["response_bytes"] = len(body)
    print(
        "first request to the app (cold: loads, renders and caches): "
        f"{forum['cold_first_request_ms']:.1f} ms"
    )
    body_file = workdir / "program.json"
    body_file.write_bytes(body)
    base = stack.enter_context(running(f"baseline-{baseline}", str(body_file), workdir))
    base_body, _ = await fetch(base)
    if json.loads(body) != json.loads(base_body):
        raise RuntimeError("the baseline's document differs from the app's")
    print(
        f"request:  GET {PATH}?tz={QUERY['tz']} -> 200, {len(body):,} bytes (app), "
        f"{len(base_body):,} bytes (baseline); same JSON: yes"
    )
    print(f"baseline: bare FastAPI, {baseline} route ({BASELINE_ROUTES[baseline]})")
    print(f"app:      program caches {app_cache} (off: every request loads, prepares and renders)")
    return app, base, body


async def measure(
    args: argparse.Namespace, app: servers.Running, base: servers.Running, size: int
) -> list[dict[str, Any]]:
    print(
        f"load:     {args.requests} requests per run, {args.concurrency} in flight from "
        f"{plural(args.clients, 'client process', 'client processes')}, "
        f"{args.warmup} warm-up requests per run, {plural(args.rounds, 'round')}, "
        "order app/baseline"
    )
    print(
        "ratios:   app÷base is baseline/app for req/s, app/baseline for latency and CPU; "
        "above 1 means the app is slower"
    )
    rounds = []
    for number in range(1, args.rounds + 1):
        a = figures(await drive(app, args, size))
        b = figures(await drive(base, args, size))
        r = ratios(a, b)
        print_table(f"round {number}", a, b, r)
        rounds.append({"app": a, "baseline": b, "ratios": r})
    return rounds


def summarise(rounds: list[dict[str, Any]], clients: int) -> dict[str, Any]:
    app = median_figures([r["app"] for r in rounds])
    base = median_figures([r["baseline"] for r in rounds])
    r = median_ratios([r["ratios"] for r in rounds])
    print_table(f"median of {len(rounds)}", app, base, r)
    print()
    limits = {name: bottlenecks([r[name] for r in rounds], clients) for name in ("app", "baseline")}
    for name, tally in limits.items():
        print(f"bottleneck in the {name} runs: {tally}")
    if any("the client" in tally for tally in limits.values()):
        print(
            "note: a saturated client holds a server's req/s and latency below what the server "
            "can do;\n      srv CPU ms/req does not depend on the client"
        )
    return {"app": app, "baseline": base, "ratios": r, "bottlenecks": limits}


def bottlenecks(runs: list[Figures], clients: int) -> str:
    """Each run's bottleneck, counted: "the server in 2 of 3 runs; ..."."""
    cpus = os.cpu_count() or 1
    tally = Counter(bottleneck(f, clients, cpus) for f in runs)
    return "; ".join(f"{what} in {n} of {len(runs)}" for what, n in tally.most_common())


def write_json(path: Path, report: dict[str, Any]) -> None:
    def plain(value: Any) -> Any:
        if isinstance(value, Figures):
            return asdict(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    path.write_text(json.dumps(plain(report), indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {path}")


async def benchmark(args: argparse.Namespace) -> None:
    env = environment()
    print_environment(env)
    with tempfile.TemporaryDirectory(prefix="pavilion-bench-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        forum = await prepare(args, workdir)
        app, base, body = await start_pair(
            stack, forum, workdir, args.baseline_route, args.app_cache
        )
        rounds = await measure(args, app, base, len(body))
        summary = summarise(rounds, args.clients)
    print(f"program:  {args.sessions} sessions, {len(body):,} bytes per response")
    if args.json:
        report = {
            "environment": env,
            "forum": forum,
            "load": _load(args),
            "rounds": rounds,
            "median": summary,
        }
        write_json(args.json, report)


def _load(args: argparse.Namespace) -> dict[str, Any]:
    keys = ("requests", "concurrency", "clients", "warmup", "rounds", "baseline_route", "app_cache")
    return {"path": PATH, "query": QUERY, **{k: getattr(args, k) for k in keys}}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per run")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=1, help="load-generating processes")
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured requests per run")
    parser.add_argument("--time-limit", type=float, default=900.0, help="seconds for it all")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--baseline-route",
        choices=["typed", "untyped"],
        default="typed",
        help="typed: `-> dict[str, Any]`, serialised by pydantic; untyped: response_model=None, "
        "jsonable_encoder + json.dumps (far slower: lower --requests)",
    )
    parser.add_argument(
        "--app-cache",
        choices=["on", "off"],
        default="on",
        help="on: the app as deployed (cache hits after the first request); off: "
        "PAVILION_PROGRAM_CACHE_MB=0, so every request loads from SQLite, prepares and renders",
    )
    serve_kinds = ["app", "app-nocache", "baseline-typed", "baseline-untyped"]
    parser.add_argument("--serve", choices=serve_kinds, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--parent", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.sessions, args.requests, args.concurrency, args.rounds, args.clients) < 1:
        parser.error("counts must be positive")
    if args.warmup < 0 or args.clients > min(args.concurrency, args.requests):
        parser.error("--warmup must be >= 0 and --clients at most --concurrency and --requests")
    return args


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(143)  # unwinds through the `finally` that stops the servers


def main() -> None:
    args = parse_args()
    if args.serve:
        serve(args.serve, args.port, args.source, args.parent)
        return
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        asyncio.run(asyncio.wait_for(benchmark(args), args.time_limit))
    except TimeoutError:
        sys.exit(f"stopped: the benchmark ran over --time-limit {args.time_limit:.0f} s")


if __name__ == "__main__":
    main()
