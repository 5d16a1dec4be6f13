"""HTTP routes of the program editor (organisers of the forum): each parses and calls one verb
of server/editor/service.py, which authorizes, commits and announces."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from server.deps import AppClock, AppSettings, CurrentUser, DbSession
from server.editor import service
from server.editor.models import (
    Deleted,
    EditorState,
    ForumSettings,
    ForumSettingsIn,
    PersonEdit,
    PersonIn,
    PersonPatch,
    SessionCheck,
    SessionCheckIn,
    SessionDeleted,
    SessionEdit,
    SessionEditIn,
    SessionPatch,
    TrackEdit,
    TrackIn,
    TrackPatch,
    VenueEdit,
    VenueIn,
    VenuePatch,
)
from server.params import ForumSlug, SessionId
from server.transient import RetryingRoute

router = APIRouter(route_class=RetryingRoute, prefix="/api/v1", tags=["editor"])

VenueSlug = Annotated[str, Path(description="The venue's slug", max_length=80)]
TrackSlug = Annotated[str, Path(description="The track's slug", max_length=80)]
PersonSlug = Annotated[str, Path(description="The person's slug", max_length=80)]

_ERROR = {"description": "`{error: {code, message, field, ...}}`"}
WRITES: dict[int | str, dict[str, Any]] = {
    401: _ERROR,
    403: _ERROR,
    404: _ERROR,
    409: {"description": "`conflict` naming the field (a slug in use, a row still in use)"},
    422: {"description": "`invalid` naming the field"},
}
SAVES: dict[int | str, dict[str, Any]] = {
    **WRITES,
    409: {
        "description": "`conflict` naming the field: the slug is taken, or (unless `confirm`) "
        "an overlap (`reason` person_busy, venue_busy) or dates outside the forum "
        "(outside_forum); `conflicts` lists them all"
    },
    422: {
        "description": "`invalid` naming the field, with `reason` for a checked problem "
        "(end_not_after_start, required, unknown, repeated, capacity_above_seats…)"
    },
}


@router.get(
    "/forums/{forum}/editor",
    response_model=EditorState,
    responses=WRITES,
    summary="Everything the program editor shows: settings, venues, tracks, people, sessions",
)
async def editor(forum: ForumSlug, db: DbSession, user: CurrentUser) -> EditorState:
    return await service.editor_state(db, user, forum)


@router.patch(
    "/forums/{forum}",
    response_model=ForumSettings,
    responses=WRITES,
    summary="Change the forum's settings (fields left out stay)",
)
async def update_forum(
    forum: ForumSlug,
    body: ForumSettingsIn,
    db: DbSession,
    clock: AppClock,
    user: CurrentUser,
) -> ForumSettings:
    return await service.update_forum(db, clock, user, forum, body)


# --- venues ---------------------------------------------------------------------------------


@router.post(
    "/forums/{forum}/venues",
    status_code=201,
    response_model=VenueEdit,
    responses=WRITES,
    summary="Add a venue",
)
async def create_venue(
    forum: ForumSlug, body: VenueIn, db: DbSession, user: CurrentUser
) -> VenueEdit:
    return await service.create_venue(db, user, forum, body)


@router.patch(
    "/forums/{forum}/venues/{venue}",
    response_model=VenueEdit,
    responses=WRITES,
    summary="Change a venue (fields left out stay)",
)
async def update_venue(
    forum: ForumSlug,
    venue: VenueSlug,
    body: VenuePatch,
    db: DbSession,
    user: CurrentUser,
) -> VenueEdit:
    return await service.update_venue(db, user, forum, venue, body)


@router.delete(
    "/forums/{forum}/venues/{venue}",
    response_model=Deleted,
    responses=WRITES,
    summary="Delete a venue no session uses",
)
async def delete_venue(
    forum: ForumSlug, venue: VenueSlug, db: DbSession, user: CurrentUser
) -> Deleted:
    return await service.delete_venue(db, user, forum, venue)


# --- tracks ---------------------------------------------------------------------------------


@router.post(
    "/forums/{forum}/tracks",
    status_code=201,
    response_model=TrackEdit,
    responses=WRITES,
    summary="Add a track",
)
async def create_track(
    forum: ForumSlug, body: TrackIn, db: DbSession, user: CurrentUser
) -> TrackEdit:
    return await service.create_track(db, user, forum, body)


@router.patch(
    "/forums/{forum}/tracks/{track}",
    response_model=TrackEdit,
    responses=WRITES,
    summary="Change a track (fields left out stay)",
)
async def update_track(
    forum: ForumSlug,
    track: TrackSlug,
    body: TrackPatch,
    db: DbSession,
    user: CurrentUser,
) -> TrackEdit:
    return await service.update_track(db, user, forum, track, body)


@router.delete(
    "/forums/{forum}/tracks/{track}",
    response_model=Deleted,
    responses=WRITES,
    summary="Delete a track no session is in",
)
async def delete_track(
    forum: ForumSlug, track: TrackSlug, db: DbSession, user: CurrentUser
) -> Deleted:
    return await service.delete_track(db, user, forum, track)


# --- people ---------------------------------------------------------------------------------


@router.post(
    "/forums/{forum}/people",
    status_code=201,
    response_model=PersonEdit,
    responses=WRITES,
    summary="Add a person; with an email, linked to (or invited to make) an account",
)
async def create_person(
    forum: ForumSlug,
    body: PersonIn,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
) -> PersonEdit:
    return await service.create_person(db, clock, user, forum, body, public_url=settings.public_url)


@router.patch(
    "/forums/{forum}/people/{person}",
    response_model=PersonEdit,
    responses=WRITES,
    summary="Change a person (fields left out stay)",
)
async def update_person(
    forum: ForumSlug,
    person: PersonSlug,
    body: PersonPatch,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
) -> PersonEdit:
    return await service.update_person(
        db, clock, user, forum, person, body, public_url=settings.public_url
    )


@router.delete(
    "/forums/{forum}/people/{person}",
    response_model=Deleted,
    responses=WRITES,
    summary="Delete a person who is in no session's cast",
)
async def delete_person(
    forum: ForumSlug, person: PersonSlug, db: DbSession, user: CurrentUser
) -> Deleted:
    return await service.delete_person(db, user, forum, person)


# --- sessions -------------------------------------------------------------------------------


@router.post(
    "/forums/{forum}/sessions/check",
    response_model=SessionCheck,
    responses=WRITES,
    summary="What saving this session would refuse or warn about (nothing is stored)",
)
async def check_session(
    forum: ForumSlug, body: SessionCheckIn, db: DbSession, user: CurrentUser
) -> SessionCheck:
    return await service.check_session(db, user, forum, body)


@router.post(
    "/forums/{forum}/sessions",
    status_code=201,
    response_model=SessionEdit,
    responses=SAVES,
    summary="Put a session in the program (times in the host city's wall clock)",
)
async def create_session(
    forum: ForumSlug,
    body: SessionEditIn,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
) -> SessionEdit:
    return await service.create_session(
        db, clock, user, forum, body, public_url=settings.public_url
    )


@router.patch(
    "/forums/{forum}/sessions/{session}",
    response_model=SessionEdit,
    responses=SAVES,
    summary="Change a session (fields left out stay); the registered are told of a move",
)
async def update_session(
    forum: ForumSlug,
    session: SessionId,
    body: SessionPatch,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
) -> SessionEdit:
    return await service.update_session(
        db, clock, user, forum, session, body, public_url=settings.public_url
    )


@router.post(
    "/forums/{forum}/sessions/{session}/cancel",
    response_model=SessionEdit,
    responses=WRITES,
    summary="Cancel a session; the registered are told",
)
async def cancel_session(
    forum: ForumSlug,
    session: SessionId,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
) -> SessionEdit:
    return await service.cancel_session(
        db, clock, user, forum, session, public_url=settings.public_url
    )


@router.post(
    "/forums/{forum}/sessions/{session}/restore",
    response_model=SessionEdit,
    responses=WRITES,
    summary="Bring a cancelled session back; the registered are told",
)
async def restore_session(
    forum: ForumSlug,
    session: SessionId,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
) -> SessionEdit:
    return await service.restore_session(
        db, clock, user, forum, session, public_url=settings.public_url
    )


@router.delete(
    "/forums/{forum}/sessions/{session}",
    response_model=SessionDeleted,
    responses=WRITES,
    summary="Delete a session nobody registered for; otherwise it is cancelled instead",
)
async def delete_session(
    forum: ForumSlug,
    session: SessionId,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
) -> SessionDeleted:
    return await service.delete_session(
        db, clock, user, forum, session, public_url=settings.public_url
    )
