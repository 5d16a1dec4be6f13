from datetime import UTC, datetime

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import FakeClock
from server.editor.importer import import_program
from server.errors import Invalid
from server.program.models import Forum, Session
from tests.factories import load_program, program_doc, session_doc


async def test_reimporting_the_same_document_changes_nothing(
    db: AsyncSession, clock: FakeClock
) -> None:
    doc = program_doc(session_doc("opening", "2027-03-26T10:00", "2027-03-26T11:00"))
    first = await load_program(db, clock, doc)

    second = await load_program(db, clock, doc)

    assert first.created == {"forums": 1, "venues": 2, "tracks": 1, "people": 2, "sessions": 1}
    assert second.created == {}
    assert second.updated == {}
    assert second.unchanged == {"forums": 1, "venues": 2, "tracks": 1, "people": 2, "sessions": 1}


async def test_moving_a_session_in_the_file_raises_its_calendar_sequence(
    db: AsyncSession, clock: FakeClock
) -> None:
    await load_program(
        db, clock, program_doc(session_doc("opening", "2027-03-26T10:00", "2027-03-26T11:00"))
    )
    clock.set(datetime(2027, 3, 21, 8, 0, tzinfo=UTC))

    report = await load_program(
        db, clock, program_doc(session_doc("opening", "2027-03-26T10:30", "2027-03-26T11:30"))
    )

    moved = (await db.exec(select(Session).where(Session.slug == "opening"))).one()
    await db.refresh(moved)
    assert report.updated == {"sessions": 1}
    assert (moved.sequence, moved.starts_at, moved.updated_at) == (
        1,
        datetime(2027, 3, 26, 7, 30, tzinfo=UTC),
        datetime(2027, 3, 21, 8, 0, tzinfo=UTC),
    )


async def test_a_bad_session_late_in_the_file_leaves_nothing_written(
    db: AsyncSession, clock: FakeClock
) -> None:
    doc = program_doc(
        session_doc("fine", "2027-03-26T10:00", "2027-03-26T11:00"),
        session_doc("broken", "2027-03-26T12:00", "2027-03-26T11:00"),
    )

    with pytest.raises(Invalid) as caught:
        await import_program(db, clock, doc)
    await db.rollback()

    assert caught.value.message == "sessions.1: ends_at: must be after starts_at"
    assert (await db.exec(select(Forum))).all() == []


async def test_an_unknown_venue_is_named_with_its_place_in_the_file(
    db: AsyncSession, clock: FakeClock
) -> None:
    doc = program_doc(session_doc("x", "2027-03-26T10:00", "2027-03-26T11:00", venue="hall-z"))

    with pytest.raises(Invalid) as caught:
        await import_program(db, clock, doc)

    assert caught.value.message == "sessions.0: venue: no venue 'hall-z' in forum 'test-forum'"


async def test_a_schema_error_names_the_path_of_the_field(
    db: AsyncSession, clock: FakeClock
) -> None:
    doc = program_doc(session_doc("x", "2027-03-26T10:00", "2027-03-26T11:00", type="keynote"))

    with pytest.raises(Invalid) as caught:
        await import_program(db, clock, doc)

    assert caught.value.details["field"] == "sessions.0.type"


async def test_a_site_visit_needs_a_departure_before_it_starts(
    db: AsyncSession, clock: FakeClock
) -> None:
    late_bus = session_doc(
        "plant",
        "2027-03-27T10:00",
        "2027-03-27T13:00",
        type="site_visit",
        format="onsite",
        departure={"point": {"en": "Gate B", "ru": "Вход Б"}, "at": "2027-03-27T10:30"},
    )

    with pytest.raises(
        Invalid, match="departure_at: must be an instant no later than the visit's start"
    ):
        await import_program(db, clock, program_doc(late_bus))


async def test_a_slug_used_twice_is_refused_naming_the_second(
    db: AsyncSession, clock: FakeClock
) -> None:
    doc = program_doc(
        session_doc("same", "2027-03-26T10:00", "2027-03-26T11:00"),
        session_doc("same", "2027-03-26T12:00", "2027-03-26T13:00"),
    )

    with pytest.raises(Invalid) as caught:
        await import_program(db, clock, doc)

    assert caught.value.message == "sessions.1.slug: 'same' is used twice"


async def test_a_person_listed_twice_in_one_cast_is_refused(
    db: AsyncSession, clock: FakeClock
) -> None:
    cast = [{"person": "anna", "role": "moderator"}, {"person": "anna", "role": "speaker"}]
    doc = program_doc(session_doc("x", "2027-03-26T10:00", "2027-03-26T11:00", cast=cast))

    with pytest.raises(Invalid) as caught:
        await import_program(db, clock, doc)

    assert caught.value.message == "sessions.0: cast: anna listed more than once"


async def test_changing_only_the_cast_counts_as_an_update(
    db: AsyncSession, clock: FakeClock
) -> None:
    cast = [{"person": "anna", "role": "moderator"}]
    doc = program_doc(session_doc("x", "2027-03-26T10:00", "2027-03-26T11:00", cast=cast))
    await load_program(db, clock, doc)
    doc["sessions"][0]["cast"].append({"person": "budi", "role": "speaker", "presence": "remote"})

    report = await load_program(db, clock, doc)

    assert report.updated == {"sessions": 1}
