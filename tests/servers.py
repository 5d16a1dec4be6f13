"""Real servers for tests: the app under uvicorn on a free loopback port, in a background
thread (one process) or as a `pavilion serve` child process (a node of its own)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from server.realtime.frames import MAX_FRAME_BYTES


def free_socket(send_buffer: int | None = None) -> socket.socket:
    """A loopback socket for uvicorn, as `pavilion serve` gets one: created for TCP, so that
    asyncio turns Nagle off on every connection (with protocol 0 it stays on, and a reply right
    after a push waits ~40 ms for the client's delayed ACK). `send_buffer` bounds the kernel's
    send buffer of every accepted connection (they inherit it), so that a stalled reader is
    felt after a few frames."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if send_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    with free_socket() as sock:
        return int(sock.getsockname()[1])


def wait_until_healthy(url: str, alive: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the server for {url} stopped before answering /healthz")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the server did not answer {url}/healthz within {timeout:.0f}s")


def start_in_thread(
    main: Callable[[], Coroutine[Any, Any, None]],
) -> tuple[threading.Thread, list[BaseException]]:
    """Run `main` in its own event loop on a daemon thread; what it raises lands in the list."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # reported by the caller, not lost in the thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="test-server", daemon=True)
    thread.start()
    return thread, failure


@contextmanager
def serve_in_thread(
    app: FastAPI,
    before: Callable[[], Coroutine[Any, Any, None]] | None = None,
    send_buffer: int | None = None,
    sock: socket.socket | None = None,
) -> Iterator[str]:
    """Serve `app` (after running `before`, e.g. to load data) until the block ends; its URL.

    `sock`: a listening socket made beforehand (when the app's settings need its port)."""
    sock = sock or free_socket(send_buffer)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="on", ws_max_size=MAX_FRAME_BYTES
    )
    server = uvicorn.Server(config)

    async def main() -> None:
        if before is not None:
            await before()
        await server.serve(sockets=[sock])

    thread, failure = start_in_thread(main)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, thread.is_alive)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}: {failure[0]!r}" if failure else str(exc)) from None
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        if failure:
            raise failure[0]


@asynccontextmanager
async def serve_here(app: FastAPI, sock: socket.socket | None = None) -> AsyncIterator[str]:
    """Serve `app` under uvicorn in the test's own event loop until the block ends; its URL.

    Real HTTP and real sockets, but the app's bus, its runners and a FakeClock share the
    test's loop: the test may move the clock, or run a runner of its own on the app's bus.
    `sock`: a listening socket made beforehand (when the app's settings need its port)."""
    sock = sock or free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="on", ws_max_size=MAX_FRAME_BYTES
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()  # raises what stopped it
                raise RuntimeError("the server stopped before it started")
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@contextmanager
def serve_in_process(env: dict[str, str], log: Path) -> Iterator[str]:
    """`pavilion serve` as a node of its own with these PAVILION_* settings, its output in
    `log` (shown if it fails to start); its URL."""
    port = free_port()
    full = {**os.environ, **env, "PAVILION_PORT": str(port), "PAVILION_HOST": "127.0.0.1"}
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        command = [str(Path(sys.executable).parent / "pavilion"), "serve"]
        child = subprocess.Popen(command, env=full, stdout=output, stderr=subprocess.STDOUT)
        try:
            try:
                wait_until_healthy(url, lambda: child.poll() is None)
            except RuntimeError as exc:
                child.kill()
                child.wait()
                raise RuntimeError(f"{exc}\n{log.read_text(errors='replace')[-2000:]}") from None
            yield url
        finally:
            stop_process(child)


def stop_process(child: subprocess.Popen[bytes]) -> None:
    """Ask a child to stop (SIGTERM), and kill it if it has not within 10 s."""
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
