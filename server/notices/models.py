"""A notice is what one person was told about one event; its `key` makes telling idempotent
(a reminder, an offer, a move is told once even when two nodes or a retry try again)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import JSON, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import StrEnumType, UTCDateTime
from server.instants import Instant
from server.params import ID_MAX


class NoticeKind(StrEnum):
    seat_offered = "seat_offered"  # a seat came free from the waitlist: accept before a deadline
    session_moved = "session_moved"  # new times (or a new place) for a session one attends
    session_cancelled = "session_cancelled"
    session_restored = "session_restored"  # a cancelled session is back in the program
    session_delayed = "session_delayed"  # a marathon delay moved it
    reminder = "reminder"  # a registered session starts soon
    invited = "invited"  # invited to a closed session
    role_granted = "role_granted"
    role_withdrawn = "role_withdrawn"


class Notice(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: NoticeKind = Field(sa_type=StrEnumType(NoticeKind, 24))
    key: str = Field(sa_type=String(200))
    session_id: int | None = Field(default=None, foreign_key="session.id", index=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    mailed: bool = False
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --- what the routes take and answer ---------------------------------------------------------


class NoticePublic(BaseModel):
    id: int
    kind: NoticeKind
    session: int | None
    data: dict[str, Any]
    created_at: Instant
    read: bool


class NoticesPublic(BaseModel):
    notices: list[NoticePublic]
    unread: int


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    up_to: int = PydanticField(ge=0, le=ID_MAX)


class ReadPublic(BaseModel):
    unread: int
