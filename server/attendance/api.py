"""HTTP routes of attendance: register, cancel, take an offer; badges and the door; the agenda
feed (invitations to closed sessions are in invites_api.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from server.accounts.models import User, user_json
from server.accounts.service import require_user
from server.attendance import badges, feeds, service
from server.attendance.models import (
    AgendaFeedPublic,
    AgendaPublic,
    AttendeeList,
    BadgeKeyPublic,
    BadgePublic,
    BadgeRevoked,
    CheckInPublic,
    RegisterIn,
    Registration,
    RegistrationPublic,
    SeatsPublic,
)
from server.attendance.permissions import Permission, attending, require
from server.deps import AppClock, AppSettings, CurrentUser, DbSession
from server.http_errors import error_responses
from server.instants import instant
from server.params import ForumSlug, SessionId, id_path
from server.program.models import Access, Forum, Session
from server.program.service import get_forum, get_session, list_forums
from server.spreadsheets import csv_text
from server.transient import RetryingRoute
from server.zones import local_times, parse_zone

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/api/v1",
    tags=["attendance"],
    responses=error_responses(422),
)
# A session's attendee: signed in, let in (closed sessions), and the session as it stands.
ATTENDEE = error_responses(401, 403, 404, 409)
BadgeId = Annotated[int, id_path("The badge's id")]


async def _session(db: DbSession, session_id: int) -> Session:
    return await get_session(db, session_id)


async def _attendee(db: DbSession, user: User | None, session_id: int) -> tuple[User, Session]:
    session, person = await attending(db, user, session_id)
    return person, session


@router.post(
    "/sessions/{session}/registrations",
    summary="Register on site or online: confirmed while seats last, else waitlisted",
    response_model=RegistrationPublic,
    responses=ATTENDEE,
)
async def register(
    session: SessionId,
    body: RegisterIn,
    user: CurrentUser,
    db: DbSession,
    clock: AppClock,
) -> dict[str, Any]:
    person, found = await _attendee(db, user, session)
    result = await service.register_for_session(db, clock, person, found, body.mode)
    return service.outcome_json(result)


@router.get(
    "/sessions/{session}/registrations/me",
    summary="My registration for a session",
    response_model=RegistrationPublic,
    responses=error_responses(401, 403, 404),
)
async def my_registration(session: SessionId, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    person, found = await _attendee(db, user, session)
    return service.outcome_json(await service.my_registration(db, found, person))


@router.delete(
    "/sessions/{session}/registrations/me",
    response_model=RegistrationPublic,
    summary="Cancel my registration",
    responses=ATTENDEE,
)
async def cancel(
    session: SessionId, user: CurrentUser, db: DbSession, clock: AppClock
) -> dict[str, Any]:
    person, found = await _attendee(db, user, session)
    return service.outcome_json(await service.cancel_registration(db, clock, person, found))


@router.post(
    "/sessions/{session}/registrations/me/accept",
    response_model=RegistrationPublic,
    summary="Take the seat an offer holds",
    responses=ATTENDEE,
)
async def accept_offer(
    session: SessionId, user: CurrentUser, db: DbSession, clock: AppClock
) -> dict[str, Any]:
    person, found = await _attendee(db, user, session)
    return service.outcome_json(await service.accept_offer(db, clock, person, found))


@router.get(
    "/sessions/{session}/seats",
    summary="Seats left per mode (null: no limit); a closed session's: its invitees and staff",
    response_model=SeatsPublic,
    responses=error_responses(401, 403, 404),
)
async def seats(session: SessionId, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    found = await _session(db, session)
    if found.access is Access.invite_only:
        found, _ = await attending(db, user, session)
    return {"session": found.id, "left": await service.seats_left(db, found)}


@router.get(
    "/sessions/{session}/registrations",
    summary="Who registered (moderators and organisers)",
    response_model=AttendeeList,
    responses=error_responses(401, 403, 404),
)
async def attendees(session: SessionId, user: CurrentUser, db: DbSession) -> dict[str, Any]:
    found, rows = await _attendance(db, user, session)
    return {
        "session": found.id,
        "registrations": [
            {
                "user": user_json(person),
                "status": r.status.value,
                "mode": r.mode.value,
                "checked_in_at": instant(at) if at else None,
            }
            for r, person, at in rows
        ],
    }


@router.get(
    "/sessions/{session}/registrations.csv",
    summary="Who registered, as CSV (moderators and organisers)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **error_responses(401, 403, 404)},
)
async def attendees_csv(session: SessionId, user: CurrentUser, db: DbSession) -> Response:
    found, rows = await _attendance(db, user, session)
    header = ["name", "email", "organisation", "country", "mode", "status", "checked_in_at"]
    text = csv_text(
        header,
        (
            [
                person.name,
                person.email,
                person.organisation,
                person.country,
                r.mode.value,
                r.status.value,
                instant(at) if at else None,
            ]
            for r, person, at in rows
        ),
    )
    headers = {
        "Content-Disposition": f'attachment; filename="session-{found.id}-registrations.csv"',
        "Cache-Control": "private, no-store",
    }
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


async def _attendance(
    db: DbSession, user: User | None, session_id: int
) -> tuple[Session, list[tuple[Registration, User, datetime | None]]]:
    """The session's active registrations in order, with when each person was checked in
    at the forum (on-site only); asks for the session.attendees permission."""
    found = await _session(db, session_id)
    await require(db, user, Permission.see_attendees, forum_id=found.forum_id, session=found)
    return found, await service.attendance_list(db, found)


@router.get(
    "/me/agenda",
    summary="My sessions in my zone, with overlaps flagged",
    response_model=AgendaPublic,
    responses=error_responses(401),
)
async def my_agenda(
    user: CurrentUser,
    db: DbSession,
    tz: Annotated[str | None, Query(max_length=64)] = None,
    lang: Annotated[Literal["en", "ru"], Query()] = "en",
) -> dict[str, Any]:
    person = require_user(user)
    viewer = parse_zone(tz or person.tz)
    items = await service.agenda(db, person)
    overlaps = service.clashes(items)
    forums = {f.id: f.slug for f in await list_forums(db)}
    return {
        "tz": viewer.key,
        "sessions": [
            {
                "session": s.id,
                "forum": forums[s.forum_id],
                "title": s.title_ru if lang == "ru" else s.title_en,
                "starts_at": instant(s.starts_at),
                "ends_at": instant(s.ends_at),
                "viewer": local_times(s.starts_at, s.ends_at, viewer),
                "host": {
                    "city": s.host_city_ru if lang == "ru" else s.host_city_en,
                    **local_times(s.starts_at, s.ends_at, ZoneInfo(s.host_tz)),
                },
                **service.outcome_json(await service.outcome(db, r)),
                "overlaps": overlaps[s.id or 0],
                "departure": _departure(s, viewer, lang),
            }
            for r, s in items
        ],
    }


# --- badges and the door --------------------------------------------------------------------


def _key(request: Request) -> Ed25519PrivateKey:
    key: Ed25519PrivateKey = request.app.state.badge_key
    return key


@router.get("/badges/key", summary="The public key that verifies badge tokens offline")
async def badge_key(request: Request) -> BadgeKeyPublic:
    return BadgeKeyPublic(algorithm="Ed25519", public_key_pem=badges.public_key_pem(_key(request)))


async def _my_badge(
    request: Request, forum: str, user: User | None, db: DbSession, clock: AppClock
) -> tuple[Forum, str]:
    person = require_user(user)
    found = await get_forum(db, forum)
    badge = await badges.badge_for(db, clock, person, found)
    return found, badges.sign(_key(request), badge)


@router.get(
    "/forums/{forum}/badge",
    summary="My badge for a forum (people with an on-site seat)",
    responses=error_responses(401, 403, 404),
)
async def my_badge(
    request: Request, forum: ForumSlug, user: CurrentUser, db: DbSession, clock: AppClock
) -> BadgePublic:
    found, token = await _my_badge(request, forum, user, db, clock)
    person = require_user(user)
    base = f"/api/v1/forums/{found.slug}/badge"
    return BadgePublic(
        forum=found.slug,
        name=person.name,
        organisation=person.organisation,
        token=token,
        svg=f"{base}.svg",
        png=f"{base}.png",
    )


@router.get(
    "/forums/{forum}/badge.{kind}",
    summary="My badge's QR code (svg or png)",
    response_class=Response,
    responses=error_responses(401, 403, 404),
)
async def my_badge_image(
    request: Request,
    forum: ForumSlug,
    kind: Literal["svg", "png"],
    user: CurrentUser,
    db: DbSession,
    clock: AppClock,
) -> Response:
    _, token = await _my_badge(request, forum, user, db, clock)
    media = "image/svg+xml" if kind == "svg" else "image/png"
    return Response(
        badges.qr(token, kind), media_type=media, headers={"Cache-Control": "private, no-store"}
    )


class CheckInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    forum: str = Field(max_length=80)
    door: str = Field(max_length=80, description="The venue's slug")
    token: str = Field(min_length=10, max_length=512)


@router.post(
    "/checkin",
    summary="Scan a badge at a door (door staff, organisers)",
    response_model=CheckInPublic,
    responses=error_responses(401, 403, 404, 409),
)
async def checkin(
    request: Request,
    body: CheckInIn,
    user: CurrentUser,
    db: DbSession,
    clock: AppClock,
    lang: Annotated[Literal["en", "ru"], Query()] = "en",
) -> dict[str, Any]:
    found = await get_forum(db, body.forum)
    assert found.id is not None
    await require(db, user, Permission.check_in, forum_id=found.id)
    admission = await badges.check_in(
        db, clock, _key(request).public_key(), body.token, found, body.door
    )
    first = admission.checked_in_at
    return {
        "name": admission.user.name,
        "organisation": admission.user.organisation,
        "checked_in_at": instant(first),
        "already": admission.again,
        "message": (f"already checked in at {first:%H:%M} UTC" if admission.again else "welcome"),
        "sessions": [
            {
                "session": s.id,
                "title": s.title_ru if lang == "ru" else s.title_en,
                "starts_at": instant(s.starts_at),
            }
            for s in admission.sessions
        ],
    }


@router.post(
    "/badges/{badge}/revoke",
    summary="Revoke a badge (organisers)",
    responses=error_responses(401, 403, 404),
)
async def revoke_badge(
    badge: BadgeId, user: CurrentUser, db: DbSession, clock: AppClock
) -> BadgeRevoked:
    return await badges.revoke_badge(db, clock, user, badge)


@router.post(
    "/badges/{badge}/restore",
    summary="Lift a badge's revocation (organisers): its holder may fetch a new badge",
    responses=error_responses(401, 403, 404, 409),
)
async def restore_badge(
    badge: BadgeId, user: CurrentUser, db: DbSession, clock: AppClock
) -> BadgeRevoked:
    return await badges.restore_badge(db, clock, user, badge)


# --- the private agenda feed ----------------------------------------------------------------


@router.post(
    "/me/agenda/feed",
    summary="A new private calendar URL for my agenda (the old one stops working)",
    responses=error_responses(401, 403),
)
async def make_feed(
    user: CurrentUser, db: DbSession, clock: AppClock, settings: AppSettings
) -> AgendaFeedPublic:
    token = await feeds.new_feed(db, clock, require_user(user))
    return AgendaFeedPublic(url=f"{settings.public_url}/api/v1/agenda/{token}.ics")


@router.delete(
    "/me/agenda/feed",
    status_code=204,
    summary="Turn my private calendar URL off",
    responses=error_responses(401, 403),
)
async def drop_feed(user: CurrentUser, db: DbSession, clock: AppClock) -> Response:
    await feeds.revoke_feeds(db, clock, require_user(user))
    return Response(status_code=204)


@router.get(
    "/agenda/{token}.ics",
    summary="A person's agenda as iCalendar (secret URL)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def agenda_feed(
    token: Annotated[str, Path(max_length=128)],
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    lang: Annotated[Literal["en", "ru"], Query()] = "en",
) -> Response:
    return Response(
        await feeds.agenda_ics(db, clock, token, lang, settings.public_url),
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, no-store"},
    )


def _departure(session: Session, viewer: ZoneInfo, lang: str) -> dict[str, str] | None:
    """Where and when the bus leaves, for a site visit."""
    if session.departure_at is None:
        return None
    point = session.departure_point_ru if lang == "ru" else session.departure_point_en
    return {
        "point": point,
        "at": instant(session.departure_at),
        "viewer": session.departure_at.astimezone(viewer).isoformat(timespec="seconds"),
    }
