"""HTTP routes of the program: parse, call the service, shape the answer."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from server.deps import AppClock, AppSettings, DbSession
from server.http_errors import error_responses
from server.params import ForumSlug, LangParam, SessionId, TzParam
from server.program import exports, service
from server.program.cache import BoundedCache
from server.program.models import Forum, SessionFormat, SessionType
from server.program.rendering import Prepared, prepare, program_json
from server.program.schemas import (
    EventSeriesLd,
    ForumPublic,
    FrabSchedulePublic,
    ProgramNowPublic,
    ProgramPublic,
    SessionPublic,
)
from server.program.views import Lang, ProgramFilter, forum_view, now_and_next, session_view
from server.transient import RetryingRoute
from server.zones import parse_local_date, parse_zone

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/api/v1",
    tags=["program"],
    responses=error_responses(422),
)
FOUND = error_responses(404)  # the forum, the session, the venue

ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"
XML_MEDIA_TYPE = "application/xml"


@router.get("/forums", summary="Every forum, soonest first", response_model=list[ForumPublic])
async def list_forums(db: DbSession, lang: LangParam = "en") -> list[dict[str, Any]]:
    forums = await service.list_forums(db)
    return [forum_view(f, [], [], lang) | {"venues": None, "tracks": None} for f in forums]


@router.get(
    "/forums/{forum}",
    summary="A forum with its venues and tracks",
    response_model=ForumPublic,
    responses=FOUND,
)
async def get_forum(forum: ForumSlug, db: DbSession, lang: LangParam = "en") -> dict[str, Any]:
    found = await service.get_forum(db, forum)
    venues = await service.list_venues(db, found)
    tracks = await service.list_tracks(db, found)
    return forum_view(found, venues, tracks, lang)


async def _prepared(request: Request, db: DbSession, forum: Forum, lang: Lang) -> Prepared:
    """The forum's current program prepared in this language, from the node's cache.

    Every read route takes its `ProgramData` from here, so a session page or an export does
    not read the whole program from the database again while it has not changed.
    """
    cache: BoundedCache[Prepared] = request.app.state.program_prepared
    key = (forum.id, forum.program_version, lang)
    prepared = cache.get(key)
    if prepared is None:
        prepared = prepare(await service.load_program(db, forum), lang)
        cache.put(key, prepared)
    return prepared


@router.get(
    "/forums/{forum}/program",
    summary="The program in the viewer's time zone, grouped by the viewer's local day",
    responses=FOUND,
    response_model=ProgramPublic,
)
async def get_program(
    request: Request,
    forum: ForumSlug,
    db: DbSession,
    tz: TzParam = None,
    date: Annotated[str | None, Query(description="Only this local day (YYYY-MM-DD)")] = None,
    venue: Annotated[str | None, Query(description="Only this venue (slug)", max_length=80)] = None,
    type: Annotated[SessionType | None, Query(description="Only this session type")] = None,
    format: Annotated[SessionFormat | None, Query(description="Only this format")] = None,
    lang: LangParam = "en",
) -> Response:
    on_date = parse_local_date(date) if date is not None else None
    found = await service.get_forum(db, forum)
    viewer = parse_zone(tz or found.tz)
    filt = ProgramFilter(on_date, venue, type, format)
    key = (found.id, found.program_version, viewer.key, lang, filt)
    # Rendering is deterministic, so the key names the bytes on every node: a browser that
    # has them revalidates for a 304 instead of downloading the program again.
    headers = {"ETag": _etag(key), "Cache-Control": "no-cache"}
    if headers["ETag"] in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    responses: BoundedCache[bytes] = request.app.state.program_responses
    body = responses.get(key)
    if body is None:
        prepared = await _prepared(request, db, found, lang)
        if venue is not None:
            service.check_venue_slug(prepared.data, venue)
        body = program_json(prepared, viewer, filt)
        responses.put(key, body)
    return Response(body, media_type="application/json", headers=headers)


def _etag(key: tuple[object, ...]) -> str:
    return '"' + hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest() + '"'


@router.get(
    "/forums/{forum}/now",
    summary="What is on now and what starts next (by the server's clock)",
    responses=FOUND,
    response_model=ProgramNowPublic,
)
async def get_now(
    request: Request, forum: ForumSlug, db: DbSession, clock: AppClock
) -> dict[str, Any]:
    found = await service.get_forum(db, forum)
    data = (await _prepared(request, db, found, "en")).data
    return now_and_next(data, clock.now())


# Registered before the plain session route so that `42.ics` is not read as a session id.
@router.get(
    "/forums/{forum}/sessions/{session}.ics",
    summary="One session as iCalendar (the 'add to calendar' link)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, **FOUND},
)
async def get_session_ics(
    request: Request,
    forum: ForumSlug,
    session: SessionId,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    lang: LangParam = "en",
) -> Response:
    data = (await _prepared(request, db, await service.get_forum(db, forum), lang)).data
    item = data.session(session)
    body = exports.program_ics(data, lang, settings.public_url, clock.now(), only=[item])
    headers = {"Content-Disposition": f'attachment; filename="{forum}-{item.slug}.ics"'}
    return Response(body, media_type=ICS_MEDIA_TYPE, headers=headers)


@router.get(
    "/forums/{forum}/sessions/{session}",
    summary="One session, in the viewer's zone",
    responses=FOUND,
    response_model=SessionPublic,
)
async def get_session(
    request: Request,
    forum: ForumSlug,
    session: SessionId,
    db: DbSession,
    tz: TzParam = None,
    lang: LangParam = "en",
) -> dict[str, Any]:
    found = await service.get_forum(db, forum)
    viewer = parse_zone(tz or found.tz)
    data = (await _prepared(request, db, found, lang)).data
    return session_view(data, data.session(session), viewer, lang)


@router.get(
    "/forums/{forum}/program.ics",
    summary="The whole program as iCalendar",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, **FOUND},
)
async def get_program_ics(
    request: Request,
    forum: ForumSlug,
    db: DbSession,
    clock: AppClock,
    settings: AppSettings,
    lang: LangParam = "en",
) -> Response:
    data = (await _prepared(request, db, await service.get_forum(db, forum), lang)).data
    body = exports.program_ics(data, lang, settings.public_url, clock.now())
    headers = {"Content-Disposition": f'inline; filename="{forum}.ics"'}
    return Response(body, media_type=ICS_MEDIA_TYPE, headers=headers)


class JsonLdResponse(JSONResponse):
    media_type = "application/ld+json"


@router.get(
    "/forums/{forum}/schedule.json",
    summary="The program in frab's schedule format",
    responses=FOUND,
    response_model=FrabSchedulePublic,
)
async def get_schedule_json(
    request: Request, forum: ForumSlug, db: DbSession, settings: AppSettings, lang: LangParam = "en"
) -> dict[str, Any]:
    data = (await _prepared(request, db, await service.get_forum(db, forum), lang)).data
    return exports.frab_schedule(data, lang, settings.public_url)


@router.get(
    "/forums/{forum}/schedule.xml",
    summary="The program in frab's schedule.xml format (Giggity, ConfClerk, EventFahrplan)",
    description="frab/Pentabarf XML, valid against voc/schedule's XSD "
    "(https://c3voc.de/schedule/schema.xsd); the same program as schedule.json.",
    response_class=Response,
    responses={
        200: {"content": {XML_MEDIA_TYPE: {"schema": {"type": "string"}}}},
        **FOUND,
    },
)
async def get_schedule_xml(
    request: Request, forum: ForumSlug, db: DbSession, settings: AppSettings, lang: LangParam = "en"
) -> Response:
    data = (await _prepared(request, db, await service.get_forum(db, forum), lang)).data
    body = exports.frab_schedule_xml(data, lang, settings.public_url)
    return Response(body, media_type=XML_MEDIA_TYPE)


@router.get(
    "/forums/{forum}/jsonld",
    summary="The forum as schema.org JSON-LD (EventSeries with subEvents)",
    response_class=JsonLdResponse,
    response_model=EventSeriesLd,
    response_model_exclude_none=True,
    responses=FOUND,
)
async def get_jsonld(
    request: Request, forum: ForumSlug, db: DbSession, settings: AppSettings, lang: LangParam = "en"
) -> dict[str, Any]:
    data = (await _prepared(request, db, await service.get_forum(db, forum), lang)).data
    return exports.jsonld(data, lang, settings.public_url)
