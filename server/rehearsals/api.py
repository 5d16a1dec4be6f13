"""HTTP routes of rehearsals: a forum's organisers start, read and end them. Nothing here is
open to anyone else (the accounts a rehearsal makes are ordinary attendees)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request

from server.accounts.models import User
from server.attendance.permissions import Permission, require
from server.deps import AppClock, AppPasswords, CurrentUser, DbSession
from server.http_errors import error_responses
from server.params import ForumSlug, id_path
from server.program.models import Forum
from server.program.service import get_forum
from server.realtime.hub import Hub
from server.rehearsals import service
from server.rehearsals.models import RehearsalCreated, RehearsalIn, RehearsalState
from server.transient import RetryingRoute

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/api/v1",
    tags=["rehearsals"],
    responses=error_responses(401, 403, 404, 409, 422),
)

RehearsalId = Annotated[int, id_path("The rehearsal's id")]


async def _organised(db: DbSession, user: User | None, slug: str) -> tuple[Forum, User]:
    forum = await get_forum(db, slug)
    assert forum.id is not None
    organiser = await require(db, user, Permission.manage_forum, forum_id=forum.id)
    return forum, organiser


@router.post(
    "/forums/{forum}/rehearsals",
    status_code=201,
    response_model=RehearsalCreated,
    summary="Start a rehearsal: N marked accounts sharing one password (organisers)",
)
async def start(
    forum: ForumSlug,
    body: RehearsalIn,
    user: CurrentUser,
    db: DbSession,
    clock: AppClock,
    passwords: AppPasswords,
) -> RehearsalCreated:
    found, organiser = await _organised(db, user, forum)
    return await service.start_rehearsal(db, clock, passwords, found, organiser, body)


@router.get(
    "/forums/{forum}/rehearsals/{rehearsal}",
    response_model=RehearsalState,
    summary="A rehearsal's state and what of it remains (organisers)",
)
async def read(
    forum: ForumSlug, rehearsal: RehearsalId, user: CurrentUser, db: DbSession, clock: AppClock
) -> RehearsalState:
    found, _ = await _organised(db, user, forum)
    return await service.describe(
        db, clock, forum, await service.rehearsal_of(db, found, rehearsal)
    )


@router.delete(
    "/forums/{forum}/rehearsals/{rehearsal}",
    response_model=RehearsalState,
    summary="End a rehearsal: its accounts and everything they left are removed (organisers)",
)
async def end(
    forum: ForumSlug,
    rehearsal: RehearsalId,
    request: Request,
    user: CurrentUser,
    db: DbSession,
    clock: AppClock,
) -> RehearsalState:
    found, _ = await _organised(db, user, forum)
    row = await service.rehearsal_of(db, found, rehearsal)
    hub: Hub = request.app.state.hub
    await service.end_rehearsal(db, clock, row, hub)  # reloads `row`; other rows expire
    return await service.describe(db, clock, forum, row)
