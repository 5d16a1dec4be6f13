"""Tables of the live rooms. A room is named by its key (`session:42`, `private:…`); every row
says which room it belongs to, so a snapshot is one query per feature."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import StrEnumType, UTCDateTime

ROOM_KEY = 120


class RoomSettings(SQLModel, table=True):
    """A moderator's settings for one room (absent: the defaults)."""

    room: str = Field(sa_type=String(ROOM_KEY), primary_key=True)
    slow_mode_seconds: int = 0
    premoderation: bool = False


class ChatMessage(SQLModel, table=True):
    """Text as typed (never HTML); clients always render it escaped."""

    id: int | None = Field(default=None, primary_key=True)
    room: str = Field(sa_type=String(ROOM_KEY), index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    text: str
    created_at: datetime = Field(sa_type=UTCDateTime)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deleted_by: int | None = Field(default=None, foreign_key="user.id")


class RoomMute(SQLModel, table=True):
    """A user a moderator silenced in a room until `until`."""

    __table_args__ = (UniqueConstraint("room", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    room: str = Field(sa_type=String(ROOM_KEY), index=True)
    user_id: int = Field(foreign_key="user.id")
    until: datetime = Field(sa_type=UTCDateTime)
    by_id: int = Field(foreign_key="user.id")


class QuestionStatus(StrEnum):
    pending = "pending"  # waiting for a moderator (pre-moderation)
    visible = "visible"
    answered = "answered"
    archived = "archived"


class Question(SQLModel, table=True):
    """A question to the speakers. `anonymous` hides the asker from other attendees, never
    from moderators. `votes` counts QuestionVote rows (kept in step in one UPDATE)."""

    id: int | None = Field(default=None, primary_key=True)
    room: str = Field(sa_type=String(ROOM_KEY), index=True)
    user_id: int = Field(foreign_key="user.id")
    text: str
    anonymous: bool = False
    status: QuestionStatus = Field(sa_type=StrEnumType(QuestionStatus, 16))
    pinned: bool = False
    votes: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)


class QuestionVote(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True)
    user_id: int = Field(foreign_key="user.id")


class PollState(StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"


class PollResults(StrEnum):
    after_vote = "after_vote"  # a voter sees the counts once they voted
    on_close = "on_close"  # everyone sees them when the poll closes (moderators: always)


class Poll(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    room: str = Field(sa_type=String(ROOM_KEY), index=True)
    question: str
    multiple: bool = False
    results: PollResults = Field(sa_type=StrEnumType(PollResults, 16))
    state: PollState = Field(sa_type=StrEnumType(PollState, 16))
    voters: int = 0  # raised in the same UPDATE-per-vote way as the options' counts
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime = Field(sa_type=UTCDateTime)


class PollOption(SQLModel, table=True):
    """One choice of a poll; `votes` is raised in one UPDATE per vote."""

    __table_args__ = (UniqueConstraint("poll_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True)
    position: int
    label: str
    votes: int = 0


class PollVote(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("poll_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="poll.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    choices: str = Field(sa_type=String(200))  # comma-separated option positions


class HandStatus(StrEnum):
    raised = "raised"
    invited = "invited"  # a moderator asked them on stage


class Hand(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("room", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    room: str = Field(sa_type=String(ROOM_KEY), index=True)
    user_id: int = Field(foreign_key="user.id")
    status: HandStatus = Field(sa_type=StrEnumType(HandStatus, 16))
    raised_at: datetime = Field(sa_type=UTCDateTime)


class Announcement(SQLModel, table=True):
    """A notice from organisers to a session room or to a whole forum (`forum:{slug}`)."""

    id: int | None = Field(default=None, primary_key=True)
    room: str = Field(sa_type=String(ROOM_KEY), index=True)
    author_id: int = Field(foreign_key="user.id")
    text: str
    created_at: datetime = Field(sa_type=UTCDateTime)


class PrivateRoom(SQLModel, table=True):
    """A room only its members know about (a visitor's chat with a stand, a 1:1 call): its
    key is `private:{id}`, and `id` is a random token, so it cannot be guessed."""

    id: str = Field(sa_type=String(43), primary_key=True)
    kind: str = Field(sa_type=String(32))
    created_at: datetime = Field(sa_type=UTCDateTime)


class PrivateRoomMember(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("room_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    room_id: str = Field(foreign_key="privateroom.id", sa_type=String(43), index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
