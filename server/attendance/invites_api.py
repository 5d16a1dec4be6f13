"""HTTP routes of invitations to closed sessions: the organisers invite, re-send, revoke and
list them; whoever holds a link previews and accepts it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from server.accounts.models import User
from server.accounts.service import require_user
from server.attendance import invitations
from server.attendance.models import (
    AcceptInviteIn,
    Invite,
    InviteAccepted,
    InviteIn,
    InviteList,
    InvitePreview,
    InvitePublic,
    InviteSent,
)
from server.attendance.permissions import Permission, require
from server.deps import AppClock, AppSettings, CurrentUser, DbSession
from server.http_errors import error_responses
from server.params import SessionId, id_path
from server.program.models import Session
from server.transient import RetryingRoute

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/api/v1",
    tags=["invitations"],
    responses=error_responses(401, 403, 404, 409, 422),
)

InviteId = Annotated[int, id_path("The invitation's id")]
Token = Annotated[str, Path(description="The token of an invitation's link", max_length=128)]


async def _organised_session(
    db: DbSession, user: User | None, session_id: int
) -> tuple[Session, User]:
    session = await invitations.session_of(db, session_id)
    organiser = await require(db, user, Permission.manage_forum, forum_id=session.forum_id)
    return session, organiser


async def _organised_invite(
    db: DbSession, user: User | None, invite_id: int
) -> tuple[Invite, Session]:
    found, session = await invitations.invitation(db, invite_id)
    await require(db, user, Permission.manage_forum, forum_id=session.forum_id)
    return found, session


@router.post(
    "/sessions/{session}/invites",
    status_code=201,
    response_model=InviteSent,
    summary="Invite someone to a closed session, by mail (organisers)",
)
async def create_invite(
    session: SessionId,
    body: InviteIn,
    user: CurrentUser,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
) -> InviteSent:
    found, organiser = await _organised_session(db, user, session)
    return await invitations.send_invitation(db, clock, settings.public_url, organiser, found, body)


@router.get(
    "/sessions/{session}/invites",
    response_model=InviteList,
    summary="The invitations to a session and where each stands (organisers)",
)
async def list_invites(
    session: SessionId, user: CurrentUser, db: DbSession, clock: AppClock
) -> InviteList:
    found, _ = await _organised_session(db, user, session)
    return await invitations.list_invitations(db, clock, found)


@router.post(
    "/invites/{invite}/resend",
    response_model=InviteSent,
    summary="Mail an unused invitation again with a fresh link; the old one stops working",
)
async def resend_invite(
    invite: InviteId,
    user: CurrentUser,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
) -> InviteSent:
    found, session = await _organised_invite(db, user, invite)
    return await invitations.resend_invitation(db, clock, settings.public_url, found, session)


@router.post(
    "/invites/{invite}/revoke",
    response_model=InvitePublic,
    summary="Take an invitation back; a guest who accepted it loses access (and seat) at once",
)
async def revoke_invite(
    invite: InviteId, user: CurrentUser, db: DbSession, clock: AppClock
) -> InvitePublic:
    found, session = await _organised_invite(db, user, invite)
    return await invitations.revoke_invitation(db, clock, found, session)


@router.post(
    "/invites/accept",
    response_model=InviteAccepted,
    summary="Accept an invitation (once, before it expires, unless revoked)",
)
async def accept_invite(
    body: AcceptInviteIn, user: CurrentUser, db: DbSession, clock: AppClock
) -> InviteAccepted:
    return await invitations.accept_invitation(db, clock, require_user(user), body)


@router.get(
    "/invites/{token}",
    response_model=InvitePreview,
    summary="What an invitation's link is about, for its page (anyone holding the link)",
)
async def preview_invite(
    token: Token, user: CurrentUser, db: DbSession, clock: AppClock
) -> InvitePreview:
    return await invitations.preview(db, clock, user, token)
