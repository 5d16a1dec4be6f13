"""Rehearsals: a synthetic audience an organiser lets loose on their own forum (`pavilion
rehearse`), and the accounts it signs in as.

A rehearsal's accounts carry its id (`User.rehearsal_id`), so that everything they leave is
found and removed when it ends, or when it expires because its driver was killed. The rehearsal
row itself stays, ended, as the record of what was run (it names no rehearsal account).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from server.attendance.models import Mode
from server.db import UTCDateTime
from server.instants import Instant
from server.params import Id

MAX_ATTENDEES = 5000
MAX_MINUTES = 180
# Where rehearsal accounts "live": the .invalid top-level domain can never receive mail
# (RFC 2606), so even a message that slipped past the outbox's guard would go nowhere.
EMAIL_DOMAIN = "rehearsal.invalid"


class Rehearsal(SQLModel, table=True):
    """One rehearsal of one session's room: `expires_at` is when the sweeper removes it if
    nobody did; `ended_at` when its accounts and their traces were removed."""

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    # `use_alter`: accounts point at their rehearsal and the rehearsal at its organiser; the
    # cycle between the two tables is broken here, so rehearsals sort (and insert) first.
    created_by: int = Field(
        sa_column=Column(Integer, ForeignKey("user.id", use_alter=True), nullable=False)
    )
    session_id: int = Field(foreign_key="session.id")
    attendees: int
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def account_email(rehearsal_id: int, number: int) -> str:
    """The address of a rehearsal's `number`-th account (from 1)."""
    return f"r{rehearsal_id}-{number}@{EMAIL_DOMAIN}"


def account_pattern(rehearsal_id: int) -> str:
    """A LIKE pattern for every address of that rehearsal (`r12-` never matches `r1-`)."""
    return f"r{rehearsal_id}-%@{EMAIL_DOMAIN}"


class RehearsalStatus(StrEnum):
    running = "running"
    expired = "expired"  # past expires_at: the sweeper removes it at its next round
    ended = "ended"  # its accounts and everything they left are gone


# --- HTTP schemas ---------------------------------------------------------------------------


class RehearsalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attendees: int = PydanticField(ge=1, le=MAX_ATTENDEES, description="Accounts to create")
    minutes: int = PydanticField(ge=1, le=MAX_MINUTES, description="How long it will run")
    session: Id | None = PydanticField(
        default=None,
        description="The session whose room is rehearsed; default: the marathon's live "
        "segment, else its next one",
    )


class RehearsalCreated(BaseModel):
    """What the driver needs, once: the shared password is not stored anywhere readable."""

    id: int
    forum: str
    session: int
    room: str
    mode: Mode = PydanticField(description="How the accounts register for the session")
    expires_at: Instant
    password: str
    emails: list[str]
    moderator: str = PydanticField(description="The account that may run polls in the room")


class RehearsalState(BaseModel):
    id: int
    forum: str
    session: int
    attendees: int
    status: RehearsalStatus
    created_at: Instant
    expires_at: Instant
    ended_at: Instant | None
    accounts: int = PydanticField(description="Rehearsal accounts that still exist")
    remaining: dict[str, int] = PydanticField(
        description="Rows still referring to its accounts, by table (empty once ended)"
    )
