"""Pavilion's calendars read by the calendar apps people use: Mozilla's ical.js (Thunderbird's
parser) and node-ical, the npm packages in tests/clients (`.ci/run` installs them), and python
icalendar. Each puts every event of program.ics, of a session's .ics, of the agenda feed and of a
meeting invitation at the instants the server stored, on both sides of Europe/Berlin's clock
changes (late March, late October) and of America/New_York's. An invitation asks the visitor to
answer (RSVP=TRUE); the organiser is not sent a REQUEST of their own meeting."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import icalendar
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import FakeClock
from server.expo.importer import import_pack
from server.expo.media import MediaStore
from server.expo.models import Meeting
from server.expo.packs import read_pack
from server.program.models import Session
from server.settings import Settings
from tests.conftest import need
from tests.factories import load_program, program_doc, session_doc, signed_in
from tests.showroom_packs import stand_doc, write_pack
from tests.smtp_server import Inbox

CLIENTS = Path(__file__).resolve().parents[1] / "clients"
LIBRARIES = ("ical.js", "node-ical")
ME = {"Authorization": "Bearer me"}
STAFF = {"Authorization": "Bearer staff"}
SWEEP = timedelta(seconds=6)  # past the mail sweeper's 5 s

NEW_YORK = {"city": {"en": "New York", "ru": "Нью-Йорк"}, "tz": "America/New_York"}
ONLINE = {"format": "online", "venue": "channel"}
# Local times in each session's host zone. Berlin moves its clocks on 28 March 2027 at 01:00 UTC
# and back on 31 October at 01:00 UTC; New York on 14 March and 7 November.
SESSIONS = [
    session_doc("winter", "2027-03-26T10:00", "2027-03-26T11:00"),
    session_doc("first-summer-night", "2027-03-28T03:30", "2027-03-28T04:30"),
    session_doc("summer", "2027-03-29T10:00", "2027-03-29T11:00"),
    session_doc("last-summer-day", "2027-10-30T10:00", "2027-10-30T11:00"),
    session_doc("across-the-autumn-change", "2027-10-31T01:30", "2027-10-31T04:00"),
    session_doc("autumn", "2027-11-01T10:00", "2027-11-01T11:00"),
    session_doc("new-york-winter", "2027-03-12T10:00", "2027-03-12T11:00", host=NEW_YORK, **ONLINE),
    session_doc("new-york-summer", "2027-03-15T10:00", "2027-03-15T11:00", host=NEW_YORK, **ONLINE),
]


@pytest.fixture
def settings(settings: Settings, smtp_port: int) -> Settings:
    return settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{smtp_port}"})


@pytest.fixture
async def sessions(db: AsyncSession, clock: FakeClock) -> dict[str, Session]:
    """A Berlin forum from March to November with the sessions above, by slug."""
    forum = {"city": {"en": "Berlin", "ru": "Берлин"}, "tz": "Europe/Berlin"}
    doc = program_doc(*SESSIONS, **forum, starts_on="2027-03-12", ends_on="2027-11-01")
    await load_program(db, clock, doc)
    return {s.slug: s for s in (await db.exec(select(Session))).all()}


def utc(moment: datetime) -> str:
    """An instant as JavaScript's toISOString writes it (a stored naive time is UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def stored(rows: list[Session]) -> dict[str, tuple[str, str]]:
    return {f"{row.uid}@pavilion": (utc(row.starts_at), utc(row.ends_at)) for row in rows}


async def misread(
    ics: bytes, expected: dict[str, tuple[str, str]]
) -> dict[str, dict[str, tuple[str, str] | None]]:
    """What each client reads differently from `expected` (UID → (start, end) in UTC) in the
    calendar `ics`: by library, UID → what it read (None: it did not find that event)."""
    found = {"icalendar": _with_icalendar(ics), **(await _with_node_clients(ics))}
    assert sorted(found) == sorted(("icalendar", *LIBRARIES))
    return {
        library: wrong
        for library, events in found.items()
        if (
            wrong := {
                uid: events.get(uid)
                for uid in expected.keys() | events.keys()
                if events.get(uid) != expected.get(uid)
            }
        )
    }


def _with_icalendar(ics: bytes) -> dict[str, tuple[str, str]]:
    return {
        str(e["UID"]): (utc(e.decoded("DTSTART")), utc(e.decoded("DTEND")))
        for e in icalendar.Calendar.from_ical(ics).walk("VEVENT")
    }


async def _with_node_clients(ics: bytes) -> dict[str, dict[str, tuple[str, str]]]:
    node = shutil.which("node")
    if node is None or not all((CLIENTS / "node_modules" / lib).is_dir() for lib in LIBRARIES):
        need("the calendar clients are not installed: npm ci --prefix tests/clients (Node.js)")
    assert node is not None
    child = await asyncio.create_subprocess_exec(
        node,
        str(CLIENTS / "read_ics.mjs"),
        env={**os.environ, "TZ": "UTC"},  # a time read as floating cannot pass for a right one
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(child.communicate(ics), timeout=60)
    assert child.returncode == 0, f"read_ics.mjs failed:\n{err.decode()}\n{ics.decode()}"
    return {
        library: {e["uid"]: (e["start"], e["end"]) for e in events}
        for library, events in json.loads(out).items()
    }


async def test_calendar_apps_put_program_sessions_and_my_agenda_at_the_stored_instants(
    client: httpx.AsyncClient,
    db: AsyncSession,
    clock: FakeClock,
    sessions: dict[str, Session],
) -> None:
    await signed_in(db, clock, "me@example.org", ME)
    await db.commit()
    mine = ["winter", "summer", "across-the-autumn-change", "new-york-summer"]
    for slug in mine:
        registered = await client.post(
            f"/api/v1/sessions/{sessions[slug].id}/registrations",
            json={"mode": "online"},
            headers=ME,
        )
        assert registered.status_code == 200, registered.text
    feed = (await client.post("/api/v1/me/agenda/feed", headers=ME)).json()["url"]

    program = await client.get("/api/v1/forums/test-forum/program.ics")
    one = await client.get(f"/api/v1/forums/test-forum/sessions/{sessions['summer'].id}.ics")
    agenda = await client.get(feed.removeprefix("http://pavilion.test"))

    everything = stored(list(sessions.values()))
    for response, expected in (
        (program, everything),
        (one, stored([sessions["summer"]])),
        (agenda, stored([sessions[slug] for slug in mine])),
    ):
        assert response.status_code == 200, response.text
        assert await misread(response.content, expected) == {}
    # The example: 10:00 in Berlin after the spring change is 08:00 UTC.
    assert everything[f"{sessions['summer'].uid}@pavilion"][0] == "2027-03-29T08:00:00.000Z"


async def _stand_in_berlin(
    db: AsyncSession, clock: FakeClock, settings: Settings, tmp_path: Path
) -> None:
    """A stand whose staff member works in Europe/Berlin, signed in as STAFF."""
    await signed_in(db, clock, "sales@kamturbo.example", STAFF)
    await db.commit()
    stand = stand_doc("kamturbo")
    stand["staff"][0]["tz"] = "Europe/Berlin"
    folder = write_pack(tmp_path / "pack", [stand], host=True)
    await import_pack(db, clock, read_pack(folder), MediaStore(settings.media_dir / "showrooms"))
    await db.commit()


def _mailed_calendars(message: EmailMessage) -> list[tuple[str, bytes]]:
    """Each text/calendar part of a message: its method parameter and its text."""
    return [
        (str(part.get_param("method") or ""), part.get_payload(decode=True))
        for part in message.walk()
        if part.get_content_type() == "text/calendar"
    ]


async def test_calendar_apps_put_a_meeting_at_the_booked_instant_and_only_the_visitor_answers(
    client: httpx.AsyncClient,
    db: AsyncSession,
    clock: FakeClock,
    settings: Settings,
    inbox: Inbox,
    tmp_path: Path,
) -> None:
    await _stand_in_berlin(db, clock, settings, tmp_path)
    slots = [  # after and before Berlin's spring change, and one given in New York's zone
        {"start": "2027-03-29T10:00", "end": "2027-03-29T10:30"},
        {"start": "2027-03-26T10:00", "end": "2027-03-26T10:30"},
        {"start": "2027-11-05T10:00", "end": "2027-11-05T10:30", "tz": "America/New_York"},
    ]
    made = await client.post("/api/v1/stands/kamturbo/slots", json={"slots": slots}, headers=STAFF)
    assert made.status_code == 201, made.text
    visitors, headers = [], []
    for n, slot in enumerate(made.json()):  # a visitor each
        header = {"Authorization": f"Bearer visitor-{n}"}
        headers.append(header)
        visitors.append(await signed_in(db, clock, f"visitor{n}@example.org", header))
        await db.commit()
        booked = await client.post(
            "/api/v1/stands/kamturbo/meetings", json={"slot": slot["id"]}, headers=header
        )
        assert booked.status_code == 201, booked.text

    clock.advance(SWEEP)
    await inbox.wait(6)

    meetings = (await db.exec(select(Meeting).order_by(Meeting.starts_at))).all()
    assert [utc(m.starts_at) for m in meetings] == [
        "2027-03-26T09:00:00.000Z",
        "2027-03-29T08:00:00.000Z",
        "2027-11-05T14:00:00.000Z",
    ]
    booked_at = {m.uid: (utc(m.starts_at), utc(m.ends_at)) for m in meetings}
    for visitor in visitors:  # asked to answer: a REQUEST, and RSVP=TRUE on their ATTENDEE
        (mail,) = inbox.to(visitor.email)
        calendars = _mailed_calendars(mail)
        (event,) = icalendar.Calendar.from_ical(calendars[0][1]).walk("VEVENT")
        uid = str(event["UID"])
        (attendee,) = [a for a in event["ATTENDEE"] if a == f"mailto:{visitor.email}"]
        assert await misread(calendars[0][1], {uid: booked_at[uid]}) == {}
        assert {method for method, _ in calendars} == {"REQUEST"}
        assert attendee.params.get("RSVP") == "TRUE"
    # The organiser gets each meeting for their own calendar, never a request to answer.
    to_staff = inbox.to("sales@kamturbo.example")
    assert len(to_staff) == 3
    for mail in to_staff:
        calendars = _mailed_calendars(mail)
        own = icalendar.Calendar.from_ical(calendars[0][1])
        (event,) = own.walk("VEVENT")
        uid = str(event["UID"])
        assert await misread(calendars[0][1], {uid: booked_at[uid]}) == {}
        assert {method for method, _ in calendars} == {"PUBLISH"} == {str(own["METHOD"])}
        assert "ATTENDEE" not in event
    # The same from the download link: a request for the visitor, the event for the organiser.
    summer = next(m for m in meetings if m.visitor_id == visitors[0].id)
    for header, method in ((headers[0], "REQUEST"), (STAFF, "PUBLISH")):
        download = await client.get(f"/api/v1/meetings/{summer.id}.ics", headers=header)
        assert download.status_code == 200, download.text
        assert icalendar.Calendar.from_ical(download.content)["METHOD"] == method
        assert await misread(download.content, {summer.uid: booked_at[summer.uid]}) == {}
