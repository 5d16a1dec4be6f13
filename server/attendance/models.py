"""Attendance tables: registrations per session and mode, the seat pools that keep them exact,
and invitations to closed sessions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.accounts.models import MailAddress, OptionalPersonName, UserPublic
from server.db import StrEnumType, UTCDateTime
from server.instants import Instant
from server.program.schemas import HostTimes, LocalTimes


class Mode(StrEnum):
    onsite = "onsite"
    online = "online"


class Status(StrEnum):
    confirmed = "confirmed"
    waitlisted = "waitlisted"
    offered = "offered"  # a freed seat held for this person until offer_expires_at
    cancelled = "cancelled"
    expired = "expired"  # an offer that was not taken in time


ACTIVE = (Status.confirmed, Status.waitlisted, Status.offered)
HOLDING_A_SEAT = (Status.confirmed, Status.offered)


class SeatPool(SQLModel, table=True):
    """The seats of one mode of one session. A registration takes its ticket (`arrivals`) and,
    if one is free, a seat in one UPDATE, which locks the row: registrations of a pool are taken
    one at a time, in arrival order, on SQLite and PostgreSQL alike."""

    __table_args__ = (UniqueConstraint("session_id", "mode"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="session.id", index=True)
    mode: Mode = Field(sa_type=StrEnumType(Mode, 8))
    capacity: int | None = None  # None: no limit
    taken: int = 0  # confirmed + offered
    arrivals: int = 0
    last_seated: int = 0  # the ticket of the last arrival that got a seat


class Registration(SQLModel, table=True):
    """One person's registration for one session (one row per person and session, reused
    when they register again after cancelling)."""

    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="session.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    mode: Mode = Field(sa_type=StrEnumType(Mode, 8))
    status: Status = Field(sa_type=StrEnumType(Status, 12), index=True)
    ticket: int  # place in the pool's arrival order: the waitlist is served by it
    offer_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Invite(SQLModel, table=True):
    """An invitation to a closed session: a single-use token that expires. Accepting binds it
    to the account that accepted it."""

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="session.id", index=True)
    email: str = Field(sa_type=String(254))
    token_hash: str = Field(sa_type=String(64), unique=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    accepted_by: int | None = Field(default=None, foreign_key="user.id", index=True)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # Who invited, the guest's name and language (the mail's), when it was last mailed, and
    # when an organiser took it back (a revoked invitation cannot be accepted).
    invited_by: int | None = Field(default=None, foreign_key="user.id")
    name: str = Field(default="", sa_type=String(120))
    language: str = Field(default="ru", sa_type=String(2))
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InviteState(StrEnum):
    """Where an invitation stands, as an organiser's list and the invite page show it."""

    invited = "invited"  # mailed, not yet used, still valid
    accepted = "accepted"  # used by an account, which holds no active registration
    registered = "registered"  # used by an account that holds an active registration
    revoked = "revoked"  # taken back by an organiser: it gives no access any more
    expired = "expired"  # not used in time


InviteLanguage = Literal["ru", "en"]


class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: MailAddress
    name: OptionalPersonName = PydanticField(default="", description="How the mail greets them")
    language: InviteLanguage | None = PydanticField(
        default=None,
        description="The mail's language; default: their account's if they have one, else ru",
    )


class AcceptInviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = PydanticField(min_length=8, max_length=128)


class PersonRef(BaseModel):
    id: int
    name: str


class InvitePublic(BaseModel):
    """An invitation as its session's organisers see it. Times are UTC (RFC 3339, `Z`)."""

    id: int
    session: int
    email: str
    name: str
    language: InviteLanguage
    state: InviteState
    created_at: str
    sent_at: str | None
    expires_at: str
    accepted_at: str | None
    accepted_by: PersonRef | None
    revoked_at: str | None


class InviteSent(InvitePublic):
    """A new or re-sent invitation, with its link (also mailed): the previous link, if any,
    no longer works."""

    token: str
    url: str


class InviteList(BaseModel):
    invites: list[InvitePublic]


class InviteSession(BaseModel):
    id: int
    forum: str
    title_en: str
    title_ru: str
    starts_at: str
    ends_at: str
    host_tz: str
    host_city_en: str
    host_city_ru: str


class InvitePreview(BaseModel):
    """What the invite page shows to whoever holds the link (signed in or not): the address
    is masked unless it is the signed-in account's own."""

    state: InviteState
    email: str
    session: InviteSession
    expires_at: str
    accepted_by_me: bool = PydanticField(
        description="Whether the signed-in account is the one that accepted it"
    )


class InviteAccepted(BaseModel):
    session: int
    accepted: bool


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Mode


class Badge(SQLModel, table=True):
    """A person's badge for one forum; its QR token is signed (see badges.py)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    issued_at: datetime = Field(sa_type=UTCDateTime)
    # Revocation, by an organiser: the token is refused at the door for ever, and its holder
    # gets no new badge for the forum until an organiser restores (`restored_*`) the revoked
    # one; restoring lets the holder fetch a new badge, never revives this token.
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: int | None = Field(default=None, foreign_key="user.id")
    restored_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    restored_by: int | None = Field(default=None, foreign_key="user.id")


class BadgeRefusal(StrEnum):
    """Why a badge is refused (`error.reason`), at the door or when it is asked for."""

    forged = "forged"  # not signed by this server, or altered
    other_forum = "other_forum"
    revoked = "revoked"  # an organiser revoked it (and has not restored it)
    no_seat = "no_seat"  # its holder holds no confirmed on-site seat at the forum (any more)


class CheckIn(SQLModel, table=True):
    """The first scan of a badge at a door; later scans only read it."""

    id: int | None = Field(default=None, primary_key=True)
    badge_id: int = Field(foreign_key="badge.id", unique=True)
    venue_id: int = Field(foreign_key="venue.id")
    at: datetime = Field(sa_type=UTCDateTime)


class CalendarFeed(SQLModel, table=True):
    """A private calendar address for a person's agenda: the secret is in the URL (calendar
    apps cannot sign in), stored as a digest, and revocable by making a new one."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(sa_type=String(64), unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class _Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegistrationPublic(_Public):
    """A registration as its person sees it (DESIGN.md section 9): `position` in the waitlist
    (1 is next), and until when an offered seat is held."""

    session: int
    status: Status
    mode: Mode
    position: int | None
    offer_expires_at: Instant | None


class SeatsLeft(_Public):
    """Free seats per mode (null: no limit)."""

    onsite: int | None
    online: int | None


class SeatsPublic(_Public):
    session: int
    left: SeatsLeft


class AttendeePublic(_Public):
    user: UserPublic
    status: Status
    mode: Mode
    checked_in_at: Instant | None = PydanticField(
        description="When their forum badge was first scanned at a door (on-site only)"
    )


class AttendeeList(_Public):
    """A session's active registrations, in order (moderators and organisers)."""

    session: int
    registrations: list[AttendeePublic]


class Departure(_Public):
    """Where and when the bus leaves, for a site visit."""

    point: str
    at: Instant
    viewer: str = PydanticField(description="The same instant in the viewer's zone, with offset")


class AgendaItem(RegistrationPublic):
    """One of my sessions, with my registration for it."""

    forum: str
    title: str
    starts_at: Instant
    ends_at: Instant
    viewer: LocalTimes
    host: HostTimes
    overlaps: list[int] = PydanticField(description="My other sessions that overlap this one")
    departure: Departure | None


class AgendaPublic(_Public):
    tz: str
    sessions: list[AgendaItem]


class BadgeKeyPublic(_Public):
    """The public key that verifies badge tokens offline (at a door without a network)."""

    algorithm: Literal["Ed25519"]
    public_key_pem: str


class BadgePublic(_Public):
    """My badge for a forum: its signed token and where its QR code is drawn."""

    forum: str
    name: str
    organisation: str
    token: str
    svg: str
    png: str


class CheckInSession(_Public):
    session: int
    title: str
    starts_at: Instant


class CheckInPublic(_Public):
    """Who was let in, and their on-site sessions behind this door."""

    name: str
    organisation: str
    checked_in_at: Instant = PydanticField(description="The badge's first scan")
    already: bool = PydanticField(description="Whether it had been scanned before")
    message: str
    sessions: list[CheckInSession]


class BadgeRevoked(_Public):
    """A badge's revocation record: who revoked it and when, and who restored it and when (a
    restored badge stays refused; its holder may fetch a new one)."""

    badge: int
    revoked_at: Instant
    revoked_by: int | None = PydanticField(description="The organiser who revoked it")
    restored_at: Instant | None = None
    restored_by: int | None = None


class AgendaFeedPublic(_Public):
    """A private calendar address for my agenda (the previous one stops working)."""

    url: str
