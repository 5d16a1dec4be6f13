"""Program tables and the names of their kinds.

Every instant is stored as UTC (`UTCDateTime`); every session also stores its host city's
IANA zone, so local times are derived, never stored.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import StrEnumType, UTCDateTime


class SessionType(StrEnum):
    strategic_session = "strategic_session"
    plenary = "plenary"
    panel = "panel"
    round_table = "round_table"
    expert_session = "expert_session"
    practical_session = "practical_session"
    project_defence = "project_defence"
    site_visit = "site_visit"
    workshop = "workshop"
    networking = "networking"
    concert = "concert"


class SessionFormat(StrEnum):
    onsite = "onsite"
    online = "online"
    hybrid = "hybrid"


class Access(StrEnum):
    public = "public"
    registered = "registered"
    invite_only = "invite_only"


class SessionStatus(StrEnum):
    scheduled = "scheduled"
    live = "live"
    ended = "ended"
    cancelled = "cancelled"
    delayed = "delayed"


class ChangeReason(StrEnum):
    """Why `program.changed` was announced by the editor or an import (server/editor/changes.py;
    the marathon and the runner add their own reasons)."""

    edited = "edited"  # an organiser in the program editor
    imported = "imported"  # `pavilion program import`


class VenueKind(StrEnum):
    hall = "hall"
    channel = "channel"
    site = "site"


class Presence(StrEnum):
    onsite = "onsite"
    remote = "remote"


class Role(StrEnum):
    moderator = "moderator"
    speaker = "speaker"
    expert = "expert"
    host = "host"
    performer = "performer"
    jury = "jury"


def new_uid() -> str:
    return str(uuid.uuid4())


class Forum(SQLModel, table=True):
    """A multi-day forum; `tz` is its home zone (the organiser's, e.g. Europe/Moscow)."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_type=String(80), unique=True, index=True)
    name_en: str
    name_ru: str
    tagline_en: str = ""
    tagline_ru: str = ""
    city_en: str = ""
    city_ru: str = ""
    tz: str = Field(sa_type=String(64))
    starts_on: date
    ends_on: date
    url: str = ""
    # Who runs the forum and its picture, for the exports (schema.org's organizer and image).
    organizer_en: str = ""
    organizer_ru: str = ""
    organizer_url: str = Field(default="", sa_type=String(500))
    image_url: str = Field(default="", sa_type=String(500))
    # Rises with every change to the forum's program (sessions, venues, people), in the
    # same transaction: rendered programs are cached under it (see program/cache.py).
    program_version: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Venue(SQLModel, table=True):
    """A physical hall (with seats), an online channel, or an off-site location."""

    __table_args__ = (UniqueConstraint("forum_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    slug: str = Field(sa_type=String(80))
    name_en: str
    name_ru: str
    kind: VenueKind = Field(sa_type=StrEnumType(VenueKind, 16))
    seats: int | None = None
    address_en: str = ""
    address_ru: str = ""
    stream_url: str = ""
    position: int = 0


class Track(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("forum_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    slug: str = Field(sa_type=String(80))
    name_en: str
    name_ru: str
    color: str = "#3b6ea5"


class Person(SQLModel, table=True):
    """A speaker, moderator, expert or performer (not necessarily a user account)."""

    __table_args__ = (UniqueConstraint("forum_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    slug: str = Field(sa_type=String(80))
    uid: str = Field(default_factory=new_uid, sa_type=String(36))
    name_en: str
    name_ru: str
    position_en: str = ""
    position_ru: str = ""
    organisation_en: str = ""
    organisation_ru: str = ""
    country: str = Field(default="", sa_type=String(2))
    # How the organisers reach them; import and the editor link it to an account (user_id),
    # inviting one when there is none, and give them their sessions' roles.
    email: str = Field(default="", sa_type=String(254), index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    photo_url: str = Field(default="", sa_type=String(500))
    bio_en: str = ""
    bio_ru: str = ""


class Session(SQLModel, table=True):
    """One item of the program.

    `starts_at`/`ends_at` are UTC instants; `host_tz` is the IANA zone of the city the session
    is hosted from (for a remote marathon segment, the capital, not the hall). `sequence`
    rises whenever something a calendar shows changes, as iCalendar's SEQUENCE requires.
    """

    __table_args__ = (UniqueConstraint("forum_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    uid: str = Field(default_factory=new_uid, sa_type=String(36), unique=True)
    slug: str = Field(sa_type=String(120))
    title_en: str
    title_ru: str
    abstract_en: str = ""
    abstract_ru: str = ""
    type: SessionType = Field(sa_type=StrEnumType(SessionType, 32))
    format: SessionFormat = Field(sa_type=StrEnumType(SessionFormat, 16))
    access: Access = Field(sa_type=StrEnumType(Access, 16))
    status: SessionStatus = Field(
        default=SessionStatus.scheduled, sa_type=StrEnumType(SessionStatus, 16)
    )
    venue_id: int | None = Field(default=None, foreign_key="venue.id", index=True)
    track_id: int | None = Field(default=None, foreign_key="track.id")
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    host_city_en: str
    host_city_ru: str
    host_tz: str = Field(sa_type=String(64))
    language: str = Field(default="ru", sa_type=String(16))
    capacity_onsite: int | None = None
    capacity_online: int | None = None
    departure_point_en: str = ""
    departure_point_ru: str = ""
    departure_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sequence: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class SessionPerson(SQLModel, table=True):
    """Who takes part in a session, in which role, and whether on site or remote."""

    session_id: int = Field(foreign_key="session.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    role: Role = Field(sa_type=StrEnumType(Role, 16))
    presence: Presence = Field(default=Presence.onsite, sa_type=StrEnumType(Presence, 8))
    position: int = 0


class SessionCreate(SQLModel):
    """What an organiser (or the demo loader) gives to put a session in the program."""

    slug: str = Field(min_length=1, max_length=120, regex=r"^[a-z0-9][a-z0-9-]*$")
    # Either language may be left empty (the other is shown in its place), not both.
    title_en: str = Field(default="", max_length=300)
    title_ru: str = Field(default="", max_length=300)
    abstract_en: str = ""
    abstract_ru: str = ""
    type: SessionType
    format: SessionFormat
    access: Access = Access.public
    status: SessionStatus = SessionStatus.scheduled
    venue: str | None = None
    track: str | None = None
    starts_at: datetime
    ends_at: datetime
    host_city_en: str = ""
    host_city_ru: str = ""
    host_tz: str
    language: str = "ru"
    capacity_onsite: int | None = Field(default=None, ge=0)
    capacity_online: int | None = Field(default=None, ge=0)
    departure_point_en: str = ""
    departure_point_ru: str = ""
    departure_at: datetime | None = None


class SessionUpdate(SQLModel):
    """A partial change; fields left out stay as they are."""

    title_en: str | None = None
    title_ru: str | None = None
    abstract_en: str | None = None
    abstract_ru: str | None = None
    status: SessionStatus | None = None
    venue: str | None = None
    track: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    capacity_onsite: int | None = Field(default=None, ge=0)
    capacity_online: int | None = Field(default=None, ge=0)


class CastMember(SQLModel):
    person: str
    role: Role
    presence: Presence = Presence.onsite
