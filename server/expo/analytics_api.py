"""HTTP routes of a stand's analytics: its page's visits and pings, and the per-day figures
its staff read (analytics.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from server.accounts.service import require_user
from server.deps import AppClock, AppSettings, CurrentUser, DbSession
from server.expo import analytics, visitors
from server.expo.params import STAFF_ONLY, Slug, VisitId
from server.expo.schemas import AnalyticsPublic, PingPublic, VisitPing, VisitPublic
from server.http_errors import error_responses
from server.transient import RetryingRoute

router = APIRouter(route_class=RetryingRoute, prefix="/api/v1", tags=["showrooms"])


@router.post(
    "/stands/{slug}/visits",
    status_code=201,
    response_model=VisitPublic,
    responses=error_responses(404, 429),
    summary="A stand's page opened (for its analytics); an anonymous browser is given a "
    "signed visitor cookie, so it counts once",
)
async def start_visit(
    slug: Slug,
    request: Request,
    response: Response,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
) -> VisitPublic:
    secret = settings.secret_key
    anonymous = None
    if user is None:
        address = request.client.host if request.client else "unknown"
        anonymous = visitors.AnonymousClient(
            visitors.address_digest(secret, address),
            visitors.read_token(secret, request.cookies.get(visitors.COOKIE)),
        )
    limits = analytics.VisitLimits(
        settings.showroom_visits_per_minute, settings.showroom_visitor_ids_per_day
    )
    started = await analytics.start_visit(
        db, clock, slug, user.id if user else None, anonymous, secret=secret, limits=limits
    )
    if started.cookie is not None:
        response.set_cookie(
            visitors.COOKIE,
            started.cookie,
            max_age=visitors.COOKIE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=settings.public_url.startswith("https://"),
            path="/api/v1/stands",
        )
    return started.visit


@router.post(
    "/visits/{visit_id}/ping",
    response_model=PingPublic,
    responses=error_responses(404),
    summary="The stand's page is still open",
)
async def ping_visit(
    visit_id: VisitId, body: VisitPing, db: DbSession, clock: AppClock
) -> PingPublic:
    return await analytics.ping_visit(db, clock, visit_id, body.key)


@router.get(
    "/stands/{slug}/analytics",
    response_model=AnalyticsPublic,
    responses=STAFF_ONLY,
    summary="Per local day: visits, requests, meetings (its staff)",
)
async def stand_analytics(
    slug: Slug,
    db: DbSession,
    clock: AppClock,
    user: CurrentUser,
    days: Annotated[int, Query(ge=1, le=analytics.MAX_DAYS)] = 7,
    tz: Annotated[str | None, Query(max_length=64, description="IANA zone; default: mine")] = None,
) -> AnalyticsPublic:
    me = require_user(user)
    return await analytics.report(db, clock, slug, me, tz or me.tz, days)
