"""The `marathons:` part of a program file: planned on import, validated before writing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import FakeClock
from server.errors import Invalid
from server.marathon.models import MarathonSegment
from server.program.models import Forum, Session
from tests.factories import load_program, marathon_doc, session_doc


async def planned(db: AsyncSession) -> dict[str, tuple[datetime, datetime, int]]:
    query = select(Session, MarathonSegment).join(
        MarathonSegment, MarathonSegment.session_id == Session.id
    )
    return {
        session.slug: (session.starts_at, session.ends_at, segment.position)
        for session, segment in (await db.exec(query)).all()
    }


async def test_segments_get_the_planners_times_and_a_second_import_changes_nothing(
    db: AsyncSession, clock: FakeClock
) -> None:
    first = await load_program(db, clock, marathon_doc(positions={"jakarta": 1}))
    second = await load_program(db, clock, marathon_doc(positions={"jakarta": 1}))

    at = lambda h, m: datetime(2027, 3, 28, h, m, tzinfo=UTC)  # noqa: E731
    assert await planned(db) == {
        "relay-jakarta": (at(8, 40), at(10, 10), 1),
        "relay-cairo": (at(10, 20), at(11, 50), 2),
        "relay-buenos-aires": (at(12, 0), at(13, 30), 3),
    }
    assert (first.created["marathons"], second.unchanged["marathons"]) == (1, 1)
    assert second.unchanged["sessions"] == 3


async def test_a_changed_segment_is_planned_again_on_reimport(
    db: AsyncSession, clock: FakeClock
) -> None:
    await load_program(db, clock, marathon_doc(positions={"jakarta": 1}))

    report = await load_program(db, clock, marathon_doc(positions={"jakarta": 1}, minutes=60))

    assert report.updated == {"marathons": 1, "sessions": 3}
    times = await planned(db)
    assert [(times[s][1] - times[s][0]).seconds // 60 for s in sorted(times)] == [60, 60, 60]


def broken(change: str) -> dict:
    doc = marathon_doc()
    if change == "unknown session":
        doc["marathons"][0]["segments"][1]["session"] = "relay-atlantis"
    elif change == "timed segment":
        doc["sessions"][2].update(start="2027-03-28T10:00", end="2027-03-28T11:30")
    elif change == "bad window":
        doc["marathons"][0]["segments"][2]["window"] = "21:00-09:00"
    elif change == "twice":
        doc["marathons"][0]["segments"][2]["session"] = "relay-cairo"
    elif change == "no room":
        doc["marathons"][0]["hub"]["window"] = "08:00-10:00"
    elif change == "untimed session":
        doc["sessions"].append(
            {k: v for k, v in session_doc("x", "", "").items() if k not in ("start", "end")}
        )
    return doc


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ("unknown session", "marathons.0.segments.1.session", "no session 'relay-atlantis'"),
        ("timed segment", "sessions.2.start", "its times come from the planner"),
        ("bad window", "marathons.0.segments.2.window", "ends before it starts"),
        ("twice", "marathons.0.segments.2.session", "already a marathon segment"),
        ("no room", "marathons.0.segments.1", "Cairo cannot host a segment: its window"),
        ("untimed session", "sessions.3.start", "required (only marathon segments are planned)"),
    ],
)
async def test_a_bad_marathon_stops_the_import_naming_the_path_and_writes_nothing(
    db: AsyncSession, clock: FakeClock, change: str, field: str, message: str
) -> None:
    with pytest.raises(Invalid) as refusal:
        await load_program(db, clock, broken(change))

    assert refusal.value.details["field"] == field
    assert message in refusal.value.message
    await db.rollback()
    assert (await db.exec(select(Forum))).all() == []
