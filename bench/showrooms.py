"""The showrooms under load: the stand page and search over the demo data enlarged to 2,000 stands.

    .venv/bin/pip install -c requirements.lock -e '.[bench]'   # psutil
    .venv/bin/python bench/showrooms.py [--quick] [--stands 2000] [--seconds 10] [--warmup 2]
                                        [--concurrency 1,8,32] [--rounds 2] [--postgres]
                                        [--endpoints stand,search,pavilions]

The data: a fresh database (a SQLite file in a temporary folder; with `--postgres`, a
PostgreSQL database on 127.0.0.1:5432 that the benchmark creates and drops), migrated, with
the demo forum's program and every demo showroom pack imported as `pavilion demo` does. The
demo stands are then cloned, with their products and staff, until there are `--stands`:
clone N of a stand is `<slug>-cNNNN`, named "<name> N", in the next pavilion along from the
last copy's (so every pavilion grows), with the original's texts, industries and media keys,
so that a query matches many stands as it would at a real forum of that size. Each clone is
indexed for search (`search.reindex_stand`). The time each step took is printed.

The server: `create_app(Settings(...))` under uvicorn, one worker, in a child process of its
own, as `pavilion serve` runs on each node.

The load: for each endpoint and each `--concurrency` level, a fresh client process (httpx on
asyncio, keep-alive, one connection per request in flight) runs a closed loop for `--warmup`
seconds and then, without a pause, `--seconds` measured ones: requests that end between the
two samples of the clocks (taken by the client, with psutil for the server) count. Each
request picks at random:
- stand: `GET /api/v1/stands/{slug}?lang=ru` over every stand, clones included;
- search: `GET /api/v1/search` over SEARCHES below (Russian word forms, English words and
  prefixes, a typo, an industry and a country filter);
- pavilions: `GET /api/v1/pavilions`, the hall, for reference (three small queries).
Every answer must be a 200; anything else, or a failed connection, counts as an error.
`--rounds` repeats the whole set (endpoint by endpoint, so drift hits each) and the summary
gives medians over rounds.

The figures:
- req/s: 200s per second of measured wall time (closed loop: concurrency / mean latency);
- p50 / p99 ms: from sending a request to having read its whole body, 200s only;
- errors: non-200 answers and failed requests in the measured seconds;
- srv CPU ms/req: the server process's CPU time per request. It does not depend on how
  fast the client is, and other work moves it far less than latency, so it is the steadiest
  figure on a busy machine;
- srv / cli / other CPU: CPU time per wall second (100 % is one core) of the server process
  (all its threads: aiosqlite runs queries on threads of its own, so it can pass 100 %), of the
  client process, and of everything else on the machine. The server's event loop is one
  core: near 100 % the server is the limit; a large "other" means someone else's work
  disturbed that run. With `--postgres`, the database's own processes count as other;
- per query: each search query's latencies at the lowest concurrency, pooled over rounds,
  and how many results it returns (its `limit` is the default, 20).

Timings are figures to compare, never a pass/fail verdict; machines are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import queue
import random
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager, AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx
import psutil
import servers  # bench/ is on the path: this runs as a script
from machine import machine_cpu_seconds
from program import environment, percentile, plural

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from server.clock import Clock
    from server.db import Database
    from server.expo.models import Product, Stand, StandStaff

HOST = "127.0.0.1"
POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "database": "postgres"}
CLONE_BATCH = 100  # stands written (and committed) together while enlarging
SEARCHES: list[dict[str, str]] = [
    {"q": "турбины"},
    {"q": "трансформаторы подстанции"},
    {"q": "насосов"},
    {"q": "pump"},
    {"q": "transfo"},
    {"q": "valve"},
    {"q": "turbnie"},  # a typo: no index term starts with its stem
    {"q": "сталь", "industry": "metallurgy"},
    {"q": "pump", "country": "DE"},
]
QUICK = {"stands": 500, "seconds": 2.0, "warmup": 0.5, "rounds": 1}
FULL = {"stands": 2000, "seconds": 10.0, "warmup": 2.0, "rounds": 2}

# ---------------------------------------------------------------------------- the data


@dataclass
class Built:
    """What the database holds once built, and how long each step took (seconds)."""

    pavilions: int = 0
    stands: list[str] = field(default_factory=list)  # every listed stand's slug
    products: int = 0
    clones: int = 0
    steps: dict[str, float] = field(default_factory=dict)


@dataclass
class Source:
    """A demo stand as cloned: the stand, its products and its staff rows."""

    stand: Stand
    products: list[Product]
    staff: list[StandStaff]


@contextmanager
def timed(steps: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    steps[name] = time.perf_counter() - started


async def build(url: str, media: Path, stands: int) -> Built:
    """Migrate, import the demo forum and packs, then clone stands up to `stands`."""
    from server.clock import SystemClock
    from server.db import Database
    from server.migrate import upgrade

    built, clock = Built(), SystemClock()
    with timed(built.steps, "migrate"):
        await upgrade(url)
    db = Database(url)
    try:
        with timed(built.steps, "demo program"):
            await _import_demo_program(db, clock)
        with timed(built.steps, "demo packs"):
            await _import_demo_packs(db, clock, media)
        with timed(built.steps, "clones, indexed"):
            built.clones = await enlarge(db, clock, stands)
        await _count(db, built)
    finally:
        await db.dispose()
    return built


async def _import_demo_program(db: Database, clock: Clock) -> None:
    import yaml

    from server.cli import DEMO_FORUM
    from server.editor.importer import import_program

    async with db.session() as session:
        await import_program(session, clock, yaml.safe_load(DEMO_FORUM.read_text("utf-8")))
        await session.commit()


async def _import_demo_packs(db: Database, clock: Clock, media: Path) -> None:
    from server.cli import demo_packs
    from server.expo.importer import import_pack
    from server.expo.media import MediaStore
    from server.expo.packs import read_pack

    for folder in demo_packs():
        async with db.session() as session:
            await import_pack(session, clock, read_pack(folder), MediaStore(media / "showrooms"))
            await session.commit()


async def enlarge(db: Database, clock: Clock, total: int) -> int:
    """Clone the demo stands until `total` are listed; returns how many clones were made."""
    async with db.session() as session:
        sources = await _sources(session)
    pavilions = sorted({s.stand.pavilion_id for s in sources})
    n = len(sources)
    plan = [(sources[i % n], i // n) for i in range(n, total)]  # copy numbers from 1
    for start in range(0, len(plan), CLONE_BATCH):
        async with db.session() as session:
            await _clone_batch(session, clock, plan[start : start + CLONE_BATCH], pavilions)
            await session.commit()
    return len(plan)


async def _sources(session: AsyncSession) -> list[Source]:
    from sqlmodel import col, select

    from server.expo.models import Product, Stand, StandStaff

    listed = select(Stand).where(col(Stand.listed)).order_by(col(Stand.id))
    stands = (await session.exec(listed)).all()
    products = (await session.exec(select(Product).order_by(col(Product.position)))).all()
    staff = (await session.exec(select(StandStaff).order_by(col(StandStaff.position)))).all()
    return [
        Source(
            s,
            [p for p in products if p.stand_id == s.id],
            [m for m in staff if m.stand_id == s.id],
        )
        for s in stands
    ]


async def _clone_batch(
    session: AsyncSession, clock: Clock, batch: list[tuple[Source, int]], pavilions: list[int]
) -> None:
    """Write copies of these stands (copy numbers given), their products and staff; index them."""
    from server.expo import search

    now = clock.now()
    stands = [_stand_copy(src.stand, n, pavilions, now) for src, n in batch]
    session.add_all(stands)
    await session.flush()
    products = [_products_copy(src, stand) for (src, _), stand in zip(batch, stands, strict=True)]
    for (src, _), stand, items in zip(batch, stands, products, strict=True):
        session.add_all(items)
        session.add_all(_staff_copy(src, stand))
    await session.flush()
    for stand, items in zip(stands, products, strict=True):
        await search.reindex_stand(session, stand, items)


def _stand_copy(source: Stand, number: int, pavilions: list[int], now: datetime) -> Stand:
    from server.expo.models import Stand

    moved = pavilions[(pavilions.index(source.pavilion_id) + number) % len(pavilions)]
    values = source.model_dump(exclude={"id", "slug", "pavilion_id", "name_en", "name_ru"})
    return Stand(
        **{**values, "created_at": now, "updated_at": now},
        slug=f"{source.slug}-c{number:04d}",
        pavilion_id=moved,
        name_en=f"{source.name_en} {number}",
        name_ru=f"{source.name_ru} {number}",
    )


def _products_copy(source: Source, stand: Stand) -> list[Product]:
    from server.expo.models import Product

    assert stand.id is not None
    return [
        Product(**p.model_dump(exclude={"id", "stand_id"}), stand_id=stand.id)
        for p in source.products
    ]


def _staff_copy(source: Source, stand: Stand) -> list[StandStaff]:
    from server.expo.models import StandStaff

    assert stand.id is not None
    return [
        StandStaff(**m.model_dump(exclude={"id", "stand_id"}), stand_id=stand.id)
        for m in source.staff
    ]


async def _count(db: Database, built: Built) -> None:
    from sqlmodel import col, func, select

    from server.expo.models import Pavilion, Product, Stand

    async with db.session() as session:
        built.pavilions = (await session.exec(select(func.count()).select_from(Pavilion))).one()
        slugs = await session.exec(select(Stand.slug).where(col(Stand.listed)))
        built.stands = sorted(slugs.all())
        built.products = (await session.exec(select(func.count()).select_from(Product))).one()


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for this run, dropped on the way out."""
    import asyncpg

    name = f"pavilion_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(**POSTGRES)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"postgresql+asyncpg://postgres@{HOST}:5432/{name}"
    finally:
        admin = await asyncpg.connect(**POSTGRES)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def postgres_version() -> str:
    import asyncpg

    admin = await asyncpg.connect(**POSTGRES)
    try:
        return str(await admin.fetchval("SHOW server_version"))
    finally:
        await admin.close()


# ---------------------------------------------------------------------------- the server


def serve(port: int, database_url: str, media: Path, parent: int) -> None:
    """The `--serve` mode: the whole app as a server of bench/servers.py."""
    from server.app import create_app
    from server.settings import Settings

    settings = Settings(
        environment="test", database_url=database_url, log_level="WARNING", media_dir=media
    )
    servers.serve_app(create_app(settings), port, parent)


def running(database_url: str, workdir: Path) -> AbstractContextManager[servers.Running]:
    """This script as a `--serve` child process, until the block ends."""
    argv = servers.this_script(
        __file__,
        *("--serve", "--port", "{port}", "--database", database_url),
        *("--media", str(workdir / "media")),
    )
    return servers.running("pavilion", argv, workdir)


# ----------------------------------------------------------------------------- the load


@dataclass(frozen=True)
class Target:
    """An endpoint under load: the requests to pick from, as (label, path with query)."""

    name: str
    labels: list[str]
    requests: list[tuple[int, str]]


ENDPOINTS = ("stand", "search", "pavilions")


def targets(stands: list[str]) -> dict[str, Target]:
    searches = [f"/api/v1/search?{urlencode(s)}" for s in SEARCHES]
    found = [
        Target("stand", ["stand"], [(0, f"/api/v1/stands/{s}?lang=ru") for s in stands]),
        Target("search", [_label(s) for s in SEARCHES], list(enumerate(searches))),
        Target("pavilions", ["pavilions"], [(0, "/api/v1/pavilions")]),
    ]
    return {t.name: t for t in found}


def _label(query: dict[str, str]) -> str:
    """A search as a person reads it: `pump · country=DE`."""
    return " · ".join([query["q"], *(f"{k}={v}" for k, v in query.items() if k != "q")])


@dataclass(frozen=True)
class Load:
    base_url: str
    server_pid: int
    target: Target
    concurrency: int
    warmup_s: float
    seconds: float


@dataclass
class Sample:
    """Where the clocks stood: wall time, and the CPU time of the server, the client and the
    whole machine."""

    wall: float
    server_cpu: float
    client_cpu: float
    machine_cpu: float

    @classmethod
    def take(cls, server: psutil.Process) -> Sample:
        cpu = server.cpu_times()
        return cls(
            time.perf_counter(),
            cpu.user + cpu.system,
            time.process_time(),
            machine_cpu_seconds(),
        )


@dataclass
class Tally:
    """Every request of a run: (label, when it ended, latency ms) for 200s, and failures."""

    done: list[tuple[int, float, float]] = field(default_factory=list)
    failed: list[tuple[float, str]] = field(default_factory=list)


@dataclass
class Run:
    """One measured run: the requests that ended between two samples, and the samples."""

    latencies_ms: dict[int, list[float]]
    errors: int
    first_error: str
    before: Sample
    after: Sample


def measured(tally: Tally, before: Sample, after: Sample) -> Run:
    def inside(instant: float) -> bool:
        return before.wall <= instant < after.wall

    latencies: dict[int, list[float]] = defaultdict(list)
    for label, ended, ms in tally.done:
        if inside(ended):
            latencies[label].append(ms)
    failures = [
        f"{detail} ({ended - before.wall:.1f} s into the measured part)"
        for ended, detail in tally.failed
        if inside(ended)
    ]
    return Run(dict(latencies), len(failures), failures[0] if failures else "", before, after)


async def _worker(
    client: httpx.AsyncClient, target: Target, until: float, rng: random.Random, tally: Tally
) -> None:
    while time.perf_counter() < until:
        label, path = rng.choice(target.requests)
        started = time.perf_counter()
        try:
            response = await client.get(path)
        except httpx.HTTPError as exc:
            tally.failed.append((time.perf_counter(), f"{type(exc).__name__} on {path}"))
            await asyncio.sleep(0.01)  # a refused connection fails at once: do not spin
            continue
        ended = time.perf_counter()
        if response.status_code == 200:
            tally.done.append((label, ended, (ended - started) * 1000))
        else:
            detail = f"{response.status_code} on {path}: {response.text[:200]}"
            tally.failed.append((ended, detail))


async def _samples(server: psutil.Process, start: float, end: float) -> tuple[Sample, Sample]:
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    before = Sample.take(server)
    await asyncio.sleep(max(0.0, end - time.perf_counter()))
    return before, Sample.take(server)


async def _client(load: Load) -> Run:
    """One closed loop on a fresh keep-alive client: the warm-up runs straight into the
    measured part, so no connection sits idle in between (uvicorn closes idle ones after 5 s,
    and a request racing that close fails)."""
    n, server = load.concurrency, psutil.Process(load.server_pid)
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(
        base_url=load.base_url, limits=limits, timeout=30.0, trust_env=False
    ) as client:
        start = time.perf_counter() + load.warmup_s
        end = start + load.seconds
        tally, samples = Tally(), asyncio.create_task(_samples(server, start, end))
        rngs = [random.Random(i) for i in range(n)]
        await asyncio.gather(*(_worker(client, load.target, end, rng, tally) for rng in rngs))
        before, after = await samples
    return measured(tally, before, after)


def client_process(load: Load, out: Any) -> None:
    """Entry point of a client process: puts a Run or an error message on `out`."""
    servers.exit_when_orphaned(os.getppid())
    try:
        out.put(asyncio.run(_client(load)))
    except BaseException as exc:  # reported to the parent, which stops the benchmark
        out.put(f"{type(exc).__name__}: {exc}")


async def _result(out: Any, process: Any) -> Run:
    """The client's result, polling so that a timeout can cancel the wait."""
    while True:
        try:
            item = out.get_nowait()
        except queue.Empty:
            if not process.is_alive() and out.empty():
                raise RuntimeError("the client process died without a result") from None
            await asyncio.sleep(0.01)
            continue
        if isinstance(item, str):
            raise RuntimeError(f"client failed: {item}")
        run: Run = item
        return run


async def drive(load: Load) -> Run:
    """One measured run from a fresh client process."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    process = ctx.Process(target=client_process, args=(load, out), daemon=True)
    process.start()
    try:
        return await _result(out, process)
    finally:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


# ---------------------------------------------------------------------------- the report


@dataclass
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: float
    server_ms_per_request: float
    server_cpu: float
    client_cpu: float
    other_cpu: float


def figures(run: Run) -> Figures:
    b, a = run.before, run.after
    wall, server, client = a.wall - b.wall, a.server_cpu - b.server_cpu, a.client_cpu - b.client_cpu
    latencies = [ms for values in run.latencies_ms.values() for ms in values]
    return Figures(
        rps=len(latencies) / wall,
        p50_ms=percentile(latencies, 50) if latencies else math.nan,
        p99_ms=percentile(latencies, 99) if latencies else math.nan,
        errors=run.errors,
        server_ms_per_request=server * 1000 / max(1, len(latencies) + run.errors),
        server_cpu=server / wall,
        client_cpu=client / wall,
        other_cpu=max(0.0, a.machine_cpu - b.machine_cpu - server - client) / wall,
    )


def median_figures(rows: list[Figures]) -> Figures:
    names = Figures.__annotations__
    return Figures(*(statistics.median(getattr(r, name) for r in rows) for name in names))


COLUMNS = (
    "conc",
    "req/s",
    "p50 ms",
    "p99 ms",
    "errors",
    "srv CPU ms/req",
    "srv CPU",
    "cli CPU",
    "other CPU",
)
WIDTHS = (6, 9, 9, 9, 8, 16, 9, 9, 11)


def header(title: str) -> str:
    return f"{title:<14}" + "".join(f"{c:>{w}}" for c, w in zip(COLUMNS, WIDTHS, strict=True))


def figures_line(name: str, concurrency: int, f: Figures) -> str:
    return (
        f"  {name:<12}{concurrency:>6}{f.rps:>9.1f}{f.p50_ms:>9.2f}{f.p99_ms:>9.2f}"
        f"{f.errors:>8.0f}{f.server_ms_per_request:>16.2f}"
        f"{f.server_cpu:>9.0%}{f.client_cpu:>9.0%}{f.other_cpu:>11.0%}"
    )


def print_table(title: str, rows: dict[tuple[str, int], Figures]) -> None:
    print(f"\n{header(title)}")
    for (name, concurrency), f in rows.items():
        print(figures_line(name, concurrency, f))


def print_queries(
    target: Target, runs: list[Run], results: dict[str, int], concurrency: int
) -> None:
    """Each search query's latency at one concurrency, pooled over the rounds."""
    pooled: dict[int, list[float]] = defaultdict(list)
    for run in runs:
        for label, values in run.latencies_ms.items():
            pooled[label].extend(values)
    print(f"\nsearch per query, {concurrency} in flight, pooled over {plural(len(runs), 'round')}")
    print(f"  {'query':<44}{'results':>8}{'requests':>10}{'p50 ms':>9}{'p99 ms':>9}")
    for label, query in enumerate(target.labels):
        values = pooled.get(label, [])
        p50 = percentile(values, 50) if values else math.nan
        p99 = percentile(values, 99) if values else math.nan
        print(f"  {query:<44}{results[query]:>8}{len(values):>10}{p50:>9.2f}{p99:>9.2f}")


def print_environment(env: dict[str, Any], database: str) -> None:
    import sqlalchemy

    print("Pavilion showrooms: the stand page and search under load")
    print(f"python:   {env['python']} on {env['platform']}")
    print(f"cpus:     {env['cpus']} ({env['usable_cpus']} usable by this process)")
    print(
        f"server:   uvicorn {env['uvicorn']} ({env['server_loop']}, {env['server_http']}), "
        f"fastapi {env['fastapi']}, sqlalchemy {sqlalchemy.__version__}, 1 worker; "
        f"client: httpx {env['httpx']}, asyncio, 1 process"
    )
    print(f"database: {database}")
    print(f"code:     {env['code']}")
    print(f"machine:  {env['load_average_1min']:.2f} (1-minute load average before starting)")


# ------------------------------------------------------------------------------- main


async def prepare(args: argparse.Namespace, url: str, workdir: Path) -> Built:
    started = time.perf_counter()
    built = await build(url, workdir / "media", args.stands)
    steps = ", ".join(f"{name} {s:.1f} s" for name, s in built.steps.items())
    print(
        f"data:     {built.pavilions} pavilions, {len(built.stands):,} stands "
        f"({len(built.stands) - built.clones} from the demo packs, {built.clones:,} clones), "
        f"{built.products:,} products"
    )
    print(f"built in: {time.perf_counter() - started:.1f} s ({steps})")
    return built


async def probe(server: servers.Running, built: Built, search: Target) -> dict[str, int]:
    """Check each endpoint answers as expected before measuring; results per search query."""
    async with httpx.AsyncClient(base_url=server.url, trust_env=False) as client:
        hall = (await client.get("/api/v1/pavilions")).raise_for_status().json()
        listed = sum(p["stands"] for p in hall)
        if listed != len(built.stands):
            raise RuntimeError(f"the hall lists {listed} stands, not {len(built.stands)}")
        sizes = []
        for slug in random.Random(0).sample(built.stands, min(20, len(built.stands))):
            response = (await client.get(f"/api/v1/stands/{slug}?lang=ru")).raise_for_status()
            sizes.append(len(response.content))
        results = {}
        for label, path in search.requests:
            answer = (await client.get(path)).raise_for_status().json()
            results[search.labels[label]] = len(answer["results"])
    print(
        f"answers:  the hall lists {len(hall)} pavilions with {listed:,} stands; "
        f"a stand page is {statistics.mean(sizes) / 1024:.1f} KiB on average"
    )
    return results


async def measure(
    args: argparse.Namespace, server: servers.Running, chosen: list[Target]
) -> list[dict[tuple[str, int], Run]]:
    print(
        f"load:     {', '.join(map(str, args.concurrency))} requests in flight, "
        f"{args.warmup:g} s warm-up and {args.seconds:g} s measured per run, "
        f"{plural(args.rounds, 'round')}"
    )
    rounds = []
    for number in range(1, args.rounds + 1):
        runs: dict[tuple[str, int], Run] = {}
        for target in chosen:
            for concurrency in args.concurrency:
                load = Load(
                    server.url,
                    server.process.pid,
                    target,
                    concurrency,
                    args.warmup,
                    args.seconds,
                )
                runs[(target.name, concurrency)] = await drive(load)
        print_table(f"round {number}", {k: figures(r) for k, r in runs.items()})
        _print_first_errors(runs)
        rounds.append(runs)
    return rounds


def _print_first_errors(runs: dict[tuple[str, int], Run]) -> None:
    for (name, concurrency), run in runs.items():
        if run.errors:
            print(f"  {name} at {concurrency}: first error: {run.first_error}")


def summarise(
    rounds: list[dict[tuple[str, int], Run]], search: Target, results: dict[str, int]
) -> None:
    keys = list(rounds[0])
    medians = {k: median_figures([figures(r[k]) for r in rounds]) for k in keys}
    print_table(f"median of {len(rounds)}", medians)
    lowest = min(c for _, c in keys)
    if ("search", lowest) in keys:
        print_queries(search, [r[("search", lowest)] for r in rounds], results, lowest)


async def benchmark(args: argparse.Namespace) -> None:
    env = environment()
    if args.postgres:
        database = f"PostgreSQL {await postgres_version()} on {HOST}:5432, a fresh database"
    else:
        database = f"SQLite {sqlite3.sqlite_version} (WAL), a file in a temporary folder"
    print_environment(env, database)
    async with AsyncExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="pavilion-showrooms-"))
        workdir = Path(tmp)
        if args.postgres:
            url = await stack.enter_async_context(postgres_database())
        else:
            url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        built = await prepare(args, url, workdir)
        server = stack.enter_context(running(url, workdir))
        every = targets(built.stands)
        results = await probe(server, built, every["search"])
        rounds = await measure(args, server, [every[name] for name in args.endpoints])
        summarise(rounds, every["search"], results)


def _endpoints(value: str) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    if not names or set(names) - set(ENDPOINTS):
        raise argparse.ArgumentTypeError(f"a comma-separated list of {', '.join(ENDPOINTS)}")
    return names


def _concurrency(value: str) -> list[int]:
    levels = [int(v) for v in value.split(",") if v.strip()]
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of positive numbers")
    return levels


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="about a minute: " + _defaults_text(QUICK)
    )
    parser.add_argument("--stands", type=int, help=f"stands in all (default {FULL['stands']})")
    parser.add_argument("--seconds", type=float, help="measured seconds per run (default 10)")
    parser.add_argument("--warmup", type=float, help="unmeasured seconds per run (default 2)")
    parser.add_argument("--rounds", type=int, help="times the whole set is run (default 2)")
    parser.add_argument(
        "--concurrency",
        type=_concurrency,
        default=[1, 8, 32],
        help="levels of requests in flight (default 1,8,32)",
    )
    parser.add_argument(
        "--endpoints",
        type=_endpoints,
        default=list(ENDPOINTS),
        help="which to measure (default stand,search,pavilions)",
    )
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL on 127.0.0.1:5432")
    parser.add_argument("--time-limit", type=float, default=1800.0, help="seconds for it all")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--media", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--parent", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if min(args.stands, args.rounds) < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("--stands, --rounds and --seconds must be positive, --warmup not negative")
    return args


def _defaults_text(values: dict[str, Any]) -> str:
    return ", ".join(f"--{k} {v:g}" for k, v in values.items())


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(143)  # unwinds through the `finally` that stops the server


def main() -> None:
    args = parse_args()
    if args.serve:
        serve(args.port, args.database, args.media, args.parent)
        return
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        asyncio.run(asyncio.wait_for(benchmark(args), args.time_limit))
    except TimeoutError:
        sys.exit(f"stopped: the benchmark ran over --time-limit {args.time_limit:.0f} s")


if __name__ == "__main__":
    main()
