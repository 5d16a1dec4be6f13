"""HTTP routes of the marathon: the planner, the marathon day, and organisers' re-plans."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request

from server.accounts.models import User
from server.attendance.permissions import Permission, require
from server.deps import AppClock, AppSettings, CurrentUser, DbSession
from server.errors import ErrorPublic
from server.http_errors import error_responses
from server.instants import instant
from server.marathon import service
from server.marathon.models import DelayIn, EndIn, PlanRequest
from server.marathon.planner import plan_relay
from server.marathon.schemas import (
    DelayPreviewPublic,
    MarathonPublic,
    MarathonSummary,
    PlanPublic,
    ReplannedPublic,
)
from server.marathon.service import DelayPreview, MarathonData, Replan
from server.marathon.views import live_and_next, plan_json, segment_json
from server.marathon.windows import parse_window, window_on
from server.params import ForumSlug, LangParam, TzParam, id_path
from server.program import service as program
from server.program.models import Forum
from server.transient import RetryingRoute
from server.unit import call_after
from server.zones import local_times, parse_zone

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/api/v1",
    tags=["marathon"],
    responses=error_responses(422),
)

MarathonSlug = Annotated[str, Path(description="The marathon's slug, e.g. capitals", max_length=80)]
SegmentId = Annotated[int, id_path("The segment's id")]

NO_PLAN: dict[int | str, dict[str, Any]] = {
    422: {
        "model": ErrorPublic,
        "description": "Bad input (names the field), or `no_plan` naming the host",
    }
}
FOUND = error_responses(404)  # the forum, the marathon, the segment
# Organisers' and moderators' routes: signed in, allowed, and the day as it stands now.
STAFF = error_responses(401, 403, 404, 409)


@router.post(
    "/marathons/plan",
    summary="Plan a relay of capitals (nothing is stored)",
    responses=NO_PLAN,
    response_model=PlanPublic,
)
def plan(body: PlanRequest) -> dict[str, Any]:
    # A plain function: FastAPI runs it in its thread pool, so that a search of up to a
    # second never holds up the event loop (and everyone else's requests).
    return plan_json(plan_relay(body.to_relay()))


@router.get(
    "/forums/{forum}/marathons",
    summary="The forum's marathons",
    responses=FOUND,
    response_model=list[MarathonSummary],
)
async def list_marathons(
    forum: ForumSlug, db: DbSession, lang: LangParam = "en"
) -> list[dict[str, Any]]:
    found = await program.get_forum(db, forum)
    return [
        {
            "slug": m.slug,
            "title": m.title_ru if lang == "ru" else m.title_en,
            "date": m.day.isoformat(),
            "hub": {"tz": m.hub_tz, "window": m.hub_window},
        }
        for m in await service.list_marathons(db, found)
    ]


def marathon_view(
    data: MarathonData, clock_now: datetime, viewer: ZoneInfo, lang: str
) -> dict[str, Any]:
    """The day with each segment in the viewer's, the host's and the hub's zone, and what is
    live and next at `clock_now`."""
    marathon = data.marathon
    hub = ZoneInfo(marathon.hub_tz)
    rows = data.rows(lang)
    live, upcoming = live_and_next(rows, clock_now)
    hub_start, hub_end = window_on(
        parse_window(marathon.hub_window, field="hub"), marathon.day, hub
    )
    return {
        "forum": data.forum.slug,
        "id": marathon.id,  # its room is `marathon:{id}`
        "slug": marathon.slug,
        "title": marathon.title_ru if lang == "ru" else marathon.title_en,
        "date": marathon.day.isoformat(),
        "tz": viewer.key,
        "now": instant(clock_now),
        "hub": {
            "tz": marathon.hub_tz,
            "window": marathon.hub_window,
            "start": instant(hub_start),
            "end": instant(hub_end),
        },
        "gap_minutes": marathon.gap_minutes,
        "live": live,
        "next": upcoming,
        "segments": [segment_json(row, clock_now, viewer, hub) for row in rows],
    }


@router.get(
    "/forums/{forum}/marathons/{marathon}",
    summary="A marathon day in the viewer's zone, with what is live and what is next",
    responses=FOUND,
    response_model=MarathonPublic,
)
async def get_marathon(
    forum: ForumSlug,
    marathon: MarathonSlug,
    db: DbSession,
    clock: AppClock,
    tz: TzParam = None,
    lang: LangParam = "en",
) -> dict[str, Any]:
    found = await program.get_forum(db, forum)
    viewer = parse_zone(tz or found.tz)
    data = await service.load_marathon(db, found, marathon)
    return marathon_view(data, clock.now(), viewer, lang)


@router.post(
    "/forums/{forum}/marathons/{marathon}/plan",
    summary="Plan the stored marathon from scratch (a preview: nothing is changed; organisers)",
    responses={**STAFF, **NO_PLAN},
    response_model=PlanPublic,
)
async def preview_plan(
    forum: ForumSlug, marathon: MarathonSlug, db: DbSession, user: CurrentUser
) -> dict[str, Any]:
    found = await program.get_forum(db, forum)
    await _require(db, user, Permission.manage_forum, found)
    data = await service.load_marathon(db, found, marathon)
    return plan_json(service.plan_day(data))


@router.post(
    "/forums/{forum}/marathons/{marathon}/apply",
    summary="Plan the stored marathon from scratch and move its sessions to the plan (organisers)",
    responses={**STAFF, **NO_PLAN},
    response_model=PlanPublic,
)
async def apply_plan(
    request: Request,
    forum: ForumSlug,
    marathon: MarathonSlug,
    db: DbSession,
    clock: AppClock,
    user: CurrentUser,
) -> dict[str, Any]:
    found = await program.get_forum(db, forum)
    await _require(db, user, Permission.manage_forum, found)
    data = await service.load_marathon(db, found, marathon)
    result = await service.apply_day_plan(db, clock, data)
    _wake_runner(request, db)
    return plan_json(result)


@router.post(
    "/forums/{forum}/marathons/{marathon}/segments/{segment}/delay",
    responses={**STAFF, **NO_PLAN},
    response_model=ReplannedPublic,
    summary="The live segment runs late: re-plan the rest of the day (its moderators, organisers)",
)
async def delay_segment(
    request: Request,
    forum: ForumSlug,
    marathon: MarathonSlug,
    segment: SegmentId,
    body: DelayIn,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
) -> dict[str, Any]:
    found = await program.get_forum(db, forum)
    data = await service.load_marathon(db, found, marathon)
    await _require(db, user, Permission.moderate, found, data, segment)
    replan = await service.record_delay(
        db,
        clock,
        data,
        segment,
        body.minutes,
        accept_shorter=body.accept_shorter,
        public_url=settings.public_url,
    )
    return await _replanned(request, db, found.slug, marathon, replan, clock)


@router.post(
    "/forums/{forum}/marathons/{marathon}/segments/{segment}/delay/preview",
    responses={**STAFF, **NO_PLAN},
    response_model=DelayPreviewPublic,
    summary="What a delay of the live segment would do to the day (nothing is stored; its "
    "moderators, organisers)",
)
async def preview_delay(
    forum: ForumSlug,
    marathon: MarathonSlug,
    segment: SegmentId,
    body: DelayIn,
    db: DbSession,
    clock: AppClock,
    user: CurrentUser,
    tz: TzParam = None,
    lang: LangParam = "en",
) -> dict[str, Any]:
    found = await program.get_forum(db, forum)
    viewer = parse_zone(tz or found.tz)
    data = await service.load_marathon(db, found, marathon)
    await _require(db, user, Permission.moderate, found, data, segment)
    preview = service.preview_delay(
        clock, data, segment, body.minutes, accept_shorter=body.accept_shorter
    )
    return preview_view(data, preview, viewer, lang)


def preview_view(
    data: MarathonData, preview: DelayPreview, viewer: ZoneInfo, lang: str
) -> dict[str, Any]:
    """A delay's preview: each re-planned segment with its old and new times."""
    rows = {row.id: row for row in data.rows(lang)}
    segments = []
    for position, move in enumerate(preview.moves, start=preview.segment.position):
        row = rows[move.segment.id or 0]
        shift = (move.starts_at - move.was_starts_at).total_seconds() / 60
        segments.append(
            {
                "segment": row.id,
                "session": row.session_id,
                "position": position,
                "city": row.city,
                "title": row.title,
                "was_starts_at": instant(move.was_starts_at),
                "was_ends_at": instant(move.was_ends_at),
                "starts_at": instant(move.starts_at),
                "ends_at": instant(move.ends_at),
                "minutes": round((move.ends_at - move.starts_at).total_seconds() / 60),
                "moved_minutes": round(shift),
                "viewer": local_times(move.starts_at, move.ends_at, viewer),
                "was_viewer": local_times(move.was_starts_at, move.was_ends_at, viewer),
                "host": {
                    "city": row.city,
                    **local_times(move.starts_at, move.ends_at, ZoneInfo(row.tz)),
                },
            }
        )
    return {
        "forum": data.forum.slug,
        "marathon": data.marathon.slug,
        "segment": preview.segment.id,
        "minutes": preview.minutes,
        "accept_shorter": preview.accept_shorter,
        "tz": viewer.key,
        "segments": segments,
        "shortened": preview.replan.shortened,
    }


@router.post(
    "/forums/{forum}/marathons/{marathon}/segments/{segment}/end",
    responses={**STAFF, **NO_PLAN},
    response_model=ReplannedPublic,
    summary="The live segment ends now: the rest moves up (its moderators, organisers)",
)
async def end_segment(
    request: Request,
    forum: ForumSlug,
    marathon: MarathonSlug,
    segment: SegmentId,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    user: CurrentUser,
    body: EndIn | None = None,
) -> dict[str, Any]:
    found = await program.get_forum(db, forum)
    data = await service.load_marathon(db, found, marathon)
    await _require(db, user, Permission.moderate, found, data, segment)
    shorter = body.accept_shorter if body else False
    replan = await service.end_early(
        db,
        clock,
        data,
        segment,
        accept_shorter=shorter,
        public_url=settings.public_url,
    )
    return await _replanned(request, db, found.slug, marathon, replan, clock)


async def _replanned(
    request: Request, db: DbSession, forum: str, marathon: str, replan: Replan, clock: AppClock
) -> dict[str, Any]:
    _wake_runner(request, db)
    found = await program.get_forum(db, forum)
    data = await service.load_marathon(db, found, marathon)
    view = marathon_view(data, clock.now(), ZoneInfo(found.tz), "en")
    return {**view, "shortened": replan.shortened}


async def _require(
    db: DbSession,
    user: User | None,
    permission: Permission,
    forum: Forum,
    data: MarathonData | None = None,
    segment: int | None = None,
) -> None:
    """Organisers of the forum; for a segment's permission, also that session's moderators."""
    session = data.session_of(data.segment(segment)) if data and segment else None
    assert forum.id is not None
    await require(db, user, permission, forum_id=forum.id, session=session)


def _wake_runner(request: Request, db: DbSession) -> None:
    """The runner re-reads the day once this request's changes are committed."""
    runner = getattr(request.app.state, "marathon_runner", None)
    if runner is not None:
        call_after(db, runner.wake)
