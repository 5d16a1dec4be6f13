"""HTTP routes of "talk to us now": ringing a stand's staff, and answering (contacts.py)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Response

from server.accounts.service import require_user
from server.deps import AppClock, AppSettings, CurrentUser, DbSession
from server.expo import contacts
from server.expo.params import RequestId, Slug
from server.expo.schemas import ContactIn, ContactRequestPublic, RingPublic
from server.http_errors import error_responses
from server.transient import RetryingRoute

router = APIRouter(route_class=RetryingRoute, prefix="/api/v1", tags=["showrooms"])


@router.get(
    "/me/contact-requests",
    response_model=list[RingPublic],
    responses=error_responses(401),
    summary="Requests ringing at my stands now (a desk opened mid-ring)",
)
async def my_ringing(db: DbSession, clock: AppClock, user: CurrentUser) -> list[RingPublic]:
    return await contacts.ringing(db, clock, require_user(user))


@router.post(
    "/stands/{slug}/contact-requests",
    status_code=201,
    response_model=ContactRequestPublic,
    responses={
        200: {"model": ContactRequestPublic, "description": "Already ringing"},
        **error_responses(401, 404, 429),
    },
    summary="Talk to us now: ring the staff on duty",
)
async def contact_request(
    slug: Slug,
    body: ContactIn,
    response: Response,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
) -> ContactRequestPublic:
    ring = timedelta(seconds=settings.contact_ring_seconds)
    message = (body.message or "").strip()
    made, new = await contacts.request_contact(db, clock, slug, require_user(user), message, ring)
    if not new:
        response.status_code = 200
    return made


@router.get(
    "/contact-requests/{request_id}",
    response_model=ContactRequestPublic,
    responses=error_responses(401, 404),
    summary="A contact request (its visitor or the stand's staff)",
)
async def get_contact_request(
    request_id: RequestId, db: DbSession, clock: AppClock, user: CurrentUser
) -> ContactRequestPublic:
    return await contacts.contact_request(db, clock, require_user(user), request_id)


@router.post(
    "/contact-requests/{request_id}/accept",
    response_model=ContactRequestPublic,
    responses=error_responses(401, 403, 404, 409),
    summary="Answer a ringing request (the stand's staff)",
)
async def accept_contact_request(
    request_id: RequestId, db: DbSession, clock: AppClock, user: CurrentUser
) -> ContactRequestPublic:
    return await contacts.accept(db, clock, request_id, require_user(user))
