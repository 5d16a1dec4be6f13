"""One busy room: how many deliveries per second each server makes with p99 under 100 ms.

    .venv/bin/pip install -c requirements.lock -e '.[bench]'   # python-socketio, psutil
    .venv/bin/python bench/rooms.py [--sizes 100,1000] [--big] [--servers pavilion-memory,…]
                                    [--op chat|reaction] [--step-seconds 2.5] [--json out.json]

N members sit in one room (100 and 1,000 by default; `--big` adds 5,000) and a few senders
post to it on a schedule. These servers take the same load in turn, each its own process on
loopback, one worker each:

- pavilion-memory: `pavilion serve` with the memory bus, on a SQLite database the bench
  prepares (N people with session tokens, one open session). Senders use `chat.send`, the
  realistic path: the message is stored, committed, then published; members receive the
  `chat.message` push. Rate limits are raised for the bench (PAVILION_WS_RATE_PER_*).
- pavilion-redis: the same with the Redis bus (a `redis-server` the bench starts, no
  persistence): every publish is a Lua step in Redis and comes back over pub/sub.
- socketio: python-socketio's AsyncServer with AsyncRedisManager under uvicorn (the Python
  peer a team would pick); the server emits every `chat` event to the room.
- floor: a bare `websockets` server relaying each frame with `websockets.broadcast()`.
(bench/rooms_peers.py holds the last two.)

The load is open loop (bench/rooms_load.py): message n is due at t0 + n/rate and its
latency is counted from that due time at every member, so a server that holds the senders
back is not flattered. Every message is numbered; each member checks loss, duplicates and
order (per sender socket). Members live in `--member-procs` processes, senders in another.

For each server the send rate climbs in steps of `--step-seconds` (1, 2, 5 × 10^k messages/s,
from about `--start-deliveries` deliveries/s) until a step has p99 ≥ `--p99-ms` or loses a
message; then `--refine` steps between the last good and the first bad rate narrow it down.
A delivery is one message arriving at one member; deliveries/s counts those that arrived by
the step's deadline (`--drain` seconds after its last message was due), over the step's
length. The headline is the best deliveries/s of a step with p99 < 100 ms and no loss, and
its ratios between servers measured in the same run.

Columns: server is the server process's CPU time per wall second while sending (100 % is
one core); µs/del its CPU (Redis's added) per delivery, the figure a busy machine disturbs
least; redis is the Redis process; gen the busiest member process and snd the sender
process; other is what processes outside the bench used (other work on the machine, the
kernel's softirqs), and a step where it exceeds a quarter of a core is marked as disturbed.
A bad step is run once more at the same rate (the table keeps both) when it was disturbed
or neither the server (90 % of a core) nor the machine (90 % of all cores) ran out of CPU,
i.e. when it may not show the server's limit (a pause, others' work); a rate counts as good
when any of its steps was.
lag99 is how late the sender's p99 message left against its schedule. The members share the
machine with the server (2 cores here): a gen near 100 % would mean the generator, not the
server, held the figures back. Joining reports the server's CPU per member that joined.
Members use a minimal WebSocket client (bench/rooms_socket.py, no compression).

`--op reaction` has Pavilion's senders send `reaction.send` instead: those are pushed as
counts every 250 ms, so a member counts 👏 and the k-th counted stands for message k (its
latency is the wait until a count included it, up to 250 ms by design: pass `--p99-ms 400`
or compare µs/del); the peers still relay every message.

Figures to compare, never a pass/fail verdict: machines are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import rooms_servers
import servers
from machine import machine_cpu_seconds
from rooms_load import Heard, Plan, Sent, generator_process, percentile

SERVERS = ("pavilion-memory", "pavilion-redis", "socketio", "floor")
SETTLE_CPU = 0.25  # a server below this share of a core counts as idle between steps
BUSY_OTHER = 0.25  # CPU of processes not the bench's above this (in cores): a noisy step
MIN_MESSAGES = 3  # per step: the lowest rates get longer steps
SATURATED = 0.9  # a server using this much of a core (or a machine, of all) is at its limit


# ------------------------------------------------------------------------ generator handles


class Generator:
    """A load process and the pipe that drives it."""

    def __init__(self, role: str, kind: str, url: str, setup: dict[str, Any], work: Any) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.role = role
        self.pipe, child = ctx.Pipe()
        self.process = ctx.Process(
            target=generator_process, args=(role, kind, url, setup, work, child), daemon=True
        )
        self.process.start()

    def send(self, command: str, argument: Any = None) -> None:
        self.pipe.send((command, argument))

    def receive(self, timeout: float = 600.0) -> Any:
        deadline = time.monotonic() + timeout
        while not self.pipe.poll(0.2):
            if not self.process.is_alive() and not self.pipe.poll(0):
                raise RuntimeError(f"the {self.role} process died")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {self.role} process did not answer")
        status, value = self.pipe.recv()
        if status == "failed":
            raise RuntimeError(value)
        return value

    def stop(self) -> None:
        try:
            self.send("stop")
            self.receive(timeout=15)
        except (RuntimeError, OSError, EOFError):
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)


# ------------------------------------------------------------------------------ figures


@dataclass
class Row:
    """One step against one server."""

    rate: float
    seconds: float
    sent: int
    unsent: int
    expected: int
    delivered: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    reorders: int
    duplicates: int
    stale: int
    disconnects: int
    reconnected: int
    server_cpu: float
    redis_cpu: float
    gen_cpu: float
    gens_cpu: float
    sender_cpu: float
    machine_cpu: float
    rss_mb: float
    send_lag_p99_ms: float
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def lost(self) -> int:
        return self.expected - self.delivered

    @property
    def deliveries_per_s(self) -> float:
        return self.delivered / self.seconds

    @property
    def server_us_per_delivery(self) -> float:
        """Server CPU (and Redis's) per delivery made: steadier than latency on a busy machine."""
        cpu = (self.server_cpu + self.redis_cpu) * self.seconds
        return cpu * 1e6 / self.delivered if self.delivered else math.nan

    @property
    def other_cpu(self) -> float:
        """Busy cores not accounted for by the bench's processes (others' work, the kernel)."""
        known = self.server_cpu + self.redis_cpu + self.gens_cpu + self.sender_cpu
        return max(0.0, self.machine_cpu - known)

    @property
    def saturated(self) -> bool:
        """Whether the server, or the whole machine, ran out of CPU."""
        cores = os.cpu_count() or 1
        return self.server_cpu >= SATURATED or self.machine_cpu >= SATURATED * cores

    def good(self, p99_ms: float) -> bool:
        return self.lost == 0 and self.p99_ms < p99_ms


def row_of(plan: Plan, heard: list[Heard], sent: Sent, cpu: dict[str, float], rss_mb: float) -> Row:
    histogram: Counter[int] = Counter()
    for h in heard:
        histogram.update(h.histogram)
    seconds = plan.duration
    return Row(
        rate=plan.rate,
        seconds=seconds,
        sent=sent.sent,
        unsent=sent.unsent,
        expected=sum(h.expected for h in heard),
        delivered=sum(h.delivered for h in heard),
        p50_ms=percentile(histogram, 50),
        p99_ms=percentile(histogram, 99),
        max_ms=percentile(histogram, 100),
        reorders=sum(h.reorders for h in heard),
        duplicates=sum(h.duplicates for h in heard),
        stale=sum(h.stale for h in heard),
        disconnects=sum(h.disconnects for h in heard),
        reconnected=sum(h.reconnected for h in heard),
        server_cpu=cpu["server"] / seconds,
        redis_cpu=cpu["redis"] / seconds,
        gen_cpu=max(h.cpu_s for h in heard) / seconds,
        gens_cpu=sum(h.cpu_s for h in heard) / seconds,
        sender_cpu=sent.cpu_s / seconds,
        machine_cpu=cpu["machine"] / seconds,
        rss_mb=rss_mb,
        send_lag_p99_ms=percentile(sent.lag, 99),
        errors=dict(sent.errors),
    )


HEADER = (
    f"  {'msg/s':>6}{'deliv/s':>8}{'p50 ms':>7}{'p99 ms':>7}{'max ms':>7}{'lost':>7}"
    f"{'reord':>6}{'server':>7}{'µs/del':>7}{'redis':>6}{'gen':>5}{'snd':>5}{'other':>6}"
    f"{'RSS MB':>7}{'lag99':>6}  notes"
)


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def row_line(row: Row, p99_ms: float) -> str:
    notes = []
    if row.unsent:
        notes.append(f"{row.unsent} unsent")
    if row.errors:
        notes.append("errors " + ", ".join(f"{k} {v}" for k, v in row.errors.items()))
    if row.disconnects:
        notes.append(f"{row.disconnects} sockets closed")
    if row.reconnected:
        notes.append(f"{row.reconnected} rejoined")
    if row.duplicates:
        notes.append(f"{row.duplicates} duplicates")
    if row.stale:
        notes.append(f"{row.stale} late from earlier steps")
    if row.other_cpu > BUSY_OTHER:
        notes.append("machine busy with other work")
    mark = "" if row.good(p99_ms) else " ✗"
    return (
        f"  {row.rate:>6g}{row.deliveries_per_s:>8.0f}{_ms(row.p50_ms):>7}{_ms(row.p99_ms):>7}"
        f"{_ms(row.max_ms):>7}{row.lost:>7}{row.reorders:>6}{row.server_cpu:>7.0%}"
        f"{row.server_us_per_delivery:>7.1f}{row.redis_cpu:>6.0%}{row.gen_cpu:>5.0%}"
        f"{row.sender_cpu:>5.0%}{row.other_cpu:>6.0%}{row.rss_mb:>7.0f}"
        f"{_ms(row.send_lag_p99_ms):>6}  {'; '.join(notes)}{mark}"
    )


# ---------------------------------------------------------------------------- one server


@dataclass
class Trial:
    """Everything about one server at one room size."""

    server: str
    members: int
    joined_s: float
    join_cpu_ms: float
    join_failures: dict[str, int]
    rss_joined_mb: float
    rows: list[Row]

    def best(self, p99_ms: float) -> Row | None:
        good = [r for r in self.rows if r.good(p99_ms)]
        return max(good, key=lambda r: r.deliveries_per_s) if good else None


def nice_rate(rate: float) -> float:
    """Two significant digits (whole messages per second from 10 up)."""
    if rate >= 10:
        return float(round(rate, 1 - math.floor(math.log10(rate))))
    return round(rate, 1)


def ladder(start: float, limit: float) -> list[float]:
    """1, 2, 5 × 10^k messages per second from the first one at or above `start`."""
    rates = [m * 10**e for e in range(-1, 6) for m in (1, 2, 5)]
    return [float(r) for r in rates if start <= r <= limit]


def settle(server: servers.Running, redis: servers.Running | None, most: float = 15.0) -> None:
    """Wait until the server (and Redis) idle, e.g. after a step that left a backlog."""
    deadline = time.monotonic() + most
    while time.monotonic() < deadline:
        before = server.cpu_seconds() + (redis.cpu_seconds() if redis else 0.0)
        time.sleep(0.25)
        after = server.cpu_seconds() + (redis.cpu_seconds() if redis else 0.0)
        if (after - before) / 0.25 < SETTLE_CPU:
            return


class Ramp:
    """Steps against one server with its generators connected."""

    def __init__(
        self,
        args: argparse.Namespace,
        server: servers.Running,
        redis: servers.Running | None,
        members: list[Generator],
        sender: Generator,
        out_of_time: float,
    ) -> None:
        self.args = args
        self.out_of_time = out_of_time
        self.rows: list[Row] = []
        self.server, self.redis = server, redis
        self.members, self.sender = members, sender
        self.next_number = 0
        self.index = 0

    def step(self, rate: float, seconds: float) -> Row:
        settle(self.server, self.redis)
        count = max(MIN_MESSAGES, round(rate * seconds))
        seconds = count / rate  # longer than asked at the lowest rates
        t0 = time.monotonic() + 0.5
        plan = Plan(
            self.index, self.next_number, count, rate, t0, seconds, t0 + seconds + self.args.drain
        )
        self.index += 1
        self.next_number += count
        for g in (*self.members, self.sender):
            g.send("step", plan)
        cpu = self._cpu_between(t0, t0 + seconds)
        heard = [g.receive() for g in self.members]
        sent = self.sender.receive()
        return row_of(plan, heard, sent, cpu, self.server.rss_mb())

    def _cpu_between(self, start: float, end: float) -> dict[str, float]:
        time.sleep(max(0.0, start - time.monotonic()))
        before = self._cpu()
        time.sleep(max(0.0, end - time.monotonic()))
        after = self._cpu()
        return {k: after[k] - before[k] for k in before}

    def _cpu(self) -> dict[str, float]:
        return {
            "server": self.server.cpu_seconds(),
            "redis": self.redis.cpu_seconds() if self.redis else 0.0,
            "machine": machine_cpu_seconds(),
        }

    def climb(self, members: int) -> list[Row]:
        """Up the ladder until a bad step (down it when the first is bad already), then
        `--refine` steps between the best good rate and the lowest bad one above it."""
        args = self.args
        first = args.start_deliveries / members
        self.step(max(1.0, nice_rate(first)), 1.0)  # warm-up, not reported
        rungs = ladder(args.min_rate, args.max_rate)
        self._walk([r for r in rungs if r >= first], stop_when_good=False)
        if not any(r.good(args.p99_ms) for r in self.rows):
            self._walk([r for r in reversed(rungs) if r < first], stop_when_good=True)
        for _ in range(args.refine):
            good = [r.rate for r in self.rows if r.good(args.p99_ms)]
            if not good:
                break
            bad = [r.rate for r in self.rows if not r.good(args.p99_ms) and r.rate > max(good)]
            if not bad:
                break
            rate = nice_rate(math.sqrt(max(good) * min(bad)))
            if rate in (max(good), min(bad)) or not self._measure(rate):
                break
        return self.rows

    def _walk(self, rates: list[float], *, stop_when_good: bool) -> None:
        for rate in rates:
            row = self._measure(rate)
            if row is None or row.good(self.args.p99_ms) == stop_when_good:
                return

    def _measure(self, rate: float) -> Row | None:
        """One reported step (None once --time-limit has passed)."""
        if time.monotonic() > self.out_of_time:
            print("  (no more steps: --time-limit)")
            return None
        row = self.step(rate, self.args.step_seconds)
        self.rows.append(row)
        print(row_line(row, self.args.p99_ms), flush=True)
        if not row.good(self.args.p99_ms) and (row.other_cpu > BUSY_OTHER or not row.saturated):
            # Not the server's limit, or maybe not (others' work, a pause): one more chance.
            row = self.step(rate, self.args.step_seconds)
            self.rows.append(row)
            print(row_line(row, self.args.p99_ms) + " (repeated)", flush=True)
        return row


def _setup(args: argparse.Namespace, room: str, tokens: list[str]) -> dict[str, Any]:
    return {
        "room": room,
        "tokens": tokens,
        "op": args.op,
        "senders": args.senders,
        "text_bytes": args.text_bytes,
    }


def trial(
    args: argparse.Namespace,
    name: str,
    members: int,
    server: servers.Running,
    redis: servers.Running | None,
    room: str,
    out_of_time: float,
) -> Trial:
    member_tokens = [rooms_servers.member_token(i) for i in range(members)]
    sender_tokens = [rooms_servers.sender_token(i) for i in range(args.senders)]
    procs = min(args.member_procs, members)
    setup = _setup(args, room, member_tokens)
    shares = [list(range(p, members, procs)) for p in range(procs)]
    gens = [Generator("members", name, server.url, setup, share) for share in shares]
    sender = Generator("sender", name, server.url, _setup(args, room, sender_tokens), args.senders)
    try:
        cpu_before = server.cpu_seconds()
        for g in (*gens, sender):
            g.send("connect")
        joined = [g.receive() for g in (*gens, sender)]
        join_cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / members
        failures: Counter[str] = Counter()
        for j in joined:
            failures.update(j["failures"])
        joined_s = max(j["seconds"] for j in joined)
        rss = server.rss_mb()
        print(
            f"{name}: {members} members joined in {joined_s:.1f} s"
            + (f" ({sum(failures.values())} failed: {dict(failures)})" if failures else "")
            + f"; server CPU {join_cpu_ms:.1f} ms per join; server RSS {rss:.0f} MB",
            flush=True,
        )
        print(HEADER)
        rows = Ramp(args, server, redis, gens, sender, out_of_time).climb(members)
    finally:
        for g in (*gens, sender):
            g.stop()
    return Trial(name, members, joined_s, join_cpu_ms, dict(failures), rss, rows)


def run_server(
    args: argparse.Namespace,
    name: str,
    members: int,
    redis: servers.Running | None,
    world: dict[str, Any],
    workdir: Path,
    out_of_time: float,
) -> Trial:
    uses_redis = name in ("pavilion-redis", "socketio")
    if redis is not None and uses_redis:
        rooms_servers.flush_redis(redis)
    redis_url = rooms_servers.redis_url(redis) if redis is not None and uses_redis else None
    with ExitStack() as inner:
        if name.startswith("pavilion"):
            # Each sender socket is a person of its own: allow it all of `--max-rate`, twice.
            limit = 2 * args.max_rate
            server = inner.enter_context(
                rooms_servers.pavilion(name, world["database"], workdir, redis_url, limit)
            )
            room = f"session:{world['session_id']}"
        else:
            server = inner.enter_context(rooms_servers.peer(name, workdir, redis_url))
            room = "bench"
        return trial(args, name, members, server, redis if uses_redis else None, room, out_of_time)


# ------------------------------------------------------------------------------- report


PAIRS = (
    ("pavilion-memory", "socketio"),
    ("pavilion-redis", "socketio"),
    ("pavilion-memory", "floor"),
    ("pavilion-redis", "floor"),
)


def _table(title: str, columns: list[str], sizes: list[int], cell: Any) -> None:
    print(f"\n{title}")
    print(f"  {'members':>8}" + "".join(f"{c:>18}" for c in columns))
    for size in sizes:
        print(f"  {size:>8}" + "".join(f"{cell(c, size):>18}" for c in columns))


def cpu_per_delivery(trial: Trial) -> float:
    """Server (+ Redis) CPU µs per delivery over all the trial's steps together."""
    delivered = sum(r.delivered for r in trial.rows)
    cpu = sum((r.server_cpu + r.redis_cpu) * r.seconds for r in trial.rows)
    return cpu * 1e6 / delivered if delivered else math.nan


def headline(trials: list[Trial], p99_ms: float, names: list[str], sizes: list[int]) -> None:
    best = {(t.server, t.members): t.best(p99_ms) for t in trials}
    cpu = {(t.server, t.members): cpu_per_delivery(t) for t in trials}
    pairs = [(a, b) for a, b in PAIRS if a in names and b in names]
    titles = {f"{a.removeprefix('pavilion-')}/{b}": (a, b) for a, b in pairs}

    def best_cell(name: str, size: int) -> str:
        row = best.get((name, size))
        return f"{row.deliveries_per_s:,.0f} ({row.rate:g}/s)" if row else "none"

    def best_ratio(title: str, size: int) -> str:
        a, b = (best.get((n, size)) for n in titles[title])
        return f"{a.deliveries_per_s / b.deliveries_per_s:.2f}" if a and b else "-"

    def cpu_cell(name: str, size: int) -> str:
        value = cpu.get((name, size), math.nan)
        return "-" if math.isnan(value) else f"{value:.1f}"

    def cpu_ratio(title: str, size: int) -> str:
        a, b = (cpu.get((n, size), math.nan) for n in titles[title])
        return "-" if math.isnan(a / b) else f"{a / b:.2f}"

    headline_title = f"headline: best deliveries/s with p99 < {p99_ms:g} ms and nothing lost"
    _table(headline_title + " (at msg/s)", names, sizes, best_cell)
    if pairs:
        _table(
            "ratios of those (above 1: the first delivers more)", list(titles), sizes, best_ratio
        )
    _table(
        "server CPU per delivery, µs (Redis's included; all steps together)",
        names,
        sizes,
        cpu_cell,
    )
    if pairs:
        _table("ratios of those (above 1: the first spends more)", list(titles), sizes, cpu_ratio)


def environment() -> dict[str, Any]:
    from importlib.metadata import version

    def git(*a: str) -> str:
        try:
            return subprocess.run(
                ["git", *a], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    head, dirty = git("rev-parse", "--short", "HEAD"), git("status", "--porcelain")
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "uvicorn": version("uvicorn"),
        "websockets": version("websockets"),
        "python-socketio": version("python-socketio"),
        "code": f"{head or 'unknown'}{' + uncommitted changes' if dirty else ''}",
        "load_average_1min": os.getloadavg()[0],
    }


def print_environment(env: dict[str, Any], args: argparse.Namespace) -> None:
    print("Pavilion rooms: one room's fan-out under an open-loop load, against python-socketio")
    print("and a bare websockets floor")
    print(f"python:   {env['python']} on {env['platform']}, {env['cpus']} cpus")
    print(
        f"servers:  uvicorn {env['uvicorn']} (uvloop, httptools, websockets-sansio), "
        f"python-socketio {env['python-socketio']}, websockets {env['websockets']}; "
        "one process each"
    )
    print(f"code:     {env['code']}; load average {env['load_average_1min']:.2f} at the start")
    op = "chat.send" if args.op == "chat" else "reaction.send"
    print(
        f"load:     {args.senders} sender sockets (one process) round-robin, members in "
        f"{args.member_procs} processes; Pavilion op {op}; {args.text_bytes}-char texts; "
        "no compression"
    )
    print(
        f"steps:    {args.step_seconds:g} s each (+ {args.drain:g} s to drain), 1-2-5 ladder from "
        f"~{args.start_deliveries:g} deliveries/s, {args.refine} refining steps; good = p99 < "
        f"{args.p99_ms:g} ms and nothing lost (✗ marks the others)"
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Trial):
        return {**asdict(value), "best": _plain(value.best(100.0))}
    if isinstance(value, Row):
        figures = {
            "lost": value.lost,
            "deliveries_per_s": value.deliveries_per_s,
            "server_us_per_delivery": value.server_us_per_delivery,
            "other_cpu": value.other_cpu,
        }
        return {**asdict(value), **figures}
    return value


def benchmark(args: argparse.Namespace) -> list[Trial]:
    env = environment()
    print_environment(env, args)
    out_of_time = time.monotonic() + args.time_limit
    trials: list[Trial] = []
    with tempfile.TemporaryDirectory(prefix="pavilion-rooms-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        database = workdir / "template.db"
        started = time.monotonic()
        session_id = asyncio.run(
            rooms_servers.build_database(
                f"sqlite+aiosqlite:///{database}", max(args.sizes), args.senders
            )
        )
        print(
            f"database: {max(args.sizes)} people with tokens and one open session, "
            f"built in {time.monotonic() - started:.1f} s (each Pavilion run gets a fresh copy)"
        )
        redis = None
        if any(s in ("pavilion-redis", "socketio") for s in args.servers):
            redis = stack.enter_context(rooms_servers.redis_server(workdir))
            print(f"redis:    {redis.url.replace('http', 'redis')} (no persistence)")
        world = {"database": database, "session_id": session_id}
        for size in args.sizes:
            print(f"\n=== {size} members ===")
            for name in args.servers:
                print()
                trials.append(run_server(args, name, size, redis, world, workdir, out_of_time))
    headline(trials, args.p99_ms, args.servers, args.sizes)
    if args.json:
        report: dict[str, Any] = {"environment": env, "arguments": vars(args)}
        report["trials"] = [{**_plain(t), "rows": [_plain(r) for r in t.rows]} for t in trials]
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return trials


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="members per room, comma-separated")
    parser.add_argument("--big", action="store_true", help="also 5,000 members")
    parser.add_argument("--servers", default=",".join(SERVERS), help="comma-separated, in order")
    parser.add_argument("--op", choices=["chat", "reaction"], default="chat")
    parser.add_argument("--senders", type=int, default=4, help="sender sockets")
    parser.add_argument("--member-procs", type=int, default=2, help="member processes")
    parser.add_argument("--step-seconds", type=float, default=2.5)
    parser.add_argument("--drain", type=float, default=1.5, help="seconds to wait after a step")
    parser.add_argument("--start-deliveries", type=float, default=2000.0)
    parser.add_argument("--max-rate", type=float, default=5000.0, help="messages/s at most")
    parser.add_argument("--min-rate", type=float, default=0.5, help="messages/s at least")
    parser.add_argument("--refine", type=int, default=2)
    parser.add_argument("--p99-ms", type=float, default=100.0)
    parser.add_argument("--text-bytes", type=int, default=80)
    parser.add_argument("--time-limit", type=float, default=1200.0, help="seconds for it all")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.big and 5000 not in args.sizes:
        args.sizes.append(5000)
    args.servers = [s for s in args.servers.split(",") if s]
    unknown = set(args.servers) - set(SERVERS)
    if unknown:
        known = ", ".join(SERVERS)
        parser.error(f"--servers: unknown {', '.join(sorted(unknown))} (known: {known})")
    if min(args.sizes, default=0) < 1 or args.senders < 1 or args.member_procs < 1:
        parser.error("sizes, --senders and --member-procs must be positive")
    return args


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(143)  # unwinds through the `finally` blocks that stop the servers


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    benchmark(args)


if __name__ == "__main__":
    main()
