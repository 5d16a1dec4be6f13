"""Public JSON of the marathon, as pydantic models (the OpenAPI document's source): plans,
the marathon day, re-plans and the preview of a delay.

The views (server/marathon/views.py, api.py) build plain dicts, as the CLI prints them too;
the routes answer them through these models with extra fields forbidden, so the two cannot
drift apart. Instants are UTC (`Instant`); local times carry their offset.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from server.instants import Instant
from server.program.models import SessionStatus
from server.program.schemas import HostTimes, LocalTimes


class _Public(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ShortenedPublic(_Public):
    """A later segment that would run shorter than planned (only with `accept_shorter`)."""

    segment: int
    city: str
    from_minutes: int = Field(alias="from")
    to: int


class PreviewSegment(_Public):
    """One segment of the re-planned day: where it is now and where it would go."""

    segment: int
    session: int
    position: int = Field(description="Its place in the day after the re-plan")
    city: str
    title: str
    was_starts_at: Instant
    was_ends_at: Instant
    starts_at: Instant
    ends_at: Instant
    minutes: int = Field(description="Its length after the re-plan")
    moved_minutes: int = Field(description="How far its start moves (negative: earlier)")
    viewer: LocalTimes = Field(description="The new times in the viewer's zone")
    was_viewer: LocalTimes = Field(description="The times now, in the viewer's zone")
    host: HostTimes = Field(description="The new times in the host city's zone")


class DelayPreviewPublic(_Public):
    """What a delay of the live segment would do to the day; nothing is stored."""

    forum: str
    marathon: str
    segment: int
    minutes: int
    accept_shorter: bool
    tz: str
    segments: list[PreviewSegment]
    shortened: list[ShortenedPublic]


# --- the planner's answer (DESIGN.md section 9) ---------------------------------------------


class PlanHub(_Public):
    """The hub's broadcast window on the day, in UTC."""

    tz: str
    window: str
    start: Instant
    end: Instant


class PlannedSegment(_Public):
    position: int
    city: str
    tz: str
    minutes: int
    window: str = Field(description="The host's local window, e.g. 09:00-21:00")
    fixed: bool = Field(description="Whether its place in the order was fixed")
    utc_start: Instant
    utc_end: Instant
    local_start: str
    local_end: str
    local_abbr: str = Field(description="The host zone's abbreviation at the start, e.g. CEST")
    local_end_abbr: str = Field(
        description="Its abbreviation at the end: another one when the clocks change on air"
    )
    hub_start: str
    hub_end: str
    idle_before_minutes: int


class PlanGap(_Public):
    """A stretch of the stream with nobody on air beyond the handover gap."""

    after: str
    before: str
    utc_start: Instant
    utc_end: Instant
    minutes: int


class PlanPublic(_Public):
    """A relay plan: each capital's segment, and the idle gaps between them."""

    date: date
    hub: PlanHub
    gap_minutes: int
    segments: list[PlannedSegment]
    gaps: list[PlanGap]
    idle_minutes: int
    span_minutes: int


# --- stored marathons -------------------------------------------------------------------------


class HubWindow(_Public):
    tz: str
    window: str


class MarathonSummary(_Public):
    slug: str
    title: str
    date: date
    hub: HubWindow


class NextSegment(_Public):
    """The next segment to start, and in how many minutes (rounded up)."""

    segment: int
    city: str
    starts_at: Instant
    starts_in_minutes: int


class SegmentPublic(_Public):
    """A stored segment in the viewer's, its host city's and the hub's zone."""

    id: int
    session: int
    position: int
    fixed_position: int | None
    city: str
    title: str
    status: SessionStatus
    starts_at: Instant
    ends_at: Instant
    minutes: int
    planned_minutes: int
    window: str
    viewer: LocalTimes
    host: HostTimes
    hub: LocalTimes


class MarathonPublic(_Public):
    """A marathon day with what is live and what is next by the server's clock (`now`)."""

    forum: str
    id: int = Field(description="Its room is `marathon:{id}`")
    slug: str
    title: str
    date: date
    tz: str
    now: Instant
    hub: PlanHub
    gap_minutes: int
    live: int | None = Field(description="The segment on air now")
    next: NextSegment | None
    segments: list[SegmentPublic]


class ReplannedPublic(MarathonPublic):
    """The day after a delay or an early end (in the forum's zone), with the later segments
    that now run shorter (only with `accept_shorter`)."""

    shortened: list[ShortenedPublic]
