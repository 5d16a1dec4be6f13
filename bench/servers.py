"""Starting and stopping the servers a benchmark measures: one way for every bench.

A server is a child process on a loopback port (a free one unless given), with only the
environment the benchmark gives it (no PAVILION_* setting of the caller's shell leaks in),
its output in a log file of the run's folder, ready once it listens (uvicorn binds its port
after the app's startup), watched through psutil (CPU time and resident memory of it and its
children) and stopped with SIGTERM, then SIGKILL. A benchmark that serves an app of its own
runs itself as the child (`--serve …`, which calls `serve_app`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

HOST = "127.0.0.1"
VENV_BIN = Path(sys.executable).parent


@dataclass
class Running:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def _tree(self) -> list[psutil.Process]:
        try:
            parent = psutil.Process(self.process.pid)
            return [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc in self._tree():
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def rss_mb(self) -> float:
        total = 0
        for proc in self._tree():
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total / 2**20

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask a server to stop (SIGTERM), and kill it if it has not within 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_listening(server: Running, timeout: float = 60.0) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"{server.name} exited before listening:\n{server.tail()}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{server.name} did not listen on {port} within {timeout:.0f} s")


def clean_env() -> dict[str, str]:
    """The environment without PAVILION_* settings, so only the benchmark configures the app."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PAVILION_")}


@contextmanager
def running(
    name: str,
    argv: list[str],
    workdir: Path,
    env: dict[str, str] | None = None,
    *,
    port: int | None = None,
) -> Iterator[Running]:
    """A server process until the block ends, once it listens. `{port}` in `argv` and in
    `env`'s values is its port; its output goes to `<name>.log` in `workdir`."""
    port = port or free_port()
    log = workdir / f"{name}.log"
    given = {k: v.replace("{port}", str(port)) for k, v in (env or {}).items()}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [a.replace("{port}", str(port)) for a in argv],
            cwd=workdir,
            env={**clean_env(), **given},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Running(name, f"http://{HOST}:{port}", process, log)
    try:
        _wait_listening(server)
        yield server
    finally:
        stop(process)


def this_script(script: str, *args: str) -> list[str]:
    """The command that runs a benchmark script (its `__file__`) again, as a server child,
    with `--parent` so that the child stops if the benchmark dies."""
    return [sys.executable, str(Path(script).resolve()), *args, "--parent", str(os.getpid())]


def exit_when_orphaned(parent: int) -> None:
    """Stop this process if the benchmark dies without a chance to stop it."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def serve_app(app: Any, port: int, parent: int) -> None:
    """The `--serve` mode of a benchmark: `app` under uvicorn on loopback, one worker, no
    access log, until stopped (or orphaned)."""
    import uvicorn

    exit_when_orphaned(parent)
    uvicorn.run(app, host=HOST, port=port, workers=1, log_level="warning", access_log=False)
