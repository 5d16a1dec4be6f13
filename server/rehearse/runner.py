"""`pavilion rehearse`: start a rehearsal on the deployment, let its audience loose, watch it,
and always clean up: the audience is stopped and the rehearsal removed (its accounts and all
they made) in a `finally` that a Ctrl-C or a SIGTERM reaches too, then the report is written,
partial if the run was cut short. A hard kill leaves the removal to the server's sweeper.
"""

from __future__ import annotations

import asyncio
import math
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table

from server.clock import SystemClock
from server.rehearse.charts import clock_label
from server.rehearse.children import Child
from server.rehearse.organiser import Organiser, RehearseError
from server.rehearse.plan import Plan
from server.rehearse.record import Rehearsed
from server.rehearse.report import print_report, write_html

CHILD_GRACE_SECONDS = 30.0  # past its planned end, a child is stopped


@dataclass(frozen=True)
class Options:
    url: str
    token: str
    attendees: int
    seconds: float
    session: int | None = None
    forum: str | None = None
    webrtc: int | None = None  # None: a few, by the audience's size
    report: Path | None = None
    ramp: float | None = None  # seconds to bring every attendee in; None: by the duration

    @property
    def viewers(self) -> int:
        """WebRTC viewers: each decodes video, which costs the machine running this."""
        if self.webrtc is not None:
            return max(0, min(self.webrtc, self.attendees - 1))
        return min(10, self.attendees // 20)

    @property
    def spawn_rate(self) -> float:
        ramp = self.ramp if self.ramp is not None else min(60.0, max(5.0, self.seconds * 0.2))
        return max(0.5, self.attendees / max(ramp, 0.1))


class Interrupt:
    """The first SIGINT or SIGTERM stops the run (and is remembered for the exit status);
    later ones only say that the clean-up is under way."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.event = asyncio.Event()
        self.signal: signal.Signals | None = None

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._on, signum)

    def _on(self, signum: signal.Signals) -> None:
        if self.signal is None:
            self.signal = signum
            self.console.print(
                f"[yellow]{signum.name}: stopping the audience and removing the rehearsal…[/yellow]"
            )
            self.event.set()
        else:
            self.console.print("[yellow]still cleaning up; the server's sweeper is the backstop[/]")

    @property
    def exit_status(self) -> int:
        return 128 + int(self.signal) if self.signal is not None else 0


async def rehearse(options: Options, console: Console) -> int:
    """Run a rehearsal; the exit status (0; 1 if it could not be removed; 2 if it could not
    start; 128 + the signal if interrupted)."""
    interrupt = Interrupt(console)
    interrupt.install()
    async with Organiser(options.url, options.token) as organiser:
        try:
            forum = options.forum or await organiser.forum()
            minutes = max(1, math.ceil(options.seconds / 60))
            created = await organiser.start(forum, options.attendees, minutes, options.session)
        except RehearseError as exc:
            console.print(f"[red]{exc}[/red]")
            return 2
        run = _record(options, created)
        console.print(
            f"rehearsal {run.rehearsal}: {run.attendees} accounts in {run.room} "
            f"(forum {run.forum}); removed by the server at {created['expires_at']} at the latest"
        )
        try:
            if not interrupt.event.is_set():
                await _audience(run, created, options, organiser, interrupt, console)
        finally:
            run.interrupted = interrupt.signal.name if interrupt.signal else None
            run.ended_at = SystemClock().now()
            await _remove(run, organiser, console)
            _report(run, options.report or _default_report(run), console)
    if interrupt.signal is not None:
        return interrupt.exit_status
    return 1 if run.removal_error is not None else 0


def _report(run: Rehearsed, path: Path, console: Console) -> None:
    """The terminal report, and the HTML file (a failure to write it is said, not raised:
    the rehearsal is already removed, and the exit status must say how that went)."""
    print_report(console, run)
    try:
        written = write_html(run, path)
    except Exception as exc:
        console.print(f"[red]could not write the report to {path}: {exc!r}[/red]")
        return
    console.print(f"report: {written}")


def _record(options: Options, created: dict[str, Any]) -> Rehearsed:
    return Rehearsed(
        url=options.url.rstrip("/"),
        forum=created["forum"],
        rehearsal=int(created["id"]),
        session=int(created["session"]),
        room=created["room"],
        attendees=len(created["emails"]),
        webrtc=options.viewers,
        planned_seconds=options.seconds,
        started_at=SystemClock().now(),
    )


def _default_report(run: Rehearsed) -> Path:
    stamp = run.started_at.strftime("%Y%m%dT%H%M%SZ")
    return Path(f"rehearsal-{run.rehearsal}-{stamp}.html")


def _plan(options: Options, created: dict[str, Any]) -> Plan:
    attendees = [e for e in created["emails"] if e != created["moderator"]]
    return Plan(
        url=options.url.rstrip("/"),
        forum=created["forum"],
        session=int(created["session"]),
        room=created["room"],
        mode=created["mode"],
        password=created["password"],
        attendees=attendees,
        moderator=created["moderator"],
        seconds=options.seconds,
        spawn_rate=options.spawn_rate,
        webrtc=attendees[: options.viewers],
    )


async def _audience(
    run: Rehearsed,
    created: dict[str, Any],
    options: Options,
    organiser: Organiser,
    interrupt: Interrupt,
    console: Console,
) -> None:
    """The swarm and the viewers, from start to stop, with progress and /metrics readings."""
    with tempfile.TemporaryDirectory(prefix="pavilion-rehearse-") as folder:
        plan_file = Path(folder) / "plan.json"
        plan = _plan(options, created)
        plan.write(plan_file)
        started = time.monotonic()
        await _scrape(run, organiser, started)
        children = [Child("server.rehearse.swarm", plan_file, Path(folder) / "swarm.log", run.take)]
        if plan.webrtc:
            log = Path(folder) / "viewers.log"
            children.append(Child("server.rehearse.viewers", plan_file, log, run.take))
        sampler = asyncio.create_task(_sample(run, organiser, started, options.seconds))
        try:
            for child in children:
                await child.start()
            await _watch(run, children, options.seconds, started, interrupt, console)
        finally:
            await asyncio.gather(*(child.stop() for child in children))
            sampler.cancel()
            await _scrape(run, organiser, started)
            run.problems += [p for p in (c.problem() for c in children) if p]


async def _watch(
    run: Rehearsed,
    children: list[Child],
    seconds: float,
    started: float,
    interrupt: Interrupt,
    console: Console,
) -> None:
    """Show progress until the children end (their time is up) or the run is interrupted."""
    deadline = started + seconds + CHILD_GRACE_SECONDS
    with Live(_panel(run, 0.0, seconds), console=console, refresh_per_second=2) as live:
        while any(c.running for c in children) and time.monotonic() < deadline:
            try:
                await asyncio.wait_for(interrupt.event.wait(), 0.5)
                return
            except TimeoutError:
                live.update(_panel(run, time.monotonic() - started, seconds))
    console.print()


def _panel(run: Rehearsed, elapsed: float, seconds: float) -> Group:
    bar = Table.grid(padding=(0, 1))
    bar.add_row(
        ProgressBar(total=seconds, completed=min(elapsed, seconds), width=40),
        f"{clock_label(elapsed)} / {clock_label(seconds)}",
    )
    lines: list[RenderableType] = [bar, _audience_line(run)]
    server = _server_line(run)
    if server:
        lines.append(server)
    if run.viewer_ticks:
        last = run.viewer_ticks[-1]
        lines.append(f"WebRTC: {last['watching']}/{run.webrtc} receiving, {last['frames']} frames")
    return Group(*lines)


def _audience_line(run: Rehearsed) -> str:
    if not run.ticks:
        return f"audience: starting {run.attendees} users…"
    tick = run.ticks[-1]
    steps = tick["steps"]
    count = sum(s["count"] for s in steps.values())
    failed = sum(s["failures"] for s in steps.values())
    slowest = max((s["p99"] for s in steps.values() if s["p99"] is not None), default=None)
    worst = f", slowest step p99 {slowest:.0f} ms" if slowest is not None else ""
    return (
        f"audience: {tick['users']} users, {count / (tick['seconds'] or 1):.1f} req/s, "
        f"{failed} failed{worst} (last {tick['seconds']:.0f} s)"
    )


def _server_line(run: Rehearsed) -> str | None:
    scrapes = run.scrapes
    if not scrapes.readings:
        return None
    last = scrapes.readings[-1].values

    def gauge(name: str) -> str:
        found = [v for (n, _), v in last.items() if n == name]
        return f"{sum(found):.0f}" if found else "—"

    busy = sum(scrapes.increase("pavilion_busy_refusals", None).values())
    lag = scrapes.quantile_series("pavilion_loop_lag_seconds", 0.99)
    lag_text = f"{lag[-1][1] * 1000:.0f} ms" if lag else "—"
    return (
        f"server: {gauge('pavilion_ws_sockets')} sockets, loop lag p99 {lag_text}, "
        f"Argon2 queue {gauge('pavilion_password_hash_queue')}, "
        f"writer queue {gauge('pavilion_db_write_queue')}, {busy:.0f} busy refusals"
    )


async def _sample(run: Rehearsed, organiser: Organiser, started: float, seconds: float) -> None:
    """Read /metrics every few seconds (about sixty readings over the run)."""
    every = min(30.0, max(3.0, seconds / 60))
    while True:
        await asyncio.sleep(every)
        await _scrape(run, organiser, started)


async def _scrape(run: Rehearsed, organiser: Organiser, started: float) -> None:
    try:
        text = await organiser.metrics()
    except Exception as exc:  # the report says why the server's figures are missing
        run.scrapes.failures.append(f"/metrics unread: {type(exc).__name__} {exc}".strip())
        return
    run.scrapes.add(time.monotonic() - started, text)


async def _remove(run: Rehearsed, organiser: Organiser, console: Console) -> None:
    console.print(f"removing rehearsal {run.rehearsal}…")
    try:
        run.removal = await organiser.end(run.forum, run.rehearsal)
    except Exception as exc:  # the report and the exit status say so; the sweeper remains
        run.removal_error = str(exc) or type(exc).__name__
