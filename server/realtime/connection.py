"""One client's socket: its outgoing frames, bounded, and its rate limits.

Frames go out one of two ways. Under uvicorn (what `pavilion serve` runs) they are written
straight to the connection's TCP transport, already encoded: a room event is encoded into a
WebSocket frame once and the same bytes are written for every member, in one synchronous
loop, as `websockets.broadcast()` does; the bound is the transport's buffer. Elsewhere a
bounded queue drained by a writer task per socket carries them through the ASGI interface.
Either way `send` never waits, and a socket that falls behind is closed with 1013.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any, Protocol

from starlette.types import Scope, Send
from starlette.websockets import WebSocket
from websockets.frames import Frame, Opcode

from server.realtime.limits import TokenBucket
from server.realtime.person import Person

log = logging.getLogger("pavilion.ws")


class CloseCode(IntEnum):
    """Why the server closes a socket (RFC 6455 section 7.4.1 and the IANA registry); the
    page's socket module names the same numbers (frontend/socket.js: `CloseCode`)."""

    policy_violation = 1008  # refused after the handshake, or its access ended (a rehearsal's)
    message_too_big = 1009  # a frame over 64 KiB
    try_again_later = 1013  # shed under load, or fell behind: come back (and resume)
    # The sign-in the socket was opened with ended (signed out, or a password was reset or
    # changed elsewhere): do not come back with it. The reason is `{"code": "signed_out"}`.
    signed_out = 4001


_ids = itertools.count(1)
# How long a closed socket's unsent frames may wait for a peer that stopped reading.
CLOSE_GRACE_SECONDS = 5.0


class Transport(Protocol):
    """What the direct path needs of a server's TCP transport."""

    def write(self, data: bytes) -> None: ...
    def get_write_buffer_size(self) -> int: ...
    def is_closing(self) -> bool: ...
    def abort(self) -> None: ...


def text_frame(text: str) -> bytes:
    """`text` as a complete, unmasked server-to-client WebSocket text frame."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


def direct_transport(send: Any) -> Transport | None:
    """The TCP transport behind an ASGI `send`, when the server is uvicorn (its WebSocket
    protocols write whole frames to it synchronously, so frames written here never
    interleave with theirs), else None. Checked by tests/integration/test_rooms_socket.py."""
    protocol = getattr(send, "__self__", None)
    if type(protocol).__module__.split(".")[0] != "uvicorn":
        return None
    transport = getattr(protocol, "transport", None)
    needed = ("write", "get_write_buffer_size", "is_closing", "abort")
    return transport if all(hasattr(transport, name) for name in needed) else None


TRANSPORT_KEY = "pavilion.transport"


def capture_transport(scope: Scope, send: Send) -> None:
    """Note a WebSocket's TCP transport in its scope (in place: the scope is the socket's own
    and lives as long), for the direct path, when the server offers one."""
    transport = direct_transport(send)
    if transport is not None:
        scope[TRANSPORT_KEY] = transport


@dataclass
class Membership:
    """The connection's place in a room: what it was admitted as, and, while joining, the
    live events held back until the catch-up is sent."""

    admission: Any
    pending: list[tuple[int, str]] | None = field(default_factory=list)
    # The last seq the catch-up covers; held events after it are released.
    after: int = 0


class Connection:
    """A socket of a signed-in user. `send` never waits: it queues, and a client whose queue is
    full has fallen behind and is closed with 1013 (it comes back and resumes)."""

    def __init__(
        self,
        websocket: WebSocket,
        user: Person,
        *,
        outbox_size: int,
        outbox_bytes: int,
        bucket: TokenBucket,
        user_bucket: TokenBucket,
        transport: Transport | None = None,
        credential: str | None = None,
        verified_at: datetime | None = None,
    ) -> None:
        self.id = next(_ids)
        self.websocket = websocket
        self.user = user
        # The sign-in token the socket was opened with, checked again when the person's
        # access changes (server/realtime/recheck.py); while that check runs, `checking` is
        # pending and the socket's next operation waits for its verdict.
        self.credential = credential
        self.checking: asyncio.Future[None] | None = None
        self.verified_at = verified_at  # when `credential` was last found to sign them in
        self.rooms: dict[str, Membership] = {}
        self.bucket = bucket
        self.user_bucket = user_bucket
        self.closed: CloseCode | None = None
        # The task reading the client's frames while it waits for one: cancelled when the
        # server closes the socket (a client that fell behind may never send again).
        self.reader: asyncio.Task[Any] | None = None
        self._outbox_size = outbox_size
        self._outbox: asyncio.Queue[str] | None = None  # the queued path only
        self._outbox_bytes = outbox_bytes
        self.transport = transport  # None: the queued path
        self._writer: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    def start(self) -> None:
        if self.transport is None:
            outbox: asyncio.Queue[str] = asyncio.Queue(self._outbox_size)
            self._outbox = outbox
            self._writer = asyncio.create_task(self._write(outbox), name=f"ws-writer-{self.id}")

    def send(self, text: str) -> None:
        """Queue one frame of text (a reply, or a push encoded for this socket alone)."""
        if self.transport is not None:
            self.send_frame(text_frame(text), text)
        elif self.closed is None and self._outbox is not None:
            try:
                self._outbox.put_nowait(text)
            except asyncio.QueueFull:
                self._fell_behind()

    def send_frame(self, frame: bytes, text: str) -> None:
        """Send a push already encoded as a frame (`frame`) and as text (for the queued path)."""
        if self.transport is None:
            self.send(text)
            return
        if self.closed is not None or self.transport.is_closing():
            return
        if self.transport.get_write_buffer_size() > self._outbox_bytes:
            self._fell_behind()
            return
        self.transport.write(frame)

    def _fell_behind(self) -> None:
        log.info("closing socket %s of user %s: it fell behind", self.id, self.user.id)
        self.close(CloseCode.try_again_later, "too slow: reconnect and resume")

    def limit(self, what: str) -> None:
        """Spend from this socket's and this user's allowance (RateLimited when spent)."""
        self.bucket.take(what)
        self.user_bucket.take(what)

    async def _write(self, outbox: asyncio.Queue[str]) -> None:
        try:
            while True:
                text = await outbox.get()
                await self.websocket.send_text(text)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the peer went away; the reader notices and cleans up
            log.debug("socket %s writer stopped: %s", self.id, exc)

    def close(self, code: CloseCode, reason: str) -> None:
        """Close soon (without waiting for the outbox or a stalled peer)."""
        if self.closed is not None:
            return
        self.closed = code
        if self.reader is not None:
            self.reader.cancel()  # it waits for the client's next frame: wait no more
        if self._writer is not None:
            self._writer.cancel()
        self._closer = asyncio.create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        try:
            await asyncio.wait_for(self.websocket.close(code, reason), timeout=CLOSE_GRACE_SECONDS)
        except Exception as exc:  # already gone, or stalled beyond the timeout
            log.debug("socket %s close: %s", self.id, exc)
        if self.transport is not None:
            # The close frame waits behind unsent frames; a peer that never reads them would
            # hold the connection open for as long as it keeps acknowledging.
            deadline = asyncio.get_running_loop().time() + CLOSE_GRACE_SECONDS
            while not self.transport.is_closing():
                if asyncio.get_running_loop().time() >= deadline:
                    if self.transport.get_write_buffer_size() > 0:
                        self.transport.abort()
                    return
                await asyncio.sleep(0.1)

    async def finish(self) -> None:
        """Stop the writer (the socket is done)."""
        for task in (self._writer, self._closer):
            if task is not None and not task.done():
                if task is self._writer:
                    task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass
