"""What the program editor's routes take and answer.

Each kind of thing comes as `…In` (what a form sends to create it), `…Patch` (a partial change:
fields left out stay; the stored values with the patch laid over them are then validated as
the `…In` would be) and `…Edit` (what the editor shows: everything, with its id).

Bilingual names may be given in either language alone; the other stays "" and the program
shows the given one in its place. Neither is refused by the service, naming the `_en` field.
Times of a session are the host city's wall clock: `date`, `start`, `end` (and `end_date` when
it ends on a later day) in `host_tz`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from server.accounts.models import EMAIL
from server.params import ID_MAX, Id
from server.program.models import (
    Access,
    Presence,
    Role,
    SessionFormat,
    SessionStatus,
    SessionType,
    VenueKind,
)

SLUG = r"^[a-z0-9][a-z0-9-]*$"
HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"
COLOR = r"^#[0-9a-fA-F]{6}$"
COUNTRY = r"^([A-Z]{2})?$"
NAME = 300  # longest name or title
TEXT = 20_000  # longest abstract or bio


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- the forum ------------------------------------------------------------------------------


class ForumSettingsIn(_Input):
    """A partial change of the forum's own settings (its slug stays)."""

    name_en: str | None = Field(default=None, max_length=NAME)
    name_ru: str | None = Field(default=None, max_length=NAME)
    tagline_en: str | None = Field(default=None, max_length=NAME)
    tagline_ru: str | None = Field(default=None, max_length=NAME)
    city_en: str | None = Field(default=None, max_length=120)
    city_ru: str | None = Field(default=None, max_length=120)
    tz: str | None = Field(default=None, max_length=64, examples=["Europe/Moscow"])
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    url: str | None = Field(default=None, max_length=500)


class ForumSettings(_Output):
    slug: str
    name_en: str
    name_ru: str
    tagline_en: str
    tagline_ru: str
    city_en: str
    city_ru: str
    tz: str
    starts_on: dt.date
    ends_on: dt.date
    url: str


# --- venues, tracks, people -------------------------------------------------------------------


class VenueIn(_Input):
    slug: str = Field(pattern=SLUG, max_length=80)
    name_en: str = Field(default="", max_length=NAME)
    name_ru: str = Field(default="", max_length=NAME)
    kind: VenueKind
    seats: int | None = Field(default=None, ge=0, le=ID_MAX)
    address_en: str = Field(default="", max_length=NAME)
    address_ru: str = Field(default="", max_length=NAME)
    stream_url: str = Field(default="", max_length=500)
    position: int = Field(default=0, ge=-ID_MAX, le=ID_MAX)


class VenuePatch(_Input):
    slug: str | None = Field(default=None, pattern=SLUG, max_length=80)
    name_en: str | None = Field(default=None, max_length=NAME)
    name_ru: str | None = Field(default=None, max_length=NAME)
    kind: VenueKind | None = None
    seats: int | None = Field(default=None, ge=0, le=ID_MAX)
    address_en: str | None = Field(default=None, max_length=NAME)
    address_ru: str | None = Field(default=None, max_length=NAME)
    stream_url: str | None = Field(default=None, max_length=500)
    position: int | None = Field(default=None, ge=-ID_MAX, le=ID_MAX)


class VenueEdit(_Output):
    id: int
    slug: str
    name_en: str
    name_ru: str
    kind: VenueKind
    seats: int | None
    address_en: str
    address_ru: str
    stream_url: str
    position: int


class TrackIn(_Input):
    slug: str = Field(pattern=SLUG, max_length=80)
    name_en: str = Field(default="", max_length=NAME)
    name_ru: str = Field(default="", max_length=NAME)
    color: str = Field(default="#3b6ea5", pattern=COLOR)


class TrackPatch(_Input):
    slug: str | None = Field(default=None, pattern=SLUG, max_length=80)
    name_en: str | None = Field(default=None, max_length=NAME)
    name_ru: str | None = Field(default=None, max_length=NAME)
    color: str | None = Field(default=None, pattern=COLOR)


class TrackEdit(_Output):
    id: int
    slug: str
    name_en: str
    name_ru: str
    color: str


def _email(value: str | None) -> str | None:
    return None if value is None else value.strip().lower()


class PersonIn(_Input):
    slug: str = Field(pattern=SLUG, max_length=80)
    name_en: str = Field(default="", max_length=NAME)
    name_ru: str = Field(default="", max_length=NAME)
    position_en: str = Field(default="", max_length=NAME)
    position_ru: str = Field(default="", max_length=NAME)
    organisation_en: str = Field(default="", max_length=NAME)
    organisation_ru: str = Field(default="", max_length=NAME)
    country: str = Field(default="", pattern=COUNTRY)
    # How organisers reach them: the person is linked to the account with this address (one
    # is made, and the person invited by mail, when there is none) and given their casts' roles.
    email: str = Field(default="", pattern=f"^(|{EMAIL[1:-1]})$", max_length=254)
    photo_url: str = Field(default="", max_length=500)
    bio_en: str = Field(default="", max_length=TEXT)
    bio_ru: str = Field(default="", max_length=TEXT)

    _lower = field_validator("email")(_email)


class PersonPatch(_Input):
    slug: str | None = Field(default=None, pattern=SLUG, max_length=80)
    name_en: str | None = Field(default=None, max_length=NAME)
    name_ru: str | None = Field(default=None, max_length=NAME)
    position_en: str | None = Field(default=None, max_length=NAME)
    position_ru: str | None = Field(default=None, max_length=NAME)
    organisation_en: str | None = Field(default=None, max_length=NAME)
    organisation_ru: str | None = Field(default=None, max_length=NAME)
    country: str | None = Field(default=None, pattern=COUNTRY)
    email: str | None = Field(default=None, pattern=f"^(|{EMAIL[1:-1]})$", max_length=254)
    photo_url: str | None = Field(default=None, max_length=500)
    bio_en: str | None = Field(default=None, max_length=TEXT)
    bio_ru: str | None = Field(default=None, max_length=TEXT)

    _lower = field_validator("email")(_email)


class PersonEdit(_Output):
    id: int
    slug: str
    name_en: str
    name_ru: str
    position_en: str
    position_ru: str
    organisation_en: str
    organisation_ru: str
    country: str
    email: str
    photo_url: str
    bio_en: str
    bio_ru: str
    linked: bool  # the person is linked to an account (by their email)


class Deleted(BaseModel):
    deleted: str  # the slug of what was deleted


# --- sessions -------------------------------------------------------------------------------


class CastIn(_Input):
    person: str = Field(pattern=SLUG, max_length=80, description="The person's slug")
    role: Role
    presence: Presence = Presence.onsite


class SessionEditIn(_Input):
    """A session as the editor's form gives it; times in the host city's wall clock."""

    slug: str = Field(pattern=SLUG, max_length=120)
    title_en: str = Field(default="", max_length=NAME)
    title_ru: str = Field(default="", max_length=NAME)
    abstract_en: str = Field(default="", max_length=TEXT)
    abstract_ru: str = Field(default="", max_length=TEXT)
    type: SessionType
    format: SessionFormat
    access: Access = Access.public
    venue: str | None = Field(default=None, max_length=80, description="The venue's slug")
    track: str | None = Field(default=None, max_length=80, description="The track's slug")
    date: dt.date
    start: str = Field(pattern=HHMM, examples=["10:00"])
    end: str = Field(
        pattern=HHMM, description="At or before `start` only with an `end_date` after `date`"
    )
    end_date: dt.date | None = Field(default=None, description="When it ends on a later day")
    host_tz: str = Field(max_length=64, examples=["Asia/Jakarta"])
    host_city_en: str = Field(default="", max_length=120)
    host_city_ru: str = Field(default="", max_length=120)
    language: str = Field(default="ru", max_length=16)
    capacity_onsite: int | None = Field(default=None, ge=0, le=ID_MAX)
    capacity_online: int | None = Field(default=None, ge=0, le=ID_MAX)
    departure_point_en: str = Field(default="", max_length=NAME)
    departure_point_ru: str = Field(default="", max_length=NAME)
    departure_time: str | None = Field(
        default=None, pattern=HHMM, description="A site visit's departure, on `date`"
    )
    cast: list[CastIn] = Field(default_factory=list, max_length=200)
    confirm: bool = Field(
        default=False, description="Save despite overlaps and dates outside the forum"
    )


class SessionPatch(_Input):
    """A partial change of a session: the fields left out stay as they are."""

    slug: str | None = Field(default=None, pattern=SLUG, max_length=120)
    title_en: str | None = Field(default=None, max_length=NAME)
    title_ru: str | None = Field(default=None, max_length=NAME)
    abstract_en: str | None = Field(default=None, max_length=TEXT)
    abstract_ru: str | None = Field(default=None, max_length=TEXT)
    type: SessionType | None = None
    format: SessionFormat | None = None
    access: Access | None = None
    venue: str | None = Field(default=None, max_length=80)
    track: str | None = Field(default=None, max_length=80)
    date: dt.date | None = None
    start: str | None = Field(default=None, pattern=HHMM)
    end: str | None = Field(default=None, pattern=HHMM)
    end_date: dt.date | None = None
    host_tz: str | None = Field(default=None, max_length=64)
    host_city_en: str | None = Field(default=None, max_length=120)
    host_city_ru: str | None = Field(default=None, max_length=120)
    language: str | None = Field(default=None, max_length=16)
    capacity_onsite: int | None = Field(default=None, ge=0, le=ID_MAX)
    capacity_online: int | None = Field(default=None, ge=0, le=ID_MAX)
    departure_point_en: str | None = Field(default=None, max_length=NAME)
    departure_point_ru: str | None = Field(default=None, max_length=NAME)
    departure_time: str | None = Field(default=None, pattern=HHMM)
    cast: list[CastIn] | None = Field(default=None, max_length=200)
    confirm: bool = False


class SessionCheckIn(SessionEditIn):
    """A session form to check before saving; `session` is the one being edited (None for a
    new one): it does not conflict with itself."""

    session: Id | None = None


class CastEdit(_Output):
    person: str
    role: Role
    presence: Presence


class SessionEdit(_Output):
    """A stored session as the editor shows it: the form's fields, and what the server keeps."""

    id: int
    slug: str
    title_en: str
    title_ru: str
    abstract_en: str
    abstract_ru: str
    type: SessionType
    format: SessionFormat
    access: Access
    venue: str | None
    track: str | None
    date: dt.date
    start: str
    end: str
    end_date: dt.date | None
    host_tz: str
    host_city_en: str
    host_city_ru: str
    language: str
    capacity_onsite: int | None
    capacity_online: int | None
    departure_point_en: str
    departure_point_ru: str
    departure_time: str | None
    cast: list[CastEdit]
    status: SessionStatus
    starts_at: str  # UTC, RFC 3339 with Z
    ends_at: str
    sequence: int
    registered: int  # people holding an active registration (confirmed, waitlisted, offered)


class SessionDeleted(BaseModel):
    deleted: bool  # gone from the program: nobody had registered
    cancelled: bool  # cancelled instead (people had registered, and were told)


class ProblemCode(StrEnum):
    """What makes a session form impossible to save as it is (the UI words each)."""

    required = "required"  # a name in neither language; a site visit without its departure
    end_not_after_start = "end_not_after_start"  # end: not after start (no later end_date)
    unknown = "unknown"  # venue, track, cast: no such slug in the forum
    taken = "taken"  # slug: another session of the forum has it
    repeated = "repeated"  # cast: the same person twice
    departure_after_start = "departure_after_start"  # departure_time: after the start


class ConflictCode(StrEnum):
    """What a session form may be saved despite, with `confirm` (except capacity, refused)."""

    person_busy = "person_busy"  # cast: somebody is in another session at the same time
    venue_busy = "venue_busy"  # venue: another session is there at the same time
    outside_forum = "outside_forum"  # date: outside the forum's dates (in its zone)
    capacity_above_seats = "capacity_above_seats"  # capacity_onsite: more than the venue seats


class Problem(BaseModel):
    field: str
    code: ProblemCode
    message: str


class OtherSession(BaseModel):
    id: int
    title_en: str
    title_ru: str


class SessionConflict(BaseModel):
    code: ConflictCode
    field: str
    message: str
    other: OtherSession | None  # the session it conflicts with, if any


class SessionCheck(BaseModel):
    problems: list[Problem]
    conflicts: list[SessionConflict]


class EditorState(BaseModel):
    """Everything the editor shows of a forum, cancelled sessions included."""

    forum: ForumSettings
    venues: list[VenueEdit]
    tracks: list[TrackEdit]
    people: list[PersonEdit]
    sessions: list[SessionEdit]
