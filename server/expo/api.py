"""HTTP routes of the showrooms' hall: pavilions, stands (and their staff's edits), search,
media. Each parses, calls one verb of stands.py, and answers its model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from server.accounts.service import require_user
from server.deps import AppClock, AppSettings, CurrentUser, DbSession
from server.expo import stands
from server.expo.media import TYPES, stored_file
from server.expo.params import STAFF_ONLY, Slug
from server.expo.schemas import (
    PavilionCardPublic,
    PavilionPublic,
    ProductEdit,
    ProductTextsPublic,
    SearchPublic,
    StandEdit,
    StandNamePublic,
    StandPublic,
    StandTextsPublic,
)
from server.http_errors import error_responses
from server.params import LangParam
from server.transient import RetryingRoute

router = APIRouter(route_class=RetryingRoute, prefix="/api/v1", tags=["showrooms"])
media_router = APIRouter(route_class=RetryingRoute, tags=["showrooms"])


@router.get(
    "/pavilions",
    response_model=list[PavilionCardPublic],
    summary="Every pavilion: the host region first, then regions, then countries",
)
async def list_pavilions(db: DbSession, lang: LangParam = "en") -> list[PavilionCardPublic]:
    return await stands.hall(db, lang)


@router.get(
    "/pavilions/{slug}",
    response_model=PavilionPublic,
    responses=error_responses(404),
    summary="A pavilion and its stands",
)
async def get_pavilion(slug: Slug, db: DbSession, lang: LangParam = "en") -> PavilionPublic:
    return await stands.pavilion(db, slug, lang)


@router.get(
    "/stands/{slug}",
    response_model=StandPublic,
    responses=error_responses(404),
    summary="A stand: its company, products, people and sessions",
)
async def get_stand(
    slug: Slug, db: DbSession, clock: AppClock, lang: LangParam = "en"
) -> StandPublic:
    return await stands.stand(db, clock, slug, lang)


@router.get(
    "/me/stands",
    response_model=list[StandNamePublic],
    responses=error_responses(401),
    summary="The stands I am staff of",
)
async def my_stands(db: DbSession, user: CurrentUser) -> list[StandNamePublic]:
    return await stands.mine(db, require_user(user))


@router.patch(
    "/stands/{slug}",
    response_model=StandTextsPublic,
    responses=STAFF_ONLY,
    summary="Edit the stand's texts (its staff; a new pack import replaces them)",
)
async def edit_stand(
    slug: Slug, body: StandEdit, db: DbSession, clock: AppClock, user: CurrentUser
) -> StandTextsPublic:
    return await stands.edit_stand(db, clock, slug, require_user(user), body)


@router.patch(
    "/stands/{slug}/products/{product}",
    response_model=ProductTextsPublic,
    responses=STAFF_ONLY,
    summary="Edit a product's texts (the stand's staff)",
)
async def edit_product(
    slug: Slug, product: Slug, body: ProductEdit, db: DbSession, clock: AppClock, user: CurrentUser
) -> ProductTextsPublic:
    return await stands.edit_product(db, clock, slug, product, require_user(user), body)


@router.get(
    "/search",
    response_model=SearchPublic,
    summary="Stands and products: Russian and English word forms, prefixes, typos",
)
async def search_showrooms(
    db: DbSession,
    q: Annotated[str, Query(min_length=1, max_length=200, description="What to look for")],
    industry: Annotated[str | None, Query(max_length=40, description="Only this industry")] = None,
    country: Annotated[
        str | None, Query(pattern=r"^[A-Za-z]{2}$", description="ISO country code")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    lang: LangParam = "en",
) -> SearchPublic:
    return await stands.find(db, q, industry=industry, country=country, limit=limit, lang=lang)


@media_router.get(
    "/media/showrooms/{key}",
    response_class=FileResponse,
    responses={
        200: {"content": {kind: {} for kind in sorted(set(TYPES.values()))}},
        **error_responses(404),
    },
    summary="A showroom media file (never changes)",
)
async def media(key: str, settings: AppSettings) -> FileResponse:
    path, kind = stored_file(settings.media_dir / "showrooms", key)
    return FileResponse(
        path, media_type=kind, headers={"Cache-Control": "public, max-age=31536000, immutable"}
    )
