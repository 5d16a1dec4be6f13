"""Public JSON of the rooms' HTTP answers, as pydantic models (the OpenAPI document's source).

A room's snapshot is what a socket's join answers and what GET /api/v1/rooms/{room} answers:
JSON text built by server/rooms/snapshot.py and spliced, never re-encoded, so these models
describe it and a test validates real snapshots of every kind against them. Its parts are the
same things the pushes carry (server/rooms/pushes.py).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from server.program.models import SessionStatus
from server.rooms.models import HandStatus
from server.rooms.pushes import (
    Announcement,
    Hand,
    Message,
    Poll,
    PresenceCounts,
    Present,
    Question,
    RoomSettings,
)


class _Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeInRoom(_Public):
    """What is the viewer's own in a session room."""

    id: int
    moderator: bool
    organiser: bool
    muted_until: AwareDatetime | None
    votes: list[int] = Field(description="The questions I voted for")
    poll_votes: dict[str, list[int]] = Field(description="My choices, by poll id")
    hand: HandStatus | None


class SessionRoom(_Public):
    """A session's room as an attendee (or its staff) sees it."""

    room: str
    kind: Literal["session"]
    status: SessionStatus
    settings: RoomSettings
    messages: list[Message]
    polls: list[Poll]
    announcements: list[Announcement]
    questions: list[Question]
    presence: PresenceCounts
    me: MeInRoom


class StaffRoom(_Public):
    """A session's backstage (`session:{id}:staff`): everything to moderate, and who is in."""

    room: str
    kind: Literal["staff"]
    questions: list[Question]
    polls: list[Poll]
    hands: list[Hand]
    people: list[Present]


class ForumRoom(_Public):
    room: str
    kind: Literal["forum"]
    announcements: list[Announcement]


class PrivateRoom(_Public):
    """A stand's private room (a call, its chat)."""

    room: str
    kind: Literal["private"]
    messages: list[Message]


class MarathonRoom(_Public):
    """A marathon's room: its news are pushes only."""

    room: str
    kind: Literal["marathon"]


class UserRoom(_Public):
    """A person's own room (`user:{id}`): their notices are pushes only."""

    room: str
    kind: Literal["user"]


RoomSnapshot = Annotated[
    SessionRoom | StaffRoom | ForumRoom | PrivateRoom | MarathonRoom | UserRoom,
    Field(discriminator="kind"),
]


class RoomStatePublic(_Public):
    """A room's snapshot at its position (`epoch`, `seq`): a socket joining with `since`
    set to these gets the events after it."""

    epoch: str
    seq: int
    snapshot: RoomSnapshot
