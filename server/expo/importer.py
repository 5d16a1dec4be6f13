"""Writing a checked showroom pack: one transaction, updated in place by slug.

`read_pack` (packs.py) has checked the files; here the pack is checked against the database
too (a stand slug that belongs to another pavilion, a session the program does not have),
its media are stored, and the pavilion, its stands, their staff and products are written.
A stand that left its pack is unlisted, not deleted (its leads stay with it). Staff are
accounts by email: one is made, without a password, for an address not seen before, and (when
`invite_from` gives the site's address) that person is mailed a link to choose their password,
in the first of their languages the interface has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts import passwords
from server.accounts.models import NO_PASSWORD, PasswordTokenPurpose, User
from server.clock import Clock
from server.expo import search
from server.expo.media import MediaStore
from server.expo.models import Pavilion, PavilionKind, Product, Stand, StandSize, StandStaff
from server.expo.packs import Pack, PackInvalid, Problem, _line
from server.i18n import LANGUAGES, language, moment, t, with_signature
from server.mail.outbox import queue
from server.program.models import Session

Progress = Callable[[str], None]


@dataclass
class ShowroomReport:
    pavilion: str
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    unlisted: list[str] = field(default_factory=list)
    invited: list[str] = field(default_factory=list)  # emails of accounts made and mailed

    def count(self, kind: str, outcome: str) -> None:
        bucket = getattr(self, outcome)
        bucket[kind] = bucket.get(kind, 0) + 1


def _both(name: str, value: dict[str, str] | None) -> dict[str, str]:
    value = value or {}
    return {f"{name}_en": value.get("en", ""), f"{name}_ru": value.get("ru", "")}


async def check_against_database(db: AsyncSession, pack: Pack) -> None:
    """What only the database knows: slugs taken elsewhere, sessions that do not exist."""
    problems: list[Problem] = []
    slug = pack.pavilion["slug"]
    slugs = [s["slug"] for s in pack.stands]
    query = (
        select(Stand.slug, Pavilion.slug)
        .join(Pavilion, col(Pavilion.id) == Stand.pavilion_id)
        .where(col(Stand.slug).in_(slugs), Pavilion.slug != slug)
    )
    for taken, owner in (await db.exec(query)).all():
        name = f"stands/{taken}.yaml"
        problems.append(
            Problem(
                name,
                _line(pack.folder, name, ["slug"]),
                "slug",
                f"{taken!r} is a stand of the {owner!r} pavilion already",
            )
        )
    wanted = {s for doc in pack.stands for s in doc.get("sessions") or []}
    known = set((await db.exec(select(Session.slug).where(col(Session.slug).in_(wanted)))).all())
    for doc in pack.stands:
        for i, session in enumerate(doc.get("sessions") or []):
            if session not in known:
                name = f"stands/{doc['slug']}.yaml"
                problems.append(
                    Problem(
                        name,
                        _line(pack.folder, name, ["sessions", i]),
                        f"sessions[{i}]",
                        f"no session {session!r} in the program",
                    )
                )
    if problems:
        raise PackInvalid(problems)


async def import_pack(
    db: AsyncSession,
    clock: Clock,
    pack: Pack,
    store: MediaStore,
    progress: Progress = lambda _: None,
    *,
    invite_from: str | None = None,
) -> ShowroomReport:
    """Write the pack (the caller commits once, or rolls back on any error). `invite_from`:
    the site's public URL, to mail new staff accounts their link (none: no mail)."""
    await check_against_database(db, pack)
    report = ShowroomReport(pavilion=pack.pavilion["slug"])
    for media in pack.media.values():
        report.count("media", "created" if store.put(media) else "unchanged")
        progress("media")
    pavilion = await _pavilion(db, clock, pack, report)
    assert pavilion.id is not None
    people, made = await _people(db, clock, pack)
    if invite_from:
        for user in made:
            await _invite(db, clock, pack, user, invite_from)
            report.invited.append(user.email)
    for doc in pack.stands:
        await _stand(db, clock, pack, pavilion.id, doc, people, report)
        progress("stand")
    listed = [s["slug"] for s in pack.stands]
    gone = select(Stand).where(
        Stand.pavilion_id == pavilion.id, col(Stand.slug).not_in(listed), col(Stand.listed)
    )
    for stand in (await db.exec(gone)).all():
        stand.listed = False
        db.add(stand)
        assert stand.id is not None
        await search.remove_stand(db, stand.id)
        report.unlisted.append(stand.slug)
    await db.flush()
    return report


async def _pavilion(db: AsyncSession, clock: Clock, pack: Pack, report: ShowroomReport) -> Pavilion:
    doc = pack.pavilion
    values: dict[str, Any] = {
        "kind": PavilionKind(doc["kind"]),
        "host": doc.get("host", False),
        "position": doc.get("order", 100),
        **_both("name", doc["name"]),
        "country": doc["country"],
        **_both("city", doc.get("city")),
        **_both("description", doc.get("description")),
        "banner": pack.key(doc["banner"]) if doc.get("banner") else None,
        "digest": pack.digest(doc),
    }
    found = (await db.exec(select(Pavilion).where(Pavilion.slug == doc["slug"]))).first()
    now = clock.now()
    if found is None:
        found = Pavilion(slug=doc["slug"], created_at=now, updated_at=now, **values)
        report.count("pavilions", "created")
    elif found.digest == values["digest"]:
        report.count("pavilions", "unchanged")
        return found
    else:
        for name, value in values.items():
            setattr(found, name, value)
        found.updated_at = now
        report.count("pavilions", "updated")
    db.add(found)
    await db.flush()
    return found


async def _people(db: AsyncSession, clock: Clock, pack: Pack) -> tuple[dict[str, int], list[User]]:
    """Every staff email of the pack -> its account's id (accounts made as needed), and the
    accounts made."""
    staff = {p["email"].lower(): p for s in pack.stands for p in s["staff"]}
    found = {
        u.email: u for u in (await db.exec(select(User).where(col(User.email).in_(staff)))).all()
    }
    made = []
    for email, person in staff.items():
        if email not in found:
            spoken = [code for code in person.get("languages", []) if code in LANGUAGES]
            user = User(
                email=email,
                password_hash=NO_PASSWORD,
                name=person["name"],
                tz=person["tz"],
                language=spoken[0] if spoken else "en",
                created_at=clock.now(),
            )
            db.add(user)
            found[email] = user
            made.append(user)
    await db.flush()
    return {email: user.id for email, user in found.items() if user.id is not None}, made


async def _invite(db: AsyncSession, clock: Clock, pack: Pack, user: User, public_url: str) -> None:
    """Mail a new staff member the link to choose their password (the caller commits)."""
    lang = language(user.language)
    pavilion = pack.pavilion["name"].get(lang) or pack.pavilion["name"]["en"]
    stands = [
        s["name"].get(lang) or s["name"]["en"]
        for s in pack.stands
        if any(p["email"].lower() == user.email for p in s["staff"])
    ]
    token, expires = await passwords.issue(db, clock, user, PasswordTokenPurpose.invite)
    body = t(
        lang,
        "staff.body",
        name=user.name,
        stands=", ".join(f"«{n}»" if lang == "ru" else n for n in stands),
        pavilion=pavilion,
        until=moment(expires, user.tz, lang),
        link=passwords.link(public_url, token),
    )
    queue(
        db,
        clock,
        to_email=user.email,
        to_name=user.name,
        subject=t(lang, "staff.subject", pavilion=pavilion),
        body=with_signature(lang, body),
    )


async def _stand(
    db: AsyncSession,
    clock: Clock,
    pack: Pack,
    pavilion_id: int,
    doc: dict[str, Any],
    people: dict[str, int],
    report: ShowroomReport,
) -> None:
    digest = pack.digest(doc)
    found = (await db.exec(select(Stand).where(Stand.slug == doc["slug"]))).first()
    if found is not None and found.digest == digest and found.listed:
        report.count("stands", "unchanged")
        return
    values: dict[str, Any] = {
        "pavilion_id": pavilion_id,
        **_both("name", doc["name"]),
        **_both("description", doc["description"]),
        "industries": list(doc["industries"]),
        "size": StandSize(doc.get("size", "medium")),
        "logo": pack.key(doc["logo"]) if doc.get("logo") else None,
        "website": doc.get("website", ""),
        "contacts": doc.get("contacts") or {},
        "sessions": list(doc.get("sessions") or []),
        "digest": digest,
        "listed": True,
    }
    now = clock.now()
    if found is None:
        found = Stand(slug=doc["slug"], created_at=now, updated_at=now, **values)
        report.count("stands", "created")
    else:
        for name, value in values.items():
            setattr(found, name, value)
        found.updated_at = now
        report.count("stands", "updated")
    db.add(found)
    await db.flush()
    assert found.id is not None
    await search.remove_stand(db, found.id)
    await _staff(db, found.id, doc["staff"], people, report)
    await _products(db, pack, found.id, doc.get("products") or [], report)
    await db.flush()
    products = (await db.exec(select(Product).where(Product.stand_id == found.id))).all()
    await search.reindex_stand(db, found, products)


async def _staff(
    db: AsyncSession,
    stand_id: int,
    staff: list[dict[str, Any]],
    people: dict[str, int],
    report: ShowroomReport,
) -> None:
    rows = {
        r.user_id: r
        for r in (await db.exec(select(StandStaff).where(StandStaff.stand_id == stand_id))).all()
    }
    keep: set[int] = set()
    for position, person in enumerate(staff):
        user_id = people[person["email"].lower()]
        keep.add(user_id)
        values: dict[str, Any] = {
            **_both("title", person.get("title")),
            "tz": person["tz"],
            "languages": list(person.get("languages") or []),
            "duty": list(person.get("duty") or []),
            "position": position,
        }
        row = rows.get(user_id)
        if row is None:
            db.add(StandStaff(stand_id=stand_id, user_id=user_id, **values))
            report.count("staff", "created")
        elif any(getattr(row, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            db.add(row)
            report.count("staff", "updated")
        else:
            report.count("staff", "unchanged")
    for user_id, row in rows.items():
        if user_id not in keep:
            await db.delete(row)


async def _products(
    db: AsyncSession,
    pack: Pack,
    stand_id: int,
    products: list[dict[str, Any]],
    report: ShowroomReport,
) -> None:
    rows = {
        r.slug: r
        for r in (await db.exec(select(Product).where(Product.stand_id == stand_id))).all()
    }
    for position, doc in enumerate(products):
        values: dict[str, Any] = {
            "position": position,
            **_both("name", doc["name"]),
            **_both("description", doc["description"]),
            "specs": list(doc.get("specs") or []),
            "images": [pack.key(i) for i in doc.get("images") or []],
            "documents": [
                {"title": d["title"], "file": pack.key(d["file"])}
                for d in doc.get("documents") or []
            ],
            "videos": [
                {
                    "title": v["title"],
                    **({"file": pack.key(v["file"])} if "file" in v else {"url": v["url"]}),
                }
                for v in doc.get("videos") or []
            ],
        }
        row = rows.pop(doc["slug"], None)
        if row is None:
            db.add(Product(stand_id=stand_id, slug=doc["slug"], **values))
            report.count("products", "created")
        elif any(getattr(row, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            db.add(row)
            report.count("products", "updated")
        else:
            report.count("products", "unchanged")
    for row in rows.values():  # products the stand no longer shows
        await db.delete(row)
