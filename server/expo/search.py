"""Search over stands and products: Russian and English word forms, prefixes, and typos.

Every text is cut into words and each word stemmed (Snowball: Russian for Cyrillic words,
English for Latin ones), so "турбины" finds "турбинами" and "pumps" finds "pumping". The
stems and the words as written are indexed: on SQLite in an FTS5 table (`searchfts`), on
PostgreSQL as a `tsvector` of the 'simple' configuration (the stemming is done here, the
same for both). A query word matches as a prefix ("transf" finds "transformer"); a word of
five letters or more that matches nothing is tried with one letter wrong, missing, extra or
swapped against the index's vocabulary (`searchterm`), so "turbnie" still finds turbines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

import snowballstemmer
from sqlalchemy import text
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.expo.models import Pavilion, Product, SearchEntry, SearchTerm, Stand

WORD = re.compile(r"\w+", re.UNICODE)
CYRILLIC = re.compile(r"[а-я]")
MAX_QUERY_WORDS = 8
TYPO_MIN_LENGTH = 5


@cache
def _stemmer(language: str) -> Any:
    return snowballstemmer.stemmer(language)


def words(value: str) -> list[str]:
    return [w.replace("ё", "е") for w in WORD.findall(value.lower())]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    if word.isdigit():
        return word
    return str(_stemmer("russian" if CYRILLIC.search(word) else "english").stemWord(word))


def terms(*texts: str) -> list[str]:
    """The index terms of some texts: each word's stem, and the word itself."""
    found: dict[str, None] = {}
    for value in texts:
        for word in words(value):
            found[stem(word)] = None
            found[word] = None
    return list(found)


def _values(value: str | dict[str, str]) -> list[str]:
    return _bilingual(value) if isinstance(value, dict) else [value]


def _bilingual(*values: dict[str, str] | None) -> list[str]:
    return [v.get(lang, "") for v in values if v for lang in ("en", "ru")]


async def reindex_stand(db: AsyncSession, stand: Stand, products: Iterable[Product]) -> None:
    """Replace a stand's entries (the stand's own, one per product) in the index."""
    assert stand.id is not None
    await remove_stand(db, stand.id)
    if not stand.listed:
        return
    base = [stand.name_en, stand.name_ru]
    entries = [
        SearchEntry(
            stand_id=stand.id,
            terms=" ".join(
                terms(*base, stand.description_en, stand.description_ru, *stand.industries)
            ),
        )
    ]
    for product in products:
        specs = [v for s in product.specs for v in (*_bilingual(s["name"]), *_values(s["value"]))]
        texts = [
            product.name_en,
            product.name_ru,
            product.description_en,
            product.description_ru,
            *specs,
        ]
        entries.append(
            SearchEntry(
                stand_id=stand.id, product_id=product.id, terms=" ".join(terms(*texts, *base))
            )
        )
    db.add_all(entries)
    await db.flush()
    sqlite = db.get_bind().dialect.name == "sqlite"
    for entry in entries:
        if sqlite:
            await (await db.connection()).execute(
                text("INSERT INTO searchfts(rowid, terms) VALUES (:id, :terms)"),
                {"id": entry.id, "terms": entry.terms},
            )
    vocabulary = {t for e in entries for t in e.terms.split()}
    known = set(
        (await db.exec(select(SearchTerm.term).where(col(SearchTerm.term).in_(vocabulary)))).all()
    )
    db.add_all(SearchTerm(term=t) for t in sorted(vocabulary - known))
    await db.flush()


async def remove_stand(db: AsyncSession, stand_id: int) -> None:
    """Take a stand's entries out of the index (before its products change or go)."""
    if db.get_bind().dialect.name == "sqlite":
        await (await db.connection()).execute(
            text(
                "DELETE FROM searchfts"
                " WHERE rowid IN (SELECT id FROM searchentry WHERE stand_id = :s)"
            ),
            {"s": stand_id},
        )
    await (await db.connection()).execute(
        delete(SearchEntry).where(col(SearchEntry.stand_id) == stand_id)
    )


def _distance_one(a: str, b: str) -> bool:
    """Whether `b` is `a` with one letter wrong, missing, extra, or two letters swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1 :]


async def _alternatives(db: AsyncSession, word: str) -> list[str]:
    """Vocabulary terms one typo away from `word` (sharing its first letter)."""
    query = select(SearchTerm.term).where(col(SearchTerm.term).startswith(word[0]))
    return [t for t in (await db.exec(query)).all() if _distance_one(word, t)][:10]


async def _known_prefix(db: AsyncSession, word: str) -> bool:
    query = select(SearchTerm.term).where(col(SearchTerm.term).startswith(word)).limit(1)
    return (await db.exec(query)).first() is not None


async def search(
    db: AsyncSession,
    q: str,
    *,
    industry: str | None = None,
    country: str | None = None,
    limit: int = 20,
) -> list[tuple[Stand, Product | None, Pavilion]]:
    """Stands and products matching every word of `q` (best first), within the filters."""
    groups: list[list[tuple[str, bool]]] = []  # per query word: (term, as a prefix?)
    for word in words(q)[:MAX_QUERY_WORDS]:
        options = [(stem(word), True)]
        if len(word) >= TYPO_MIN_LENGTH and not await _known_prefix(db, stem(word)):
            options += [(t, False) for t in await _alternatives(db, word)]
        groups.append(options)
    if not groups:
        return []
    sqlite = db.get_bind().dialect.name == "sqlite"
    params: dict[str, Any] = {"limit": limit}
    # Ranking, the filters and the limit in one query: only the page's rows are loaded.
    where = ["s.listed"]
    if country:
        where.append("p.country = :country")
        params["country"] = country.upper()
    if industry:
        where.append(
            "EXISTS (SELECT 1 FROM json_each(s.industries) WHERE json_each.value = :industry)"
            if sqlite
            else "CAST(s.industries AS jsonb) ? :industry"
        )
        params["industry"] = industry
    joins = "JOIN stand s ON s.id = e.stand_id JOIN pavilion p ON p.id = s.pavilion_id"
    if sqlite:
        params["q"] = " AND ".join(
            "(" + " OR ".join(f'"{t}"' + ("*" if prefix else "") for t, prefix in options) + ")"
            for options in groups
        )
        ranked = text(
            "SELECT e.id, e.stand_id, e.product_id FROM searchfts"
            f" JOIN searchentry e ON e.id = searchfts.rowid {joins}"
            f" WHERE searchfts MATCH :q AND {' AND '.join(where)}"
            " ORDER BY bm25(searchfts) LIMIT :limit"
        )
    else:
        params["q"] = " & ".join(
            "("
            + " | ".join(t.replace("'", "") + (":*" if prefix else "") for t, prefix in options)
            + ")"
            for options in groups
        )
        ranked = text(
            f"SELECT e.id, e.stand_id, e.product_id FROM searchentry e {joins}"
            " WHERE to_tsvector('simple', e.terms) @@ to_tsquery('simple', :q)"
            f" AND {' AND '.join(where)}"
            " ORDER BY ts_rank(to_tsvector('simple', e.terms), to_tsquery('simple', :q)) DESC, e.id"
            " LIMIT :limit"
        )
    hits = (await (await db.connection()).execute(ranked, params)).all()
    if not hits:
        return []
    stands = {
        st.id: (st, pv)
        for st, pv in (
            await db.exec(
                select(Stand, Pavilion)
                .join(Pavilion, col(Pavilion.id) == Stand.pavilion_id)
                .where(col(Stand.id).in_({h.stand_id for h in hits}))
            )
        ).all()
    }
    product_ids = [h.product_id for h in hits if h.product_id is not None]
    products = {
        p.id: p
        for p in (await db.exec(select(Product).where(col(Product.id).in_(product_ids)))).all()
    }
    return [
        (stands[h.stand_id][0], products.get(h.product_id or 0), stands[h.stand_id][1])
        for h in hits
    ]
