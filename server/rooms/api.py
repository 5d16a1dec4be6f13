"""HTTP routes of the rooms: a room's snapshot (what a socket's join answers) and
announcements, for clients and tools that do not hold a socket."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict

from server.accounts.service import require_user
from server.deps import AppClock, AppSettings, CurrentUser, DbSession
from server.http_errors import error_responses
from server.realtime.bus import Bus
from server.realtime.ice import IceServer, IceServersPublic
from server.rooms import announcements
from server.rooms.access import admit
from server.rooms.handlers import Text
from server.rooms.pushes import AnnouncementPush
from server.rooms.schemas import RoomStatePublic
from server.rooms.snapshot import RoomPolicy
from server.transient import RetryingRoute

# Signed in, and let into the room (a room one may not enter answers as one that is not there).
router = APIRouter(
    route_class=RetryingRoute,
    prefix="/api/v1/rooms",
    tags=["rooms"],
    responses=error_responses(401, 403, 404, 422),
)
rtc_router = APIRouter(
    route_class=RetryingRoute,
    prefix="/api/v1/rtc",
    tags=["rooms"],
    responses=error_responses(401),
)


class AnnounceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text


def _bus(request: Request) -> Bus:
    bus: Bus = request.app.state.bus
    return bus


@router.get(
    "/{room}",
    summary="A room's state as I see it (the snapshot a socket join answers)",
    response_model=RoomStatePublic,
)
async def room_snapshot(room: str, request: Request, db: DbSession, user: CurrentUser) -> Response:
    person = require_user(user)
    who = await admit(db, person, room)
    epoch, seq = await _bus(request).position(room)
    policy: RoomPolicy = request.app.state.room_policy
    state = await policy.snapshot(db, person, who, (epoch, seq))
    # The snapshot is JSON text already (as a socket join sends it): spliced, not re-encoded.
    body = f'{{"epoch":{json.dumps(epoch)},"seq":{seq},"snapshot":{state}}}'
    return Response(body, media_type="application/json")


@router.post(
    "/{room}/announcements",
    status_code=201,
    summary="Announce to a session room or a forum",
    response_model=AnnouncementPush,
)
async def post_announcement(
    room: str,
    body: AnnounceIn,
    request: Request,
    db: DbSession,
    clock: AppClock,
    user: CurrentUser,
) -> AnnouncementPush:
    who = await admit(db, require_user(user), room)
    posted = await announcements.announce(db, clock, who, body.text)
    return AnnouncementPush.model_validate(posted)


@rtc_router.get(
    "/ice-servers",
    summary="The STUN/TURN servers for my peer connections (TURN with credentials of mine)",
)
async def my_ice_servers(
    user: CurrentUser, settings: AppSettings, clock: AppClock
) -> IceServersPublic:
    person = require_user(user)
    assert person.id is not None
    servers = settings.ice_servers_for(person.id, clock.now())
    return IceServersPublic(ice_servers=[IceServer.model_validate(s) for s in servers])
