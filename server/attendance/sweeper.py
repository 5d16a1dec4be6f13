"""Passes on offers that ran out even when nobody touches their session: once a minute, on the
Clock, on every node (each pool is handled under its own lock, so nodes never double up)."""

from __future__ import annotations

from datetime import timedelta

from server.attendance.service import pass_on_expired_offers
from server.clock import Clock
from server.db import Database
from server.sweeping import Sweeper


class OfferSweeper(Sweeper):
    name = "offer-sweeper"

    def __init__(
        self, database: Database, clock: Clock, *, every: timedelta = timedelta(minutes=1)
    ) -> None:
        super().__init__(clock, every)
        self._database = database

    async def sweep(self) -> int:
        async with self._database.session() as db:
            return await pass_on_expired_offers(db, self._clock)
