"""The stage: viewers per core of the program feed against a naive relay, and switch latency.

    .venv/bin/pip install -c requirements.lock -e '.[bench]'   # psutil
    .venv/bin/python bench/stage.py [--quick] [--viewers 0,1,10,25,50,100,150,200]
                                    [--naive-viewers 0,1,2,4,8] [--seconds 10] [--switches 30]
                                    [--viewer-procs 2] [--viewer-depth socket|srtp]
                                    [--designs program,naive,naive-aiortc] [--audio]
                                    [--rounds 1] [--profile 100] [--json out.json]

1. Viewers per core, at 640x360, 30 fps, H.264 at 1 Mbit/s, for three designs side by side
   in one run (bench/stage_server.py):
   - program: Pavilion's `Stage` (publish, take, watch): one encode, each viewer's aiortc
     sender only packetizes the shared packets;
   - naive: aiortc's `MediaRelay` with one RTCPeerConnection per viewer whose sender encodes
     H.264 itself, with the program feed's x264 settings (the fair comparison: only the
     number of encodes differs);
   - naive-aiortc: the same relay with aiortc's stock H.264 encoder (x264's medium preset),
     the relay as it comes out of the box.
   Each design's server is a process of its own (one asyncio loop; x264, the decoder and
   aiortc's executor add threads, all counted). One publisher process sends the same moving test
   picture (bench/stage_source.py: a pan over a textured pattern, VP8 from aiortc, as a browser
   might) to each, over WHIP-like signalling through pipes (the server process calls the Stage's
   verbs, not its HTTP routes, which only matter when a viewer joins) and real ICE/DTLS/SRTP on
   the machine's address. Viewers are real aiortc peers (ICE, DTLS, SRTP keys) in
   `--viewer-procs` other processes that count the packets they get instead of decoding them
   (bench/stage_viewers.py; `--viewer-depth srtp` also decrypts and parses each one through
   aiortc, which costs the viewer processes several times more): their cost lands on their own
   processes, which share the 2 cores with the server, so their CPU is shown too. The viewer
   count climbs through the steps; after `--settle` seconds, each step measures `--seconds` of
   steady streaming. A step disturbed by other work (see other, below) is measured again, up to
   `--retries` times, and the least disturbed measurement kept; the climb stops after two steps
   in a row that did not keep up.

   Columns: server is the server process's CPU per wall second (100 % is one core), all its
   threads; loop its main thread's, where the event loop runs the senders (it cannot use
   more than one core: near 100 % it is the limit); per viewer server divided by the
   viewers; marginal the extra CPU per extra full-rate viewer since the step before (a
   full-rate viewer: 30 frames a second delivered; see below); fps p50 / min the frames a
   second the median and the worst viewer received (a frame counts at its last packet);
   Mbit/s the median viewer's received rate (whole SRTP packets; payloads only at the srtp
   depth); lost the packets missing from the sequence numbers; lag99 how late (ms, 99th
   percentile) the server's event loop woke a task sleeping 10 ms at a time (a loop late by
   0.5 s fails aioice's consent checks, and six in a row close a peer); join the server's
   CPU per viewer that joined (ICE, DTLS handshake, SDP; the streaming at the step before's
   rate subtracted); viewers the busiest viewer process; pub the publisher; other the
   machine's busy time outside the bench's processes (other work, the kernel's softirqs;
   above a quarter of a core the step is marked as disturbed). A step whose worst viewer got
   under 90 % of 30 fps is marked ✗; the notes say when the server got the source's frames
   at under 27 a second, when the source is gone, when the loop was ever 0.5 s late, and how
   many datagrams the machine dropped for full socket receive buffers (Linux's RcvbufErrors:
   all processes, but in a quiet machine those of the bench).

   The summary fits server CPU = fixed + marginal × full-rate viewers (least squares over the
   steps with viewers that kept 30 fps; over all the steps when fewer than two did), where
   full-rate viewers = frames delivered per second to all viewers / 30: equal to the viewers
   when they all get 30 fps, and still a fair measure of the work done when a starved server
   sent fewer frames (its CPU then reads low). Viewers per core is 1 / marginal, the fixed
   cost (decoding the source and, for the program, its one encode) excluded; one core's
   worth is (1 - fixed) / marginal. `--rounds N` runs all the designs N times in turn
   (A B C A B C, so that drift hits each) and adds the medians; a ratio's median is the
   median of the ratios measured within each round. Targets (issue 6): at least 150 viewers
   on one process, and at least 30 times the naive relay's viewers per core. The naive
   relays encode in aiortc's executor threads, so their process can use both cores; the
   program's senders all run on its event loop (the loop column), which is one core.

2. Switch latency through the HTTP API (bench/stage_switch.py): `--switches` takes between two
   sources of different colours, from the POST /take to the viewer's first decoded frame of
   the new colour; p50, p95 and max (target: p95 under 150 ms). This part runs in the bench's
   own process, after part 1, with nothing else of the bench running.

`--quick` runs a smaller ladder and shorter steps (about a minute); `--profile 100` samples
the program server's event loop with cProfile after its 100-viewer step (of the last round)
and says where its CPU goes; `--audio` adds sound, as real viewers have it: the publisher
sends a tone too, and viewers receive Opus as well (the program's one mix, or one Opus
encoder per viewer in the relays), some 50 more packets a second each. The issue's targets
are for video alone, the default.
Figures to compare, never a pass/fail verdict: machines are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil
from machine import machine_cpu_seconds
from stage_server import server_process
from stage_source import publisher_process
from stage_viewers import Counts, viewers_process
from stage_worker import Worker

FPS = 30
KEEPS_UP = 0.9  # of FPS, for the worst viewer
BUSY_OTHER = 0.25  # cores used outside the bench: a disturbed step
JOIN_CHUNK = 25  # viewers joined at once
LATE_MS = 500.0  # aioice's consent check gives up on an answer after 0.5 s
SWITCH_TARGET_MS = 150.0
VIEWERS_TARGET, RATIO_TARGET = 150, 30.0
DESIGNS = {
    "program": "program feed (Stage.watch: one x264 encode, each viewer's sender packetizes)",
    "naive": "naive relay (MediaRelay: each viewer's sender runs its own x264 encoder, with the "
    "program feed's settings: ultrafast, zerolatency)",
    "naive-aiortc": "naive relay with aiortc's stock H.264 encoder (x264 preset medium)",
}

# ------------------------------------------------------------------------------- figures


@dataclass
class Row:
    """One step: `viewers` watching for `seconds`."""

    viewers: int
    seconds: float
    server_cpu: float  # cores
    loop_cpu: float  # the server's main thread, where its event loop runs
    lag_ms: tuple[float, float]  # its event loop's lateness: 99th percentile, worst
    publisher_cpu: float
    viewer_procs_cpu: list[float]
    parent_cpu: float
    machine_cpu: float
    fps: list[float]  # per viewer
    mbps: list[float]
    audio_pps: list[float]  # audio packets a second, per viewer
    source_fps: float  # the publisher's frames the server received a second
    publisher_state: str  # its peer connection's state at the end of the step
    udp_drops: int  # datagrams the machine dropped for full receive buffers
    packets: int
    lost: int
    join_ms: float
    rss_mb: float
    marginal: float = math.nan  # cores per extra full-rate viewer since the step before

    @property
    def per_viewer(self) -> float:
        return self.server_cpu / self.viewers if self.viewers else math.nan

    @property
    def full_rate(self) -> float:
        """Viewers receiving 30 fps that would get the frames delivered in this step."""
        return sum(self.fps) / FPS

    @property
    def fps_p50(self) -> float:
        return statistics.median(self.fps) if self.fps else math.nan

    @property
    def fps_min(self) -> float:
        return min(self.fps) if self.fps else math.nan

    @property
    def mbps_p50(self) -> float:
        return statistics.median(self.mbps) if self.mbps else math.nan

    @property
    def loss(self) -> float:
        total = self.packets + self.lost
        return self.lost / total if total else 0.0

    @property
    def other_cpu(self) -> float:
        known = self.server_cpu + self.publisher_cpu + sum(self.viewer_procs_cpu) + self.parent_cpu
        return max(0.0, self.machine_cpu - known)

    @property
    def kept_up(self) -> bool:
        return self.viewers > 0 and self.fps_min >= KEEPS_UP * FPS


HEADER = (
    f"  {'viewers':>7}{'server':>8}{'loop':>6}{'per viewer':>11}{'marginal':>9}{'fps p50':>8}"
    f"{'fps min':>8}{'Mbit/s':>7}{'lost':>7}{'lag99':>6}{'join ms':>8}{'viewers':>8}{'pub':>5}"
    f"{'other':>6}{'RSS MB':>7}  notes"
)


def _pct(value: float, digits: int = 0) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}%}"


def _num(value: float, digits: int = 1) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def row_line(row: Row) -> str:
    notes = []
    if row.viewers and not row.kept_up:
        notes.append("✗ under 27 fps")
    if row.other_cpu > BUSY_OTHER:
        notes.append("machine busy with other work")
    if silent := sum(1 for f in row.fps if f == 0):
        notes.append(f"{silent} viewers got nothing")
    if row.publisher_state != "connected" or math.isnan(row.source_fps):
        notes.append(f"the source is gone (the publisher's connection: {row.publisher_state})")
    elif row.source_fps < KEEPS_UP * FPS:
        notes.append(f"the source came at {row.source_fps:.1f} fps")
    if row.udp_drops:
        notes.append(f"{row.udp_drops} datagrams dropped by full receive buffers")
    if row.lag_ms[1] >= LATE_MS:
        notes.append(f"the server's loop once {row.lag_ms[1] / 1000:.1f} s late")
    if any(row.audio_pps):
        notes.append(f"audio {statistics.median(row.audio_pps):.0f} packets/s")
    return (
        f"  {row.viewers:>7}{_pct(row.server_cpu, 1):>8}{_pct(row.loop_cpu):>6}"
        f"{_pct(row.per_viewer, 2):>11}"
        f"{_pct(row.marginal, 2):>9}{_num(row.fps_p50):>8}{_num(row.fps_min):>8}"
        f"{_num(row.mbps_p50, 2):>7}{_pct(row.loss, 2):>7}{_ms(row.lag_ms[0]):>6}"
        f"{_num(row.join_ms):>8}"
        f"{_pct(max(row.viewer_procs_cpu, default=0.0)):>8}{_pct(row.publisher_cpu):>5}"
        f"{_pct(row.other_cpu):>6}{row.rss_mb:>7.0f}  {'; '.join(notes)}"
    )


@dataclass
class Snapshot:
    at: float
    server: float
    loop: float
    publisher: float
    viewer_procs: list[float]
    parent: float
    machine: float
    counts: list[Counts]
    source_frames: int  # -1: gone
    publisher_state: str
    udp_drops: int


def row_between(
    viewers: int, a: Snapshot, b: Snapshot, lag_ms: tuple[float, float], join_ms: float, rss: float
) -> Row:
    seconds = b.at - a.at
    fps, mbps, audio, packets, lost = [], [], [], 0, 0
    for (f0, p0, b0, l0, a0), (f1, p1, b1, l1, a1) in zip(a.counts, b.counts, strict=True):
        fps.append((f1 - f0) / seconds)
        mbps.append((b1 - b0) * 8 / seconds / 1e6)
        audio.append((a1 - a0) / seconds)
        packets += p1 - p0
        lost += l1 - l0
    return Row(
        viewers=viewers,
        seconds=seconds,
        server_cpu=(b.server - a.server) / seconds,
        loop_cpu=(b.loop - a.loop) / seconds,
        lag_ms=lag_ms,
        publisher_cpu=(b.publisher - a.publisher) / seconds,
        viewer_procs_cpu=[
            (y - x) / seconds for x, y in zip(a.viewer_procs, b.viewer_procs, strict=True)
        ],
        parent_cpu=(b.parent - a.parent) / seconds,
        machine_cpu=(b.machine - a.machine) / seconds,
        fps=fps,
        mbps=mbps,
        audio_pps=audio,
        source_fps=(b.source_frames - a.source_frames) / seconds
        if min(a.source_frames, b.source_frames) >= 0
        else math.nan,
        publisher_state=b.publisher_state,
        udp_drops=b.udp_drops - a.udp_drops,
        packets=packets,
        lost=lost,
        join_ms=join_ms,
        rss_mb=rss,
    )


def udp_receive_drops() -> int:
    """UDP datagrams the machine dropped because a socket's receive buffer was full (Linux's
    RcvbufErrors, all processes; 0 elsewhere)."""
    try:
        lines = [line.split() for line in Path("/proc/net/snmp").read_text().splitlines()]
    except OSError:
        return 0
    names, values = [line for line in lines if line and line[0] == "Udp:"][:2]
    return int(values[names.index("RcvbufErrors")])


# ---------------------------------------------------------------------------- one design


class Fleet:
    """One design's processes: its server, the publisher and the viewer processes."""

    def __init__(self, server: Worker, publisher: Worker, viewer_procs: list[Worker]) -> None:
        self.server, self.publisher, self.viewer_procs = server, publisher, viewer_procs
        self.shares = [0] * len(viewer_procs)
        self.streaming_cpu = 0.0  # the server's CPU per second at the last step

    @property
    def viewers(self) -> int:
        return sum(self.shares)

    def connect_source(self) -> None:
        answer = self.server.call("publish", self.publisher.call("offer"))
        self.publisher.call("answer", answer)
        deadline = time.monotonic() + 30
        while self.server.call("source_frames") < FPS:  # a second of the source's video
            if time.monotonic() > deadline:
                raise RuntimeError("the server received no video from the publisher")
            time.sleep(0.2)

    def grow(self, total: int) -> float:
        """Add viewers up to `total`; the server's CPU ms per viewer joined."""
        if total <= self.viewers:
            return math.nan
        added, cpu, started = total - self.viewers, self.server.cpu_seconds(), time.monotonic()
        while self.viewers < total:
            self._join(min(JOIN_CHUNK, total - self.viewers))
        streaming = self.streaming_cpu * (time.monotonic() - started)
        return max(0.0, self.server.cpu_seconds() - cpu - streaming) * 1000 / added

    def _join(self, count: int) -> None:
        shares = [0] * len(self.viewer_procs)
        for _ in range(count):
            least = min(range(len(shares)), key=lambda i: self.shares[i] + shares[i])
            shares[least] += 1
        offers = [proc.call("open", n) for proc, n in zip(self.viewer_procs, shares, strict=True)]
        answers = self.server.call("watch", [sdp for part in offers for sdp in part])
        for proc, part in zip(self.viewer_procs, offers, strict=True):
            proc.call("answer", answers[: len(part)])
            answers = answers[len(part) :]
        for i, n in enumerate(shares):
            self.shares[i] += n
        for proc in self.viewer_procs:
            proc.call("started", 30.0, timeout=60)

    def snapshot(self) -> Snapshot:
        counts = [c for proc in self.viewer_procs for c in proc.call("counts")]
        parent = psutil.Process().cpu_times()
        return Snapshot(
            at=time.monotonic(),
            server=self.server.cpu_seconds(),
            loop=self.server.main_thread_cpu_seconds(),
            publisher=self.publisher.cpu_seconds(),
            viewer_procs=[proc.cpu_seconds() for proc in self.viewer_procs],
            parent=parent.user + parent.system,
            machine=machine_cpu_seconds(),
            udp_drops=udp_receive_drops(),
            counts=counts,
            source_frames=self.server.call("source_frames"),
            publisher_state=self.publisher.call("state"),
        )

    def measure(self, seconds: float, join_ms: float) -> Row:
        self.server.call("lag")  # forget the lateness so far
        before = self.snapshot()
        time.sleep(seconds)
        after, lag = self.snapshot(), self.server.call("lag")
        row = row_between(self.viewers, before, after, lag, join_ms, self.server.rss_mb())
        self.streaming_cpu = row.server_cpu
        return row


@dataclass
class Trial:
    """One design's steps, and the fit of its server CPU against viewers."""

    design: str
    round: int
    rows: list[Row]
    fixed: float = math.nan  # cores
    marginal: float = math.nan  # cores per full-rate viewer
    fitted_on: list[int] = field(default_factory=list)  # the steps' viewer counts
    profile: list[tuple[str, float]] = field(default_factory=list)  # (what, share)
    profile_top: list[tuple[str, float]] = field(default_factory=list)  # (function, share)

    @property
    def viewers_per_core(self) -> float:
        return 1 / self.marginal if self.marginal > 0 else math.nan

    @property
    def one_core(self) -> float:
        """Viewers that one core holds, fixed cost included."""
        return (1 - self.fixed) / self.marginal if self.marginal > 0 else math.nan


def fit(trial: Trial) -> None:
    """Least squares of server CPU on full-rate viewers over the steps that kept up; when
    fewer than two did, over all the steps, the one without viewers included."""
    rows = [r for r in trial.rows if r.kept_up]
    if len(rows) < 2:
        rows = trial.rows
    if len(rows) < 2:
        return
    xs, ys = [r.full_rate for r in rows], [r.server_cpu for r in rows]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return
    trial.marginal = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    trial.fixed = my - trial.marginal * mx
    trial.fitted_on = [r.viewers for r in rows]


def run_design(args: argparse.Namespace, design: str, number: int) -> Trial:
    """One design's processes, its climb through the viewer counts, and its fit."""
    print(f"\n{DESIGNS[design]}" + (f", round {number}" if args.rounds > 1 else ""))
    with ExitStack() as stack:
        server = Worker(f"{design} server", server_process, design)
        stack.callback(server.stop)
        publisher = Worker("publisher", publisher_process, args.audio)
        stack.callback(publisher.stop)
        procs = [
            Worker(f"viewers {i + 1}", viewers_process, args.viewer_depth, args.audio)
            for i in range(args.viewer_procs)
        ]
        for proc in procs:
            stack.callback(proc.stop)
        fleet = Fleet(server, publisher, procs)
        fleet.connect_source()
        print(HEADER, flush=True)
        trial = Trial(design, number, [])
        profiled = design == "program" and number == args.rounds
        climb(args, fleet, trial, args.profile if profiled else None)
    fit(trial)
    return trial


def climb(args: argparse.Namespace, fleet: Fleet, trial: Trial, profile_at: int | None) -> None:
    """The design's steps, up to the last or to the second in a row that did not keep up
    (more viewers would only measure an overloaded machine); the server profiled after the
    step with `profile_at` viewers."""
    rows = trial.rows
    for viewers in args.viewers if trial.design == "program" else args.naive_viewers:
        row = step(args, fleet, viewers)
        if rows and row.viewers > rows[-1].viewers:
            more = row.full_rate - rows[-1].full_rate
            row.marginal = (row.server_cpu - rows[-1].server_cpu) / more if more else math.nan
        rows.append(row)
        print(row_line(row), flush=True)
        if viewers == profile_at:
            stats = fleet.server.call("profile", args.seconds, timeout=120)
            trial.profile, trial.profile_top = where_cpu_goes(stats), top_functions(stats)
        behind = [r for r in rows[-2:] if r.viewers and not r.kept_up]
        if len(behind) == 2:
            print("  (no more steps: two in a row did not keep up)")
            break


def step(args: argparse.Namespace, fleet: Fleet, viewers: int) -> Row:
    """One step, measured again when other work disturbed it (the least disturbed kept)."""
    join_ms = fleet.grow(viewers)
    time.sleep(args.settle)
    row = fleet.measure(args.seconds, join_ms)
    for _ in range(args.retries):
        if row.other_cpu <= BUSY_OTHER:
            break
        again = fleet.measure(args.seconds, join_ms)
        row = min(row, again, key=lambda r: r.other_cpu)
    return row


# ------------------------------------------------------------------------------ profile

# Ordered: the first match names a function's own time.
WHERE = (
    ("SRTP encryption (pylibsrtp)", ("pylibsrtp", "srtp_")),
    ("H.264 packetizing (aiortc codecs/h264.py)", ("codecs/h264.py",)),
    ("RTP packets: build, serialize (aiortc rtp.py)", ("aiortc/rtp.py",)),
    ("sender loop (aiortc rtcrtpsender.py)", ("rtcrtpsender.py",)),
    ("DTLS/ICE send path (aiortc, aioice)", ("rtcdtlstransport.py", "aioice/")),
    ("socket sends", ("sendto",)),
    ("program feed: scale, encode (PyAV, server/stage)", ("server/stage/", "'av.")),
    ("clock readings per packet (aiortc clock.py)", ("aiortc/clock.py", "datetime", "timedelta")),
    ("asyncio event loop", ("asyncio/", "select", "epoll")),
)


Stats = dict[tuple[str, int, str], tuple[float, float, int]]  # own s, cumulative s, calls


def where_cpu_goes(stats: Stats) -> list[tuple[str, float]]:
    """The event-loop thread's own time grouped by what it did, as shares of the total."""
    totals: dict[str, float] = {}
    for (file, _line, function), (own, _cumulative, _calls) in stats.items():
        name = f"{file} {function}"
        what = next((w for w, keys in WHERE if any(k in name for k in keys)), "other")
        totals[what] = totals.get(what, 0.0) + own
    whole = sum(totals.values()) or 1.0
    return sorted(((w, t / whole) for w, t in totals.items()), key=lambda p: -p[1])


def top_functions(stats: Stats, count: int = 15) -> list[tuple[str, float]]:
    """The functions with the most own time, as shares of the total."""
    whole = sum(own for own, _, _ in stats.values()) or 1.0
    top = sorted(stats.items(), key=lambda item: -item[1][0])[:count]
    return [
        (_where(file, line, function), own / whole) for (file, line, function), (own, _, _) in top
    ]


def _where(file: str, line: int, function: str) -> str:
    if file == "~":
        return function  # a C function: "<method 'sendto' of ...>"
    parts = Path(file).parts
    return f"{'/'.join(parts[-2:])}:{line} {function}"


# ------------------------------------------------------------------------------- report


def summary(trials: list[Trial]) -> dict[str, Any]:
    print(
        "\nsummary: server CPU = fixed + marginal × full-rate viewers, fitted over the steps listed"
    )
    print(
        f"  {'design':<14}{'round':>6}{'fixed':>8}{'marginal':>10}{'viewers/core':>14}"
        f"{'one core':>10}  fitted on"
    )
    for t in trials:
        print(
            f"  {t.design:<14}{t.round:>6}{_pct(t.fixed, 1):>8}{_pct(t.marginal, 3):>10}"
            f"{_num(t.viewers_per_core, 0):>14}{_num(t.one_core, 0):>10}"
            f"  {', '.join(map(str, t.fitted_on)) or '-'} viewers"
        )
    designs = list(dict.fromkeys(t.design for t in trials))
    medians = {d: _medians([t for t in trials if t.design == d]) for d in designs}
    if max(t.round for t in trials) > 1:
        print("  medians over the rounds:")
        for design, m in medians.items():
            print(
                f"  {design:<14}{'all':>6}{_pct(m['fixed'], 1):>8}{_pct(m['marginal'], 3):>10}"
                f"{_num(m['viewers_per_core'], 0):>14}{_num(m['one_core'], 0):>10}"
            )
    verdict: dict[str, Any] = {"medians": medians}
    for naive in (d for d in designs if d != "program" and "program" in designs):
        verdict[f"ratio_to_{naive}"] = ratio(trials, naive)
    if "program" in designs:
        verdict["viewers_target"] = viewers_target(
            [t for t in trials if t.design == "program"], medians["program"]["one_core"]
        )
    return verdict


def _medians(trials: list[Trial]) -> dict[str, float]:
    def median(values: list[float]) -> float:
        values = [v for v in values if not math.isnan(v)]
        return statistics.median(values) if values else math.nan

    marginal = median([t.marginal for t in trials])
    fixed = median([t.fixed for t in trials])
    return {
        "fixed": fixed,
        "marginal": marginal,
        "viewers_per_core": 1 / marginal if marginal > 0 else math.nan,
        "one_core": (1 - fixed) / marginal if marginal > 0 else math.nan,
    }


def ratio(trials: list[Trial], naive: str) -> dict[str, float]:
    """Program over `naive`, per round (the two measured in the same round), then the median
    of those ratios."""
    rounds: dict[int, dict[str, Trial]] = {}
    for t in trials:
        rounds.setdefault(t.round, {})[t.design] = t
    pairs = [(r["program"], r[naive]) for r in rounds.values() if "program" in r and naive in r]
    per_core = statistics.median(p.viewers_per_core / n.viewers_per_core for p, n in pairs)
    one_core = statistics.median(p.one_core / n.one_core for p, n in pairs)
    met = "met" if per_core >= RATIO_TARGET else "NOT met"
    print(
        f"  program/{naive}: {_num(per_core, 1)}× the viewers per core (marginal), "
        f"{_num(one_core, 1)}× in one core with the fixed costs; target ≥{RATIO_TARGET:g}×: {met}"
    )
    return {"viewers_per_core": per_core, "one_core": one_core}


def viewers_target(trials: list[Trial], one_core: float) -> str:
    good = [r for t in trials for r in t.rows if r.kept_up and r.viewers >= VIEWERS_TARGET]
    if good:
        row = min(good, key=lambda r: r.viewers)
        text = (
            f"measured: {row.viewers} viewers kept {row.fps_min:.1f} fps (worst viewer) with the "
            f"server at {row.server_cpu:.0%} of a core (its loop thread {row.loop_cpu:.0%}); "
            f"target ≥{VIEWERS_TARGET} met"
        )
    else:
        most = max((r.viewers for t in trials for r in t.rows if r.kept_up), default=0)
        text = (
            f"not measured at {VIEWERS_TARGET} (the most that kept up here: {most}); "
            f"extrapolated: one core holds {_num(one_core, 0)} viewers, "
            f"so the target is {'met' if one_core >= VIEWERS_TARGET else 'NOT met'} "
            "by extrapolation only"
        )
    print(f"  ≥{VIEWERS_TARGET} viewers on one process: {text}")
    return text


def print_profile(trial: Trial, viewers: int) -> None:
    print(f"\nwhere the program server's event loop spends its time at {viewers} viewers")
    print("(cProfile, own time; x264's and the decoder's threads not included; cProfile slows")
    print("Python code more than C, so shares, not costs):")
    for what, share in trial.profile:
        print(f"  {share:>6.1%}  {what}")
    print("the functions with the most own time:")
    for function, share in trial.profile_top:
        print(f"  {share:>6.1%}  {function}")


def switch_latency(count: int) -> dict[str, Any]:
    """Part 2, on this process's own loop, with the machine's other work over it measured."""
    # Imported here, not at the top, so that the spawned children do not load the app.
    from stage_switch import measure_switches

    own, machine, started = _own_cpu(), machine_cpu_seconds(), time.monotonic()
    switches = asyncio.run(measure_switches(count))
    seconds = time.monotonic() - started
    other = max(0.0, machine_cpu_seconds() - machine - (_own_cpu() - own)) / seconds
    return print_switches(switches, other)


def _own_cpu() -> float:
    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


def print_switches(switches: Any, other_cpu: float) -> dict[str, Any]:
    lat = sorted(switches.latencies_ms)
    figures = {
        "switches": len(lat),
        "missed": switches.missed,
        "p50_ms": _quantile(lat, 0.5),
        "p95_ms": _quantile(lat, 0.95),
        "max_ms": lat[-1] if lat else math.nan,
        "take_request_p50_ms": _quantile(sorted(switches.take_ms), 0.5),
        "other_cpu": other_cpu,
        "latencies_ms": switches.latencies_ms,
    }
    met = "met" if figures["p95_ms"] < SWITCH_TARGET_MS and not switches.missed else "NOT met"
    print("\nswitch latency: POST /take to the viewer's first decoded frame of the new source")
    print(
        f"  {len(lat)} switches: p50 {figures['p50_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms, "
        f"max {figures['max_ms']:.0f} ms (the take request alone: p50 "
        f"{figures['take_request_p50_ms']:.0f} ms)"
        + (f"; {switches.missed} never arrived" if switches.missed else "")
        + f"; target p95 < {SWITCH_TARGET_MS:g} ms: {met}"
    )
    busy = " (machine busy with other work)" if other_cpu > BUSY_OTHER else ""
    print(f"  other work on the machine meanwhile: {other_cpu:.0%} of a core{busy}")
    return figures


def _quantile(values: list[float], q: float) -> float:
    """Nearest rank of sorted values."""
    if not values:
        return math.nan
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def environment() -> dict[str, Any]:
    from importlib.metadata import version

    import av

    def git(*a: str) -> str:
        try:
            return subprocess.run(
                ["git", *a], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    head, dirty = git("rev-parse", "--short", "HEAD"), git("status", "--porcelain", "server")
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "aiortc": version("aiortc"),
        "av": version("av"),
        "ffmpeg": av.ffmpeg_version_info,
        "pylibsrtp": version("pylibsrtp"),
        "code": f"{head or 'unknown'}{' + uncommitted changes in server/' if dirty else ''}",
        "load_average_1min": os.getloadavg()[0],
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_environment(env: dict[str, Any], args: argparse.Namespace) -> None:
    print("Pavilion stage: viewers per core, program feed vs a naive relay; switch latency")
    print(f"machine:  {env['cpus']} cpus ({env['cpu_model']}); {env['platform']}")
    print(
        f"python:   {env['python']}; aiortc {env['aiortc']}, PyAV {env['av']} "
        f"(FFmpeg {env['ffmpeg']}), pylibsrtp {env['pylibsrtp']}"
    )
    print(f"code:     {env['code']}; load average {env['load_average_1min']:.2f} at the start")
    print(
        f"video:    640x360, {FPS} fps, H.264 at 1 Mbit/s to viewers; source: one aiortc "
        "publisher sending a moving test picture (VP8)"
    )
    if args.audio:
        print(
            "audio:    the publisher also sends a tone; viewers get Opus too (the program's "
            "mix, or the relay's encoder per viewer)"
        )
    print(
        f"steps:    {args.settle:g} s to settle, then {args.seconds:g} s measured; viewers in "
        f"{args.viewer_procs} processes, counting packets at the {args.viewer_depth} depth "
        "(no decoding)"
    )


def _plain(trial: Trial) -> dict[str, Any]:
    rows = [
        {
            **asdict(r),
            "per_viewer": r.per_viewer,
            "fps_p50": r.fps_p50,
            "fps_min": r.fps_min,
            "mbps_p50": r.mbps_p50,
            "loss": r.loss,
            "other_cpu": r.other_cpu,
            "kept_up": r.kept_up,
        }
        for r in trial.rows
    ]
    for row in rows:
        row.pop("fps"), row.pop("mbps"), row.pop("audio_pps")
    figures = {"viewers_per_core": trial.viewers_per_core, "one_core": trial.one_core}
    return {**asdict(trial), **figures, "rows": rows}


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    env = environment()
    print_environment(env, args)
    trials = [
        run_design(args, design, number)
        for number in range(1, args.rounds + 1)
        for design in args.designs
    ]
    verdict = summary(trials)
    for trial in trials:
        if trial.profile:
            print_profile(trial, args.profile)
    report: dict[str, Any] = {"environment": env, "arguments": vars(args), **verdict}
    report["designs"] = [_plain(t) for t in trials]
    if args.switches:
        report["switch_latency"] = switch_latency(args.switches)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return report


def _counts(text: str) -> list[int]:
    values = [int(v) for v in text.split(",") if v.strip()]
    if values != sorted(values) or any(v < 0 for v in values):
        raise argparse.ArgumentTypeError("viewer counts must be non-negative and ascending")
    return values


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--viewers", type=_counts, help="program steps (0,1,10,25,50,100,150,200)")
    parser.add_argument("--naive-viewers", type=_counts, help="naive steps (0,1,2,4,8)")
    parser.add_argument("--seconds", type=float, help="measured per step (10)")
    parser.add_argument("--settle", type=float, help="seconds after viewers join (2)")
    parser.add_argument("--switches", type=int, help="takes for the switch latency (30; 0: none)")
    parser.add_argument("--viewer-procs", type=int, default=2, help="viewer processes")
    parser.add_argument("--viewer-depth", choices=["socket", "srtp"], default="socket")
    parser.add_argument("--retries", type=int, help="for a disturbed step (2)")
    parser.add_argument("--audio", action="store_true", help="viewers get the audio too")
    parser.add_argument("--rounds", type=int, default=1, help="of all the designs, in turn")
    parser.add_argument("--designs", default=",".join(DESIGNS), help="comma-separated, in order")
    parser.add_argument(
        "--profile", type=int, metavar="VIEWERS", help="cProfile the program server at this step"
    )
    parser.add_argument("--quick", action="store_true", help="a smaller run, about a minute")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    full = {
        "viewers": [0, 1, 10, 25, 50, 100, 150, 200],
        "naive_viewers": [0, 1, 2, 4, 8],
        "seconds": 10.0,
        "settle": 2.0,
        "switches": 30,
        "retries": 2,
    }
    quick = {
        "viewers": [1, 10, 50],
        "naive_viewers": [1, 2],
        "seconds": 3.0,
        "settle": 1.0,
        "switches": 10,
        "retries": 0,
    }
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.designs = [d for d in args.designs.split(",") if d]
    if unknown := set(args.designs) - set(DESIGNS):
        known = ", ".join(DESIGNS)
        parser.error(f"--designs: unknown {', '.join(sorted(unknown))} (known: {known})")
    if args.viewer_procs < 1 or args.seconds <= 0 or args.rounds < 1:
        parser.error("--viewer-procs, --seconds and --rounds must be positive")
    return args


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(143)  # unwinds through the blocks that stop the child processes


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    benchmark(args)


if __name__ == "__main__":
    main()
