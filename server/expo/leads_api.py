"""HTTP routes of a stand's leads: the visitor's consent, and for the stand's staff its leads,
their history, status and notes, badge scans and the CSV export (leads.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from server.accounts.service import require_user
from server.deps import AppClock, CurrentUser, DbSession
from server.expo import leads
from server.expo.params import STAFF_ONLY, LeadId, Slug
from server.expo.schemas import (
    ConsentIn,
    ConsentPublic,
    ConversationPublic,
    LeadDetailPublic,
    LeadPublic,
    NoteIn,
    ScanIn,
    StatusIn,
)
from server.http_errors import error_responses
from server.transient import RetryingRoute

router = APIRouter(route_class=RetryingRoute, prefix="/api/v1", tags=["showrooms"])


@router.put(
    "/stands/{slug}/consent",
    response_model=ConsentPublic,
    responses=error_responses(401, 404),
    summary="What of my details this stand may see (empty: withdraw)",
)
async def consent(
    slug: Slug, body: ConsentIn, db: DbSession, clock: AppClock, user: CurrentUser
) -> ConsentPublic:
    return await leads.set_consent(db, clock, slug, require_user(user), body.share)


@router.get(
    "/stands/{slug}/consent",
    response_model=ConsentPublic,
    responses=error_responses(401, 404),
    summary="What of my details this stand may see now",
)
async def my_consent(slug: Slug, db: DbSession, user: CurrentUser) -> ConsentPublic:
    return await leads.my_consent(db, slug, require_user(user))


@router.get(
    "/me/conversations",
    response_model=list[ConversationPublic],
    responses=error_responses(401),
    summary="My conversations with stands, latest first",
)
async def my_conversations(db: DbSession, user: CurrentUser) -> list[ConversationPublic]:
    return await leads.my_conversations(db, require_user(user))


@router.get(
    "/stands/{slug}/leads",
    response_model=list[LeadPublic],
    responses=STAFF_ONLY,
    summary="The stand's leads (its staff only)",
)
async def stand_leads(slug: Slug, db: DbSession, user: CurrentUser) -> list[LeadPublic]:
    return await leads.stand_leads(db, slug, require_user(user))


@router.get(
    "/stands/{slug}/leads/{lead_id}",
    response_model=LeadDetailPublic,
    responses=STAFF_ONLY,
    summary="A lead with its whole history (its stand's staff)",
)
async def stand_lead(
    slug: Slug, lead_id: LeadId, db: DbSession, user: CurrentUser
) -> LeadDetailPublic:
    return await leads.lead_detail(db, slug, lead_id, require_user(user))


@router.patch(
    "/stands/{slug}/leads/{lead_id}",
    response_model=LeadPublic,
    responses=STAFF_ONLY,
    summary="Set a lead's status (its stand's staff)",
)
async def set_lead_status(
    slug: Slug, lead_id: LeadId, body: StatusIn, db: DbSession, clock: AppClock, user: CurrentUser
) -> LeadPublic:
    return await leads.set_status(db, clock, slug, lead_id, require_user(user), body.status)


@router.post(
    "/stands/{slug}/leads/{lead_id}/notes",
    status_code=201,
    response_model=LeadPublic,
    responses=STAFF_ONLY,
    summary="Note on a lead (its stand's staff)",
)
async def add_note(
    slug: Slug, lead_id: LeadId, body: NoteIn, db: DbSession, clock: AppClock, user: CurrentUser
) -> LeadPublic:
    return await leads.add_note(db, clock, slug, lead_id, require_user(user), body.text)


@router.get(
    "/stands/{slug}/leads.csv",
    summary="The stand's leads as CSV (its staff only; details only as each visitor consented)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **STAFF_ONLY},
)
async def leads_csv(slug: Slug, db: DbSession, user: CurrentUser) -> Response:
    export = await leads.leads_csv(db, slug, require_user(user))
    headers = {
        "Content-Disposition": f'attachment; filename="{export.filename}"',
        "Cache-Control": "private, no-store",
    }
    return Response(export.text, media_type="text/csv; charset=utf-8", headers=headers)


@router.post(
    "/stands/{slug}/scans",
    status_code=201,
    response_model=LeadPublic,
    responses=STAFF_ONLY,
    summary="Scan a visitor's badge at the stand (its staff)",
)
async def scan_badge(
    slug: Slug, body: ScanIn, request: Request, db: DbSession, clock: AppClock, user: CurrentUser
) -> LeadPublic:
    key = request.app.state.badge_key.public_key()
    return await leads.scan_badge(db, clock, slug, require_user(user), key, body.token)
