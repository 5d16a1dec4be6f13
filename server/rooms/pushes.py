"""The pushes of the live rooms, as models of their `data` (the dicts server/rooms/views.py
builds): chat, Q&A, polls, reactions, presence, hands, announcements and call signalling.
server/pushes.py gathers them into the registry."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints, field_validator

from server.realtime.pushes import PushData
from server.rooms.handlers import REACTIONS, CallSignal
from server.rooms.models import HandStatus, PollResults, PollState, QuestionStatus

Emoji = Literal[REACTIONS]  # type: ignore[valid-type]
# A question's id as a key of a JSON object.
QuestionKey = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]*$")]


class Person(PushData):
    id: int
    name: str


class Message(PushData):
    id: int
    user: Person
    text: str
    created_at: AwareDatetime
    edited_at: AwareDatetime | None


class Question(PushData):
    """`author` is null for an anonymous question, except to staff."""

    id: int
    text: str
    author: Person | None
    anonymous: bool
    status: QuestionStatus
    pinned: bool
    votes: int
    created_at: AwareDatetime


class Poll(PushData):
    """`counts` (per option, in order) and `voters` are null where the viewer may not see
    them yet."""

    id: int
    question: str
    options: list[str]
    multiple: bool
    results: PollResults
    state: PollState
    counts: list[int] | None
    voters: int | None


class Hand(PushData):
    user: Person
    status: HandStatus
    raised_at: AwareDatetime


class Announcement(PushData):
    id: int
    text: str
    author: Person
    created_at: AwareDatetime


class Present(Person):
    onsite: bool


class MessagePush(PushData):
    """`chat.message`, `chat.edited`."""

    message: Message


class MessageDeleted(PushData):
    """`chat.deleted`."""

    id: int


class Muted(PushData):
    """`chat.muted`, in the muted person's `user:{id}`: until when (null: the mute lifted)."""

    room: str
    until: AwareDatetime | None


class RoomSettings(PushData):
    """`room.settings`."""

    slow_mode_seconds: int
    premoderation: bool


class QuestionPush(PushData):
    """`qa.question` (a new or approved question), `qa.updated`."""

    question: Question


class QuestionVotes(PushData):
    """`qa.votes`: the new totals of the questions voted for since the last flush."""

    votes: dict[QuestionKey, int]


class PollPush(PushData):
    """`poll.state`."""

    poll: Poll


class PollResultsPush(PushData):
    """`poll.results`: a poll's counts now."""

    poll: int
    counts: list[int]
    voters: int


class ReactionCounts(PushData):
    """`reaction.counts` (volatile): reactions sent since the last flush."""

    counts: dict[Emoji, int]


class PresenceCounts(PushData):
    """`presence.counts` (volatile)."""

    online: int
    onsite: int


class PresenceList(PushData):
    """`presence.list` (volatile), to staff: who is in the room."""

    people: list[Present]


class HandQueue(PushData):
    """`hand.queue`, to staff: every hand, first raised first."""

    hands: list[Hand]


class HandState(PushData):
    """`hand.state`: one person's hand (null: lowered)."""

    user: int
    status: HandStatus | None


class AnnouncementPush(PushData):
    """`announcement`."""

    announcement: Announcement


class CallSignalPush(CallSignal):
    """`call.signal`: what one side of a private room's call sent, stamped with its sender and
    time. `reason`, `sdp` and `candidate` are left out when unset, never null."""

    sender: int = Field(alias="from")
    at: AwareDatetime

    @field_validator("reason", "sdp", "candidate", mode="before")
    @classmethod
    def _never_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("left out when unset, never null")
        return value
