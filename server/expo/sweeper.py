"""Ends "talk to us now" rings that nobody answered: every few seconds, on the Clock, on every
node (each request is missed by one conditional UPDATE, so nodes never double up)."""

from __future__ import annotations

from datetime import timedelta

from server.clock import Clock
from server.db import Database
from server.expo.contacts import miss_expired
from server.realtime.bus import Bus
from server.sweeping import Sweeper


class RingSweeper(Sweeper):
    name = "ring-sweeper"

    def __init__(
        self, database: Database, clock: Clock, bus: Bus, *, every: timedelta = timedelta(seconds=3)
    ) -> None:
        super().__init__(clock, every)
        self._database = database
        self._bus = bus

    async def sweep(self) -> int:
        """One round is one unit of work: the rings it misses commit together, and only then
        do their visitors and staff hear of it."""
        async with self._database.unit(self._bus) as db:
            return await miss_expired(db, self._clock)
