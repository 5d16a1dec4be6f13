"""Marathon tables and the planner's request schema.

A marathon belongs to a forum; each of its segments is a program session (which holds the
host city, its zone and the segment's UTC times). The segment adds what the planner needs:
the host's local window, the requested length and an optional fixed position.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import StrEnumType, UTCDateTime
from server.marathon.planner import MAX_GAP_MINUTES, Host, Relay
from server.marathon.windows import parse_window
from server.params import ID_MAX
from server.zones import parse_local_date


class Marathon(SQLModel, table=True):
    """A relay day: `day` is the hub's local date; `hub_window` is e.g. "08:00-23:00"."""

    __table_args__ = (UniqueConstraint("forum_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True)
    slug: str = Field(sa_type=String(80))
    title_en: str
    title_ru: str
    day: date
    hub_tz: str = Field(sa_type=String(64))
    hub_window: str = Field(sa_type=String(16))
    gap_minutes: int = 5
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class MarathonSegment(SQLModel, table=True):
    """One capital's turn. `position` is its place in the current plan (1-based);
    `fixed_position` pins it there whenever the day is planned again."""

    id: int | None = Field(default=None, primary_key=True)
    marathon_id: int = Field(foreign_key="marathon.id", index=True)
    session_id: int = Field(foreign_key="session.id", unique=True)
    window: str = Field(default="09:00-21:00", sa_type=String(16))
    minutes: int
    position: int
    fixed_position: int | None = None


class ChangeKind(StrEnum):
    planned = "planned"
    delay = "delay"
    ended_early = "ended_early"


class MarathonChange(SQLModel, table=True):
    """The record of every re-plan: what was asked, when, and which segments were shortened."""

    id: int | None = Field(default=None, primary_key=True)
    marathon_id: int = Field(foreign_key="marathon.id", index=True)
    segment_id: int | None = Field(default=None, foreign_key="marathonsegment.id")
    kind: ChangeKind = Field(sa_type=StrEnumType(ChangeKind, 16))
    minutes: int | None = None
    shortened: str = ""  # "segment:minutes,..." of segments the organiser accepted shorter
    at: datetime = Field(sa_type=UTCDateTime)


# --- the planner over HTTP and the CLI (DESIGN.md section 9) -------------------------------


class StrictInput(BaseModel):
    """Input models refuse unknown fields (a typo is an error, not silence)."""

    model_config = ConfigDict(extra="forbid")


class HubIn(StrictInput):
    tz: str = PydanticField(max_length=64, examples=["Europe/Moscow"])
    window: str = PydanticField(default="08:00-23:00", max_length=16)


class HostIn(StrictInput):
    city: str = PydanticField(min_length=1, max_length=120)
    tz: str = PydanticField(max_length=64, examples=["Asia/Jakarta"])
    minutes: int = PydanticField(gt=0, le=24 * 60)
    window: str = PydanticField(default="09:00-21:00", max_length=16)
    position: int | None = PydanticField(default=None, ge=1, le=ID_MAX)


class PlanRequest(StrictInput):
    """Hosts to plan on a date; windows are local wall-clock ranges (`18:00-02:00+1` wraps)."""

    date: str = PydanticField(examples=["2026-07-07"])
    hub: HubIn
    gap_minutes: int = PydanticField(default=5, ge=0, le=MAX_GAP_MINUTES)
    hosts: list[HostIn] = PydanticField(min_length=1)

    def to_relay(self) -> Relay:
        """The planner's input; Invalid names the field of a bad date or window."""
        return Relay(
            day=parse_local_date(self.date, field="date"),
            hub_tz=self.hub.tz,
            hub_window=parse_window(self.hub.window, field="hub.window"),
            gap_minutes=self.gap_minutes,
            hosts=tuple(
                Host(
                    city=h.city,
                    tz=h.tz,
                    minutes=h.minutes,
                    window=parse_window(h.window, field=f"hosts[{i}].window"),
                    position=h.position,
                )
                for i, h in enumerate(self.hosts)
            ),
        )


class DelayIn(StrictInput):
    minutes: int = PydanticField(gt=0, le=240, description="How much later the live segment ends")
    accept_shorter: bool = PydanticField(
        default=False,
        description="If the delay cannot be absorbed, shorten later segments to fit their windows",
    )


class EndIn(StrictInput):
    accept_shorter: bool = False
