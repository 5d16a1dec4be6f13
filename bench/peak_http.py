"""A small HTTP/1.1 client for bench/peak.py's crowds: one keep-alive connection per caller,
answers parsed by httptools (the C parser uvicorn itself uses).

httpx costs some 12 ms of CPU per request at two thousand concurrent callers; on a 2-core
machine the crowd then needs more CPU than the server it measures, and the figures are the
crowd's. This client costs a small fraction of that, so the server's limit shows.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httptools


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Reading:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: list[bytes] = field(default_factory=list)
    done: bool = False
    keep_alive: bool = True
    _name: bytes = b""

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode().lower()] = value.decode()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.done = True


# A connection idle this long is closed before it is used again: uvicorn drops idle ones
# after 5 s, and a request sent just as it does would be lost in between.
KEEPALIVE_S = 2.0


class Caller:
    """One caller's connection to `url` (reopened when idle too long or closed)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._used = 0.0

    async def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Answer:
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body is not None:
            lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(payload)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        if self._writer is not None and time.monotonic() - self._used > KEEPALIVE_S:
            self.close()
        for attempt in range(2):
            fresh = self._writer is None
            if fresh:
                await self._open()
            try:
                return await self._exchange(head + payload)
            except (ConnectionError, asyncio.IncompleteReadError) as lost:
                self.close()
                # A kept-alive connection the server had just closed: once more on a new one.
                # A fresh connection that fails is a real failure.
                if fresh or attempt:
                    raise ConnectionError(f"{method} {path}: {lost}") from lost
        raise AssertionError("unreachable")

    async def _open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def _exchange(self, request: bytes) -> Answer:
        assert self._reader is not None and self._writer is not None
        self._writer.write(request)
        reading = _Reading()
        parser = httptools.HttpResponseParser(reading)
        while not reading.done:
            chunk = await self._reader.read(65536)
            if not chunk:
                raise ConnectionError("closed by the server")
            parser.feed_data(chunk)
        answer = Answer(parser.get_status_code(), reading.headers, b"".join(reading.body))
        self._used = time.monotonic()
        if not parser.should_keep_alive():
            self.close()
        return answer

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
