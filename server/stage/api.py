"""Stage routes: WHIP ingest (RFC 9725) and the stage's state."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.attendance.permissions import Permission, allowed, attending, require, viewing
from server.deps import AppClock, AppSettings, CurrentUser, DbSession
from server.errors import Forbidden, Invalid, NotFound, UnsupportedMediaType
from server.http_errors import error_responses
from server.params import SessionId
from server.program.models import Session
from server.program.service import get_session
from server.rooms import hands
from server.rooms.models import HandStatus
from server.stage.audience import HlsAudience
from server.stage.ingest import SourceState, Stage
from server.stage.models import StageView
from server.stage.pushes import StageState
from server.stage.recording import HLS_FILE
from server.stage.whip_http import (
    ENDPOINT_ALLOW,
    ENDPOINT_RESERVED,
    RESOURCE_ALLOW,
    RESOURCE_RESERVED,
    SDP,
    ice_server_links,
    is_preflight,
)
from server.transient import RetryingRoute

# Those who may attend the session (its moderators, for the switcher); the session, a source.
router = APIRouter(
    route_class=RetryingRoute,
    prefix="/api/v1/stage",
    tags=["stage"],
    responses=error_responses(401, 403, 404, 422),
)
MAX_SDP_BYTES = 64 * 1024


class SdpResponse(Response):
    media_type = SDP


# What /openapi.json says of a WHIP or WHEP exchange (server/stage/whip_http.py): the offer
# in, the answer out, where the resource is and which STUN/TURN servers to use.
SDP_OFFER: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The SDP offer (RFC 8866), sent as `Content-Type: application/sdp`",
        "content": {SDP: {"schema": {"type": "string", "format": "binary"}}},
    }
}
_ANSWER_HEADERS = {
    "Location": {
        "description": "The resource this exchange made: DELETE it to end it",
        "required": True,
        "schema": {"type": "string"},
    },
    "Link": {
        "description": "One per STUN/TURN server (RFC 9725 section 4.6): "
        '`<turn:…>; rel="ice-server"; username="…"; credential="…"; '
        'credential-type="password"`, the TURN credentials being the asker\'s own, time-limited',
        "schema": {"type": "string"},
    },
}
SDP_ANSWERED = {
    201: {
        "description": "The SDP answer, every ICE candidate gathered",
        "headers": _ANSWER_HEADERS,
    },
    **error_responses(415),
}


def _stage(request: Request) -> Stage:
    stage: Stage = request.app.state.stage
    return stage


async def _session(db: DbSession, session_id: int) -> Session:
    return await get_session(db, session_id)


@router.get("/{session}", summary="The stage: its sources and which one is on air")
async def stage_state(
    session: SessionId,
    request: Request,
    db: DbSession,
    user: CurrentUser,
    settings: AppSettings,
    clock: AppClock,
) -> StageView:
    _found, person = await viewing(db, user, session)
    assert person.id is not None
    # The STUN/TURN servers a page's peer connection should use, as RTCPeerConnection takes them.
    ice = settings.ice_servers_for(person.id, clock.now())
    return StageView.model_validate({**_stage(request).state(session), "ice_servers": ice})


@router.post(
    "/{session}/whip",
    status_code=201,
    summary="Publish to the stage (WHIP): an SDP offer in, the SDP answer out",
    response_class=SdpResponse,
    responses=SDP_ANSWERED,
    openapi_extra=SDP_OFFER,
)
async def whip_publish(
    session: SessionId,
    request: Request,
    db: DbSession,
    user: CurrentUser,
    settings: AppSettings,
    clock: AppClock,
) -> Response:
    found, person = await attending(db, user, session)
    assert person.id is not None
    guest = not await allowed(db, person, Permission.speak, forum_id=found.forum_id, session=found)
    # An attendee whose raised hand a moderator invited holds a guest seat on the stage.
    if guest and await hands.own(db, f"session:{session}", person.id) != HandStatus.invited:
        raise Forbidden("session: only its speakers, moderators and invited guests publish")
    offer = await _sdp(request)
    source = await _stage(request).publish(session, person.id, person.name, offer, guest=guest)
    location = f"/api/v1/stage/{session}/whip/{source.id}"
    answer = SdpResponse(_stage(request).answer(source), 201, {"Location": location})
    return _with_ice_servers(answer, settings.ice_servers_for(person.id, clock.now()))


@router.post(
    "/{session}/whep",
    status_code=201,
    summary="Watch the program (WHEP): an SDP offer in, the SDP answer out",
    response_class=SdpResponse,
    responses=SDP_ANSWERED,
    openapi_extra=SDP_OFFER,
)
async def whep_watch(
    session: SessionId,
    request: Request,
    db: DbSession,
    user: CurrentUser,
    settings: AppSettings,
    clock: AppClock,
) -> Response:
    _found, viewer = await viewing(db, user, session)
    offer = await _sdp(request)
    assert viewer.id is not None
    watching = await _stage(request).watch(session, viewer.id, offer)
    description = watching.pc.localDescription
    assert description is not None
    location = f"/api/v1/stage/{session}/whep/{watching.id}"
    answer = SdpResponse(description.sdp, 201, {"Location": location})
    return _with_ice_servers(answer, settings.ice_servers_for(viewer.id, clock.now()))


def _with_ice_servers(response: Response, servers: list[dict[str, Any]]) -> Response:
    """`response` with one `Link` header per STUN/TURN server: an encoder behind a NAT gets
    the TURN credentials a page gets from the stage's state."""
    for link in ice_server_links(servers):
        response.headers.append("Link", link)
    return response


def _options(allow: str) -> Callable[..., Awaitable[Response]]:
    """OPTIONS on a WHIP/WHEP endpoint or resource: what it takes (`Allow`, and an endpoint's
    `Accept-Post`; CORS is WebRtcCors's); a request that is no preflight and names a person
    also gets that person's STUN/TURN servers (RFC 9725 section 4.6, for encoders that must
    know them before making their offer)."""
    takes = {"Allow": allow, **({"Accept-Post": SDP} if "POST" in allow else {})}

    async def options(
        session: SessionId,
        request: Request,
        user: CurrentUser,
        settings: AppSettings,
        clock: AppClock,
    ) -> Response:
        answer = Response(status_code=200, headers=takes)
        asked = request.headers.get("access-control-request-method")
        if user is None or user.id is None or is_preflight(request.method, asked):
            return answer
        return _with_ice_servers(answer, settings.ice_servers_for(user.id, clock.now()))

    return options


def _reserved(allow: str) -> Callable[..., Awaitable[Response]]:
    """The methods RFC 9725 keeps for later versions: 405, naming what the path takes."""

    async def reserved(request: Request) -> Response:
        message = f"method: {request.method} is reserved here by WHIP/WHEP; use {allow}"
        raise StarletteHTTPException(405, message, headers={"Allow": allow})

    return reserved


for _path, _allow, _methods in (
    ("/{session}/whip", ENDPOINT_ALLOW, ENDPOINT_RESERVED),
    ("/{session}/whep", ENDPOINT_ALLOW, ENDPOINT_RESERVED),
    ("/{session}/whip/{source}", RESOURCE_ALLOW, RESOURCE_RESERVED),
    ("/{session}/whep/{viewer}", RESOURCE_ALLOW, RESOURCE_RESERVED),
):
    router.add_api_route(_path, _options(_allow), methods=["OPTIONS"], include_in_schema=False)
    router.add_api_route(_path, _reserved(_allow), methods=_methods, include_in_schema=False)


@router.delete("/{session}/whep/{viewer}", status_code=204, summary="Stop watching")
async def whep_leave(
    session: SessionId, viewer: str, request: Request, db: DbSession, user: CurrentUser
) -> Response:
    _found, person = await attending(db, user, session)
    assert person.id is not None
    await _stage(request).unwatch(session, viewer, person.id)
    return Response(status_code=204)


async def _sdp(request: Request) -> str:
    """The request's SDP offer (checked for type and size)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != SDP:
        message = f"content-type: send the offer as {SDP}"
        raise UnsupportedMediaType(message, field="content-type")
    body = await request.body()
    if len(body) > MAX_SDP_BYTES:
        raise Invalid("sdp: the offer is larger than 64 KiB", field="sdp")
    try:
        return body.decode()
    except UnicodeDecodeError:
        raise Invalid("sdp: not text", field="sdp") from None


@router.delete(
    "/{session}/whip/{source}", status_code=204, summary="Leave the stage (end a WHIP resource)"
)
async def whip_leave(
    session: SessionId, source: str, request: Request, db: DbSession, user: CurrentUser
) -> Response:
    # Its publisher (a speaker or a guest) or the session's moderators; `leave` checks which.
    found, person = await attending(db, user, session)
    staff = await allowed(db, person, Permission.moderate, forum_id=found.forum_id, session=found)
    assert person.id is not None
    await _stage(request).leave(session, source, person.id, staff=staff)
    return Response(status_code=204)


class TakeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = PydanticField(min_length=1, max_length=64)


class SourceChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: SourceState | None = None
    muted: bool | None = None


async def _moderated(db: DbSession, user: CurrentUser, session_id: int) -> Session:
    found = await _session(db, session_id)
    await require(db, user, Permission.moderate, forum_id=found.forum_id, session=found)
    return found


# 409: a source that could not connect (its `failure`) is neither taken nor moved.
@router.post(
    "/{session}/take",
    summary="Put a source on air (moderators)",
    responses=error_responses(409),
)
async def take(
    session: SessionId, body: TakeIn, request: Request, db: DbSession, user: CurrentUser
) -> StageState:
    await _moderated(db, user, session)
    return StageState.model_validate(await _stage(request).take(session, body.source))


@router.patch(
    "/{session}/sources/{source}",
    summary="Move a source or (un)mute it (moderators)",
    responses=error_responses(409),
)
async def change_source(
    session: SessionId,
    source: str,
    body: SourceChange,
    request: Request,
    db: DbSession,
    user: CurrentUser,
) -> StageState:
    await _moderated(db, user, session)
    changed = await _stage(request).change(session, source, to=body.state, muted=body.muted)
    return StageState.model_validate(changed)


hls_router = APIRouter(
    route_class=RetryingRoute,
    prefix="/hls",
    tags=["stage"],
    responses=error_responses(401, 403, 404, 422),
)
HLS_TYPES = {"m3u8": "application/vnd.apple.mpegurl", "ts": "video/mp2t"}


@hls_router.get("/{session}/", summary="The session's live HLS playlist", response_class=Response)
async def hls_playlist(
    session: SessionId, request: Request, db: DbSession, user: CurrentUser
) -> Response:
    return await hls_file(session, "index.m3u8", request, db, user)


@hls_router.get(
    "/{session}/{name}", summary="The live HLS playlist and its segments", response_class=Response
)
async def hls_file(
    session: SessionId, name: str, request: Request, db: DbSession, user: CurrentUser
) -> Response:
    """Those who may watch the session (closed sessions stay closed here too, and a
    `registered` one is for those registered for it). The playlist changes every segment; a
    segment never changes."""
    _found, viewer = await viewing(db, user, session)
    if not HLS_FILE.match(name):
        raise NotFound(f"name: no HLS file {name!r}", field="name")
    folder = _stage(request).config.hls
    path = folder / str(session) / name if folder is not None else None
    if path is None or not path.is_file():
        raise NotFound(f"name: {name!r} is not (or no longer) in the playlist", field="name")
    kind = name.rsplit(".", 1)[1]
    if kind == "m3u8" and viewer.id is not None:
        audience: HlsAudience = request.app.state.hls_audience
        audience.seen(session, viewer.id)
    cache = "private, no-cache" if kind == "m3u8" else "private, max-age=86400, immutable"
    return FileResponse(path, media_type=HLS_TYPES[kind], headers={"Cache-Control": cache})
