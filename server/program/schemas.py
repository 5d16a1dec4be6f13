"""The public JSON of the program, as pydantic models: the OpenAPI document's source.

The views build plain dicts (fast, and cached as bytes); a test validates real answers
against these models with extra fields forbidden, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

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


# --- frab's schedule.json (https://c3voc.de/schedule/schema.json) ---------------------------
# Local times here are the forum's home zone, with the offset (frab's way); `links` and
# `attachments` are always empty lists for now.


class _Aliased(_Public):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FrabGenerator(_Public):
    name: str
    version: str


class FrabRoom(_Public):
    name: str
    guid: str


class FrabTrack(_Public):
    name: str
    slug: str
    color: str


class FrabPerson(_Public):
    """A frab person: voc/schedule's schema takes a person as a frab person (`id`,
    `public_name`) or a pretalx one (`name`), never as both."""

    id: int
    guid: str
    public_name: str
    biography: str | None
    role: str


class FrabLink(_Public):
    url: str
    title: str


class FrabEvent(_Public):
    id: int
    guid: str
    logo: str | None
    date: str = Field(description="The local start with its offset: 2027-03-28T12:00:00+03:00")
    start: str = Field(description="HH:MM, local")
    duration: str = Field(description="HH:MM")
    room: str
    slug: str
    url: str
    title: str
    subtitle: str
    track: str | None
    type: str
    language: str
    abstract: str
    description: str
    recording_license: str
    do_not_record: bool
    persons: list[FrabPerson]
    links: list[FrabLink]
    attachments: list[FrabLink]


class FrabDay(_Public):
    index: int
    date: str
    day_start: str
    day_end: str
    rooms: dict[str, list[FrabEvent]] = Field(description="Each room's events, by room name")


class FrabConference(_Aliased):
    acronym: str
    title: str
    start: str
    end: str
    days_count: int = Field(alias="daysCount")
    timeslot_duration: str
    time_zone_name: str
    url: str
    rooms: list[FrabRoom]
    tracks: list[FrabTrack]
    days: list[FrabDay]


class FrabSchedule(_Public):
    version: str
    base_url: str
    conference: FrabConference


class FrabSchedulePublic(_Aliased):
    """The program in frab's schedule.json format (Giggity, ConfClerk, the C3VOC tools)."""

    schema_url: str = Field(alias="$schema")
    generator: FrabGenerator
    schedule: FrabSchedule


# --- schema.org JSON-LD -----------------------------------------------------------------------
# Keys that schema.org leaves optional are left out when unknown (never null).


class PostalAddressLd(_Aliased):
    type: Literal["PostalAddress"] = Field(alias="@type")
    street_address: str | None = Field(
        default=None,
        alias="streetAddress",
        description="The venue's address as the program gives it",
    )
    address_locality: str = Field(alias="addressLocality", description="The forum's city")


class PlaceLd(_Aliased):
    type: Literal["Place"] = Field(alias="@type")
    name: str
    address: PostalAddressLd
    maximum_attendee_capacity: int | None = Field(default=None, alias="maximumAttendeeCapacity")


class VirtualLocationLd(_Aliased):
    type: Literal["VirtualLocation"] = Field(alias="@type")
    url: str


LocationLd = Annotated[PlaceLd | VirtualLocationLd, Field(discriminator="type")]


class PersonLd(_Aliased):
    type: Literal["Person"] = Field(alias="@type")
    name: str
    image: str | None = None


class OrganizationLd(_Aliased):
    """The forum's organiser."""

    type: Literal["Organization"] = Field(alias="@type")
    name: str
    url: str | None = None


class OfferLd(_Aliased):
    """Taking part: free (price 0), by registering at `url`."""

    type: Literal["Offer"] = Field(alias="@type")
    price: int
    availability: str = Field(
        description="https://schema.org/InStock, or LimitedAvailability when places are counted"
    )
    url: str


class EventLd(_Aliased):
    """One session as a schema.org Event (BusinessEvent, MusicEvent or SocialEvent)."""

    type: Literal["BusinessEvent", "MusicEvent", "SocialEvent"] = Field(alias="@type")
    id: str = Field(alias="@id")
    identifier: str
    name: str
    description: str
    start_date: str = Field(alias="startDate", description="Local, in the host city's zone")
    end_date: str = Field(alias="endDate")
    event_attendance_mode: str = Field(alias="eventAttendanceMode")
    event_status: str = Field(alias="eventStatus")
    in_language: list[str] = Field(alias="inLanguage")
    is_accessible_for_free: bool = Field(
        alias="isAccessibleForFree", description="False for a closed (invite-only) session"
    )
    url: str
    location: list[LocationLd]
    performer: list[PersonLd]
    organizer: OrganizationLd | None = None
    image: list[str] | None = Field(default=None, description="The forum's picture")
    offers: OfferLd | None = Field(default=None, description="None for a closed session")
    maximum_physical_attendee_capacity: int | None = Field(
        default=None, alias="maximumPhysicalAttendeeCapacity"
    )
    maximum_virtual_attendee_capacity: int | None = Field(
        default=None, alias="maximumVirtualAttendeeCapacity"
    )


class EventSeriesLd(_Aliased):
    """The forum as a schema.org EventSeries whose subEvents are its sessions."""

    context: Literal["https://schema.org"] = Field(alias="@context")
    type: Literal["EventSeries"] = Field(alias="@type")
    name: str
    description: str
    start_date: str = Field(alias="startDate")
    end_date: str = Field(alias="endDate")
    url: str
    in_language: list[str] = Field(alias="inLanguage")
    event_attendance_mode: str = Field(alias="eventAttendanceMode")
    is_accessible_for_free: bool = Field(alias="isAccessibleForFree")
    location: list[LocationLd]
    organizer: OrganizationLd | None = None
    image: list[str] | None = None
    offers: OfferLd
    sub_event: list[EventLd] = Field(alias="subEvent")
