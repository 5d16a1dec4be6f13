"""Pavilions, stands and products: the hall as visitors walk it, search over it, and the texts
a stand's own staff edit (a new pack import replaces them)."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.clock import Clock
from server.errors import Invalid, NotFound
from server.expo import search
from server.expo.models import Pavilion, PavilionKind, Product, Stand, StandStaff
from server.expo.queries import staffed_stand, stand_by_slug
from server.expo.schemas import (
    BilingualText,
    FoundKind,
    FoundPavilionPublic,
    FoundProductPublic,
    FoundStandPublic,
    LivePublic,
    PavilionCardPublic,
    PavilionPublic,
    ProductEdit,
    ProductTextsPublic,
    SearchHitPublic,
    SearchPublic,
    SpecTexts,
    StandEdit,
    StandNamePublic,
    StandPublic,
    StandSessionPublic,
    StandTextsPublic,
)
from server.expo.views import (
    Lang,
    image,
    pavilion_card,
    pavilion_view,
    staff_view,
    stand_card,
    stand_name,
    stand_view,
    text,
)
from server.marathon.models import MarathonSegment
from server.program.models import Forum, Session, SessionStatus

SIZE_ORDER = {"large": 0, "medium": 1, "small": 2}


def _hall_order(p: Pavilion) -> tuple[Any, ...]:
    """The hall's order: the host first, regions before countries, then as the packs say."""
    return (not p.host, p.kind is PavilionKind.country, p.position, p.name_en)


async def hall(db: AsyncSession, lang: Lang) -> list[PavilionCardPublic]:
    """Every pavilion with its count of stands and what is live from its city."""
    counted = (
        select(Stand.pavilion_id, func.count())
        .where(col(Stand.listed))
        .group_by(col(Stand.pavilion_id))
    )
    counts = dict((await db.exec(counted)).all())
    pavilions = sorted((await db.exec(select(Pavilion))).all(), key=_hall_order)
    live = await _live_from(db, lang)
    return [
        pavilion_card(p, lang, counts.get(p.id or 0, 0), live.get(p.city_en.lower()))
        for p in pavilions
    ]


async def _live_from(db: AsyncSession, lang: Lang) -> dict[str, LivePublic]:
    """The marathon segments live now, by their host city: "live now from Cairo" promotes
    the pavilion of that city."""
    query = (
        select(Session, Forum.slug)
        .join(MarathonSegment, col(MarathonSegment.session_id) == Session.id)
        .join(Forum, col(Forum.id) == Session.forum_id)
        .where(Session.status == SessionStatus.live)
    )
    return {
        s.host_city_en.lower(): LivePublic(
            session=s.id or 0,
            forum=forum,
            title=text(s, "title", lang),
            city=text(s, "host_city", lang),
        )
        for s, forum in (await db.exec(query)).all()
    }


async def pavilion(db: AsyncSession, slug: str, lang: Lang) -> PavilionPublic:
    """A pavilion and its listed stands, the large ones first."""
    found = (await db.exec(select(Pavilion).where(Pavilion.slug == slug))).first()
    if found is None:
        raise NotFound(f"pavilion: no pavilion {slug!r}", field="pavilion")
    stands = (
        await db.exec(
            select(Stand)
            .where(Stand.pavilion_id == found.id, col(Stand.listed))
            .order_by(col(Stand.size).desc(), col(Stand.name_en))
        )
    ).all()
    counts = await _product_counts(db, [s.id for s in stands if s.id is not None])
    cards = [stand_card(s, lang, counts.get(s.id or 0, 0)) for s in stands]
    cards.sort(key=lambda c: (SIZE_ORDER[c.size.value], c.name))
    return pavilion_view(found, lang, cards)


async def _product_counts(db: AsyncSession, stand_ids: list[int]) -> dict[int, int]:
    query = (
        select(Product.stand_id, func.count())
        .where(col(Product.stand_id).in_(stand_ids))
        .group_by(col(Product.stand_id))
    )
    return dict((await db.exec(query)).all())


async def stand(db: AsyncSession, clock: Clock, slug: str, lang: Lang) -> StandPublic:
    """A stand: its company, products, people (who is on duty now) and sessions."""
    found = await stand_by_slug(db, slug)
    where = await db.get(Pavilion, found.pavilion_id)
    assert where is not None
    products = (
        await db.exec(
            select(Product).where(Product.stand_id == found.id).order_by(col(Product.position))
        )
    ).all()
    people = (
        await db.exec(
            select(StandStaff, User.name)
            .join(User, col(User.id) == StandStaff.user_id)
            .where(StandStaff.stand_id == found.id)
            .order_by(col(StandStaff.position))
        )
    ).all()
    now = clock.now()
    staff = [staff_view(row, name, lang, now) for row, name in people]
    sessions = await _sessions(db, found, lang)
    return stand_view(found, where, lang, staff=staff, products=list(products), sessions=sessions)


async def _sessions(db: AsyncSession, found: Stand, lang: Lang) -> list[StandSessionPublic]:
    """The program sessions the stand's company takes part in."""
    if not found.sessions:
        return []
    query = (
        select(Session, Forum.slug)
        .join(Forum, col(Forum.id) == Session.forum_id)
        .where(col(Session.slug).in_(found.sessions))
    )
    return [
        StandSessionPublic(id=s.id or 0, slug=s.slug, forum=forum, title=text(s, "title", lang))
        for s, forum in (await db.exec(query)).all()
    ]


async def mine(db: AsyncSession, me: User) -> list[StandNamePublic]:
    """The listed stands `me` is staff of, by name."""
    query = (
        select(Stand)
        .join(StandStaff, col(StandStaff.stand_id) == Stand.id)
        .where(StandStaff.user_id == me.id, col(Stand.listed))
        .order_by(col(Stand.name_en))
    )
    return [stand_name(s) for s in (await db.exec(query)).all()]


async def find(
    db: AsyncSession,
    q: str,
    *,
    industry: str | None,
    country: str | None,
    limit: int,
    lang: Lang,
) -> SearchPublic:
    """Stands and products matching every word of `q`, best first (search.py)."""
    if not search.words(q):
        raise Invalid("q: type a word to look for", field="q")
    found = await search.search(db, q, industry=industry, country=country, limit=limit)
    return SearchPublic(q=q, results=[_hit(s, product, p, lang) for s, product, p in found])


def _hit(s: Stand, product: Product | None, where: Pavilion, lang: Lang) -> SearchHitPublic:
    card = stand_card(s, lang, 0)
    pavilion_named = FoundPavilionPublic(slug=where.slug, name=text(where, "name", lang))
    return SearchHitPublic(
        kind=FoundKind.stand if product is None else FoundKind.product,
        stand=FoundStandPublic(**dict(card), pavilion=pavilion_named),
        product=None
        if product is None
        else FoundProductPublic(
            slug=product.slug,
            name=text(product, "name", lang),
            image=image(product.images[0]) if product.images else None,
        ),
    )


async def edit_stand(
    db: AsyncSession, clock: Clock, slug: str, staff: User, edit: StandEdit
) -> StandTextsPublic:
    """The stand's description and website, as its staff write them; search follows."""
    found = await staffed_stand(db, slug, staff)
    if edit.description is not None:
        found.description_en, found.description_ru = edit.description.en, edit.description.ru
    if edit.website is not None:
        found.website = edit.website
    found.updated_at = clock.now()
    db.add(found)
    await _reindex(db, found)
    return StandTextsPublic(
        slug=found.slug,
        description=BilingualText(en=found.description_en, ru=found.description_ru),
        website=found.website,
    )


async def edit_product(
    db: AsyncSession, clock: Clock, slug: str, product: str, staff: User, edit: ProductEdit
) -> ProductTextsPublic:
    """A product's name, description and specs, as the stand's staff write them."""
    found = await staffed_stand(db, slug, staff)
    item = (
        await db.exec(select(Product).where(Product.stand_id == found.id, Product.slug == product))
    ).first()
    if item is None:
        raise NotFound(f"product: no product {product!r} at this stand", field="product")
    if edit.name is not None:
        item.name_en, item.name_ru = edit.name.en, edit.name.ru
    if edit.description is not None:
        item.description_en, item.description_ru = edit.description.en, edit.description.ru
    if edit.specs is not None:
        item.specs = [s.model_dump() for s in edit.specs]
    db.add(item)
    found.updated_at = clock.now()
    db.add(found)
    await db.flush()
    await _reindex(db, found)
    return ProductTextsPublic(
        slug=item.slug,
        name=BilingualText(en=item.name_en, ru=item.name_ru),
        specs=[SpecTexts.model_validate(s) for s in item.specs],
    )


async def _reindex(db: AsyncSession, found: Stand) -> None:
    products = (await db.exec(select(Product).where(Product.stand_id == found.id))).all()
    await search.reindex_stand(db, found, products)
