"""Meetings booked in a stand's slots: the slots its staff publish, booking, cancelling, and the
invitations both people get.

A booking (or a cancellation) writes the meeting, its lead's event and two messages to the mail
outbox in one transaction: each person gets a message in their own language with the time in
their own zone, and the meeting as an iCalendar invitation (METHOD:REQUEST; a cancellation is
METHOD:CANCEL with the same UID and a higher SEQUENCE, which takes it out of their calendar).
The staff member organises it, so theirs is not a request to answer but the event published to
their own calendar (METHOD:PUBLISH; STATUS:CANCELLED once cancelled). The calendar states the
time in the staff member's zone, with its VTIMEZONE (server/calendars.py). The other person
hears of it by a push once the booking's unit of work has committed (server/unit.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server import __version__, calendars
from server.accounts.models import User
from server.clock import Clock
from server.errors import Conflict, Invalid, NotFound
from server.expo.leads import ensure_room, lead_for, record
from server.expo.models import Lead, LeadEventKind, Meeting, MeetingMode, Slot, Stand
from server.expo.queries import free_slots, staff_row, staffed_stand, stand_by_slug
from server.expo.schemas import MeetingPublic, SlotIn, SlotPublic
from server.expo.views import meeting_view, slot_view
from server.i18n import language, span, t, with_signature
from server.instants import instant
from server.mail.outbox import Attachment, queue
from server.unit import publish_after
from server.zones import local_instant


def stand_name(stand: Stand, lang: str) -> str:
    return stand.name_ru if language(lang) == "ru" and stand.name_ru else stand.name_en


def stand_url(stand: Stand, public_url: str) -> str:
    return f"{public_url.rstrip('/')}/?view=stand&stand={stand.slug}"


async def stand_slots(db: AsyncSession, clock: Clock, slug: str) -> list[SlotPublic]:
    """The stand's meeting slots still free and ahead, soonest first."""
    stand = await stand_by_slug(db, slug)
    return await free_slots(db, clock, stand.id or 0)


async def add_slots(
    db: AsyncSession, clock: Clock, slug: str, staff: User, slots: list[SlotIn]
) -> list[SlotPublic]:
    """A staff member's availability: each slot a wall-clock span in its zone (by default
    the staff member's own), kept as a UTC span and that zone."""
    stand = await staffed_stand(db, slug, staff)
    own = await staff_row(db, stand, staff)
    assert stand.id is not None and staff.id is not None
    spans = [_span(i, slot, slot.tz or own.tz) for i, slot in enumerate(slots)]
    made = []
    for start, end, tz, mode in spans:
        if end <= start:
            raise Invalid("slots: a slot must end after it starts", field="slots")
        if start <= clock.now():
            raise Invalid("slots: a slot must be in the future", field="slots")
        made.append(
            Slot(
                stand_id=stand.id, staff_id=staff.id, starts_at=start, ends_at=end, tz=tz, mode=mode
            )
        )
    db.add_all(made)
    await db.flush()
    return [slot_view(s, staff.name) for s in made]


def _span(i: int, slot: SlotIn, tz: str) -> tuple[datetime, datetime, str, MeetingMode]:
    """The i-th slot as a UTC span, and the zone its wall-clock times were given in."""
    start = local_instant(slot.start, tz, field=f"slots.{i}.start")
    end = local_instant(slot.end, tz, field=f"slots.{i}.end")
    return start, end, tz, slot.mode


async def book(
    db: AsyncSession,
    clock: Clock,
    slug: str,
    visitor: User,
    slot_id: int,
    public_url: str,
    most: int = 2,
) -> MeetingPublic:
    """Book a free slot: one meeting per slot (a second booking is a Conflict), and at most
    `most` meetings that have not ended per visitor and stand (Conflict `meeting_limit`)."""
    stand = await stand_by_slug(db, slug)
    assert stand.id is not None and visitor.id is not None
    slot = await db.get(Slot, slot_id)
    if slot is None or slot.stand_id != stand.id:
        raise NotFound(f"slot: no slot {slot_id} at this stand", field="slot")
    if slot.starts_at <= clock.now():
        raise Conflict("slot: it has begun or passed", field="slot")
    lead = await lead_for(db, clock, stand.id, visitor.id)
    await _within_limit(db, clock, lead, most)
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
    except IntegrityError:  # the unit rolls back as the Conflict leaves it
        raise Conflict("slot: somebody booked it first", field="slot") from None
    start = instant(slot.starts_at)
    record(
        db,
        lead,
        clock,
        LeadEventKind.meeting,
        visitor.id,
        meeting=meeting.id,
        start=start,
        mode=slot.mode.value,
    )
    # Where the two talk before and at the meeting (online, a video call from that chat).
    await ensure_room(db, clock, lead)
    staff = await db.get(User, slot.staff_id)
    assert staff is not None
    _mail_both(db, clock, meeting, stand, staff, visitor, public_url, cancelled_by=None)
    booked = {
        "meeting": meeting.id,
        "stand": stand.slug,
        "visitor": {"name": visitor.name},
        "start": start,
    }
    publish_after(db, f"user:{slot.staff_id}", "meeting.booked", booked)
    return meeting_view(meeting, lead, stand, staff, visitor, visitor)


async def _within_limit(db: AsyncSession, clock: Clock, lead: Lead, most: int) -> None:
    """Conflict (`meeting_limit`) when the visitor already holds `most` meetings that have
    not ended at the lead's stand. The lead's row is written first: two bookings by the same
    visitor at once take turns there, so the second counts the first."""
    now = clock.now()
    await db.exec(update(Lead).where(col(Lead.id) == lead.id).values(updated_at=now))
    held = select(func.count()).where(col(Meeting.lead_id) == lead.id, col(Meeting.ends_at) > now)
    if (await db.exec(held)).one() >= most:
        raise Conflict(
            f"slot: you already have {most} upcoming meetings at this stand; cancel one to "
            "book another",
            field="slot",
            reason="meeting_limit",
            params={"most": most},
        )


async def _meeting_of(db: AsyncSession, me: User, meeting_id: int) -> Meeting:
    """A meeting, for either of its two people (NotFound for anyone else)."""
    meeting = await db.get(Meeting, meeting_id)
    if meeting is None or me.id not in (meeting.visitor_id, meeting.staff_id):
        raise NotFound(f"meeting: no meeting {meeting_id}", field="meeting")
    return meeting


async def _around(db: AsyncSession, meeting: Meeting) -> tuple[Lead, Stand, User, User]:
    """The meeting's lead, stand, staff member and visitor."""
    lead = await db.get(Lead, meeting.lead_id)
    stand = await db.get(Stand, lead.stand_id) if lead else None
    staff, visitor = await db.get(User, meeting.staff_id), await db.get(User, meeting.visitor_id)
    assert lead is not None and stand is not None and staff is not None and visitor is not None
    return lead, stand, staff, visitor


async def cancel(
    db: AsyncSession, clock: Clock, me: User, meeting_id: int, public_url: str
) -> None:
    """Cancel a meeting (either of its two people): its slot is free again, both are told."""
    meeting = await _meeting_of(db, me, meeting_id)
    if meeting.starts_at <= clock.now():
        raise Conflict("meeting: it has begun or passed", field="meeting")
    lead, stand, staff, visitor = await _around(db, meeting)
    start = instant(meeting.starts_at)
    record(db, lead, clock, LeadEventKind.meeting_cancelled, me.id, meeting=meeting.id, start=start)
    _mail_both(db, clock, meeting, stand, staff, visitor, public_url, cancelled_by=me)
    await db.delete(meeting)  # the slot is free again (one meeting per slot)
    other = meeting.staff_id if me.id == meeting.visitor_id else meeting.visitor_id
    cancelled = {
        "meeting": meeting_id,
        "stand": stand.slug,
        "by": {"name": me.name},
        "start": start,
    }
    publish_after(db, f"user:{other}", "meeting.cancelled", cancelled)


async def upcoming(db: AsyncSession, clock: Clock, me: User) -> list[MeetingPublic]:
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
        meeting_view(meeting, lead, stand, people[meeting.staff_id], people[meeting.visitor_id], me)
        for meeting, lead, stand in rows
    ]


async def invitation(
    db: AsyncSession, clock: Clock, me: User, meeting_id: int, public_url: str
) -> bytes:
    """The meeting's iCalendar invitation, for either of its two people, in my language."""
    meeting = await _meeting_of(db, me, meeting_id)
    _, stand, staff, visitor = await _around(db, meeting)
    organiser = meeting.staff_id == me.id
    return meeting_ics(
        meeting, stand, staff, visitor, public_url, clock.now(), me.language, organiser=organiser
    )


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
        organiser = person is staff
        calendar = meeting_ics(
            meeting,
            stand,
            staff,
            visitor,
            public_url,
            stamp,
            lang,
            cancelled=cancelled,
            organiser=organiser,
        )
        kind = f"text/calendar; method={_method(cancelled, organiser)}; charset=utf-8"
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
    organiser: bool = False,
) -> bytes:
    """The meeting as an iCalendar invitation (RFC 5546: the staff member organises, both
    attend, the visitor is asked to answer), stated in the staff member's zone with its
    VTIMEZONE; or its cancellation. The `organiser`'s own copy is published instead (RFC 5546
    3.2.1: without attendees), so their calendar app does not offer to accept their own meeting."""
    zone = ZoneInfo(meeting.tz)
    name = stand_name(stand, lang)
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//Pavilion//{__version__}//EN")
    cal.add("version", "2.0")
    cal.add("method", _method(cancelled, organiser))
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
    if not organiser:
        _add_attendees(event, staff, visitor)
    cal.add_component(event)
    return calendars.ics(cal)


def _method(cancelled: bool, organiser: bool) -> str:
    return "PUBLISH" if organiser else "CANCEL" if cancelled else "REQUEST"


def _add_attendees(event: icalendar.Event, staff: User, visitor: User) -> None:
    """Both people attend: the staff member has accepted (they offered the slot); the
    visitor is asked to answer (RSVP=TRUE)."""
    for person in (staff, visitor):
        attendee = icalendar.vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = icalendar.vText(person.name)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = icalendar.vText(
            "ACCEPTED" if person is staff else "NEEDS-ACTION"
        )
        if person is visitor:
            attendee.params["rsvp"] = icalendar.vText("TRUE")
        event.add("attendee", attendee)
