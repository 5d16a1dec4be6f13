"""A room-socket client on a bare TCP socket, blocking, with a tiny receive buffer: it can join a
room and then read nothing at all, as a stalled phone or a frozen tab would (the kernel stops
accepting data for it almost at once, so the server feels it within a few frames)."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
from typing import Any
from urllib.parse import urlsplit

TEXT, CLOSE = 0x1, 0x8


class RawClient:
    def __init__(self, base_url: str, token: str, *, receive_buffer: int = 4096) -> None:
        address = urlsplit(base_url)
        assert address.hostname is not None and address.port is not None
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Before connecting, so that the advertised window stays small as well.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(10)
        self.sock.connect((address.hostname, address.port))
        self._buffer = b""
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /ws?token={token} HTTP/1.1\r\nHost: {address.netloc}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = self._until(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            self.sock.close()
            raise ConnectionError(f"the handshake was refused: {head[:200]!r}")

    def _until(self, marker: bytes) -> bytes:
        while marker not in self._buffer:
            self._fill()
        head, self._buffer = self._buffer.split(marker, 1)
        return head

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self._buffer += chunk

    def _take(self, count: int) -> bytes:
        while len(self._buffer) < count:
            self._fill()
        taken, self._buffer = self._buffer[:count], self._buffer[count:]
        return taken

    def send_text(self, text: str) -> None:
        """One masked text frame (a client must mask what it sends)."""
        payload = text.encode()
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | TEXT, 0x80 | length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | TEXT, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | TEXT, 0x80 | 127, length)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def read_frame(self) -> tuple[int, bytes]:
        """(opcode, payload) of the next frame from the server (unmasked, unfragmented)."""
        first, second = self._take(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._take(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._take(8))
        return first & 0x0F, self._take(length)

    def join(self, room: str) -> dict[str, Any]:
        """Join `room` and read up to the reply's data (pushes before it are dropped)."""
        self.send_text(json.dumps({"id": "join", "op": "room.join", "room": room, "data": {}}))
        while True:
            opcode, payload = self.read_frame()
            if opcode == TEXT:
                frame = json.loads(payload)
                if frame.get("id") == "join":
                    assert frame["ok"], frame
                    return dict(frame["data"])

    def drain(self) -> tuple[list[dict[str, Any]], int | None]:
        """Read everything the server sent: the text frames, and the close code at the end (None
        when the connection ended without a close frame)."""
        frames: list[dict[str, Any]] = []
        try:
            while True:
                opcode, payload = self.read_frame()
                if opcode == TEXT:
                    frames.append(json.loads(payload))
                elif opcode == CLOSE:
                    return frames, struct.unpack("!H", payload[:2])[0] if payload else None
        except ConnectionError:
            return frames, None

    def close(self) -> None:
        self.sock.close()
