"""Taking access back from open sockets.

Every operation is admitted afresh (a withdrawn moderator's next `qa.moderate` is refused), but a
membership once joined keeps receiving the room's pushes. When somebody's access changes (a role
withdrawn, an invitation revoked, a stand's staff member removed) the verb calls
`access.changed` on ACCESS_ROOM (server/realtime/revocation.py): every node hears it on one
bus room that no client can join, asks the room policy again for each room that person's
local sockets are in, and takes them out of the rooms they may no longer be in, telling the
socket with a `room.closed` push (`code`: `forbidden` or `not_found`, as a join would have
answered).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from server.db import Database
from server.errors import Forbidden, NotFound
from server.realtime import frames
from server.realtime.bus import Event
from server.realtime.hub import Hub
from server.realtime.person import Person

log = logging.getLogger("pavilion.ws")

# A bus room no socket can join (the room policy knows no such name), heard by every node.
ACCESS_ROOM = "node:access"
CLOSED = "room.closed"


class Admits(Protocol):
    async def admit(self, db: AsyncSession, user: Person, room: str) -> Any: ...


class AccessRecheck:
    """One per node: listens for `access_changed` and takes sockets out of rooms."""

    def __init__(self, hub: Hub, database: Database, policy: Admits) -> None:
        self._hub = hub
        self._database = database
        self._policy = policy
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
                        await self.recheck(user)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("access re-check failed")
                await asyncio.sleep(1.0)
            finally:
                await events.aclose()  # type: ignore[attr-defined]

    async def recheck(self, user_id: int) -> list[str]:
        """Take this person's local sockets out of every room they may no longer be in; the
        rooms left."""
        left: list[str] = []
        for conn in self._hub.connections:
            if conn.user_id != user_id:
                continue
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
