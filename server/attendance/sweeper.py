"""Passes on offers that ran out even when nobody touches their session, and reminds people of
the sessions they registered for that start soon: once a minute, on the Clock, on every node
(each pool is handled under its own lock and each reminder is told once, so nodes never double
up)."""

from __future__ import annotations

from datetime import timedelta

from server.attendance.reminders import send_reminders
from server.attendance.service import pass_on_expired_offers
from server.clock import Clock
from server.db import Database
from server.realtime.bus import Bus
from server.sweeping import Sweeper


class OfferSweeper(Sweeper):
    name = "offer-sweeper"

    def __init__(
        self,
        database: Database,
        clock: Clock,
        bus: Bus | None = None,
        *,
        every: timedelta = timedelta(minutes=1),
    ) -> None:
        super().__init__(clock, every)
        self._database = database
        self._bus = bus

    async def sweep(self) -> int:
        async with self._database.unit(self._bus) as db:
            passed = await pass_on_expired_offers(db, self._clock)
            return passed + await send_reminders(db, self._clock)
