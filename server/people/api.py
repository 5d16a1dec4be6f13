"""HTTP routes of people and roles: a forum's organisers grant and withdraw roles; a stand's
staff manage their own team. Each route parses and calls one verb (which authorizes, commits
and tells)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from server.deps import AppClock, AppSettings, CurrentUser, DbSession
from server.http_errors import error_responses
from server.params import ForumSlug, id_path
from server.people import service
from server.people.models import (
    GrantIn,
    GrantPublic,
    RolesPublic,
    StaffIn,
    StaffPublic,
    StaffRemoved,
    Withdrawn,
)
from server.transient import RetryingRoute

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/api/v1",
    tags=["people"],
    responses=error_responses(401, 403, 404, 409, 422),
)

GrantId = Annotated[int, id_path("The role's id")]
StandSlug = Annotated[str, Path(description="The stand's slug", max_length=80)]
UserId = Annotated[int, id_path("The staff member's account id")]


@router.get(
    "/forums/{forum}/roles",
    response_model=RolesPublic,
    summary="Who holds which role over the forum and its sessions (organisers)",
)
async def roles(forum: ForumSlug, db: DbSession, user: CurrentUser) -> RolesPublic:
    return await service.roles_of_forum(db, forum, user)


@router.post(
    "/forums/{forum}/roles",
    status_code=201,
    response_model=GrantPublic,
    summary="Give a role by email; somebody without an account is invited (organisers)",
)
async def grant(
    forum: ForumSlug,
    body: GrantIn,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
) -> GrantPublic:
    return await service.grant_role(db, clock, forum, user, body, public_url=settings.public_url)


@router.delete(
    "/forums/{forum}/roles/{grant}",
    response_model=Withdrawn,
    summary="Withdraw a role: it stops working at once, on open sockets too (organisers)",
)
async def withdraw(
    forum: ForumSlug,
    grant: GrantId,
    db: DbSession,
    clock: AppClock,
    user: CurrentUser,
) -> Withdrawn:
    return await service.withdraw_role(db, clock, forum, user, grant)


@router.get(
    "/stands/{stand}/staff",
    response_model=StaffPublic,
    summary="The stand's team (its own staff)",
)
async def staff(stand: StandSlug, db: DbSession, user: CurrentUser) -> StaffPublic:
    return await service.stand_staff(db, stand, user)


@router.post(
    "/stands/{stand}/staff",
    status_code=201,
    response_model=StaffPublic,
    summary="Add a colleague to the stand's team by email (its own staff)",
)
async def add_staff(
    stand: StandSlug,
    body: StaffIn,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
) -> StaffPublic:
    return await service.add_staff(db, clock, stand, user, body, public_url=settings.public_url)


@router.delete(
    "/stands/{stand}/staff/{member}",
    response_model=StaffRemoved,
    summary="Take a colleague off the stand's team (its own staff)",
)
async def remove_staff(
    stand: StandSlug, member: UserId, db: DbSession, user: CurrentUser
) -> StaffRemoved:
    return await service.remove_staff(db, stand, user, member)
