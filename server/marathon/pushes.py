"""The marathon's pushes: its segments going live and ending (`session.status`), the stream
handed over from one capital to the next (`marathon.handover`), and re-plans
(`program.changed`). Each goes to the session rooms concerned, the marathon's room and the
forum's room."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from server.marathon.models import ChangeKind
from server.program.models import SessionStatus
from server.realtime.pushes import PushData


class Segment(PushData):
    """One segment of the relay, and the city it comes from."""

    segment: int
    session: int
    city: str
    city_ru: str


class SegmentStatus(Segment):
    """`session.status` from the marathon's runner: with the segment, its city and when."""

    status: SessionStatus
    at: AwareDatetime


class Handover(PushData):
    """`marathon.handover`: from one segment to the next (null before the first, after the
    last)."""

    marathon: str  # the marathon's slug
    before: Segment | None = Field(alias="from")
    after: Segment | None = Field(alias="to")
    at: AwareDatetime


class Replanned(PushData):
    """`program.changed` after a re-plan (planned, a delay, a segment ended early)."""

    forum: str
    marathon: str
    reason: ChangeKind
    sessions: list[int]
