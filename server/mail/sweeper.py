"""Delivers the outbox every few seconds, on the Clock, on every node (each message is claimed
by one conditional UPDATE first, so nodes never send it twice), and once an hour forgets old
mail (outbox.purge)."""

from __future__ import annotations

from datetime import timedelta

from server.clock import Clock
from server.db import Database
from server.mail.outbox import BATCH, deliver, purge, waiting
from server.mail.transport import Transport
from server.metrics import Metrics
from server.sweeping import Sweeper

PURGE_EVERY = timedelta(hours=1)


class MailSweeper(Sweeper):
    name = "mail-sweeper"

    def __init__(
        self,
        database: Database,
        clock: Clock,
        transport: Transport,
        sender: str,
        *,
        every: timedelta = timedelta(seconds=5),
        metrics: Metrics | None = None,
    ) -> None:
        super().__init__(clock, every)
        self._metrics = metrics
        self._database = database
        self._transport = transport
        self._sender = sender
        self._next_purge = clock.now()

    async def sweep(self) -> int:
        """Batch after batch while they come full (a mass invitation goes out at once, not 20
        every 5 s); a batch that failed or ran short waits for the next sweep."""
        sent = 0
        async with self._database.session() as db:
            if self._clock.now() >= self._next_purge:  # old mail goes, once an hour
                await purge(db, self._clock.now())
                self._next_purge = self._clock.now() + PURGE_EVERY
            while True:
                batch = await deliver(db, self._clock, self._transport, self._sender)
                sent += batch
                if batch < BATCH:
                    break
            if self._metrics is not None:  # /metrics shows it without asking the database
                self._metrics.mail_queue.set(await waiting(db))
            return sent
