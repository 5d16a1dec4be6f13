"""A child process of bench/stage.py: one asyncio loop that answers commands over a pipe.

The parent holds a `Worker`; the child runs `answer_commands` with its handlers (one async
function per command name). Commands run one at a time, on the child's loop, while its media
keeps flowing; each answer is `("ok", value)` or `("failed", traceback)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping
from multiprocessing.connection import Connection
from typing import Any

import psutil

Handler = Callable[[Any], Awaitable[Any]]


class Worker:
    """The parent's handle on one child process (spawned: no state inherited from the
    parent's event loop or aiortc's threads)."""

    def __init__(self, role: str, target: Callable[..., None], *args: Any) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.role = role
        self.pipe, child = ctx.Pipe()
        self.process = ctx.Process(target=target, args=(child, *args), daemon=True, name=role)
        self.process.start()
        assert self.process.pid is not None
        self._ps = psutil.Process(self.process.pid)

    def call(self, command: str, argument: Any = None, timeout: float = 120.0) -> Any:
        self.pipe.send((command, argument))
        deadline = time.monotonic() + timeout
        while not self.pipe.poll(0.2):
            if not self.process.is_alive() and not self.pipe.poll(0):
                raise RuntimeError(f"the {self.role} process died")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {self.role} process did not answer {command!r}")
        status, value = self.pipe.recv()
        if status == "failed":
            raise RuntimeError(f"{self.role}: {command} failed:\n{value}")
        return value

    def cpu_seconds(self) -> float:
        """User and system time of the process, all its threads (x264's, aiortc's) included."""
        times = self._ps.cpu_times()
        return float(times.user + times.system)

    def main_thread_cpu_seconds(self) -> float:
        """User and system time of the process's main thread: where its asyncio loop runs."""
        for thread in self._ps.threads():
            if thread.id == self._ps.pid:
                return float(thread.user_time + thread.system_time)
        return math.nan

    def rss_mb(self) -> float:
        return float(self._ps.memory_info().rss) / 2**20

    def stop(self) -> None:
        try:
            self.call("stop", timeout=20)
        except (RuntimeError, OSError, EOFError):
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)


async def answer_commands(pipe: Connection, handlers: Mapping[str, Handler]) -> None:
    """Answer the parent's commands until it sends `stop`."""
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def readable() -> None:
        try:
            commands.put_nowait(pipe.recv())
        except (EOFError, OSError):  # the parent is gone
            loop.remove_reader(pipe.fileno())
            commands.put_nowait(("stop", None))

    loop.add_reader(pipe.fileno(), readable)
    try:
        while True:
            name, argument = await commands.get()
            if name == "stop":
                break
            try:
                pipe.send(("ok", await handlers[name](argument)))
            except Exception:
                pipe.send(("failed", traceback.format_exc()))
    finally:
        loop.remove_reader(pipe.fileno())
        close = handlers.get("close")
        if close is not None:
            await close(None)
    with contextlib.suppress(OSError):
        pipe.send(("ok", None))
