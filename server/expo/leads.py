"""Leads: one record per visitor and stand, and every way they met as its history.

Contact requests, chats and calls, meetings, badge scans, notes and status changes are events
of the same lead (`record`). The visitor chooses which of their details the stand may see
(`set_consent`), and may withdraw it; the stand's staff alone see its leads, and export them
as CSV with only what each visitor consented to.

Dependencies point one way: the showrooms build on the live rooms (a lead's chat is a private
room, server/rooms/access.py) and never the other way round. A call started in a private room
reaches its lead through `record_call`, which server/app.py hands to the rooms layer as its
`CallListener` (server/rooms/calls.py): the rooms layer knows no lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.attendance import badges
from server.attendance.models import Badge
from server.clock import Clock
from server.errors import Forbidden, Invalid, NotFound
from server.expo.models import Lead, LeadEvent, LeadEventKind, LeadStatus, Stand
from server.expo.queries import staff_of, staffed_stand, stand_by_slug
from server.expo.schemas import (
    ChatLine,
    ConsentPublic,
    ConversationPublic,
    LeadDetailPublic,
    LeadPublic,
    SharedDetail,
)
from server.expo.views import lead_view, stand_name, visitor_view
from server.instants import instant
from server.rooms.access import open_private_room
from server.rooms.models import ChatMessage
from server.spreadsheets import csv_text

SHAREABLE = tuple(d.value for d in SharedDetail)  # besides the name, always shown
CSV_HEADER = (
    "lead",
    "name",
    "email",
    "organisation",
    "country",
    "status",
    "first contact",
    "last contact",
)


async def lead_for(db: AsyncSession, clock: Clock, stand_id: int, visitor_id: int) -> Lead:
    """The visitor's lead at the stand, made on their first contact."""
    query = select(Lead).where(Lead.stand_id == stand_id, Lead.visitor_id == visitor_id)
    lead = (await db.exec(query)).first()
    if lead is None:
        now = clock.now()
        lead = Lead(stand_id=stand_id, visitor_id=visitor_id, created_at=now, updated_at=now)
        db.add(lead)
        await db.flush()
    return lead


async def ensure_room(db: AsyncSession, clock: Clock, lead: Lead) -> str:
    """The lead's private room (the visitor and the stand's staff), opened if it has none yet."""
    if lead.room is None:
        members = [lead.visitor_id, *(s.user_id for s in await staff_of(db, lead.stand_id))]
        lead.room = await open_private_room(db, clock, "stand", members)
        db.add(lead)
    return lead.room


def record(
    db: AsyncSession, lead: Lead, clock: Clock, kind: LeadEventKind, actor: int | None, **data: Any
) -> None:
    """A step in the lead's history, now; the lead was in touch now. `data` is what the
    step's kind holds (schemas.py: `HistoryItem`)."""
    assert lead.id is not None
    lead.updated_at = clock.now()
    db.add(LeadEvent(lead_id=lead.id, kind=kind, actor_id=actor, data=data, at=lead.updated_at))
    db.add(lead)


async def record_call(db: AsyncSession, clock: Clock, room: str, caller: int) -> None:
    """A video call was offered in a private room: if it is a lead's chat, a step of that lead
    (the rooms layer's `CallListener`)."""
    lead = (await db.exec(select(Lead).where(Lead.room == room))).first()
    if lead is not None:
        record(db, lead, clock, LeadEventKind.call, caller)


async def set_consent(
    db: AsyncSession, clock: Clock, slug: str, visitor: User, share: list[str]
) -> ConsentPublic:
    """What of the visitor's details this stand may see (an empty list withdraws it)."""
    stand = await stand_by_slug(db, slug)
    unknown = sorted(set(share) - set(SHAREABLE))
    if unknown:
        raise Invalid(
            f"share: {', '.join(unknown)} cannot be shared (only {', '.join(SHAREABLE)})",
            field="share",
        )
    assert stand.id is not None and visitor.id is not None
    lead = await lead_for(db, clock, stand.id, visitor.id)
    lead.consent = sorted(set(share))
    record(db, lead, clock, LeadEventKind.consent, visitor.id, share=lead.consent)
    return ConsentPublic(stand=slug, share=[SharedDetail(s) for s in lead.consent])


async def my_consent(db: AsyncSession, slug: str, visitor: User) -> ConsentPublic:
    """What of my details this stand may see now (nothing until I choose)."""
    stand = await stand_by_slug(db, slug)
    query = select(Lead).where(Lead.stand_id == stand.id, Lead.visitor_id == visitor.id)
    lead = (await db.exec(query)).first()
    shared = lead.consent if lead is not None else []
    return ConsentPublic(stand=slug, share=[SharedDetail(s) for s in shared])


async def my_conversations(db: AsyncSession, visitor: User) -> list[ConversationPublic]:
    """My conversations with stands (each lead of mine with a private chat), latest first, with
    the last message still shown: a visitor who comes back picks up where they left off."""
    query = (
        select(Lead, Stand)
        .join(Stand, col(Stand.id) == Lead.stand_id)
        .where(Lead.visitor_id == visitor.id, col(Lead.room).is_not(None))
    )
    rows = (await db.exec(query)).all()
    rooms = [lead.room for lead, _ in rows if lead.room]
    latest: dict[str, ChatMessage] = {}
    shown = select(ChatMessage).where(
        col(ChatMessage.room).in_(rooms), col(ChatMessage.deleted_at).is_(None)
    )
    for message in (await db.exec(shown.order_by(col(ChatMessage.id)))).all():
        latest[message.room] = message  # ordered by id: the last one wins
    found = []
    for lead, stand in rows:
        assert lead.room is not None
        last = latest.get(lead.room)
        found.append(
            ConversationPublic(
                stand=stand_name(stand),
                room=lead.room,
                last_text=last.text if last else None,
                last_at=max(lead.updated_at, last.created_at) if last else lead.updated_at,
            )
        )
    return sorted(found, key=lambda c: c.last_at, reverse=True)


async def _rows(db: AsyncSession, stand: Stand) -> list[tuple[Lead, User]]:
    query = (
        select(Lead, User)
        .join(User, col(User.id) == Lead.visitor_id)
        .where(Lead.stand_id == stand.id)
        .order_by(col(Lead.updated_at).desc())
    )
    return list((await db.exec(query)).all())


async def _lead(db: AsyncSession, stand: Stand, lead_id: int) -> tuple[Lead, User]:
    lead = await db.get(Lead, lead_id)
    visitor = await db.get(User, lead.visitor_id) if lead else None
    if lead is None or visitor is None or lead.stand_id != stand.id:
        raise NotFound(f"lead: no lead {lead_id} at this stand", field="lead")
    return lead, visitor


async def stand_leads(db: AsyncSession, slug: str, staff: User) -> list[LeadPublic]:
    """The stand's leads, latest contact first (its staff only)."""
    stand = await staffed_stand(db, slug, staff)
    return [lead_view(lead, visitor) for lead, visitor in await _rows(db, stand)]


async def lead_detail(db: AsyncSession, slug: str, lead_id: int, staff: User) -> LeadDetailPublic:
    """A lead with its whole history and its chat (the stand's staff only)."""
    stand = await staffed_stand(db, slug, staff)
    lead, visitor = await _lead(db, stand, lead_id)
    events = (
        await db.exec(
            select(LeadEvent)
            .where(LeadEvent.lead_id == lead.id)
            .order_by(col(LeadEvent.at), col(LeadEvent.id))
        )
    ).all()
    history = [{"kind": e.kind, "actor": e.actor_id, "at": e.at, "data": e.data} for e in events]
    return LeadDetailPublic.model_validate(
        {**dict(lead_view(lead, visitor)), "history": history, "chat": await _chat(db, lead)}
    )


async def _chat(db: AsyncSession, lead: Lead) -> list[ChatLine]:
    if not lead.room:
        return []
    query = select(ChatMessage).where(ChatMessage.room == lead.room).order_by(col(ChatMessage.id))
    return [
        ChatLine(user=m.user_id, text=m.text, at=m.created_at) for m in (await db.exec(query)).all()
    ]


async def set_status(
    db: AsyncSession, clock: Clock, slug: str, lead_id: int, staff: User, status: LeadStatus
) -> LeadPublic:
    """The exhibitor's own stage for the lead."""
    stand = await staffed_stand(db, slug, staff)
    lead, visitor = await _lead(db, stand, lead_id)
    lead.status = status
    record(db, lead, clock, LeadEventKind.status, staff.id, status=status.value)
    return lead_view(lead, visitor)


async def add_note(
    db: AsyncSession, clock: Clock, slug: str, lead_id: int, staff: User, note: str
) -> LeadPublic:
    stand = await staffed_stand(db, slug, staff)
    lead, visitor = await _lead(db, stand, lead_id)
    record(db, lead, clock, LeadEventKind.note, staff.id, text=note)
    return lead_view(lead, visitor)


async def scan_badge(
    db: AsyncSession, clock: Clock, slug: str, staff: User, key: Ed25519PublicKey, token: str
) -> LeadPublic:
    """A visitor's badge scanned at the stand by its staff: a step of their lead. `key` is the
    badge signing key's public half; a forged or revoked badge is refused."""
    stand = await staffed_stand(db, slug, staff)
    payload = badges.verify(key, token)
    badge = await db.get(Badge, payload["badge"])
    visitor = await db.get(User, payload["user"])
    if badge is None or badge.revoked_at is not None or visitor is None:
        raise Forbidden("token: this badge was revoked", field="token", reason="revoked")
    assert stand.id is not None and visitor.id is not None
    lead = await lead_for(db, clock, stand.id, visitor.id)
    record(db, lead, clock, LeadEventKind.badge_scan, staff.id, badge=payload["badge"])
    return lead_view(lead, visitor)


@dataclass(frozen=True, slots=True)
class LeadsCsv:
    filename: str
    text: str


async def leads_csv(db: AsyncSession, slug: str, staff: User) -> LeadsCsv:
    """The stand's leads as CSV (details only as each visitor consented)."""
    stand = await staffed_stand(db, slug, staff)
    rows = []
    for lead, visitor in await _rows(db, stand):
        shown = visitor_view(lead, visitor)
        rows.append(
            [
                lead.id,
                shown.name,
                shown.email,
                shown.organisation,
                shown.country,
                lead.status.value,
                instant(lead.created_at),
                instant(lead.updated_at),
            ]
        )
    return LeadsCsv(f"{stand.slug}-leads.csv", csv_text(CSV_HEADER, rows))
