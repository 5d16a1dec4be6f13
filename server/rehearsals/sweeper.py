"""Ends rehearsals whose driver never did (killed, or its machine lost): once a minute, on the
Clock, on every node (a rehearsal is claimed by one conditional update, so nodes never double
up)."""

from __future__ import annotations

from datetime import timedelta

from server.clock import Clock
from server.db import Database
from server.realtime.hub import Hub
from server.rehearsals.service import end_expired
from server.sweeping import Sweeper


class RehearsalSweeper(Sweeper):
    name = "rehearsal-sweeper"

    def __init__(
        self,
        database: Database,
        clock: Clock,
        hub: Hub | None = None,
        *,
        every: timedelta = timedelta(minutes=1),
    ) -> None:
        super().__init__(clock, every)
        self._database = database
        self._hub = hub

    async def sweep(self) -> int:
        async with self._database.session() as db:
            return await end_expired(db, self._clock, self._hub)
