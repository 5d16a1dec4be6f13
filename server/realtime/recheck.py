"""Taking access back from open sockets.

Every operation is admitted afresh (a withdrawn moderator's next `qa.moderate` is refused), but a
membership once joined keeps receiving the room's pushes. When somebody's access changes (a role
withdrawn, an invitation revoked, a stand's staff member removed) the verb calls
`access.changed` on ACCESS_ROOM (server/realtime/revocation.py): every node hears it on one
bus room that no client can join, asks the room policy again for each room that person's
local sockets are in, and takes them out of the rooms they may no longer be in, telling the
socket with a `room.closed` push (`code`: `forbidden` or `not_found`, as a join would have
answered).

Signing out, a password reset and a password change end sign-in sessions: those verbs call
`signed_out` (the same event). Each socket of the person is first asked whether the token it
was opened with still signs them in; one whose token no longer does is closed with
`CloseCode.signed_out` (4001, reason `{"code": "signed_out"}`). From the moment a node hears
the event until that check has answered, the person's sockets run no operation: each waits for
the verdict (`Connection.checking`), so nothing is sent or joined on a revoked sign-in.

A node may miss the event (a Redis pub/sub message is lost while the node reconnects): as a
backstop, a socket's sign-in is also asked again before its next operation once VERIFY_EVERY
has passed since it was last found good (`vouch`, called by the dispatcher).
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.db import Database
from server.errors import Forbidden, NotFound
from server.realtime import frames
from server.realtime.bus import Event
from server.realtime.connection import CloseCode, Connection
from server.realtime.hub import Hub
from server.realtime.person import Identify, Person

log = logging.getLogger("pavilion.ws")

# A bus room no socket can join (the room policy knows no such name), heard by every node.
ACCESS_ROOM = "node:access"
CLOSED = "room.closed"
SIGNED_OUT_REASON = json.dumps({"code": "signed_out"})
VERIFY_EVERY = timedelta(seconds=60)


class Admits(Protocol):
    async def admit(self, db: AsyncSession, user: Person, room: str) -> Any: ...


class AccessRecheck:
    """One per node: listens for `access_changed`, closes sockets whose sign-in ended and
    takes the others out of rooms."""

    def __init__(
        self, hub: Hub, database: Database, policy: Admits, identify: Identify, clock: Clock
    ) -> None:
        self._hub = hub
        self._database = database
        self._policy = policy
        self._identify = identify
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="access-recheck")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _listen(self) -> None:
        while True:
            events = self._hub.bus.subscribe(ACCESS_ROOM)
            try:
                async for event in events:
                    user = event.data.get("user")
                    if isinstance(user, int):
                        self.hold(user)  # at once, before anything else runs
                        await self.recheck(user)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("access re-check failed")
                await asyncio.sleep(1.0)
            finally:
                await events.aclose()  # type: ignore[attr-defined]

    def hold(self, user_id: int) -> None:
        """Make this person's local sockets wait, operation by operation, for the re-check."""
        loop = asyncio.get_running_loop()
        for conn in self._hub.connections:
            if conn.user_id == user_id and conn.checking is None:
                conn.checking = loop.create_future()

    async def recheck(self, user_id: int) -> list[str]:
        """Close this person's local sockets whose sign-in ended, and take the others out of
        every room they may no longer be in; the rooms left."""
        left: list[str] = []
        try:
            for conn in self._hub.connections:
                if conn.user_id != user_id:
                    continue
                signed_in = await self._check(conn)
                _release(conn)
                if signed_in:
                    left += await self._rooms_left(conn)
        finally:  # never leave a socket waiting (a check that failed is logged by the caller)
            for conn in self._hub.connections:
                if conn.user_id == user_id:
                    _release(conn)
        return left

    async def vouch(self, conn: Connection) -> bool:
        """Whether the socket may run an operation: its sign-in, asked again if VERIFY_EVERY
        has passed since it was last found good (else closed with 4001)."""
        last = conn.verified_at
        if last is not None and self._clock.now() - last < VERIFY_EVERY:
            return True
        return await self._check(conn)

    async def _check(self, conn: Connection) -> bool:
        """Whether the token this socket was opened with still signs its person in; a socket
        whose token no longer does is closed with `CloseCode.signed_out`."""
        if conn.credential is None:
            return True
        now = self._clock.now()
        async with self._database.session() as db:
            holder = await self._identify(db, self._clock, conn.credential)
        if holder is not None and holder.id == conn.user_id:
            conn.verified_at = now
            return True
        log.info("closing socket %s of user %s: signed out", conn.id, conn.user_id)
        conn.close(CloseCode.signed_out, SIGNED_OUT_REASON)
        return False

    async def _rooms_left(self, conn: Connection) -> list[str]:
        left: list[str] = []
        for room in list(conn.rooms):
            refusal = await self._refusal(conn.user, room)
            if refusal is None:
                continue
            self._hub.leave(conn, room)
            data = {"room": room, "code": refusal}
            conn.send(frames.push(Event(room, "", 0, CLOSED, data)))
            left.append(room)
        return left

    async def _refusal(self, user: Person, room: str) -> str | None:
        try:
            async with self._database.session() as db:
                await self._policy.admit(db, user, room)
        except (Forbidden, NotFound) as problem:
            return problem.code
        return None


def _release(conn: Connection) -> None:
    """Let the socket's operations run again."""
    checking, conn.checking = conn.checking, None
    if checking is not None and not checking.done():
        checking.set_result(None)
