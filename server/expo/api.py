"""HTTP routes of the showrooms: the hall of pavilions, a pavilion, a stand, their media."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse
from sqlmodel import col, func, select

from server.accounts.models import User
from server.deps import AppClock, DbSession
from server.errors import Invalid, NotFound
from server.expo import search
from server.expo.media import KEY, MediaStore
from server.expo.models import Pavilion, PavilionKind, Product, Stand, StandStaff
from server.expo.views import image, pavilion_view, staff_view, stand_card, stand_view, text
from server.marathon.models import MarathonSegment
from server.program.models import Forum, Session, SessionStatus
from server.transient import RetryingRoute

router = APIRouter(route_class=RetryingRoute, prefix="/api/v1", tags=["showrooms"])
media_router = APIRouter(route_class=RetryingRoute, tags=["showrooms"])

LangParam = Annotated[Literal["en", "ru"], Query(description="Language of names and texts")]
Slug = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9-]+$")]


def _hall_order(p: Pavilion) -> tuple[Any, ...]:
    """The hall's order: the host first, regions before countries, then as the packs say."""
    return (not p.host, p.kind is PavilionKind.country, p.position, p.name_en)


@router.get(
    "/pavilions", summary="Every pavilion: the host region first, then regions, then countries"
)
async def list_pavilions(db: DbSession, lang: LangParam = "en") -> list[dict[str, Any]]:
    counts = dict(
        (
            await db.exec(
                select(Stand.pavilion_id, func.count())
                .where(col(Stand.listed))
                .group_by(col(Stand.pavilion_id))
            )
        ).all()
    )
    pavilions = sorted((await db.exec(select(Pavilion))).all(), key=_hall_order)
    live = await _live_from(db, lang)
    return [
        {**pavilion_view(p, lang, counts.get(p.id or 0, 0)), "live": live.get(p.city_en.lower())}
        for p in pavilions
    ]


async def _live_from(db: DbSession, lang: Literal["en", "ru"]) -> dict[str, dict[str, Any]]:
    """The marathon segments live now, by their host city: "live now from Cairo" promotes
    the pavilion of that city."""
    query = (
        select(Session, Forum.slug)
        .join(MarathonSegment, col(MarathonSegment.session_id) == Session.id)
        .join(Forum, col(Forum.id) == Session.forum_id)
        .where(Session.status == SessionStatus.live)
    )
    return {
        s.host_city_en.lower(): {
            "session": s.id,
            "forum": forum,
            "title": text(s, "title", lang),
            "city": text(s, "host_city", lang),
        }
        for s, forum in (await db.exec(query)).all()
    }


async def _pavilion(db: DbSession, slug: str) -> Pavilion:
    found = (await db.exec(select(Pavilion).where(Pavilion.slug == slug))).first()
    if found is None:
        raise NotFound(f"pavilion: no pavilion {slug!r}", field="pavilion")
    return found


@router.get("/pavilions/{slug}", summary="A pavilion and its stands")
async def get_pavilion(slug: Slug, db: DbSession, lang: LangParam = "en") -> dict[str, Any]:
    pavilion = await _pavilion(db, slug)
    stands = (
        await db.exec(
            select(Stand)
            .where(Stand.pavilion_id == pavilion.id, col(Stand.listed))
            .order_by(col(Stand.size).desc(), col(Stand.name_en))
        )
    ).all()
    counts = dict(
        (
            await db.exec(
                select(Product.stand_id, func.count())
                .where(col(Product.stand_id).in_([s.id for s in stands]))
                .group_by(col(Product.stand_id))
            )
        ).all()
    )
    cards = [stand_card(s, lang, counts.get(s.id or 0, 0)) for s in stands]
    cards.sort(key=lambda c: ({"large": 0, "medium": 1, "small": 2}[c["size"]], c["name"]))
    return {**pavilion_view(pavilion, lang, len(stands)), "stands": cards}


@router.get("/stands/{slug}", summary="A stand: its company, products, people and sessions")
async def get_stand(
    slug: Slug, db: DbSession, clock: AppClock, lang: LangParam = "en"
) -> dict[str, Any]:
    stand = (await db.exec(select(Stand).where(Stand.slug == slug, col(Stand.listed)))).first()
    if stand is None:
        raise NotFound(f"stand: no stand {slug!r}", field="stand")
    pavilion = await db.get(Pavilion, stand.pavilion_id)
    assert pavilion is not None
    products = (
        await db.exec(
            select(Product).where(Product.stand_id == stand.id).order_by(col(Product.position))
        )
    ).all()
    people = (
        await db.exec(
            select(StandStaff, User.name)
            .join(User, col(User.id) == StandStaff.user_id)
            .where(StandStaff.stand_id == stand.id)
            .order_by(col(StandStaff.position))
        )
    ).all()
    now = clock.now()
    staff = [staff_view(row, name, lang, now) for row, name in people]
    sessions = []
    if stand.sessions:
        query = (
            select(Session, Forum.slug)
            .join(Forum, col(Forum.id) == Session.forum_id)
            .where(col(Session.slug).in_(stand.sessions))
        )
        sessions = [
            {"id": s.id, "slug": s.slug, "forum": forum, "title": text(s, "title", lang)}
            for s, forum in (await db.exec(query)).all()
        ]
    return stand_view(
        stand, pavilion, lang, staff=staff, products=list(products), sessions=sessions
    )


@media_router.get("/media/showrooms/{key}", summary="A showroom media file (never changes)")
async def media(key: str, request: Request) -> FileResponse:
    store = MediaStore(request.app.state.settings.media_dir / "showrooms")
    if not KEY.match(key) or not store.path(key).is_file():
        raise NotFound(f"media: no file {key!r}", field="media")
    return FileResponse(
        store.path(key),
        media_type=store.media_type(key),
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


@router.get(
    "/search", summary="Stands and products: Russian and English word forms, prefixes, typos"
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
) -> dict[str, Any]:
    if not search.words(q):
        raise Invalid("q: type a word to look for", field="q")
    found = await search.search(db, q, industry=industry, country=country, limit=limit)
    results = []
    for stand, product, pavilion in found:
        results.append(
            {
                "kind": "product" if product else "stand",
                "stand": {
                    **stand_card(stand, lang, 0),
                    "pavilion": {"slug": pavilion.slug, "name": text(pavilion, "name", lang)},
                },
                "product": None
                if product is None
                else {
                    "slug": product.slug,
                    "name": text(product, "name", lang),
                    "image": image(product.images[0]) if product.images else None,
                },
            }
        )
    return {"q": q, "results": results}
