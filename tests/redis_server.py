"""A Redis of the test's own: `redis-server` on a free loopback port, without persistence, that
can be stopped and started again on the same port (a restart that loses all data).

The Redis other tools may run on 6379 is never touched: every test gets a fresh server.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import need
from tests.servers import free_port

REDIS_SERVER = "/usr/bin/redis-server"


def redis_binary() -> str:
    found = shutil.which("redis-server") or REDIS_SERVER
    if not Path(found).exists():
        need("redis-server is not installed (apt-get install redis-server)")
    return found


class RedisServer:
    """One `redis-server` process on `port`; `restart()` keeps the port and loses the data."""

    def __init__(self, binary: str, folder: Path, port: int | None = None) -> None:
        self.binary = binary
        self.folder = folder
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.folder / f"redis-{self.port}.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        assert self.process is None, "already running"
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.folder),
                "--daemonize", "no",
                "--loglevel", "warning",
                "--logfile", str(self.log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                errors = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
                raise RuntimeError(f"redis-server on port {self.port} stopped: {errors}")
            if self._answers_ping():
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"redis-server on port {self.port} did not answer within {timeout}s")

    def stop(self, *, kill: bool = False) -> None:
        """End the server (SIGKILL when `kill`, as in a crash); with `--save ""` nothing stays."""
        process, self.process = self.process, None
        if process is None:
            return
        if kill:
            process.kill()
        else:
            process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self, *, down_for: float = 0.0, kill: bool = True) -> None:
        """Stop, stay down `down_for` seconds, start again on the same port: all data is gone."""
        self.stop(kill=kill)
        if down_for:
            time.sleep(down_for)
        self.start()

    def command(self, *parts: str) -> bytes:
        """One command over a raw connection (RESP), its raw answer; for CLIENT KILL and such."""
        request = f"*{len(parts)}\r\n".encode()
        for part in parts:
            encoded = part.encode()
            request += b"$%d\r\n%s\r\n" % (len(encoded), encoded)
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(request)
            return sock.recv(65536)

    def _answers_ping(self) -> bool:
        try:
            return self.command("PING").startswith(b"+PONG")
        except OSError:
            return False


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A running private Redis for the block (skipped locally, failed in CI, without one)."""
    binary = redis_binary()
    with tempfile.TemporaryDirectory(prefix="pavilion-redis-") as folder:
        server = RedisServer(binary, Path(folder))
        server.start()
        try:
            yield server
        finally:
            server.stop()
