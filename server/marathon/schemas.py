"""Public JSON of the marathon's newer answers, as pydantic models (the OpenAPI document's
source): the preview of a delay."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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
    was_starts_at: str
    was_ends_at: str
    starts_at: str
    ends_at: str
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
