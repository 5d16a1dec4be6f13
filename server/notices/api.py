"""HTTP routes of a person's notices (what they were told; the same arrive as pushes)."""

from __future__ import annotations

from fastapi import APIRouter

from server.deps import AppClock, CurrentUser, DbSession
from server.http_errors import error_responses
from server.notices import service
from server.notices.models import NoticesPublic, ReadIn, ReadPublic
from server.transient import RetryingRoute

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/api/v1",
    tags=["notices"],
    responses=error_responses(401, 403),
)


@router.get("/me/notices", response_model=NoticesPublic, summary="My latest notices")
async def notices(db: DbSession, user: CurrentUser) -> NoticesPublic:
    return await service.my_notices(db, user)


@router.post(
    "/me/notices/read", response_model=ReadPublic, summary="Mark my notices up to one as read"
)
async def read(body: ReadIn, db: DbSession, clock: AppClock, user: CurrentUser) -> ReadPublic:
    return await service.mark_read(db, clock, user, body.up_to)
