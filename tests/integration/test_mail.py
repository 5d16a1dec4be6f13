"""Mail through a real SMTP server on loopback: a booked meeting sends both people an
invitation in their own language and zone, with the meeting as an iCalendar REQUEST to the
visitor (the organising staff member's copy is PUBLISHed to their own calendar); a cancellation
sends a CANCEL of the same event; mail queued while SMTP is down is sent once it
is back, and never twice, however many nodes sweep the outbox."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import icalendar
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import FakeClock
from server.db import Database
from server.expo.importer import import_pack
from server.expo.media import MediaStore
from server.expo.packs import read_pack
from server.mail.models import OutboxMail
from server.mail.outbox import deliver, queue
from server.mail.transport import SmtpTransport
from server.settings import Settings
from tests.conftest import postgres_database
from tests.factories import signed_in
from tests.showroom_packs import stand_doc, write_pack
from tests.smtp_server import Inbox, smtp_server

STAFF = {"Authorization": "Bearer staff"}
VISITOR = {"Authorization": "Bearer visitor"}
OUTSIDER = {"Authorization": "Bearer outsider"}
SENDER = "Pavilion <no-reply@pavilion.test>"
SWEEP = timedelta(seconds=6)  # past the mail sweeper's 5 s


@pytest.fixture
def settings(settings: Settings, smtp_port: int) -> Settings:
    return settings.model_copy(
        update={"smtp_url": f"smtp://127.0.0.1:{smtp_port}", "mail_from": SENDER}
    )


async def _stand_with_people(
    db: AsyncSession, clock: FakeClock, settings: Settings, tmp_path: Path
) -> None:
    """Kamturbo's staff member (English, Moscow) and a visitor (Russian, Tokyo), both signed
    in, and an outsider."""
    staff = await signed_in(db, clock, "sales@kamturbo.example", STAFF)
    staff.name, staff.tz = "Anna Petrova", "Europe/Moscow"
    visitor = await signed_in(db, clock, "yuki@visitor.test", VISITOR)
    visitor.name, visitor.tz, visitor.language = "Юки Танака", "Asia/Tokyo", "ru"
    await signed_in(db, clock, "outsider@visitor.test", OUTSIDER)
    db.add_all([staff, visitor])
    await db.commit()
    folder = write_pack(tmp_path / "volga", [stand_doc("kamturbo")], host=True)
    store = MediaStore(settings.media_dir / "showrooms")
    await import_pack(db, clock, read_pack(folder), store)
    await db.commit()


async def _book(client: httpx.AsyncClient) -> dict:
    slots = await client.post(
        "/api/v1/stands/kamturbo/slots",
        json={"slots": [{"start": "2027-03-26T10:00", "end": "2027-03-26T10:30"}]},
        headers=STAFF,
    )
    assert slots.status_code == 201, slots.text
    booked = await client.post(
        "/api/v1/stands/kamturbo/meetings", json={"slot": slots.json()[0]["id"]}, headers=VISITOR
    )
    assert booked.status_code == 201, booked.text
    return booked.json()


def _calendar(message: EmailMessage) -> tuple[icalendar.Calendar, icalendar.Calendar]:
    """The invitation as the message's text/calendar alternative, and as its .ics file."""
    inline = [
        part
        for part in message.walk()
        if part.get_content_type() == "text/calendar" and not part.get_filename()
    ]
    files = [part for part in message.iter_attachments() if part.get_filename() == "meeting.ics"]
    assert len(inline) == 1 and len(files) == 1
    return (
        icalendar.Calendar.from_ical(inline[0].get_content()),
        icalendar.Calendar.from_ical(files[0].get_content()),
    )


async def test_a_booked_meeting_invites_both_people_in_their_language_and_zone(
    client: httpx.AsyncClient,
    db: AsyncSession,
    clock: FakeClock,
    settings: Settings,
    inbox: Inbox,
    tmp_path: Path,
) -> None:
    await _stand_with_people(db, clock, settings, tmp_path)
    meeting = await _book(client)

    clock.advance(SWEEP)
    await inbox.wait(2)

    (to_staff,) = inbox.to("sales@kamturbo.example")
    (to_visitor,) = inbox.to("yuki@visitor.test")
    assert to_staff["From"] == SENDER
    assert to_staff["Subject"] == (
        "Meeting at Kamturbo Works: Friday, 26 March 2027, 10:00–10:30 (Europe/Moscow)"
    )
    # (Babel keeps "2027 г." together with a no-break space: compared word by word.)
    expected = "Встреча на стенде «Завод kamturbo»: пятница, 26 марта 2027 г., 16:00–16:30"
    assert to_visitor["Subject"].split() == [*expected.split(), "(Asia/Tokyo)"]
    assert "С кем: Anna Petrova" in to_visitor.get_body(("plain",)).get_content()
    assert "With: Юки Танака" in to_staff.get_body(("plain",)).get_content()
    # An online meeting: each is sent to the page where they find its chat.
    assert "http://pavilion.test/?view=exhibitor" in to_staff.get_body(("plain",)).get_content()
    assert (
        "http://pavilion.test/?view=stand&stand=kamturbo"
        in to_visitor.get_body(("plain",)).get_content()
    )
    uids = set()
    for message, method, attendees in (
        (to_staff, "PUBLISH", []),
        (to_visitor, "REQUEST", ["mailto:sales@kamturbo.example", "mailto:yuki@visitor.test"]),
    ):
        inline, attached = _calendar(message)
        assert inline.to_ical() == attached.to_ical()
        assert inline["METHOD"] == method
        (event,) = inline.walk("VEVENT")
        (zone,) = inline.walk("VTIMEZONE")
        assert zone["TZID"] == "Europe/Moscow"
        assert event["DTSTART"].dt.isoformat() == "2027-03-26T10:00:00+03:00"
        assert event["ORGANIZER"] == "mailto:sales@kamturbo.example"
        assert sorted(str(a) for a in event.get("ATTENDEE", [])) == attendees
        uids.add(str(event["UID"]))
    assert len(uids) == 1  # one event in both calendars

    # Both see it among their meetings, with the chat where they meet (nobody else does).
    mine = {
        who: (await client.get("/api/v1/me/meetings", headers=header)).json()
        for who, header in (("staff", STAFF), ("visitor", VISITOR), ("outsider", OUTSIDER))
    }
    assert [(m["as"], m["with"]["name"], m["stand"]["slug"]) for m in mine["visitor"]] == [
        ("visitor", "Anna Petrova", "kamturbo")
    ]
    assert [(m["as"], m["with"]["name"]) for m in mine["staff"]] == [("staff", "Юки Танака")]
    assert mine["outsider"] == []
    room = mine["visitor"][0]["room"]
    assert room == mine["staff"][0]["room"] == meeting["room"] and room.startswith("private:")
    for header, status in ((VISITOR, 200), (STAFF, 200), (OUTSIDER, 404)):
        assert (await client.get(f"/api/v1/rooms/{room}", headers=header)).status_code == status

    # The visitor cancels: the event is cancelled in both calendars (the organiser's own copy
    # republished as CANCELLED), and the slot is free again.
    outsider = await client.delete(f"/api/v1/meetings/{meeting['id']}", headers=OUTSIDER)
    cancelled = await client.delete(f"/api/v1/meetings/{meeting['id']}", headers=VISITOR)
    again = await client.delete(f"/api/v1/meetings/{meeting['id']}", headers=VISITOR)
    assert (outsider.status_code, cancelled.status_code, again.status_code) == (404, 204, 404)
    clock.advance(SWEEP)
    await inbox.wait(4)
    (_, cancel_to_staff) = inbox.to("sales@kamturbo.example")
    assert cancel_to_staff["Subject"].startswith("Cancelled: meeting at Kamturbo Works")
    assert "was cancelled by Юки Танака" in cancel_to_staff.get_body(("plain",)).get_content()
    inline, _ = _calendar(cancel_to_staff)
    (event,) = inline.walk("VEVENT")
    assert (inline["METHOD"], event["STATUS"], event["SEQUENCE"]) == ("PUBLISH", "CANCELLED", 1)
    assert str(event["UID"]) in uids
    assert (await client.get("/api/v1/me/meetings", headers=VISITOR)).json() == []
    slots = (await client.get("/api/v1/stands/kamturbo/slots", headers=VISITOR)).json()
    assert [s["start"] for s in slots] == ["2027-03-26T07:00:00Z"]


async def test_mail_waits_while_smtp_is_down_and_goes_once_it_is_back(
    client: httpx.AsyncClient,
    db: AsyncSession,
    clock: FakeClock,
    settings: Settings,
    smtp_port: int,
    tmp_path: Path,
) -> None:
    await _stand_with_people(db, clock, settings, tmp_path)
    await _book(client)  # nothing listens on the SMTP port yet

    clock.advance(SWEEP)
    tried = await _outbox_when(db, lambda rows: all(r.last_error for r in rows) and rows)
    assert [(r.attempts, r.sent_at) for r in tried] == [(1, None), (1, None)]
    assert all("Connect" in (r.last_error or "") for r in tried), tried[0].last_error
    assert all(r.due_at == clock.now() + timedelta(minutes=1) for r in tried)

    with smtp_server(smtp_port) as (inbox, _):
        clock.advance(timedelta(minutes=1))
        await inbox.wait(2)
        sent = await _outbox_when(db, lambda rows: all(r.sent_at for r in rows))
        assert [r.attempts for r in sent] == [2, 2]
        clock.advance(timedelta(minutes=5))
        await asyncio.sleep(0.3)
        assert len(inbox.messages) == 2


async def test_a_mass_mailing_leaves_in_one_sweep_a_connection_per_batch(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock, inbox: Inbox
) -> None:
    for n in range(45):
        queue(db, clock, to_email=f"staff{n}@pavilion.test", subject=f"#{n}", body="Welcome")
    await db.commit()

    clock.advance(SWEEP)  # one sweep, not one per 20 messages
    await inbox.wait(45)

    assert inbox.connections == 3  # batches of 20, 20 and 5
    assert sorted(int(m["Subject"][1:]) for _, m in inbox.messages) == list(range(45))


async def test_old_mail_is_forgotten_sent_after_a_month_given_up_after_three(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock, inbox: Inbox
) -> None:
    queue(db, clock, to_email="sent@pavilion.test", subject="sent", body="Hi")
    await db.commit()
    clock.advance(SWEEP)
    await inbox.wait(1)
    given_up = queue(db, clock, to_email="nobody@pavilion.test", subject="failed", body="Hi")
    given_up.failed_at, given_up.due_at = clock.now(), clock.now() + timedelta(days=999)
    await db.commit()

    def subjects(rows: list[OutboxMail]) -> list[str]:
        return sorted(row.subject for row in rows)

    clock.advance(timedelta(days=29))  # the sweeper wakes, and purges (at most once an hour)
    await asyncio.sleep(0.5)
    assert subjects(await _outbox_when(db, lambda rows: True)) == ["failed", "sent"]
    clock.advance(timedelta(days=2))  # sent 31 days ago
    await _outbox_when(db, lambda rows: subjects(rows) == ["failed"])
    clock.advance(timedelta(days=60))  # given up 91 days ago
    await _outbox_when(db, lambda rows: rows == [])


async def _outbox_when(db: AsyncSession, ready, within: float = 15.0) -> list[OutboxMail]:
    """The outbox's rows once `ready(rows)` holds (a background sweeper writes them)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        await db.rollback()  # a fresh read, not the session's snapshot
        rows = list((await db.exec(select(OutboxMail).order_by(OutboxMail.id))).all())
        if ready(rows):
            return rows
        if loop.time() > deadline:
            raise AssertionError(f"the outbox did not get there: {rows}")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
async def test_nodes_sweeping_the_same_outbox_send_each_message_once(
    engine: str, database_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    from contextlib import AsyncExitStack

    from server.migrate import upgrade

    async with AsyncExitStack() as stack:
        url = (
            await stack.enter_async_context(postgres_database())
            if engine == "postgresql"
            else database_url
        )
        await upgrade(url)
        inbox, port = stack.enter_context(smtp_server())
        transport = SmtpTransport.from_url(f"smtp://127.0.0.1:{port}")
        nodes = [Database(url) for _ in range(3)]
        for node in nodes:
            stack.push_async_callback(node.dispose)
        async with nodes[0].session() as db:
            for n in range(12):
                queue(db, clock, to_email=f"guest{n}@pavilion.test", subject=f"#{n}", body="Hi")
            await db.commit()

        async def node_sweeps(database: Database) -> int:
            async with database.session() as db:
                return await deliver(db, clock, transport, SENDER)

        sent = await asyncio.gather(*(node_sweeps(node) for node in nodes))

        assert sum(sent) == 12
        assert sorted(m["Subject"] for _, m in inbox.messages) == sorted(f"#{n}" for n in range(12))
