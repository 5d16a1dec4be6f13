"""My agenda: my sessions in my zone, overlaps flagged, the bus time for a site visit."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import FakeClock
from server.program.models import Session
from tests.factories import attendance_doc, load_program, session_doc, signed_in

ME = {"Authorization": "Bearer me"}

SITE_VISIT = session_doc(
    "factory-visit",
    "2027-03-28T10:00",
    "2027-03-28T13:00",
    type="site_visit",
    venue="hall-a",
    departure={"point": {"en": "Entrance B", "ru": "Вход B"}, "at": "2027-03-28T09:15"},
    capacity={"onsite": 40},
)


@pytest.fixture
async def ids(db: AsyncSession, clock: FakeClock) -> dict[str, int]:
    await load_program(db, clock, attendance_doc(SITE_VISIT))
    await signed_in(db, clock, "me@example.org", ME)
    await db.commit()
    return {s.slug: s.id or 0 for s in (await db.exec(select(Session))).all()}


async def register(client: httpx.AsyncClient, session: int, mode: str) -> None:
    response = await client.post(
        f"/api/v1/sessions/{session}/registrations", json={"mode": mode}, headers=ME
    )
    assert response.status_code == 200, response.text


async def test_the_agenda_lists_my_sessions_in_my_zone_with_overlaps_flagged(
    client: httpx.AsyncClient, ids: dict[str, int]
) -> None:
    await register(client, ids["round-table"], "onsite")
    await register(client, ids["overlapping-talk"], "online")
    await register(client, ids["factory-visit"], "onsite")

    agenda = (
        await client.get("/api/v1/me/agenda", params={"tz": "Asia/Jakarta"}, headers=ME)
    ).json()

    assert [
        (s["session"], s["viewer"]["start"], s["mode"], s["overlaps"]) for s in agenda["sessions"]
    ] == [
        (ids["round-table"], "2027-03-27T14:00:00+07:00", "onsite", [ids["overlapping-talk"]]),
        (ids["overlapping-talk"], "2027-03-27T15:00:00+07:00", "online", [ids["round-table"]]),
        (ids["factory-visit"], "2027-03-28T14:00:00+07:00", "onsite", []),
    ]
    assert agenda["sessions"][2]["departure"] == {
        "point": "Entrance B",
        "at": "2027-03-28T06:15:00Z",
        "viewer": "2027-03-28T13:15:00+07:00",
    }


async def test_a_cancelled_registration_leaves_the_agenda(
    client: httpx.AsyncClient, ids: dict[str, int]
) -> None:
    await register(client, ids["round-table"], "onsite")
    await client.delete(f"/api/v1/sessions/{ids['round-table']}/registrations/me", headers=ME)

    agenda = (await client.get("/api/v1/me/agenda", headers=ME)).json()

    assert (agenda["tz"], agenda["sessions"]) == ("UTC", [])
