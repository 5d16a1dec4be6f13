"""The public JSON of the program, as pydantic models: the OpenAPI document's source.

The views build plain dicts (fast, and cached as bytes); a test validates real answers
against these models with extra fields forbidden, so the two cannot drift apart.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from server.program.models import (
    Access,
    Presence,
    Role,
    SessionFormat,
    SessionStatus,
    SessionType,
    VenueKind,
)


class _Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocalTimes(_Public):
    """An interval as seen in one zone; offsets and abbreviations as in force on that date."""

    tz: str
    start: str
    end: str
    abbr: str
    utc_offset: str
    end_abbr: str
    end_utc_offset: str


class HostTimes(LocalTimes):
    city: str


class VenuePublic(_Public):
    slug: str
    name: str
    kind: VenueKind
    seats: int | None
    address: str


class TrackPublic(_Public):
    slug: str
    name: str
    color: str


class SpeakerPublic(_Public):
    name: str
    role: Role
    presence: Presence
    position: str
    organisation: str
    country: str


class Capacity(_Public):
    onsite: int | None
    online: int | None


class SiteVisit(_Public):
    departure_point: str
    departure_at: str
    viewer: str
    host: str


class SessionPublic(_Public):
    id: int
    uid: str
    slug: str
    title: str
    abstract: str
    type: SessionType
    format: SessionFormat
    access: Access
    status: SessionStatus
    language: str
    venue: VenuePublic | None
    track: TrackPublic | None
    starts_at: str
    ends_at: str
    duration_minutes: int
    viewer: LocalTimes
    host: HostTimes
    capacity: Capacity
    speakers: list[SpeakerPublic]
    site_visit: SiteVisit | None
    sequence: int


class Day(_Public):
    date: str
    sessions: list[SessionPublic]


class ProgramPublic(_Public):
    forum: str
    tz: str
    lang: str
    date: str | None
    days: list[Day]


class ForumPublic(_Public):
    slug: str
    name: str
    names: dict[str, str]
    tagline: str
    city: str
    tz: str
    starts_on: str
    ends_on: str
    url: str
    venues: list[VenuePublic] | None
    tracks: list[TrackPublic] | None


class ProgramNowPublic(_Public):
    """What is on now and what starts next, by the sessions' statuses (the runners move
    them on the clock) and the server's clock."""

    forum: str
    now: str
    live: list[int]  # sessions on air now, by start
    next: list[int]  # the waiting sessions that start first after now (all at that instant)
    next_starts_at: str | None
    over: bool  # nothing left to run: every session ended or cancelled
