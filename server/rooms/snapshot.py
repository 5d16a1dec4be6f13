"""A room's state as one viewer sees it, built from the database.

Clients fold the room's pushes into it with frontend/snapshot.js (the one reducer), and the
two must agree: for every event-emitting action, the snapshot before, with the events the
action pushed folded in, equals the snapshot after (tests/integration/
test_rooms_consistency.py checks this for each room operation, as seen by other members).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, Integer, String, bindparam, literal, null, union_all
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.db import rows
from server.instants import maybe_instant
from server.program.models import Session
from server.realtime.bus import Bus
from server.realtime.person import Person
from server.rooms import announcements, chat, hands, polls, qa
from server.rooms.access import Admission, RoomKind, admit
from server.rooms.models import Hand, Poll, PollVote, Question, QuestionVote, RoomMute
from server.rooms.presence import Presence, counts_and_people
from server.rooms.shared import ANNOUNCEMENTS, MESSAGES, SharedSnapshots, dumps

__all__ = ["ANNOUNCEMENTS", "MESSAGES", "RoomPolicy", "build"]


async def build(
    db: AsyncSession, clock: Clock, bus: Bus, who: Admission, presence: Presence | None = None
) -> dict[str, Any]:
    """The room's snapshot as `who` sees it, read whole from the database: what staff,
    private and personal rooms answer, and the reference the shared path must agree with."""
    base: dict[str, Any] = {"room": who.room, "kind": who.kind.value}
    if who.kind is RoomKind.session:
        return {**base, **await _session(db, clock, bus, who, presence)}
    if who.kind is RoomKind.staff:
        return {**base, **await _staff(db, bus, who)}
    if who.kind is RoomKind.forum:
        return {**base, "announcements": await announcements.recent(db, who.room, ANNOUNCEMENTS)}
    if who.kind is RoomKind.private:
        return {**base, "messages": await chat.recent(db, who.room, MESSAGES)}
    return base


async def _session(
    db: AsyncSession, clock: Clock, bus: Bus, who: Admission, presence: Presence | None
) -> dict[str, Any]:
    room, me = who.room, who.user_id
    questions, votes = await qa.listing(db, room, staff=False, viewer=me)
    poll_list, poll_votes = await polls.listing(db, room, staff=False, viewer=me)
    assert who.session_id is not None
    found = await db.get(Session, who.session_id)
    assert found is not None
    return {
        "status": found.status.value,
        "settings": chat.settings_view(await chat.settings_of(db, room)),
        "messages": await chat.recent(db, room, MESSAGES),
        "questions": questions,
        "polls": poll_list,
        "announcements": await announcements.recent(db, room, ANNOUNCEMENTS),
        "presence": await _presence(db, bus, room, presence),
        "me": {
            "id": me,
            "moderator": who.moderator,
            "organiser": who.organiser,
            "muted_until": await chat.muted_until(db, clock, room, me),
            "votes": votes,
            "poll_votes": poll_votes,
            "hand": await hands.own(db, room, me),
        },
    }


async def _presence(
    db: AsyncSession, bus: Bus, room: str, presence: Presence | None
) -> dict[str, int]:
    if presence is not None:
        return await presence.counts_now(room)
    counts, _ = await counts_and_people(db, room, await bus.presence(room), names=False)
    return counts


async def _staff(db: AsyncSession, bus: Bus, who: Admission) -> dict[str, Any]:
    room = who.public_room
    questions, _ = await qa.listing(db, room, staff=True, viewer=who.user_id)
    poll_list, _ = await polls.listing(db, room, staff=True, viewer=who.user_id)
    _, people = await counts_and_people(db, room, await bus.presence(room))
    return {
        "questions": questions,
        "polls": poll_list,
        "hands": await hands.queue(db, room),
        "people": people,
    }


def _mine_query() -> Any:
    """What is one's own in a session room, as (kind, ref, text, time) rows: one query, built
    once, run with the room and the user bound."""
    room: BindParameter[str] = bindparam("room")
    user: BindParameter[int] = bindparam("user")
    text, number = literal(None, String), literal(None, Integer)
    muted = sa_select(literal("mute"), number, text, col(RoomMute.until)).where(
        col(RoomMute.room) == room, col(RoomMute.user_id) == user
    )
    voted = (
        sa_select(literal("vote"), col(QuestionVote.question_id), text, null())
        .join(Question, col(Question.id) == QuestionVote.question_id)
        .where(col(Question.room) == room, col(QuestionVote.user_id) == user)
    )
    polled = (
        sa_select(literal("poll"), col(PollVote.poll_id), col(PollVote.choices), null())
        .join(Poll, col(Poll.id) == PollVote.poll_id)
        .where(col(Poll.room) == room, col(PollVote.user_id) == user)
    )
    hand = sa_select(literal("hand"), number, col(Hand.status), null()).where(
        col(Hand.room) == room, col(Hand.user_id) == user
    )
    return union_all(muted, voted, polled, hand)


_MINE = _mine_query()


async def mine(db: AsyncSession, clock: Clock, room: str, user_id: int) -> dict[str, Any]:
    """What is one's own in a session room (muted until, question votes, poll votes, raised
    hand): one query."""
    found: dict[str, Any] = {"muted_until": None, "votes": [], "poll_votes": {}, "hand": None}
    now = clock.now()
    found_rows = await rows(db, _MINE, {"room": room, "user": user_id}, fresh=True)
    for kind, ref, value, until in found_rows:
        if kind == "mute" and until is not None and until > now:
            found["muted_until"] = maybe_instant(until)
        elif kind == "vote":
            found["votes"].append(ref)
        elif kind == "poll":
            found["poll_votes"][str(ref)] = [int(c) for c in value.split(",")]
        elif kind == "hand":
            found["hand"] = str(value)
    found["votes"].sort()
    return found


class RoomPolicy:
    """The rooms' side of the socket: admission, and snapshots as JSON text (see
    realtime/dispatch.py). Session, forum and marathon rooms answer from the shared snapshot
    (server/rooms/shared.py) plus one query for what is the joiner's own."""

    def __init__(
        self, clock: Clock, bus: Bus, shared: SharedSnapshots, presence: Presence | None = None
    ) -> None:
        self._clock = clock
        self._bus = bus
        self.shared = shared
        self._presence = presence

    async def admit(self, db: AsyncSession, user: Person, room: str) -> Admission:
        return await admit(db, user, room)

    async def snapshot(
        self, db: AsyncSession, user: Person, admission: Any, at: tuple[str, int]
    ) -> str:
        """The snapshot `admission` sees, for a joiner at position `at`, as JSON text."""
        who: Admission = admission
        if who.kind in (RoomKind.forum, RoomKind.marathon):
            await db.rollback()  # as below: no connection held while the build may wait
            shared = await self.shared.get(who.room, who.kind.value, None, at)
            return shared.head + "}"
        if who.kind is not RoomKind.session:
            return dumps(await build(db, self._clock, self._bus, who))
        own = await mine(db, self._clock, who.room, who.user_id)
        presence = await _presence(db, self._bus, who.room, self._presence)
        # Give the connection back before waiting for the shared build: that build needs one
        # too, and a storm of joiners each holding one would starve it.
        await db.rollback()
        shared = await self.shared.get(who.room, "session", who.session_id, at)
        me = {"id": who.user_id, "moderator": who.moderator, "organiser": who.organiser, **own}
        return (
            f'{shared.head},"questions":{shared.questions_for(who.user_id)},'
            f'"presence":{dumps(presence)},"me":{dumps(me)}}}'
        )
