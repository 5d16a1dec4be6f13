"""A minimal WebSocket client for the bench's member sockets (RFC 6455, text frames only).

A member socket receives thousands of frames a second and does almost nothing with them;
the `websockets` client costs some 40 µs of the generator's CPU per frame (a future woken
and an async iterator stepped for each), which on a 2-core machine takes CPU from the server
being measured and delays the last of a burst of frames by tens of milliseconds. This
protocol parses frames straight from `data_received` and hands each text payload, as
bytes, to a callback: a few µs per frame. No extensions (no compression); it answers pings,
and sends masked text frames for the few requests a member makes (join, socket.io pongs).
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Callable
from typing import Any, cast

TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA
OPEN_SECONDS = 60.0


def encode(opcode: int, payload: bytes) -> bytes:
    """A final, masked client frame."""
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        head = bytes((0x80 | opcode, 0x80 | size))
    elif size < 1 << 16:
        head = bytes((0x80 | opcode, 0x80 | 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + size.to_bytes(8, "big")
    repeated = (mask * (size // 4 + 1))[:size]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        size, "big"
    )
    return head + mask + masked


class RawSocket(asyncio.Protocol):
    """One client socket: `opened` resolves after the 101 answer; text payloads go to
    `inbox` until `listen` names a callback, then straight to it."""

    def __init__(self, host: str, path: str) -> None:
        self._request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n\r\n"
        ).encode()
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.inbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._on_text: Callable[[bytes], None] | None = None
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._fragments: list[bytes] = []

    @classmethod
    async def open(cls, url: str) -> RawSocket:
        """Connect to `ws://host:port/path…`."""
        rest = url.removeprefix("ws://")
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.partition(":")
        loop = asyncio.get_running_loop()
        _, protocol = await asyncio.wait_for(
            loop.create_connection(lambda: cls(hostport, "/" + path), host, int(port)),
            OPEN_SECONDS,
        )
        await asyncio.wait_for(protocol.opened, OPEN_SECONDS)
        return protocol

    def listen(self, on_text: Callable[[bytes], None]) -> None:
        self._on_text = on_text

    async def recv(self) -> bytes:
        """The next text payload (before `listen`)."""
        receiving = asyncio.ensure_future(self.inbox.get())
        either: set[asyncio.Future[Any]] = {receiving, self.closed}
        done, _ = await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if receiving not in done:
            receiving.cancel()
            raise ConnectionError("the socket closed")
        return receiving.result()

    def send_text(self, text: str) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(encode(TEXT, text.encode()))

    def close(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(encode(CLOSE, (1000).to_bytes(2, "big")))
            self._transport.close()

    # --- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        self._transport.write(self._request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed during the handshake: {exc}"))
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self.opened.done():
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self._buffer[: self._buffer.find(b"\r\n")])
            if b" 101 " not in status:
                self.opened.set_exception(ConnectionError(status.decode(errors="replace")))
                assert self._transport is not None
                self._transport.close()
                return
            del self._buffer[: end + 4]
            self.opened.set_result(None)
        self._frames()

    def _frames(self) -> None:
        buffer, at, size = self._buffer, 0, len(self._buffer)
        while size - at >= 2:
            first, second = buffer[at], buffer[at + 1]
            length, start = second & 0x7F, at + 2
            if length == 126:
                if size - at < 4:
                    break
                length, start = int.from_bytes(buffer[at + 2 : at + 4], "big"), at + 4
            elif length == 127:
                if size - at < 10:
                    break
                length, start = int.from_bytes(buffer[at + 2 : at + 10], "big"), at + 10
            if size - start < length:
                break
            self._frame(first, bytes(buffer[start : start + length]))
            at = start + length
        del buffer[:at]

    def _frame(self, first: int, payload: bytes) -> None:
        opcode, final = first & 0x0F, first & 0x80
        if opcode == PING:
            assert self._transport is not None
            self._transport.write(encode(PONG, payload))
        elif opcode == CLOSE:
            self.close()
        elif opcode in (TEXT, 0x0):  # text, or a continuation of one
            self._fragments.append(payload)
            if final:
                text = b"".join(self._fragments) if len(self._fragments) > 1 else payload
                self._fragments.clear()
                if self._on_text is not None:
                    self._on_text(text)
                else:
                    self.inbox.put_nowait(text)
