"""HTTP routes for reaching exhibitors and for their leads."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select

from server.accounts.models import User
from server.accounts.service import require_user
from server.attendance import badges
from server.attendance.models import Badge
from server.deps import AppClock, AppSettings, CurrentUser, DbSession
from server.errors import Forbidden, NotFound
from server.expo import analytics, leads, meetings, search
from server.expo.models import (
    ContactRequest,
    ContactState,
    Lead,
    LeadEvent,
    LeadStatus,
    Meeting,
    MeetingMode,
    Product,
    Stand,
    StandStaff,
)
from server.program.importer import local_instant
from server.program.zones import parse_zone
from server.realtime.bus import Bus
from server.rooms.models import ChatMessage
from server.transient import RetryingRoute

router = APIRouter(route_class=RetryingRoute, prefix="/api/v1", tags=["showrooms"])

Slug = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9-]+$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactIn(_In):
    message: str | None = Field(default=None, max_length=500)


class SlotIn(_In):
    start: str = Field(description="Local wall-clock time in `tz`, e.g. 2027-03-26T10:00")
    end: str
    tz: str | None = Field(default=None, description="IANA zone; default: the staff member's")
    mode: MeetingMode = MeetingMode.online


class SlotsIn(_In):
    slots: list[SlotIn] = Field(min_length=1, max_length=100)


class BookIn(_In):
    slot: int = Field(ge=1)


class ConsentIn(_In):
    share: list[str] = Field(max_length=5)


class StatusIn(_In):
    status: LeadStatus


class NoteIn(_In):
    text: str = Field(min_length=1, max_length=4000)


class ScanIn(_In):
    token: str = Field(min_length=10, max_length=2000)


def _bus(request: Request) -> Bus:
    bus: Bus = request.app.state.bus
    return bus


@router.get("/me/stands", summary="The stands I am staff of")
async def my_stands(db: DbSession, user: CurrentUser) -> list[dict[str, str]]:
    me = require_user(user)
    query = (
        select(Stand)
        .join(StandStaff, col(StandStaff.stand_id) == Stand.id)
        .where(StandStaff.user_id == me.id, col(Stand.listed))
        .order_by(col(Stand.name_en))
    )
    return [
        {"slug": s.slug, "name": s.name_en, "name_ru": s.name_ru}
        for s in (await db.exec(query)).all()
    ]


@router.get("/me/meetings", summary="My meetings that have not ended (as visitor or staff)")
async def my_meetings(db: DbSession, clock: AppClock, user: CurrentUser) -> list[dict[str, Any]]:
    return await meetings.upcoming(db, clock, require_user(user))


@router.get(
    "/me/contact-requests", summary="Requests ringing at my stands now (a desk opened mid-ring)"
)
async def my_ringing(db: DbSession, clock: AppClock, user: CurrentUser) -> list[dict[str, Any]]:
    me = require_user(user)
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
        await leads.ring_view(db, request, stand)
        for request, stand in rows
        if me.id in request.rung
    ]


@router.post(
    "/stands/{slug}/contact-requests",
    status_code=201,
    summary="Talk to us now: ring the staff on duty",
)
async def contact_request(
    slug: Slug,
    body: ContactIn,
    request: Request,
    response: Response,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
) -> dict[str, Any]:
    visitor = require_user(user)
    stand = await leads.stand_by_slug(db, slug)
    ring = timedelta(seconds=settings.contact_ring_seconds)
    made, new = await leads.request_contact(
        db, clock, _bus(request), stand, visitor, (body.message or "").strip(), ring
    )
    if not new:
        response.status_code = 200
    return await leads.request_view(db, clock, made, stand)


@router.get(
    "/contact-requests/{request_id}", summary="A contact request (its visitor or the stand's staff)"
)
async def get_contact_request(
    request_id: int, db: DbSession, clock: AppClock, user: CurrentUser
) -> dict[str, Any]:
    found, stand = await leads.visible_request(db, require_user(user), request_id)
    return await leads.request_view(db, clock, found, stand)


@router.post(
    "/contact-requests/{request_id}/accept", summary="Answer a ringing request (the stand's staff)"
)
async def accept_contact_request(
    request_id: int, request: Request, db: DbSession, clock: AppClock, user: CurrentUser
) -> dict[str, Any]:
    staff = require_user(user)
    room = await leads.accept(db, clock, _bus(request), request_id, staff)
    found, stand = await leads.visible_request(db, staff, request_id)
    return {**await leads.request_view(db, clock, found, stand), "room": room}


@router.get("/stands/{slug}/slots", summary="The stand's free meeting slots")
async def stand_slots(
    slug: Slug, db: DbSession, clock: AppClock, user: CurrentUser
) -> list[dict[str, Any]]:
    require_user(user)
    stand = await leads.stand_by_slug(db, slug)
    return await leads.free_slots(db, clock, stand.id or 0)


@router.post(
    "/stands/{slug}/slots", status_code=201, summary="Publish meeting slots (the stand's staff)"
)
async def publish_slots(
    slug: Slug, body: SlotsIn, db: DbSession, clock: AppClock, user: CurrentUser
) -> list[dict[str, Any]]:
    staff = require_user(user)
    stand = await leads.stand_by_slug(db, slug)
    await leads.require_staff(db, stand, staff)
    own = (
        await db.exec(
            select(StandStaff).where(
                StandStaff.stand_id == stand.id, StandStaff.user_id == staff.id
            )
        )
    ).one()
    spans = []
    for i, slot in enumerate(body.slots):
        tz = slot.tz or own.tz
        start = local_instant(slot.start, tz, field=f"slots.{i}.start")
        end = local_instant(slot.end, tz, field=f"slots.{i}.end")
        spans.append((start, end, tz, slot.mode))
    made = await leads.add_slots(db, clock, stand, staff, spans)
    return [leads.slot_view(s, staff.name) for s in made]


@router.post("/stands/{slug}/meetings", status_code=201, summary="Book a meeting slot")
async def book_meeting(
    slug: Slug,
    body: BookIn,
    request: Request,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
) -> dict[str, Any]:
    visitor = require_user(user)
    stand = await leads.stand_by_slug(db, slug)
    meeting = await meetings.book(
        db, clock, _bus(request), stand, visitor, body.slot, settings.public_url
    )
    lead = await db.get(Lead, meeting.lead_id)
    staff = await db.get(User, meeting.staff_id)
    assert lead is not None and staff is not None
    return meetings.view(meeting, lead, stand, staff, visitor, visitor)


@router.get(
    "/meetings/{meeting_id}.ics", summary="A meeting's iCalendar invitation (its two people)"
)
async def meeting_ics(
    meeting_id: int, db: DbSession, clock: AppClock, settings: AppSettings, user: CurrentUser
) -> Response:
    me = require_user(user)
    meeting = await db.get(Meeting, meeting_id)
    if meeting is None or me.id not in (meeting.visitor_id, meeting.staff_id):
        raise NotFound(f"meeting: no meeting {meeting_id}", field="meeting")
    lead = await db.get(Lead, meeting.lead_id)
    stand = await db.get(Stand, lead.stand_id) if lead else None
    staff, visitor = await db.get(User, meeting.staff_id), await db.get(User, meeting.visitor_id)
    assert stand is not None and staff is not None and visitor is not None
    body = meetings.meeting_ics(
        meeting, stand, staff, visitor, settings.public_url, clock.now(), me.language
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, no-store"},
    )


@router.delete(
    "/meetings/{meeting_id}",
    status_code=204,
    summary="Cancel a meeting (either of its two people): both get the cancellation",
)
async def cancel_meeting(
    meeting_id: int,
    request: Request,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
) -> Response:
    await meetings.cancel(
        db, clock, _bus(request), require_user(user), meeting_id, settings.public_url
    )
    return Response(status_code=204)


@router.put(
    "/stands/{slug}/consent", summary="What of my details this stand may see (empty: withdraw)"
)
async def consent(
    slug: Slug, body: ConsentIn, db: DbSession, clock: AppClock, user: CurrentUser
) -> dict[str, Any]:
    visitor = require_user(user)
    stand = await leads.stand_by_slug(db, slug)
    lead = await leads.set_consent(db, clock, stand, visitor, body.share)
    return {"stand": slug, "share": lead.consent}


async def _staffed(db: DbSession, slug: str, user: User | None) -> Stand:
    stand = await leads.stand_by_slug(db, slug)
    await leads.require_staff(db, stand, require_user(user))
    return stand


async def _lead_rows(db: DbSession, stand: Stand) -> list[tuple[Lead, User]]:
    query = (
        select(Lead, User)
        .join(User, col(User.id) == Lead.visitor_id)
        .where(Lead.stand_id == stand.id)
        .order_by(col(Lead.updated_at).desc())
    )
    return list((await db.exec(query)).all())


def _lead_view(lead: Lead, visitor: User) -> dict[str, Any]:
    return {
        "id": lead.id,
        "visitor": leads.visitor_view(lead, visitor),
        "status": lead.status.value,
        "room": lead.room,
        "created_at": lead.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": lead.updated_at.isoformat().replace("+00:00", "Z"),
    }


@router.get("/stands/{slug}/leads", summary="The stand's leads (its staff only)")
async def stand_leads(slug: Slug, db: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    stand = await _staffed(db, slug, user)
    return [_lead_view(lead, visitor) for lead, visitor in await _lead_rows(db, stand)]


async def _lead(db: DbSession, stand: Stand, lead_id: int) -> tuple[Lead, User]:
    lead = await db.get(Lead, lead_id)
    visitor = await db.get(User, lead.visitor_id) if lead else None
    if lead is None or visitor is None or lead.stand_id != stand.id:
        raise NotFound(f"lead: no lead {lead_id} at this stand", field="lead")
    return lead, visitor


@router.get(
    "/stands/{slug}/leads/{lead_id}", summary="A lead with its whole history (its stand's staff)"
)
async def stand_lead(slug: Slug, lead_id: int, db: DbSession, user: CurrentUser) -> dict[str, Any]:
    stand = await _staffed(db, slug, user)
    lead, visitor = await _lead(db, stand, lead_id)
    events = (
        await db.exec(
            select(LeadEvent)
            .where(LeadEvent.lead_id == lead.id)
            .order_by(col(LeadEvent.at), col(LeadEvent.id))
        )
    ).all()
    chat = []
    if lead.room:
        messages = (
            await db.exec(
                select(ChatMessage)
                .where(ChatMessage.room == lead.room)
                .order_by(col(ChatMessage.id))
            )
        ).all()
        chat = [
            {
                "user": m.user_id,
                "text": m.text,
                "at": m.created_at.isoformat().replace("+00:00", "Z"),
            }
            for m in messages
        ]
    history = [
        {
            "kind": e.kind,
            "actor": e.actor_id,
            "at": e.at.isoformat().replace("+00:00", "Z"),
            "data": e.data,
        }
        for e in events
    ]
    return {**_lead_view(lead, visitor), "history": history, "chat": chat}


@router.patch("/stands/{slug}/leads/{lead_id}", summary="Set a lead's status (its stand's staff)")
async def set_lead_status(
    slug: Slug, lead_id: int, body: StatusIn, db: DbSession, clock: AppClock, user: CurrentUser
) -> dict[str, Any]:
    stand = await _staffed(db, slug, user)
    lead, visitor = await _lead(db, stand, lead_id)
    lead.status = body.status
    db.add(leads.record(lead, clock, "status", user.id if user else None, status=body.status.value))
    db.add(lead)
    await db.commit()
    return _lead_view(lead, visitor)


@router.post(
    "/stands/{slug}/leads/{lead_id}/notes",
    status_code=201,
    summary="Note on a lead (its stand's staff)",
)
async def add_note(
    slug: Slug, lead_id: int, body: NoteIn, db: DbSession, clock: AppClock, user: CurrentUser
) -> dict[str, Any]:
    stand = await _staffed(db, slug, user)
    lead, visitor = await _lead(db, stand, lead_id)
    db.add(leads.record(lead, clock, "note", user.id if user else None, text=body.text))
    db.add(lead)
    await db.commit()
    return _lead_view(lead, visitor)


@router.get(
    "/stands/{slug}/leads.csv",
    summary="The stand's leads as CSV (its staff only; details only as each visitor consented)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def leads_csv(slug: Slug, db: DbSession, user: CurrentUser) -> Response:
    stand = await _staffed(db, slug, user)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "lead",
            "name",
            "email",
            "organisation",
            "country",
            "status",
            "first contact",
            "last contact",
        ]
    )
    for lead, visitor in await _lead_rows(db, stand):
        shown = leads.visitor_view(lead, visitor)
        writer.writerow(
            [
                lead.id,
                _cell(shown["name"]),
                _cell(shown["email"] or ""),
                _cell(shown["organisation"] or ""),
                shown["country"] or "",
                lead.status.value,
                lead.created_at.isoformat(),
                lead.updated_at.isoformat(),
            ]
        )
    headers = {
        "Content-Disposition": f'attachment; filename="{stand.slug}-leads.csv"',
        "Cache-Control": "private, no-store",
    }
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def _cell(value: str) -> str:
    """A text cell that a spreadsheet will not run as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@router.post(
    "/stands/{slug}/scans",
    status_code=201,
    summary="Scan a visitor's badge at the stand (its staff)",
)
async def scan_badge(
    slug: Slug, body: ScanIn, request: Request, db: DbSession, clock: AppClock, user: CurrentUser
) -> dict[str, Any]:
    stand = await _staffed(db, slug, user)
    payload = badges.verify(request.app.state.badge_key.public_key(), body.token)
    badge = await db.get(Badge, payload["badge"])
    visitor = await db.get(User, payload["user"])
    if badge is None or badge.revoked_at is not None or visitor is None:
        raise Forbidden("token: this badge was revoked", field="token", reason="revoked")
    assert stand.id is not None and visitor.id is not None
    lead = await leads.lead_for(db, clock, stand.id, visitor.id)
    db.add(
        leads.record(lead, clock, "badge_scan", user.id if user else None, badge=payload["badge"])
    )
    db.add(lead)
    await db.commit()
    return _lead_view(lead, visitor)


class VisitPing(_In):
    key: str = Field(min_length=10, max_length=64)


@router.post(
    "/stands/{slug}/visits", status_code=201, summary="A stand's page opened (for its analytics)"
)
async def start_visit(
    slug: Slug, db: DbSession, clock: AppClock, user: CurrentUser
) -> dict[str, Any]:
    stand = await leads.stand_by_slug(db, slug)
    visit = await analytics.start_visit(db, clock, stand, user.id if user else None)
    return {"visit": visit.id, "key": visit.key, "ping_seconds": analytics.PING_SECONDS}


@router.post("/visits/{visit_id}/ping", summary="The stand's page is still open")
async def ping_visit(
    visit_id: int, body: VisitPing, db: DbSession, clock: AppClock
) -> dict[str, Any]:
    visit = await analytics.ping_visit(db, clock, visit_id, body.key)
    return {"visit": visit.id, "seconds": (visit.last_seen_at - visit.started_at).total_seconds()}


@router.get(
    "/stands/{slug}/analytics", summary="Per local day: visits, requests, meetings (its staff)"
)
async def stand_analytics(
    slug: Slug,
    db: DbSession,
    clock: AppClock,
    user: CurrentUser,
    days: Annotated[int, Query(ge=1, le=analytics.MAX_DAYS)] = 7,
    tz: Annotated[str | None, Query(max_length=64, description="IANA zone; default: mine")] = None,
) -> dict[str, Any]:
    stand = await _staffed(db, slug, user)
    zone = parse_zone(tz or (user.tz if user else "UTC"), field="tz")
    return await analytics.report(db, clock, stand, zone.key, days)


class TextIn(_In):
    en: str = Field(min_length=1, max_length=5000)
    ru: str = Field(min_length=1, max_length=5000)


class SpecIn(_In):
    name: TextIn
    value: str = Field(min_length=1, max_length=200)


class StandEdit(_In):
    description: TextIn | None = None
    website: str | None = Field(default=None, max_length=300, pattern=r"^(https://\S+)?$")


class ProductEdit(_In):
    name: TextIn | None = None
    description: TextIn | None = None
    specs: list[SpecIn] | None = Field(default=None, max_length=40)


async def _reindex(db: DbSession, stand: Stand) -> None:
    products = (await db.exec(select(Product).where(Product.stand_id == stand.id))).all()
    await search.reindex_stand(db, stand, products)


@router.patch(
    "/stands/{slug}", summary="Edit the stand's texts (its staff; a new pack import replaces them)"
)
async def edit_stand(
    slug: Slug, body: StandEdit, db: DbSession, clock: AppClock, user: CurrentUser
) -> dict[str, Any]:
    stand = await _staffed(db, slug, user)
    if body.description is not None:
        stand.description_en, stand.description_ru = body.description.en, body.description.ru
    if body.website is not None:
        stand.website = body.website
    stand.updated_at = clock.now()
    db.add(stand)
    await _reindex(db, stand)
    await db.commit()
    return {
        "slug": stand.slug,
        "description": {"en": stand.description_en, "ru": stand.description_ru},
        "website": stand.website,
    }


@router.patch(
    "/stands/{slug}/products/{product}", summary="Edit a product's texts (the stand's staff)"
)
async def edit_product(
    slug: Slug, product: Slug, body: ProductEdit, db: DbSession, clock: AppClock, user: CurrentUser
) -> dict[str, Any]:
    stand = await _staffed(db, slug, user)
    found = (
        await db.exec(select(Product).where(Product.stand_id == stand.id, Product.slug == product))
    ).first()
    if found is None:
        raise NotFound(f"product: no product {product!r} at this stand", field="product")
    if body.name is not None:
        found.name_en, found.name_ru = body.name.en, body.name.ru
    if body.description is not None:
        found.description_en, found.description_ru = body.description.en, body.description.ru
    if body.specs is not None:
        found.specs = [s.model_dump() for s in body.specs]
    db.add(found)
    stand.updated_at = clock.now()
    db.add(stand)
    await db.flush()
    await _reindex(db, stand)
    await db.commit()
    return {
        "slug": found.slug,
        "name": {"en": found.name_en, "ru": found.name_ru},
        "specs": found.specs,
    }
