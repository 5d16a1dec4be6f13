"""Meetings booked in a stand's slots: booking, cancelling, and the invitations both people get.

A booking (or a cancellation) writes the meeting, its lead's event and two messages to the mail
outbox in one transaction: each person gets a message in their own language with the time in
their own zone, and the meeting as an iCalendar invitation (METHOD:REQUEST; a cancellation is
METHOD:CANCEL with the same UID and a higher SEQUENCE, which takes it out of their calendar).
The calendar states the time in the staff member's zone, with its VTIMEZONE."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server import __version__
from server.accounts.models import User
from server.clock import Clock
from server.errors import Conflict, NotFound
from server.expo.leads import ensure_room, lead_for, record
from server.expo.models import Lead, Meeting, MeetingMode, Slot, Stand
from server.i18n import language, span, t, with_signature
from server.mail.outbox import Attachment, queue
from server.realtime.bus import Bus


def _utc(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def stand_name(stand: Stand, lang: str) -> str:
    return stand.name_ru if language(lang) == "ru" and stand.name_ru else stand.name_en


def stand_url(stand: Stand, public_url: str) -> str:
    return f"{public_url.rstrip('/')}/?view=stand&stand={stand.slug}"


async def book(
    db: AsyncSession,
    clock: Clock,
    bus: Bus,
    stand: Stand,
    visitor: User,
    slot_id: int,
    public_url: str,
) -> Meeting:
    """Book a free slot: one meeting per slot (a second booking is a Conflict)."""
    assert stand.id is not None and visitor.id is not None
    slot = await db.get(Slot, slot_id)
    if slot is None or slot.stand_id != stand.id:
        raise NotFound(f"slot: no slot {slot_id} at this stand", field="slot")
    if slot.starts_at <= clock.now():
        raise Conflict("slot: it has begun or passed", field="slot")
    lead = await lead_for(db, clock, stand.id, visitor.id)
    meeting = Meeting(
        uid=f"{uuid.uuid4()}@pavilion",
        lead_id=lead.id or 0,
        slot_id=slot_id,
        staff_id=slot.staff_id,
        visitor_id=visitor.id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        tz=slot.tz,
        mode=slot.mode,
        created_at=clock.now(),
    )
    db.add(meeting)
    try:
        await db.flush()
    except IntegrityError:
        await db.rollback()
        raise Conflict("slot: somebody booked it first", field="slot") from None
    db.add(
        record(
            lead,
            clock,
            "meeting",
            visitor.id,
            meeting=meeting.id,
            start=_utc(slot.starts_at),
            mode=slot.mode.value,
        )
    )
    # Where the two talk before and at the meeting (online, a video call from that chat).
    await ensure_room(db, clock, lead)
    db.add(lead)
    staff = await db.get(User, slot.staff_id)
    assert staff is not None
    _mail_both(db, clock, meeting, stand, staff, visitor, public_url, cancelled_by=None)
    await db.commit()
    await bus.publish(
        f"user:{slot.staff_id}",
        "meeting.booked",
        {
            "meeting": meeting.id,
            "stand": stand.slug,
            "visitor": {"name": visitor.name},
            "start": _utc(slot.starts_at),
        },
    )
    return meeting


async def cancel(
    db: AsyncSession, clock: Clock, bus: Bus, me: User, meeting_id: int, public_url: str
) -> Meeting:
    """Cancel a meeting (either of its two people): its slot is free again, both are told."""
    meeting = await db.get(Meeting, meeting_id)
    if meeting is None or me.id not in (meeting.visitor_id, meeting.staff_id):
        raise NotFound(f"meeting: no meeting {meeting_id}", field="meeting")
    if meeting.starts_at <= clock.now():
        raise Conflict("meeting: it has begun or passed", field="meeting")
    lead = await db.get(Lead, meeting.lead_id)
    stand = await db.get(Stand, lead.stand_id) if lead else None
    staff, visitor = await db.get(User, meeting.staff_id), await db.get(User, meeting.visitor_id)
    assert lead is not None and stand is not None and staff is not None and visitor is not None
    db.add(
        record(
            lead,
            clock,
            "meeting_cancelled",
            me.id,
            meeting=meeting.id,
            start=_utc(meeting.starts_at),
        )
    )
    db.add(lead)
    _mail_both(db, clock, meeting, stand, staff, visitor, public_url, cancelled_by=me)
    await db.delete(meeting)  # the slot is free again (one meeting per slot)
    await db.commit()
    other = meeting.staff_id if me.id == meeting.visitor_id else meeting.visitor_id
    await bus.publish(
        f"user:{other}",
        "meeting.cancelled",
        {
            "meeting": meeting_id,
            "stand": stand.slug,
            "by": {"name": me.name},
            "start": _utc(meeting.starts_at),
        },
    )
    return meeting


async def upcoming(db: AsyncSession, clock: Clock, me: User) -> list[dict[str, Any]]:
    """My meetings that have not ended, soonest first: as the visitor, or as the staff member."""
    query = (
        select(Meeting, Lead, Stand)
        .join(Lead, col(Lead.id) == Meeting.lead_id)
        .join(Stand, col(Stand.id) == Lead.stand_id)
        .where(or_(col(Meeting.visitor_id) == me.id, col(Meeting.staff_id) == me.id))
        .where(col(Meeting.ends_at) > clock.now())
        .order_by(col(Meeting.starts_at))
    )
    rows = (await db.exec(query)).all()
    ids = {m.staff_id for m, _, _ in rows} | {m.visitor_id for m, _, _ in rows}
    people = {u.id: u for u in (await db.exec(select(User).where(col(User.id).in_(ids)))).all()}
    return [
        view(meeting, lead, stand, people[meeting.staff_id], people[meeting.visitor_id], me)
        for meeting, lead, stand in rows
    ]


def view(
    meeting: Meeting, lead: Lead, stand: Stand, staff: User, visitor: User, me: User
) -> dict[str, Any]:
    """A meeting as one of its two people sees it: `as` (visitor or staff) and `with` whom."""
    mine_as = "staff" if me.id == meeting.staff_id else "visitor"
    return {
        "id": meeting.id,
        "start": _utc(meeting.starts_at),
        "end": _utc(meeting.ends_at),
        "tz": meeting.tz,
        "mode": meeting.mode.value,
        "stand": {"slug": stand.slug, "name": stand.name_en, "name_ru": stand.name_ru},
        "staff": {"name": staff.name},
        "visitor": {"name": visitor.name},
        "as": mine_as,
        "with": {"name": visitor.name if mine_as == "staff" else staff.name},
        "room": lead.room,
        "ics": f"/api/v1/meetings/{meeting.id}.ics",
    }


def _mail_both(
    db: AsyncSession,
    clock: Clock,
    meeting: Meeting,
    stand: Stand,
    staff: User,
    visitor: User,
    public_url: str,
    *,
    cancelled_by: User | None,
) -> None:
    for person, other in ((visitor, staff), (staff, visitor)):
        lang = language(person.language)
        name = stand_name(stand, lang)
        when = span(meeting.starts_at, meeting.ends_at, person.tz or "UTC", lang)
        cancelled = cancelled_by is not None
        stamp = clock.now()
        calendar = meeting_ics(
            meeting, stand, staff, visitor, public_url, stamp, lang, cancelled=cancelled
        )
        kind = f"text/calendar; method={'CANCEL' if cancelled else 'REQUEST'}; charset=utf-8"
        said = {"name": person.name, "stand": name, "when": when, "other": other.name}
        if cancelled_by is None:
            page = desk_url(public_url) if person is staff else stand_url(stand, public_url)
            subject = t(lang, "meeting.subject", stand=name, when=when)
            body = t(lang, "meeting.body", **said, where=_where(meeting, stand, page, lang))
        else:
            subject = t(lang, "meeting.cancelled.subject", stand=name, when=when)
            body = t(lang, "meeting.cancelled.body", **said, by=cancelled_by.name)
        queue(
            db,
            clock,
            to_email=person.email,
            to_name=person.name,
            subject=subject,
            body=with_signature(lang, body),
            attachments=(Attachment("meeting.ics", kind, calendar),),
        )


def _where(meeting: Meeting, stand: Stand, url: str, lang: str) -> str:
    """Where they meet: at the stand, or online from the page at `url` (the stand's, where the
    visitor finds the meeting's chat; the exhibitor desk, for staff)."""
    if meeting.mode is MeetingMode.online:
        return t(lang, "meeting.online", url=url)
    return t(lang, "meeting.onsite", stand=stand_name(stand, lang))


def desk_url(public_url: str) -> str:
    return f"{public_url.rstrip('/')}/?view=exhibitor"


def meeting_ics(
    meeting: Meeting,
    stand: Stand,
    staff: User,
    visitor: User,
    public_url: str,
    stamp: datetime,
    lang: str = "en",
    *,
    cancelled: bool = False,
) -> bytes:
    """The meeting as an iCalendar invitation (RFC 5546: the staff member organises, both
    attend), stated in the staff member's zone with its VTIMEZONE; or its cancellation."""
    zone = ZoneInfo(meeting.tz)
    name = stand_name(stand, lang)
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//Pavilion//{__version__}//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    event = icalendar.Event()
    event.add("uid", meeting.uid)
    event.add("sequence", 1 if cancelled else 0)
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    summary = t(lang, "meeting.summary", stand=name, staff=staff.name, visitor=visitor.name)
    event.add("summary", summary)
    event.add("location", _where(meeting, stand, stand_url(stand, public_url), lang))
    event.add("url", stand_url(stand, public_url))
    if cancelled:
        event.add("status", "CANCELLED")
    organizer = icalendar.vCalAddress(f"mailto:{staff.email}")
    organizer.params["cn"] = icalendar.vText(staff.name)
    event.add("organizer", organizer)
    for person in (staff, visitor):
        attendee = icalendar.vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = icalendar.vText(person.name)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        answer = "ACCEPTED" if person is staff else "NEEDS-ACTION"  # the staff offered the slot
        attendee.params["partstat"] = icalendar.vText(answer)
        event.add("attendee", attendee)
    cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
