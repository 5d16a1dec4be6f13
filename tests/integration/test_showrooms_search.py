"""Search over the showrooms, on SQLite (FTS5) and on PostgreSQL (tsvector): another Russian
word form, an English prefix, a typo, and the filters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from server.app import create_app
from server.clock import FakeClock
from server.db import Database
from server.expo.importer import import_pack
from server.expo.media import MediaStore
from server.expo.packs import read_pack
from server.migrate import upgrade
from server.settings import Settings
from tests.showroom_packs import stand_doc, text, write_pack

TRANSFORMER = {
    "slug": "tdn-16000",
    "name": text("Power transformer TDN-16000", "Силовой трансформатор ТДН-16000"),
    "description": text(
        "An oil-immersed transformer for substations of 110 kV.",
        "Масляный трансформатор для подстанций напряжением 110 кВ с системой охлаждения.",
    ),
    "specs": [{"name": text("Power", "Мощность"), "value": "16 MVA"}],
}


@pytest.fixture(params=["sqlite", "postgres"])
async def database(
    request: pytest.FixtureRequest, database_url: str, postgres_url: str
) -> AsyncIterator[str]:
    yield database_url if request.param == "sqlite" else postgres_url


@pytest.fixture
async def http(database: str, tmp_path: Path, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    await upgrade(database)
    settings = Settings(environment="test", database_url=database, media_dir=tmp_path / "media")
    db = Database(database)
    volga = [
        stand_doc("kamturbo", industries=["machinery", "energy"]),
        stand_doc("volgatrans", industries=["electronics"], products=[TRANSFORMER]),
    ]
    berlin = [stand_doc("berlin-turbo", industries=["machinery"])]
    store = MediaStore(settings.media_dir / "showrooms")
    germany = {"slug": "germany", "kind": "country", "country": "DE"}
    async with db.session() as session:
        for folder in (
            write_pack(tmp_path / "volga", volga),
            write_pack(tmp_path / "de", berlin, **germany),
        ):
            await import_pack(session, clock, read_pack(folder), store)
            await session.commit()
    await db.dispose()
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://pavilion.test"
        ) as client:
            yield client


async def _found(http: httpx.AsyncClient, q: str, **filters: str) -> list[tuple[str, str | None]]:
    answer = await http.get("/api/v1/search", params={"q": q, **filters})
    assert answer.status_code == 200, answer.text
    return [
        (r["stand"]["slug"], (r["product"] or {}).get("slug")) for r in answer.json()["results"]
    ]


async def test_search_finds_word_forms_prefixes_and_typos(http: httpx.AsyncClient) -> None:
    # The text says "трансформатор" and "подстанций"; the query has other forms of both.
    assert await _found(http, "трансформаторы подстанции") == [("volgatrans", "tdn-16000")]
    # "Турбинами" (instrumental plural) against "турбина"/"турбины" in the product texts.
    turbines = await _found(http, "турбинами")
    assert ("kamturbo", "turbine") in turbines and ("berlin-turbo", "turbine") in turbines
    # An English prefix, and a typo (two letters swapped).
    assert await _found(http, "transfo") == [("volgatrans", "tdn-16000")]
    assert ("kamturbo", "turbine") in await _found(http, "turbnie")
    # Filters: a country, an industry.
    assert {s for s, _ in await _found(http, "turbine", country="DE")} == {"berlin-turbo"}
    assert {s for s, _ in await _found(http, "turbine", industry="energy")} == {"kamturbo"}
    assert await _found(http, "nothingsuch") == []


async def test_a_query_without_words_is_refused_naming_q(http: httpx.AsyncClient) -> None:
    answer = await http.get("/api/v1/search", params={"q": "!!!"})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "q"
