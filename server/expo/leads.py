"""Reaching an exhibitor, and the lead it makes: one record per visitor and stand.

"Talk to us now" rings every staff member on duty (their `user:{id}` room); the first to
accept opens a private chat (the visitor and the stand's staff); nobody answering within the
ring time makes the request missed, and the visitor is offered meeting slots instead.
Meetings, badge scans and notes join the same lead. The visitor chooses which of their details
the stand may see (`consent`), and may withdraw it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.clock import Clock
from server.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from server.expo.models import (
    ContactRequest,
    ContactState,
    Lead,
    LeadEvent,
    LeadStatus,
    Meeting,
    MeetingMode,
    Slot,
    Stand,
    StandStaff,
)
from server.expo.views import on_duty
from server.realtime.bus import Bus
from server.rooms.access import open_private_room

SHAREABLE = ("email", "organisation", "country")  # besides the name, always shown
MAX_OFFERS = 8
MAX_REQUESTS_PER_HOUR = 5


async def stand_by_slug(db: AsyncSession, slug: str) -> Stand:
    stand = (await db.exec(select(Stand).where(Stand.slug == slug, col(Stand.listed)))).first()
    if stand is None:
        raise NotFound(f"stand: no stand {slug!r}", field="stand")
    return stand


async def staff_of(db: AsyncSession, stand_id: int) -> list[StandStaff]:
    query = (
        select(StandStaff).where(StandStaff.stand_id == stand_id).order_by(col(StandStaff.position))
    )
    return list((await db.exec(query)).all())


async def require_staff(db: AsyncSession, stand: Stand, user: User) -> None:
    """Only the stand's own staff see and handle its leads (everyone else: forbidden)."""
    found = select(StandStaff.id).where(
        StandStaff.stand_id == stand.id, StandStaff.user_id == user.id
    )
    if (await db.exec(found)).first() is None:
        raise Forbidden(f"stand: only the staff of {stand.slug!r} may do this")


async def lead_for(db: AsyncSession, clock: Clock, stand_id: int, visitor_id: int) -> Lead:
    query = select(Lead).where(Lead.stand_id == stand_id, Lead.visitor_id == visitor_id)
    lead = (await db.exec(query)).first()
    if lead is None:
        now = clock.now()
        lead = Lead(stand_id=stand_id, visitor_id=visitor_id, created_at=now, updated_at=now)
        db.add(lead)
        await db.flush()
    return lead


async def ensure_room(db: AsyncSession, clock: Clock, lead: Lead) -> str:
    """The lead's private room (the visitor and the stand's staff), opened if it has none yet
    (the caller commits)."""
    if lead.room is None:
        members = [lead.visitor_id, *(s.user_id for s in await staff_of(db, lead.stand_id))]
        lead.room = await open_private_room(db, clock, "stand", members, commit=False)
        db.add(lead)
    return lead.room


def record(lead: Lead, clock: Clock, kind: str, actor: int | None, **data: Any) -> LeadEvent:
    assert lead.id is not None
    lead.updated_at = clock.now()
    return LeadEvent(lead_id=lead.id, kind=kind, actor_id=actor, data=data, at=lead.updated_at)


def _utc(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


async def _names(db: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = (await db.exec(select(User.id, User.name).where(col(User.id).in_(ids)))).all()
    return {i: n for i, n in rows if i is not None}


async def free_slots(db: AsyncSession, clock: Clock, stand_id: int) -> list[dict[str, Any]]:
    """The stand's meeting slots still free and ahead, soonest first."""
    booked = select(Meeting.slot_id)
    query = (
        select(Slot)
        .where(Slot.stand_id == stand_id, Slot.starts_at > clock.now(), col(Slot.id).not_in(booked))
        .order_by(col(Slot.starts_at))
        .limit(MAX_OFFERS)
    )
    slots = (await db.exec(query)).all()
    names = await _names(db, {s.staff_id for s in slots})
    return [slot_view(s, names.get(s.staff_id, "")) for s in slots]


def slot_view(slot: Slot, staff_name: str) -> dict[str, Any]:
    return {
        "id": slot.id,
        "start": _utc(slot.starts_at),
        "end": _utc(slot.ends_at),
        "tz": slot.tz,
        "staff": {"name": staff_name},
        "mode": slot.mode.value,
    }


async def request_view(
    db: AsyncSession, clock: Clock, request: ContactRequest, stand: Stand
) -> dict[str, Any]:
    lead = await db.get(Lead, request.lead_id)
    by = (
        (await _names(db, {request.answered_by})).get(request.answered_by or 0)
        if request.answered_by
        else None
    )
    return {
        "id": request.id,
        "state": request.state.value,
        "stand": stand.slug,
        "message": request.message,
        "created_at": _utc(request.created_at),
        "expires_at": _utc(request.expires_at),
        "room": lead.room if lead and request.state is ContactState.answered else None,
        "answered_by": {"name": by} if by else None,
        "offers": await free_slots(db, clock, stand.id or 0)
        if request.state is ContactState.missed
        else [],
    }


async def _limit_requests(db: AsyncSession, lead: Lead, now: datetime) -> None:
    """At most MAX_REQUESTS_PER_HOUR rings from one visitor to one stand: staff are not to be
    rung again and again (the chat, once answered, stays open for more)."""
    since = now - timedelta(hours=1)
    made = (
        await db.exec(
            select(ContactRequest.created_at)
            .where(ContactRequest.lead_id == lead.id, col(ContactRequest.created_at) > since)
            .order_by(col(ContactRequest.created_at))
        )
    ).all()
    if len(made) >= MAX_REQUESTS_PER_HOUR:
        retry = int((made[0] + timedelta(hours=1) - now).total_seconds()) + 1
        raise RateLimited(
            f"request: {MAX_REQUESTS_PER_HOUR} calls to this stand within an hour; "
            f"try again in {max(1, retry // 60)} min, or book a meeting",
            field="request",
            retry_after=retry,
        )


async def request_contact(
    db: AsyncSession,
    clock: Clock,
    bus: Bus,
    stand: Stand,
    visitor: User,
    message: str,
    ring: timedelta,
) -> tuple[ContactRequest, bool]:
    """Ring the stand's staff on duty (or, with nobody on duty, miss at once). Answers the
    request and whether it is new (an open one is answered again, not rung twice)."""
    assert stand.id is not None and visitor.id is not None
    now = clock.now()
    lead = await lead_for(db, clock, stand.id, visitor.id)
    open_query = select(ContactRequest).where(
        ContactRequest.lead_id == lead.id,
        ContactRequest.state == ContactState.open,
        ContactRequest.expires_at > now,
    )
    existing = (await db.exec(open_query)).first()
    if existing is not None:
        return existing, False
    await _limit_requests(db, lead, now)
    rung = [
        s.user_id
        for s in await staff_of(db, stand.id)
        if on_duty(s, now) and s.user_id != visitor.id
    ]
    request = ContactRequest(
        lead_id=lead.id or 0,
        stand_id=stand.id,
        state=ContactState.open if rung else ContactState.missed,
        message=message,
        rung=rung,
        created_at=now,
        expires_at=now + ring,
    )
    db.add(request)
    await db.flush()
    db.add(record(lead, clock, "contact_request", visitor.id, request=request.id, message=message))
    if not rung:
        db.add(record(lead, clock, "missed", None, request=request.id, reason="nobody on duty"))
    db.add(lead)
    await db.commit()
    ring_data = await ring_view(db, request, stand, visitor)
    for staff_id in rung:
        await bus.publish(f"user:{staff_id}", "contact.ring", ring_data)
    return request, True


async def ring_view(
    db: AsyncSession, request: ContactRequest, stand: Stand, visitor: User | None = None
) -> dict[str, Any]:
    """A ringing request as its staff see it (`contact.ring`, and the desk's list)."""
    if visitor is None:
        lead = await db.get(Lead, request.lead_id)
        visitor = await db.get(User, lead.visitor_id) if lead else None
    return {
        "request": request.id,
        "stand": {"slug": stand.slug, "name": stand.name_en, "name_ru": stand.name_ru},
        "visitor": {"name": visitor.name if visitor else ""},
        "message": request.message,
        "expires_at": _utc(request.expires_at),
    }


async def _request(db: AsyncSession, request_id: int) -> tuple[ContactRequest, Stand]:
    request = await db.get(ContactRequest, request_id)
    stand = await db.get(Stand, request.stand_id) if request else None
    if request is None or stand is None:
        raise NotFound(f"request: no contact request {request_id}", field="request")
    return request, stand


async def visible_request(
    db: AsyncSession, user: User, request_id: int
) -> tuple[ContactRequest, Stand]:
    """A request, for its visitor or the stand's staff; NotFound for anyone else (as if it
    did not exist)."""
    request, stand = await _request(db, request_id)
    lead = await db.get(Lead, request.lead_id)
    if lead is not None and lead.visitor_id == user.id:
        return request, stand
    try:
        await require_staff(db, stand, user)
    except Forbidden:
        raise NotFound(f"request: no contact request {request_id}", field="request") from None
    return request, stand


async def accept(db: AsyncSession, clock: Clock, bus: Bus, request_id: int, staff: User) -> str:
    """The first staff member to accept answers: a private chat opens (or reopens) between the
    visitor and the stand's staff. Conflict for everyone after them, or after the ring ended."""
    request, stand = await _request(db, request_id)
    await require_staff(db, stand, staff)
    now = clock.now()
    taken = await db.exec(
        update(ContactRequest)
        .where(
            col(ContactRequest.id) == request_id,
            col(ContactRequest.state) == ContactState.open,
            col(ContactRequest.expires_at) > now,
        )
        .values(state=ContactState.answered, answered_at=now, answered_by=staff.id)
    )
    if taken.rowcount != 1:
        await db.rollback()
        raise Conflict("request: it was answered by a colleague or is over", field="request")
    lead = await db.get(Lead, request.lead_id)
    assert lead is not None and stand.id is not None
    room = await ensure_room(db, clock, lead)
    if lead.status is LeadStatus.new:
        lead.status = LeadStatus.contacted
    seconds = (now - request.created_at).total_seconds()
    db.add(record(lead, clock, "answered", staff.id, request=request_id, seconds=round(seconds, 1)))
    db.add(lead)
    await db.commit()
    await bus.publish(
        f"user:{lead.visitor_id}",
        "contact.answered",
        {"request": request_id, "room": room, "by": {"name": staff.name}},
    )
    for other in request.rung:
        if other != staff.id:
            await bus.publish(
                f"user:{other}", "contact.closed", {"request": request_id, "state": "answered"}
            )
    return room


async def miss_expired(db: AsyncSession, clock: Clock, bus: Bus) -> int:
    """Requests whose ring ran out unanswered become missed; the visitor is offered slots."""
    now = clock.now()
    query = select(ContactRequest).where(
        ContactRequest.state == ContactState.open, ContactRequest.expires_at <= now
    )
    missed = 0
    for request in (await db.exec(query)).all():
        done = await db.exec(
            update(ContactRequest)
            .where(
                col(ContactRequest.id) == request.id, col(ContactRequest.state) == ContactState.open
            )
            .values(state=ContactState.missed)
        )
        if done.rowcount != 1:
            continue  # accepted meanwhile, or another node's sweep
        lead = await db.get(Lead, request.lead_id)
        assert lead is not None
        db.add(record(lead, clock, "missed", None, request=request.id, reason="no answer"))
        db.add(lead)
        await db.commit()
        offers = await free_slots(db, clock, request.stand_id)
        await bus.publish(
            f"user:{lead.visitor_id}", "contact.missed", {"request": request.id, "offers": offers}
        )
        for staff_id in request.rung:
            await bus.publish(
                f"user:{staff_id}", "contact.closed", {"request": request.id, "state": "missed"}
            )
        missed += 1
    return missed


async def add_slots(
    db: AsyncSession,
    clock: Clock,
    stand: Stand,
    staff: User,
    slots: list[tuple[datetime, datetime, str, MeetingMode]],
) -> list[Slot]:
    """A staff member's availability: each slot a UTC span and the zone it was set in."""
    await require_staff(db, stand, staff)
    assert stand.id is not None and staff.id is not None
    made = []
    for start, end, tz, mode in slots:
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
    await db.commit()
    return made


async def set_consent(
    db: AsyncSession, clock: Clock, stand: Stand, visitor: User, share: list[str]
) -> Lead:
    """What of the visitor's details this stand may see (an empty list withdraws it)."""
    unknown = sorted(set(share) - set(SHAREABLE))
    if unknown:
        raise Invalid(
            f"share: {', '.join(unknown)} cannot be shared (only {', '.join(SHAREABLE)})",
            field="share",
        )
    assert stand.id is not None and visitor.id is not None
    lead = await lead_for(db, clock, stand.id, visitor.id)
    lead.consent = sorted(set(share))
    db.add(record(lead, clock, "consent", visitor.id, share=lead.consent))
    db.add(lead)
    await db.commit()
    return lead


def visitor_view(lead: Lead, visitor: User) -> dict[str, Any]:
    """The visitor as the stand's staff may see them: the name, and what they consented to."""
    shown: dict[str, Any] = {"name": visitor.name}
    for key in SHAREABLE:
        shown[key] = getattr(visitor, key) or None if key in lead.consent else None
    return shown
