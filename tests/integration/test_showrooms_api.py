"""The showrooms over HTTP: the hall, a pavilion, a stand (in either language), its media."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.cli import DEMO_FORUM
from server.clock import FakeClock
from server.expo.importer import import_pack
from server.expo.media import MediaStore
from server.expo.packs import read_pack
from server.program.models import Session, SessionStatus
from server.settings import Settings
from tests.factories import load_program, signed_in
from tests.showroom_packs import stand_doc, text, write_pack


async def _load(db: AsyncSession, clock: FakeClock, settings: Settings, folder: Path) -> None:
    await import_pack(db, clock, read_pack(folder), MediaStore(settings.media_dir / "showrooms"))
    await db.commit()


async def test_the_hall_lists_the_host_first_then_regions_then_countries(
    client: httpx.AsyncClient,
    db: AsyncSession,
    clock: FakeClock,
    settings: Settings,
    tmp_path: Path,
) -> None:
    await _load(
        db,
        clock,
        settings,
        write_pack(
            tmp_path / "de",
            [stand_doc("berlin-tools")],
            slug="germany",
            kind="country",
            country="DE",
            name=text("Germany", "Германия"),
        ),
    )
    await _load(
        db,
        clock,
        settings,
        write_pack(
            tmp_path / "ural", [stand_doc("uralmash")], slug="ural", name=text("Urals", "Урал")
        ),
    )
    await _load(
        db,
        clock,
        settings,
        write_pack(tmp_path / "volga", [stand_doc("kamturbo"), stand_doc("volgapump")], host=True),
    )

    hall = (await client.get("/api/v1/pavilions", params={"lang": "ru"})).json()

    assert [(p["slug"], p["kind"], p["host"], p["stands"]) for p in hall] == [
        ("volga", "region", True, 2),
        ("ural", "region", False, 1),
        ("germany", "country", False, 1),
    ]
    assert hall[0]["name"] == "Поволжье"
    banner = await client.get(hall[0]["banner"]["thumbnail"])
    assert banner.headers["content-type"] == "image/jpeg"
    assert "immutable" in banner.headers["cache-control"]


async def test_a_stand_shows_its_products_and_people_without_their_addresses(
    client: httpx.AsyncClient,
    db: AsyncSession,
    clock: FakeClock,
    settings: Settings,
    tmp_path: Path,
) -> None:
    # FakeClock: Saturday 2027-03-20 09:00 UTC; a weekday-only person is off duty, a
    # weekend one in Tokyo (18:00 local) is not.
    weekend = {
        "email": "kenji@kamturbo.example",
        "name": "Kenji Sato",
        "tz": "Asia/Tokyo",
        "duty": [{"days": ["sat", "sun"], "from": "10:00", "to": "24:00"}],
    }
    doc = stand_doc("kamturbo")
    doc["staff"].append(weekend)
    fuel = {"name": text("Fuel", "Топливо"), "value": text("natural gas", "природный газ")}
    doc["products"][0]["specs"].append(fuel)
    await _load(db, clock, settings, write_pack(tmp_path / "volga", [doc]))

    pavilion = (await client.get("/api/v1/pavilions/volga")).json()
    stand = (await client.get("/api/v1/stands/kamturbo", params={"lang": "ru"})).json()
    missing = await client.get("/api/v1/stands/nope")

    assert [s["slug"] for s in pavilion["stands"]] == ["kamturbo"]
    assert stand["name"] == "Завод kamturbo"
    assert stand["pavilion"] == {"slug": "volga", "name": "Поволжье", "kind": "region"}
    (product,) = stand["products"]
    assert product["name"] == "Паровая турбина Т-16"
    assert product["specs"] == [
        {"name": "Мощность", "value": "16 MW"},
        {"name": "Топливо", "value": "природный газ"},
    ]
    assert [(p["name"], p["on_duty"]) for p in stand["staff"]] == [
        ("Anna Petrova", False),
        ("Kenji Sato", True),
    ]
    assert "email" not in str(stand["staff"])
    document = await client.get(product["documents"][0]["url"])
    assert document.headers["content-type"] == "application/pdf"
    assert document.content.startswith(b"%PDF")
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "stand"
    assert (await client.get("/media/showrooms/..%2Fpavilion.db")).status_code == 404


async def test_a_country_whose_capital_is_live_in_the_marathon_is_promoted(
    client: httpx.AsyncClient,
    db: AsyncSession,
    clock: FakeClock,
    settings: Settings,
    tmp_path: Path,
) -> None:
    await load_program(db, clock, yaml.safe_load(DEMO_FORUM.read_text("utf-8")))
    berlin = (await db.exec(select(Session).where(Session.slug == "marathon-berlin"))).one()
    berlin.status = SessionStatus.live  # as the marathon runner sets it on the clock
    db.add(berlin)
    await db.commit()
    germany = {
        "slug": "germany",
        "kind": "country",
        "country": "DE",
        "city": text("Berlin", "Берлин"),
    }
    await _load(
        db, clock, settings, write_pack(tmp_path / "de", [stand_doc("berlin-tools")], **germany)
    )
    await _load(db, clock, settings, write_pack(tmp_path / "volga", [stand_doc("kamturbo")]))

    hall = {p["slug"]: p["live"] for p in (await client.get("/api/v1/pavilions")).json()}

    assert hall["volga"] is None
    assert hall["germany"] == {
        "session": berlin.id,
        "forum": "demo-forum",
        "title": berlin.title_en,
        "city": "Berlin",
    }


async def test_the_stands_staff_edit_its_texts_and_search_follows(
    client: httpx.AsyncClient,
    db: AsyncSession,
    clock: FakeClock,
    settings: Settings,
    tmp_path: Path,
) -> None:
    staff, other = {"Authorization": "Bearer staff"}, {"Authorization": "Bearer other"}
    await signed_in(db, clock, "sales@kamturbo.example", staff)
    await signed_in(db, clock, "other@elsewhere.example", other)
    await db.commit()
    await _load(db, clock, settings, write_pack(tmp_path / "volga", [stand_doc("kamturbo")]))
    renamed = {"name": {"en": "Steam turbine Volga-16", "ru": "Паровая турбина «Волга-16»"}}

    refused = await client.patch(
        "/api/v1/stands/kamturbo/products/turbine", json=renamed, headers=other
    )
    edited = await client.patch(
        "/api/v1/stands/kamturbo/products/turbine", json=renamed, headers=staff
    )
    bad = await client.patch(
        "/api/v1/stands/kamturbo", json={"website": "javascript:alert(1)"}, headers=staff
    )
    found = (await client.get("/api/v1/search", params={"q": "волги"})).json()["results"]

    assert (refused.status_code, edited.status_code, bad.status_code) == (403, 200, 422)
    assert [(r["stand"]["slug"], r["product"]["slug"]) for r in found] == [("kamturbo", "turbine")]
