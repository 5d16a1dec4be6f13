"""The spliced JSON of the program equals what the session view says of each session."""

import json
from datetime import date

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import FakeClock
from server.program import service
from server.program.models import SessionType
from server.program.rendering import prepare, program_json
from server.program.views import ProgramFilter, session_view
from server.zones import local_date, parse_zone
from tests.factories import load_program, program_doc, session_doc

VISIT = {
    "type": "site_visit",
    "format": "onsite",
    "departure": {"point": {"en": "Gate B", "ru": "Вход Б"}, "at": "2027-03-27T09:00"},
    "cast": [{"person": "anna", "role": "host"}, {"person": "budi", "role": "speaker"}],
}


@pytest.fixture
async def data(db: AsyncSession, clock: FakeClock) -> service.ProgramData:
    await load_program(
        db,
        clock,
        program_doc(
            session_doc("night", "2027-03-27T23:30", "2027-03-28T01:00", track="industry"),
            session_doc("plant", "2027-03-27T10:00", "2027-03-27T14:00", **VISIT),
            session_doc(
                "ba",
                "2027-03-28T10:00",
                "2027-03-28T10:45",
                venue="channel",
                format="online",
                host={
                    "city": {"en": "Buenos Aires", "ru": "Буэнос-Айрес"},
                    "tz": "America/Argentina/Buenos_Aires",
                },
            ),
        ),
    )
    return await service.load_program(db, await service.get_forum(db, "test-forum"))


@pytest.mark.parametrize(
    "tz", ["Europe/Moscow", "Pacific/Auckland", "America/Argentina/Buenos_Aires"]
)
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_program_json_is_every_session_view_under_its_viewer_day(
    data: service.ProgramData, tz: str, lang: str
) -> None:
    viewer = parse_zone(tz)

    rendered = json.loads(program_json(prepare(data, lang), viewer, ProgramFilter()))  # type: ignore[arg-type]

    expected: dict[str, list[dict]] = {}
    for row in data.sessions:
        day = local_date(row.starts_at, viewer).isoformat()
        expected.setdefault(day, []).append(session_view(data, row, viewer, lang))  # type: ignore[arg-type]
    assert rendered == {
        "forum": "test-forum",
        "tz": tz,
        "lang": lang,
        "date": None,
        "days": [{"date": d, "sessions": expected[d]} for d in sorted(expected)],
    }


def test_program_json_applies_the_filters(data: service.ProgramData) -> None:
    viewer = parse_zone("Pacific/Auckland")
    prepared = prepare(data, "en")

    sunday = json.loads(program_json(prepared, viewer, ProgramFilter(on_date=date(2027, 3, 28))))
    visits = json.loads(program_json(prepared, viewer, ProgramFilter(type=SessionType.site_visit)))
    nothing = json.loads(program_json(prepared, viewer, ProgramFilter(venue="nowhere")))

    assert [s["slug"] for d in sunday["days"] for s in d["sessions"]] == ["night"]
    assert (sunday["date"], [s["slug"] for d in visits["days"] for s in d["sessions"]]) == (
        "2027-03-28",
        ["plant"],
    )
    assert nothing["days"] == []
