"""High-rate signals, coalesced: reactions, question votes and poll counts are collected per
room and pushed as counters a few times a second, not one event per click.

Reactions live only here (ephemeral); votes are already in the database, so a flush reads
their current totals and publishes them (absolute numbers: any node's flush is right).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.db import Database
from server.realtime.bus import Bus
from server.rooms import polls, views
from server.rooms.models import Poll, Question

log = logging.getLogger("pavilion.rooms.tally")

FLUSH_SECONDS = 0.25  # the default of Settings.room_flush_seconds


class Tally:
    """Collects signals between flushes; `run` flushes every `interval` seconds."""

    def __init__(self, database: Database, bus: Bus, interval: float = FLUSH_SECONDS) -> None:
        self._database = database
        self._bus = bus
        self._interval = interval
        self._reactions: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._questions: defaultdict[str, set[int]] = defaultdict(set)
        self._polls: set[int] = set()
        self._task: asyncio.Task[None] | None = None
        # Extra work per flush (presence counts), registered by other room services.
        self.also: list[Callable[[], Awaitable[None]]] = []

    def reaction(self, room: str, emoji: str) -> None:
        self._reactions[room][emoji] += 1

    def question_votes(self, room: str, question_id: int) -> None:
        self._questions[room].add(question_id)

    def poll_votes(self, poll_id: int) -> None:
        self._polls.add(poll_id)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="room-tally")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.flush()
            except Exception:
                log.exception("flushing room counters failed; trying again next time")

    async def flush(self) -> None:
        reactions, self._reactions = self._reactions, defaultdict(Counter)
        questions, self._questions = self._questions, defaultdict(set)
        polls, self._polls = self._polls, set()
        for room, counts in reactions.items():
            await self._bus.publish_volatile(room, "reaction.counts", {"counts": dict(counts)})
        if questions or polls:
            async with self._database.session() as db:
                for room, ids in questions.items():
                    query = select(Question.id, Question.votes).where(col(Question.id).in_(ids))
                    votes = {str(qid): n for qid, n in (await db.exec(query)).all()}
                    await self._bus.publish(room, "qa.votes", {"votes": votes})
                    await self._bus.publish(f"{room}:staff", "qa.votes", {"votes": votes})
                for poll_id in polls:
                    await self._publish_poll_counts(db, poll_id)
        for extra in self.also:
            await extra()

    async def _publish_poll_counts(self, db: AsyncSession, poll_id: int) -> None:
        row = await db.get(Poll, poll_id)
        if row is None:
            return
        counts, voters = await polls.totals(db, poll_id)
        data = {"poll": poll_id, "counts": counts, "voters": voters}
        await self._bus.publish(f"{row.room}:staff", "poll.results", data)
        if views.results_public(row):
            await self._bus.publish(row.room, "poll.results", data)
