"""Stage routes: WHIP ingest (RFC 9725) and the stage's state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from server.accounts.permissions import Permission, allowed, require
from server.deps import CurrentUser, DbSession
from server.errors import Invalid, NotFound
from server.program.models import Session
from server.stage.ingest import Stage

router = APIRouter(prefix="/api/v1/stage", tags=["stage"])
SDP = "application/sdp"
MAX_SDP_BYTES = 64 * 1024


def _stage(request: Request) -> Stage:
    stage: Stage = request.app.state.stage
    return stage


async def _session(db: DbSession, session_id: int) -> Session:
    found = await db.get(Session, session_id)
    if found is None:
        raise NotFound(f"session: no session {session_id}", field="session")
    return found


@router.get("/{session}", summary="The stage: its sources and which one is on air")
async def stage_state(
    session: int, request: Request, db: DbSession, user: CurrentUser
) -> dict[str, Any]:
    found = await _session(db, session)
    await require(db, user, Permission.attend, forum_id=found.forum_id, session=found)
    return _stage(request).state(session)


@router.post(
    "/{session}/whip",
    status_code=201,
    summary="Publish to the stage (WHIP): an SDP offer in, the SDP answer out",
    response_class=Response,
)
async def whip_publish(
    session: int, request: Request, db: DbSession, user: CurrentUser
) -> Response:
    found = await _session(db, session)
    speaker = await require(db, user, Permission.speak, forum_id=found.forum_id, session=found)
    if request.headers.get("content-type", "").split(";")[0].strip() != SDP:
        raise Invalid(f"content-type: send the offer as {SDP}", field="content-type")
    body = await request.body()
    if len(body) > MAX_SDP_BYTES:
        raise Invalid("sdp: the offer is larger than 64 KiB", field="sdp")
    try:
        offer = body.decode()
    except UnicodeDecodeError:
        raise Invalid("sdp: not text", field="sdp") from None
    assert speaker.id is not None
    source = await _stage(request).publish(session, speaker.id, speaker.name, offer)
    location = f"/api/v1/stage/{session}/whip/{source.id}"
    return Response(_stage(request).answer(source), 201, {"Location": location}, media_type=SDP)


@router.delete(
    "/{session}/whip/{source}", status_code=204, summary="Leave the stage (end a WHIP resource)"
)
async def whip_leave(
    session: int, source: str, request: Request, db: DbSession, user: CurrentUser
) -> Response:
    found = await _session(db, session)
    person = await require(db, user, Permission.speak, forum_id=found.forum_id, session=found)
    staff = await allowed(db, person, Permission.moderate, forum_id=found.forum_id, session=found)
    assert person.id is not None
    await _stage(request).leave(session, source, person.id, staff=staff)
    return Response(status_code=204)
