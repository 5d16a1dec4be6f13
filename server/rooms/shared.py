"""What every member of a room sees alike, built once per room version and encoded once.

A join storm is thousands of people asking for the same room at the same moment. The parts of
a session room's snapshot that do not depend on who asks (messages, visible questions, polls,
announcements, settings, status) are read from the database once for a room's position
(epoch, seq) and kept as JSON text; a joiner's reply is that text with their own small part
spliced in (server/rooms/snapshot.py). Concurrent joiners of a room that is being built wait
for that one build.

A build read at position P serves every joiner at a position <= P: the database already held
everything published up to P when it was read (events are published after their commit), and
what it may hold beyond P is replayed to the joiner as live events, which apply idempotently,
as with any snapshot.

Questions carry who asked: a pending question is shown to its asker only, and an anonymous
one names its asker to the asker only. Both views of each are kept, so the asker's list costs
a join of strings, not a query.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.db import Database
from server.metrics import Metrics
from server.program.models import Session
from server.rooms import announcements, chat, polls, views
from server.rooms.models import Question, QuestionStatus

MESSAGES = 100
ANNOUNCEMENTS = 20
SHOWN = (QuestionStatus.visible, QuestionStatus.answered)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


@dataclass(frozen=True, slots=True)
class QuestionItem:
    id: int
    user_id: int
    public: str | None  # as every attendee sees it; None: not shown to them (pending)
    own: str  # as its asker sees it (named, even when anonymous)


@dataclass(frozen=True)
class Shared:
    """A room's shared snapshot at (epoch, seq): `head` is the snapshot's JSON object without
    its closing brace; session rooms also carry their questions for the personal splice."""

    epoch: str
    seq: int
    head: str
    questions: tuple[QuestionItem, ...] = ()
    public_questions: str = "[]"
    askers: frozenset[int] = field(default_factory=frozenset)

    def questions_for(self, user_id: int) -> str:
        """The questions list as this attendee sees it, as JSON."""
        if user_id not in self.askers:
            return self.public_questions
        shown = [
            q.own if q.user_id == user_id else q.public
            for q in self.questions
            if q.user_id == user_id or q.public is not None
        ]
        return "[" + ",".join(s for s in shown if s is not None) + "]"


async def build_session(db: AsyncSession, room: str, session_id: int) -> tuple[str, list[Any]]:
    """The shared head of a session room, and its questions as QuestionItems."""
    status = (await db.exec(select(Session.status).where(Session.id == session_id))).one()
    settings = chat.settings_view(await chat.settings_of(db, room))
    head = {
        "room": room,
        "kind": "session",
        "status": status.value if hasattr(status, "value") else str(status),
        "settings": settings,
        "messages": await chat.recent(db, room, MESSAGES),
        "polls": await polls.public_listing(db, room),
        "announcements": await announcements.recent(db, room, ANNOUNCEMENTS),
    }
    return dumps(head)[:-1], await _questions(db, room)


async def _questions(db: AsyncSession, room: str) -> list[QuestionItem]:
    """Every question an attendee could be shown (visible, answered, or pending: to its
    asker), in order."""
    shown = [s.value for s in (*SHOWN, QuestionStatus.pending)]
    query = select(Question).where(Question.room == room, col(Question.status).in_(shown))
    rows = (await db.exec(query.order_by(col(Question.id)))).all()
    known = await views.names(db, (r.user_id for r in rows))
    items = []
    for row in rows:
        assert row.id is not None
        public = views.question(row, known, staff=False) if row.status in SHOWN else None
        own = views.question(row, known, staff=False, viewer=row.user_id)
        items.append(
            QuestionItem(row.id, row.user_id, None if public is None else dumps(public), dumps(own))
        )
    return items


async def build_forum(db: AsyncSession, room: str, kind: str) -> str:
    head: dict[str, Any] = {"room": room, "kind": kind}
    if kind == "forum":
        head["announcements"] = await announcements.recent(db, room, ANNOUNCEMENTS)
    return dumps(head)[:-1]


class SharedSnapshots:
    """The node's shared snapshots, one per room with members here (see the module
    docstring). `forget(room)` drops a room's once nobody here is in it."""

    def __init__(self, database: Database, metrics: Metrics) -> None:
        self._database = database
        self._metrics = metrics
        self._built: dict[str, Shared] = {}
        self._building: dict[str, tuple[str, int, asyncio.Task[Shared]]] = {}

    async def get(
        self, room: str, kind: str, session_id: int | None, at: tuple[str, int]
    ) -> Shared:
        """The room's shared snapshot for a joiner at position `at` (built if need be)."""
        epoch, seq = at
        built = self._built.get(room)
        if built is not None and built.epoch == epoch and built.seq >= seq:
            return built
        building = self._building.get(room)
        if building is None or building[0] != epoch or building[1] < seq:
            task = asyncio.create_task(self._build(room, kind, session_id, epoch, seq))
            building = self._building[room] = (epoch, seq, task)
        return await asyncio.shield(building[2])

    async def _build(
        self, room: str, kind: str, session_id: int | None, epoch: str, seq: int
    ) -> Shared:
        try:
            async with self._database.session() as db:
                if kind == "session":
                    assert session_id is not None
                    head, questions = await build_session(db, room, session_id)
                    shared = _with_questions(epoch, seq, head, questions)
                else:
                    shared = Shared(epoch, seq, await build_forum(db, room, kind))
            self._metrics.snapshot_builds.labels(kind).inc()
            current = self._built.get(room)
            if current is None or current.epoch != epoch or current.seq <= seq:
                self._built[room] = shared
            return shared
        finally:
            entry = self._building.get(room)
            if entry is not None and entry[2] is asyncio.current_task():
                del self._building[room]

    def forget(self, room: str) -> None:
        self._built.pop(room, None)

    def forget_unless(self, held: Callable[[str], bool]) -> Callable[[str], None]:
        """A membership listener: forget a room once `held(room)` says nobody here is in it."""

        def changed(room: str) -> None:
            if not held(room):
                self.forget(room)

        return changed

    @property
    def rooms(self) -> int:
        return len(self._built)


def _with_questions(epoch: str, seq: int, head: str, items: list[QuestionItem]) -> Shared:
    public = "[" + ",".join(q.public for q in items if q.public is not None) + "]"
    askers = frozenset(q.user_id for q in items if q.public is None or q.public != q.own)
    return Shared(epoch, seq, head, tuple(items), public, askers)
