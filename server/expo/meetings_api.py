"""HTTP routes of meetings at a stand: its staff's slots, booking, the invitation, cancelling
(meetings.py)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from server.accounts.service import require_user
from server.deps import AppClock, AppSettings, CurrentUser, DbSession
from server.expo import meetings
from server.expo.params import STAFF_ONLY, MeetingId, Slug
from server.expo.schemas import BookIn, MeetingPublic, SlotPublic, SlotsIn
from server.http_errors import error_responses
from server.transient import RetryingRoute

router = APIRouter(route_class=RetryingRoute, prefix="/api/v1", tags=["showrooms"])


@router.get(
    "/me/meetings",
    response_model=list[MeetingPublic],
    responses=error_responses(401),
    summary="My meetings that have not ended (as visitor or staff)",
)
async def my_meetings(db: DbSession, clock: AppClock, user: CurrentUser) -> list[MeetingPublic]:
    return await meetings.upcoming(db, clock, require_user(user))


@router.get(
    "/stands/{slug}/slots",
    response_model=list[SlotPublic],
    responses=error_responses(401, 404),
    summary="The stand's free meeting slots",
)
async def stand_slots(
    slug: Slug, db: DbSession, clock: AppClock, user: CurrentUser
) -> list[SlotPublic]:
    require_user(user)
    return await meetings.stand_slots(db, clock, slug)


@router.post(
    "/stands/{slug}/slots",
    status_code=201,
    response_model=list[SlotPublic],
    responses=STAFF_ONLY,
    summary="Publish meeting slots (the stand's staff)",
)
async def publish_slots(
    slug: Slug, body: SlotsIn, db: DbSession, clock: AppClock, user: CurrentUser
) -> list[SlotPublic]:
    return await meetings.add_slots(db, clock, slug, require_user(user), body.slots)


@router.post(
    "/stands/{slug}/meetings",
    status_code=201,
    response_model=MeetingPublic,
    responses=error_responses(401, 404, 409),
    summary="Book a meeting slot",
)
async def book_meeting(
    slug: Slug,
    body: BookIn,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
) -> MeetingPublic:
    visitor = require_user(user)
    most = settings.showroom_meetings_per_visitor
    return await meetings.book(db, clock, slug, visitor, body.slot, settings.public_url, most)


@router.get(
    "/meetings/{meeting_id}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, **error_responses(401, 404)},
    summary="A meeting's iCalendar invitation (its two people)",
)
async def meeting_ics(
    meeting_id: MeetingId, db: DbSession, clock: AppClock, settings: AppSettings, user: CurrentUser
) -> Response:
    me = require_user(user)
    body = await meetings.invitation(db, clock, me, meeting_id, settings.public_url)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, no-store"},
    )


@router.delete(
    "/meetings/{meeting_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(401, 404, 409),
    summary="Cancel a meeting (either of its two people): both get the cancellation",
)
async def cancel_meeting(
    meeting_id: MeetingId, db: DbSession, clock: AppClock, settings: AppSettings, user: CurrentUser
) -> Response:
    await meetings.cancel(db, clock, require_user(user), meeting_id, settings.public_url)
    return Response(status_code=204)
