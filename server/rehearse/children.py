"""The command's child processes (the Locust swarm, the WebRTC viewers): started in a session of
their own, so that a Ctrl-C in the terminal reaches the command only and the command decides
how they stop (SIGTERM, then a kill if they do not); their JSON lines go to a callback."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

STOP_GRACE_SECONDS = 20.0


class Child:
    def __init__(
        self, module: str, plan: Path, log: Path, on_line: Callable[[dict[str, Any]], None]
    ):
        self.module = module
        self._plan = plan
        self.log = log
        self._on_line = on_line
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        with self.log.open("wb") as errors:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                self.module,
                str(self._plan),
                stdout=asyncio.subprocess.PIPE,
                stderr=errors,
                start_new_session=True,
            )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        async for raw in self._process.stdout:
            try:
                line = json.loads(raw)
            except ValueError:
                continue  # a stray print: not ours to report
            if isinstance(line, dict):
                self._on_line(line)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> int | None:
        """SIGTERM (it stops its users and reports), then SIGKILL after `grace` seconds; its
        exit status, once its last line is read."""
        process = self._process
        if process is None:
            return None
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 5)
        return process.returncode

    def problem(self) -> str | None:
        """Why it failed (the end of its log), when it did."""
        process = self._process
        if process is None or process.returncode in (0, None, -signal.SIGTERM):
            return None
        tail = self.log.read_text(errors="replace").strip().splitlines()[-5:]
        return f"{self.module} exited with {process.returncode}: " + " | ".join(tail)
