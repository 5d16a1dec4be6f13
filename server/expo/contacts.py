"""Talk to us now: a visitor's contact request rings the stand's staff on duty.

Each staff member on duty is rung in their `user:{id}` room; the first to accept opens a
private chat (the visitor and the stand's staff); nobody answering within the ring time makes
the request missed, and the visitor is offered meeting slots instead (with nobody on duty it
is missed at once). Every step is an event of the visitor's lead (leads.py). Pushes go out
only once the step's unit of work has committed (server/unit.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.clock import Clock
from server.errors import Conflict, Forbidden, NotFound, RateLimited
from server.expo.leads import ensure_room, lead_for, record
from server.expo.models import (
    ContactRequest,
    ContactState,
    Lead,
    LeadEventKind,
    LeadStatus,
    MissReason,
    Stand,
    StandStaff,
)
from server.expo.queries import free_slots, names, require_staff, staff_of, stand_by_slug
from server.expo.schemas import ContactRequestPublic, RingPublic
from server.expo.views import on_duty, request_view, ring_view
from server.unit import publish_after

MAX_REQUESTS_PER_HOUR = 5


async def request_contact(
    db: AsyncSession, clock: Clock, slug: str, visitor: User, message: str, ring: timedelta
) -> tuple[ContactRequestPublic, bool]:
    """Ring the stand's staff on duty (or, with nobody on duty, miss at once) for `ring`.
    Answers the request and whether it is new (an open one is answered again, not rung
    twice)."""
    stand = await stand_by_slug(db, slug)
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
        return await _view(db, clock, existing, stand), False
    await _limit_requests(db, lead, now)
    request = await _ring(db, clock, stand, lead, visitor, message, ring)
    ringing = ring_view(request, stand, visitor).model_dump(mode="json")
    for staff_id in request.rung:
        publish_after(db, f"user:{staff_id}", "contact.ring", ringing)
    return await _view(db, clock, request, stand), True


async def _ring(
    db: AsyncSession,
    clock: Clock,
    stand: Stand,
    lead: Lead,
    visitor: User,
    message: str,
    ring: timedelta,
) -> ContactRequest:
    """A new request, ringing the staff on duty now (the visitor aside, should they be one);
    missed at once if there are none."""
    now = clock.now()
    rung = [
        s.user_id
        for s in await staff_of(db, stand.id or 0)
        if on_duty(s, now) and s.user_id != visitor.id
    ]
    request = ContactRequest(
        lead_id=lead.id or 0,
        stand_id=stand.id or 0,
        state=ContactState.open if rung else ContactState.missed,
        message=message,
        rung=rung,
        created_at=now,
        expires_at=now + ring,
    )
    db.add(request)
    await db.flush()
    asked = {"request": request.id, "message": message}
    record(db, lead, clock, LeadEventKind.contact_request, visitor.id, **asked)
    if not rung:
        reason = MissReason.nobody_on_duty
        record(db, lead, clock, LeadEventKind.missed, None, request=request.id, reason=reason)
    return request


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


async def _view(
    db: AsyncSession, clock: Clock, request: ContactRequest, stand: Stand
) -> ContactRequestPublic:
    lead = await db.get(Lead, request.lead_id)
    by = request.answered_by
    answered_by = (await names(db, {by})).get(by) if by else None
    missed = request.state is ContactState.missed
    offers = await free_slots(db, clock, stand.id or 0) if missed else []
    return request_view(request, stand, lead.room if lead else None, answered_by, offers)


async def ringing(db: AsyncSession, clock: Clock, me: User) -> list[RingPublic]:
    """Requests ringing at my stands now, oldest first (a desk opened mid-ring)."""
    query = (
        select(ContactRequest, Stand)
        .join(Stand, col(Stand.id) == ContactRequest.stand_id)
        .join(StandStaff, col(StandStaff.stand_id) == Stand.id)
        .where(
            StandStaff.user_id == me.id,
            ContactRequest.state == ContactState.open,
            ContactRequest.expires_at > clock.now(),
        )
        .order_by(col(ContactRequest.created_at))
    )
    rows = (await db.exec(query)).all()
    return [
        ring_view(request, stand, await _visitor(db, request))
        for request, stand in rows
        if me.id in request.rung
    ]


async def _visitor(db: AsyncSession, request: ContactRequest) -> User | None:
    lead = await db.get(Lead, request.lead_id)
    return await db.get(User, lead.visitor_id) if lead else None


async def _request(db: AsyncSession, request_id: int) -> tuple[ContactRequest, Stand]:
    request = await db.get(ContactRequest, request_id)
    stand = await db.get(Stand, request.stand_id) if request else None
    if request is None or stand is None:
        raise NotFound(f"request: no contact request {request_id}", field="request")
    return request, stand


async def _visible(db: AsyncSession, user: User, request_id: int) -> tuple[ContactRequest, Stand]:
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


async def contact_request(
    db: AsyncSession, clock: Clock, user: User, request_id: int
) -> ContactRequestPublic:
    """A request as its visitor or the stand's staff see it."""
    request, stand = await _visible(db, user, request_id)
    return await _view(db, clock, request, stand)


async def accept(
    db: AsyncSession, clock: Clock, request_id: int, staff: User
) -> ContactRequestPublic:
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
        raise Conflict("request: it was answered by a colleague or is over", field="request")
    lead = await db.get(Lead, request.lead_id)
    assert lead is not None and stand.id is not None
    room = await ensure_room(db, clock, lead)
    if lead.status is LeadStatus.new:
        lead.status = LeadStatus.contacted
    seconds = round((now - request.created_at).total_seconds(), 1)
    record(db, lead, clock, LeadEventKind.answered, staff.id, request=request_id, seconds=seconds)
    answered = {"request": request_id, "room": room, "by": {"name": staff.name}}
    publish_after(db, f"user:{lead.visitor_id}", "contact.answered", answered)
    for other in request.rung:
        if other != staff.id:
            closed = {"request": request_id, "state": ContactState.answered.value}
            publish_after(db, f"user:{other}", "contact.closed", closed)
    return await contact_request(db, clock, staff, request_id)


async def miss_expired(db: AsyncSession, clock: Clock) -> int:
    """Requests whose ring ran out unanswered become missed; the visitor is offered slots.
    Each is missed by one conditional UPDATE, so sweeps on several nodes never double up."""
    now = clock.now()
    query = select(ContactRequest).where(
        ContactRequest.state == ContactState.open, ContactRequest.expires_at <= now
    )
    missed = 0
    for request in (await db.exec(query)).all():
        if await _miss(db, clock, request):
            missed += 1
    return missed


async def _miss(db: AsyncSession, clock: Clock, request: ContactRequest) -> bool:
    done = await db.exec(
        update(ContactRequest)
        .where(col(ContactRequest.id) == request.id, col(ContactRequest.state) == ContactState.open)
        .values(state=ContactState.missed)
    )
    if done.rowcount != 1:
        return False  # accepted meanwhile, or another node's sweep
    lead = await db.get(Lead, request.lead_id)
    assert lead is not None
    reason = MissReason.no_answer
    record(db, lead, clock, LeadEventKind.missed, None, request=request.id, reason=reason)
    offers = [o.model_dump(mode="json") for o in await free_slots(db, clock, request.stand_id)]
    missed = {"request": request.id, "offers": offers}
    publish_after(db, f"user:{lead.visitor_id}", "contact.missed", missed)
    for staff_id in request.rung:
        closed = {"request": request.id, "state": ContactState.missed.value}
        publish_after(db, f"user:{staff_id}", "contact.closed", closed)
    return True
