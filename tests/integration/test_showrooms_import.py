"""Importing showroom packs: checked whole first (each problem with its file, line and field;
nothing written), then written in one transaction, and re-imported in place."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from PIL import Image
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.cli import DEMO_FORUM, demo_packs
from server.clock import FakeClock
from server.expo.importer import import_pack
from server.expo.media import MediaStore, thumbnail_key
from server.expo.models import Pavilion, Product, Stand, StandStaff
from server.expo.packs import PackInvalid, read_pack
from tests.factories import load_program
from tests.showroom_packs import stand_doc, text, write_pack


@pytest.fixture
def store(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media" / "showrooms")


async def _import(db: AsyncSession, clock: FakeClock, folder: Path, store: MediaStore):
    report = await import_pack(db, clock, read_pack(folder), store)
    await db.commit()
    return report


async def _count(db: AsyncSession, model: type) -> int:
    return (await db.exec(select(func.count()).select_from(model))).one()


async def test_a_pack_imports_then_reimports_unchanged_and_updates_in_place(
    db: AsyncSession, clock: FakeClock, tmp_path: Path, store: MediaStore
) -> None:
    folder = write_pack(tmp_path / "volga", [stand_doc("kamturbo"), stand_doc("volgapump")])

    first = await _import(db, clock, folder, store)
    again = await _import(db, clock, folder, store)

    assert first.created == {"pavilions": 1, "stands": 2, "staff": 2, "products": 2, "media": 6}
    assert first.unchanged == {"media": 1}  # the two stands' identical PDFs: stored once
    assert again.created == {} and again.updated == {}
    assert again.unchanged == {"pavilions": 1, "stands": 2, "media": 7}
    stand = (await db.exec(select(Stand).where(Stand.slug == "kamturbo"))).one()
    product = (await db.exec(select(Product).where(Product.stand_id == stand.id))).one()
    (image,) = product.images
    assert store.path(image).read_bytes() == (folder / "media/kamturbo/turbine.png").read_bytes()
    with Image.open(store.path(thumbnail_key(image))) as thumbnail:
        assert thumbnail.format == "JPEG" and max(thumbnail.size) <= 480
    staff = (await db.exec(select(User).where(User.email == "sales@kamturbo.example"))).one()
    assert staff.password_hash == "!"  # an account without a password until invited

    # An edit to one stand, a product dropped from another, a stand gone from the pack.
    edited = stand_doc("kamturbo", name=text("KamTurbo", "КамТурбо"))
    emptied = stand_doc("volgapump", products=[])
    write_pack(folder, [edited, emptied])
    (folder / "stands" / "gone.yaml").unlink(missing_ok=True)
    third = await _import(db, clock, folder, store)
    assert third.updated == {"stands": 2}
    await db.refresh(stand)
    assert stand.name_en == "KamTurbo" and stand.id == (await _stand_id(db, "kamturbo"))
    assert await _count(db, Product) == 1

    write_pack(folder, [edited])
    (folder / "stands" / "volgapump.yaml").unlink()
    fourth = await _import(db, clock, folder, store)
    assert fourth.unlisted == ["volgapump"]
    unlisted = (await db.exec(select(Stand).where(Stand.slug == "volgapump"))).one()
    assert unlisted.listed is False  # kept for its leads, no longer shown


async def _stand_id(db: AsyncSession, slug: str) -> int | None:
    return (await db.exec(select(Stand.id).where(Stand.slug == slug))).one()


async def test_a_broken_pack_is_refused_with_every_problem_named_and_nothing_written(
    db: AsyncSession, clock: FakeClock, tmp_path: Path, store: MediaStore
) -> None:
    missing_name = stand_doc("a-works")
    del missing_name["name"]
    wrong_type = stand_doc("b-works", industries="machinery")
    duplicate = stand_doc("c-works")
    folder = write_pack(tmp_path / "broken", [missing_name, wrong_type, duplicate])
    # The same slug in a second file, and an image cut short.
    (folder / "stands" / "d-works.yaml").write_text(
        (folder / "stands" / "c-works.yaml").read_text("utf-8"), "utf-8"
    )
    logo = folder / "media/a-works/logo.png"
    logo.write_bytes(logo.read_bytes()[:200])

    with pytest.raises(PackInvalid) as refused:
        read_pack(folder)

    found = [str(p) for p in refused.value.problems]
    b_line = _line_of(folder / "stands/b-works.yaml", "industries:")
    a_logo = _line_of(folder / "stands/a-works.yaml", "logo:")
    d_slug = _line_of(folder / "stands/d-works.yaml", "slug:")
    expected = [
        "stands/a-works.yaml:1: (file): 'name' is required",
        f"stands/b-works.yaml:{b_line}: industries: 'machinery' is not of type 'array'",
        f"stands/d-works.yaml:{d_slug}: slug: 'c-works' must be the file's name ('d-works')",
        f"stands/d-works.yaml:{d_slug}: slug: 'c-works' is also the slug of stands/c-works.yaml",
        f"stands/a-works.yaml:{a_logo}: logo: media/a-works/logo.png: not a readable image",
    ]
    for problem in expected:
        assert any(f.startswith(problem) for f in found), (problem, found)
    assert len(found) == len(expected), found
    # Nothing was written: no rows, no media.
    assert await _count(db, Pavilion) == 0 and await _count(db, Stand) == 0
    assert not store.root.exists()


def _line_of(path: Path, start: str) -> int:
    lines = path.read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip().startswith(start))


async def test_a_pack_is_checked_against_the_database_too(
    db: AsyncSession, clock: FakeClock, tmp_path: Path, store: MediaStore
) -> None:
    await _import(db, clock, write_pack(tmp_path / "volga", [stand_doc("kamturbo")]), store)
    other = write_pack(
        tmp_path / "ural",
        [stand_doc("kamturbo"), stand_doc("uralmash", sessions=["no-such-session"])],
        slug="ural",
    )

    with pytest.raises(PackInvalid) as refused:
        await import_pack(db, clock, read_pack(other), store)
    await db.rollback()

    messages = sorted(str(p) for p in refused.value.problems)
    sessions = _line_of(other / "stands/uralmash.yaml", "- no-such-session")
    assert messages == [
        "stands/kamturbo.yaml:1: slug: 'kamturbo' is a stand of the 'volga' pavilion already",
        f"stands/uralmash.yaml:{sessions}: sessions[0]: "
        "no session 'no-such-session' in the program",
    ]
    assert await _count(db, Pavilion) == 1
    assert await _count(db, StandStaff) == 1


async def test_the_demo_packs_import_and_reimport_unchanged(
    db: AsyncSession, clock: FakeClock, store: MediaStore
) -> None:
    await load_program(db, clock, yaml.safe_load(DEMO_FORUM.read_text("utf-8")))
    await db.commit()
    packs = demo_packs()
    first = [await _import(db, clock, folder, store) for folder in packs]
    again = [await _import(db, clock, folder, store) for folder in packs]

    kinds = {p.pavilion: p.created.get("stands", 0) for p in first}
    assert kinds["tatarstan"] == 29
    assert len(kinds) == 9 and all(count >= 5 for count in kinds.values())
    assert all(r.created == {} and r.updated == {} for r in again)
    exhibitor = (
        select(StandStaff)
        .join(User, col(User.id) == StandStaff.user_id)
        .where(User.email == "exhibitor@demo.pavilion.test")
    )
    assert (await db.exec(exhibitor)).first() is not None
