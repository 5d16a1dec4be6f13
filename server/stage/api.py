"""Stage routes: WHIP ingest (RFC 9725) and the stage's state."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField

from server.attendance.permissions import Permission, allowed, attending, require
from server.deps import AppClock, AppSettings, CurrentUser, DbSession
from server.errors import Forbidden, Invalid, NotFound
from server.http_errors import error_responses
from server.program.models import Session
from server.program.service import get_session
from server.rooms import hands
from server.rooms.models import HandStatus
from server.stage.audience import HlsAudience
from server.stage.ingest import SourceState, Stage
from server.stage.models import StageView
from server.stage.pushes import StageState
from server.stage.recording import HLS_FILE
from server.transient import RetryingRoute

# Those who may attend the session (its moderators, for the switcher); the session, a source.
router = APIRouter(
    route_class=RetryingRoute,
    prefix="/api/v1/stage",
    tags=["stage"],
    responses=error_responses(401, 403, 404, 422),
)
SDP = "application/sdp"
MAX_SDP_BYTES = 64 * 1024


def _stage(request: Request) -> Stage:
    stage: Stage = request.app.state.stage
    return stage


async def _session(db: DbSession, session_id: int) -> Session:
    return await get_session(db, session_id)


@router.get("/{session}", summary="The stage: its sources and which one is on air")
async def stage_state(
    session: int,
    request: Request,
    db: DbSession,
    user: CurrentUser,
    settings: AppSettings,
    clock: AppClock,
) -> StageView:
    _found, person = await attending(db, user, session)
    assert person.id is not None
    # The STUN/TURN servers a page's peer connection should use, as RTCPeerConnection takes them.
    ice = settings.ice_servers_for(person.id, clock.now())
    return StageView.model_validate({**_stage(request).state(session), "ice_servers": ice})


@router.post(
    "/{session}/whip",
    status_code=201,
    summary="Publish to the stage (WHIP): an SDP offer in, the SDP answer out",
    response_class=Response,
)
async def whip_publish(
    session: int, request: Request, db: DbSession, user: CurrentUser
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
    return Response(_stage(request).answer(source), 201, {"Location": location}, media_type=SDP)


@router.post(
    "/{session}/whep",
    status_code=201,
    summary="Watch the program (WHEP): an SDP offer in, the SDP answer out",
    response_class=Response,
)
async def whep_watch(session: int, request: Request, db: DbSession, user: CurrentUser) -> Response:
    _found, viewer = await attending(db, user, session)
    offer = await _sdp(request)
    assert viewer.id is not None
    watching = await _stage(request).watch(session, viewer.id, offer)
    description = watching.pc.localDescription
    assert description is not None
    location = f"/api/v1/stage/{session}/whep/{watching.id}"
    return Response(description.sdp, 201, {"Location": location}, media_type=SDP)


@router.delete("/{session}/whep/{viewer}", status_code=204, summary="Stop watching")
async def whep_leave(
    session: int, viewer: str, request: Request, db: DbSession, user: CurrentUser
) -> Response:
    _found, person = await attending(db, user, session)
    assert person.id is not None
    await _stage(request).unwatch(session, viewer, person.id)
    return Response(status_code=204)


async def _sdp(request: Request) -> str:
    """The request's SDP offer (checked for type and size)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != SDP:
        raise Invalid(f"content-type: send the offer as {SDP}", field="content-type")
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
    session: int, source: str, request: Request, db: DbSession, user: CurrentUser
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


@router.post("/{session}/take", summary="Put a source on air (moderators)")
async def take(
    session: int, body: TakeIn, request: Request, db: DbSession, user: CurrentUser
) -> StageState:
    await _moderated(db, user, session)
    return StageState.model_validate(await _stage(request).take(session, body.source))


@router.patch("/{session}/sources/{source}", summary="Move a source or (un)mute it (moderators)")
async def change_source(
    session: int,
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
    session: int, request: Request, db: DbSession, user: CurrentUser
) -> Response:
    return await hls_file(session, "index.m3u8", request, db, user)


@hls_router.get(
    "/{session}/{name}", summary="The live HLS playlist and its segments", response_class=Response
)
async def hls_file(
    session: int, name: str, request: Request, db: DbSession, user: CurrentUser
) -> Response:
    """Those who may attend the session (closed sessions stay closed here too). The playlist
    changes every segment; a segment never changes."""
    _found, viewer = await attending(db, user, session)
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
