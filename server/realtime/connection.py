"""One client's socket: a bounded outbox drained by its own writer, and its rate limits."""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket

from server.accounts.models import User
from server.realtime.limits import TokenBucket

log = logging.getLogger("pavilion.ws")

# Close codes (RFC 6455 and the IANA registry).
TOO_BIG = 1009
TRY_AGAIN_LATER = 1013
POLICY = 1008

_ids = itertools.count(1)


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
        user: User,
        *,
        outbox_size: int,
        bucket: TokenBucket,
        user_bucket: TokenBucket,
    ) -> None:
        self.id = next(_ids)
        self.websocket = websocket
        self.user = user
        self.rooms: dict[str, Membership] = {}
        self.bucket = bucket
        self.user_bucket = user_bucket
        self.closed: int | None = None
        # Set when the server closes the socket: the reader stops waiting for the client then.
        self.closing = asyncio.Event()
        self._outbox: asyncio.Queue[str] = asyncio.Queue(outbox_size)
        self._writer: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    def start(self) -> None:
        self._writer = asyncio.create_task(self._write(), name=f"ws-writer-{self.id}")

    def send(self, text: str) -> None:
        if self.closed is not None:
            return
        try:
            self._outbox.put_nowait(text)
        except asyncio.QueueFull:
            log.info("closing socket %s of user %s: it fell behind", self.id, self.user.id)
            self.close(TRY_AGAIN_LATER, "too slow: reconnect and resume")

    def limit(self, what: str) -> None:
        """Spend from this socket's and this user's allowance (RateLimited when spent)."""
        self.bucket.take(what)
        self.user_bucket.take(what)

    async def _write(self) -> None:
        try:
            while True:
                text = await self._outbox.get()
                await self.websocket.send_text(text)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the peer went away; the reader notices and cleans up
            log.debug("socket %s writer stopped: %s", self.id, exc)

    def close(self, code: int, reason: str) -> None:
        """Close soon (without waiting for the outbox or a stalled peer)."""
        if self.closed is not None:
            return
        self.closed = code
        self.closing.set()
        if self._writer is not None:
            self._writer.cancel()
        self._closer = asyncio.create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        try:
            await asyncio.wait_for(self.websocket.close(code, reason), timeout=5)
        except Exception as exc:  # already gone, or stalled beyond the timeout
            log.debug("socket %s close: %s", self.id, exc)

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
