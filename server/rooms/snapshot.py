"""A room's state as one viewer sees it, built from the database; and `apply`, which folds a
pushed event into a snapshot the way a client does.

The two must agree: for every event-emitting action, the snapshot before, with the events
the action pushed applied, equals the snapshot after (tests check this for each action, as
seen by another member of the room).
"""

from __future__ import annotations

import copy
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.clock import Clock
from server.realtime.bus import Bus
from server.rooms import announcements, chat, hands, polls, qa
from server.rooms.access import Admission, RoomKind, admit
from server.rooms.presence import counts as presence_counts
from server.rooms.presence import counts_and_people

MESSAGES = 100
ANNOUNCEMENTS = 20


async def build(db: AsyncSession, clock: Clock, bus: Bus, who: Admission) -> dict[str, Any]:
    base: dict[str, Any] = {"room": who.room, "kind": who.kind.value}
    if who.kind is RoomKind.session:
        return {**base, **await _session(db, clock, bus, who)}
    if who.kind is RoomKind.staff:
        return {**base, **await _staff(db, bus, who)}
    if who.kind is RoomKind.forum:
        return {**base, "announcements": await announcements.recent(db, who.room, ANNOUNCEMENTS)}
    if who.kind is RoomKind.private:
        return {**base, "messages": await chat.recent(db, who.room, MESSAGES)}
    return base


async def _session(db: AsyncSession, clock: Clock, bus: Bus, who: Admission) -> dict[str, Any]:
    room, me = who.room, who.user_id
    questions, votes = await qa.listing(db, room, staff=False, viewer=me)
    poll_list, poll_votes = await polls.listing(db, room, staff=False, viewer=me)
    present = await presence_counts(db, room, await bus.presence(room))
    assert who.session is not None
    return {
        "status": who.session.status.value,
        "settings": chat.settings_view(await chat.settings_of(db, room)),
        "messages": await chat.recent(db, room, MESSAGES),
        "questions": questions,
        "polls": poll_list,
        "announcements": await announcements.recent(db, room, ANNOUNCEMENTS),
        "presence": present,
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


class RoomPolicy:
    """The rooms' side of the socket: admission and snapshots (see realtime/dispatch.py)."""

    def __init__(self, clock: Clock, bus: Bus) -> None:
        self._clock = clock
        self._bus = bus

    async def admit(self, db: AsyncSession, user: User, room: str) -> Admission:
        return await admit(db, user, room)

    async def snapshot(self, db: AsyncSession, user: User, admission: Any) -> dict[str, Any]:
        return await build(db, self._clock, self._bus, admission)


# --- folding events into a snapshot (what every client does) --------------------------------


def _upsert(items: list[dict[str, Any]], item: dict[str, Any]) -> list[dict[str, Any]]:
    """Replace by id, or add: a push may repeat what the snapshot already holds."""
    kept = [i for i in items if i["id"] != item["id"]]
    return sorted([*kept, item], key=lambda i: i["id"])


def _question_shown(snapshot: dict[str, Any], question: dict[str, Any]) -> bool:
    if snapshot["kind"] == RoomKind.staff.value:
        return question["status"] != "archived"
    return question["status"] in ("visible", "answered")


def apply(snapshot: dict[str, Any], event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The snapshot after one pushed event (a new dict; the old one is left as it was)."""
    new = copy.deepcopy(snapshot)
    if event_type in ("chat.message", "chat.edited"):
        new["messages"] = _upsert(new["messages"], data["message"])[-MESSAGES:]
    elif event_type == "chat.deleted":
        new["messages"] = [m for m in new["messages"] if m["id"] != data["id"]]
    elif event_type == "room.settings":
        new["settings"] = data
    elif event_type == "session.status" and "status" in new:
        new["status"] = data["status"]
    elif event_type in ("qa.question", "qa.updated"):
        question = dict(data["question"])
        known = next((q for q in new["questions"] if q["id"] == question["id"]), None)
        if question["author"] is None and known is not None:
            question["author"] = known["author"]  # the asker of an anonymous one: themselves
        kept = [q for q in new["questions"] if q["id"] != question["id"]]
        new["questions"] = _upsert(kept, question) if _question_shown(new, question) else kept
    elif event_type == "qa.votes":
        for question in new["questions"]:
            question["votes"] = data["votes"].get(str(question["id"]), question["votes"])
    elif event_type == "poll.state":
        new["polls"] = _upsert(new["polls"], data["poll"])
    elif event_type == "poll.results":
        for poll in new["polls"]:
            if poll["id"] == data["poll"]:
                poll["counts"], poll["voters"] = data["counts"], data["voters"]
    elif event_type == "presence.counts":
        new["presence"] = data
    elif event_type == "presence.list":
        new["people"] = data["people"]
    elif event_type == "hand.queue":
        new["hands"] = data["hands"]
    elif event_type == "hand.state" and "me" in new and data["user"] == new["me"]["id"]:
        new["me"]["hand"] = data["status"]
    elif event_type == "announcement":
        new["announcements"] = _upsert(new["announcements"], data["announcement"])[-ANNOUNCEMENTS:]
    return new
