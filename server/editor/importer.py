"""Importing a forum's program from a YAML document (the demo forum is one such file).

Times in the file are wall-clock times in each session's host zone, as organisers write
them; they are converted to UTC here, refusing times that do not exist or are ambiguous
on that date (the hour skipped or repeated when clocks change). Re-importing updates in
place by slug, and a session whose calendar-visible fields change gets a higher SEQUENCE.

Every bilingual text may be given in one language alone: the other is stored empty and the
program shows the given one in its place. A re-import reports the forum's sessions that the
file no longer has (`missing`) and, when asked, cancels them, telling the people registered.
People with an `email` are linked to accounts after the import (server/people/).

It lives with the editor, not in server/program/, because an import is an organiser's change
that reaches past the program: it plans and writes marathons, links people to accounts and
tells those registered for a cancelled session, all of which sit above the program domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import EMAIL
from server.clock import Clock
from server.editor.changes import ProgramChange, cancel_session, restore_session
from server.errors import Invalid
from server.marathon.importer import (
    MarathonIn,
    PlannedSegment,
    import_marathons,
    plan_marathons,
)
from server.people.service import link_people
from server.program import service
from server.program.models import (
    Access,
    CastMember,
    ChangeReason,
    Forum,
    Person,
    Session,
    SessionCreate,
    SessionFormat,
    SessionStatus,
    SessionType,
    SessionUpdate,
    Track,
    Venue,
    VenueKind,
)
from server.zones import local_instant, parse_zone

SLUG = r"^[a-z0-9][a-z0-9-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Text(_Strict):
    """A name in English and Russian; either may be left out (the other is shown in its
    place), not both."""

    en: str = ""
    ru: str = ""

    @model_validator(mode="after")
    def _either(self) -> Text:
        if not (self.en.strip() or self.ru.strip()):
            raise ValueError("give it in English (en) or Russian (ru), or both")
        return self


class OptionalText(_Strict):
    en: str = ""
    ru: str = ""


HTTP_URL = r"^(https?://\S+)?$"


class OrganizerIn(_Strict):
    name: Text
    url: str = Field(default="", max_length=500, pattern=HTTP_URL)


class ForumIn(_Strict):
    slug: str = Field(pattern=SLUG, max_length=80)
    name: Text
    tagline: OptionalText = OptionalText()
    city: Text
    tz: str
    starts_on: date
    ends_on: date
    url: str = ""
    organizer: OrganizerIn | None = None
    image: str = Field(default="", max_length=500, pattern=HTTP_URL)  # an absolute URL


class VenueIn(_Strict):
    slug: str = Field(pattern=SLUG, max_length=80)
    name: Text
    kind: VenueKind
    seats: int | None = Field(default=None, ge=0)
    address: OptionalText = OptionalText()
    stream_url: str = ""


class TrackIn(_Strict):
    slug: str = Field(pattern=SLUG, max_length=80)
    name: Text
    color: str = Field(default="#3b6ea5", pattern=r"^#[0-9a-fA-F]{6}$")


class PersonIn(_Strict):
    slug: str = Field(pattern=SLUG, max_length=80)
    name: Text
    position: OptionalText = OptionalText()
    organisation: OptionalText = OptionalText()
    country: str = Field(default="", pattern=r"^([A-Z]{2})?$")
    # Left out: what is stored stays (an organiser may have set it in the editor).
    email: str = Field(default="", pattern=f"^(|{EMAIL[1:-1]})$", max_length=254)
    photo_url: str = Field(default="", max_length=500)
    bio: OptionalText = OptionalText()

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()


class HostIn(_Strict):
    city: Text
    tz: str


class CapacityIn(_Strict):
    onsite: int | None = Field(default=None, ge=0)
    online: int | None = Field(default=None, ge=0)


class DepartureIn(_Strict):
    point: Text
    at: str


class SessionIn(_Strict):
    slug: str = Field(pattern=SLUG, max_length=120)
    title: Text
    abstract: OptionalText = OptionalText()
    type: SessionType
    format: SessionFormat
    access: Access = Access.public
    # Left out: a new session is scheduled and a stored one keeps its status (an organiser
    # may have cancelled it in the editor). Given: cancelling or restoring tells the registered.
    status: SessionStatus | None = None
    venue: str | None = None
    track: str | None = None
    start: str | None = None  # left out only by marathon segments, which are planned
    end: str | None = None
    host: HostIn | None = None
    language: str = "ru"
    capacity: CapacityIn = CapacityIn()
    departure: DepartureIn | None = None
    cast: list[CastMember] = []


class ProgramFile(_Strict):
    forum: ForumIn
    venues: list[VenueIn] = []
    tracks: list[TrackIn] = []
    people: list[PersonIn] = []
    sessions: list[SessionIn] = []
    marathons: list[MarathonIn] = []


@dataclass
class ImportReport:
    forum: str
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    # Sessions of the forum that the file no longer has, and those of them cancelled now.
    missing: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    # What to announce once the caller has committed (changes.py: announce).
    change: ProgramChange | None = None

    def count(self, kind: str, outcome: str) -> None:
        bucket = getattr(self, outcome)
        bucket[kind] = bucket.get(kind, 0) + 1


def _both(name: str, value: Text | OptionalText) -> dict[str, str]:
    """A bilingual text as the `<name>_en` / `<name>_ru` columns that store it."""
    return {f"{name}_en": value.en, f"{name}_ru": value.ru}


def parse_program_file(document: Any) -> ProgramFile:
    """Validate a whole document; the error names the first bad field by its path."""
    try:
        program = ProgramFile.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        raise Invalid(f"{path}: {first['msg']}", field=path) from None
    for kind in ("venues", "tracks", "people", "sessions", "marathons"):
        _check_unique_slugs(kind, getattr(program, kind))
    return program


def _check_unique_slugs(kind: str, items: list[Any]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.slug in seen:
            raise Invalid(
                f"{kind}.{index}.slug: {item.slug!r} is used twice", field=f"{kind}.{index}.slug"
            )
        seen.add(item.slug)


def _interval(
    item: SessionIn, tz: str, where: str, planned: PlannedSegment | None
) -> tuple[datetime, datetime]:
    if planned is not None:
        return planned.start, planned.end
    for name in ("start", "end"):
        if getattr(item, name) is None:
            raise Invalid(
                f"{where}.{name}: required (only marathon segments are planned)",
                field=f"{where}.{name}",
            )
    assert item.start is not None and item.end is not None
    return (
        local_instant(item.start, tz, field=f"{where}.start"),
        local_instant(item.end, tz, field=f"{where}.end"),
    )


def _session_create(
    item: SessionIn, forum: ForumIn, index: int, planned: PlannedSegment | None = None
) -> SessionCreate:
    host = item.host or HostIn(city=forum.city, tz=forum.tz)
    where = f"sessions.{index}"
    starts_at, ends_at = _interval(item, host.tz, where, planned)
    departure = item.departure
    return SessionCreate(
        slug=item.slug,
        title_en=item.title.en,
        title_ru=item.title.ru,
        abstract_en=item.abstract.en,
        abstract_ru=item.abstract.ru,
        type=item.type,
        format=item.format,
        access=item.access,
        status=item.status or SessionStatus.scheduled,
        venue=item.venue,
        track=item.track,
        starts_at=starts_at,
        ends_at=ends_at,
        host_city_en=host.city.en,
        host_city_ru=host.city.ru,
        host_tz=host.tz,
        language=item.language,
        capacity_onsite=item.capacity.onsite,
        capacity_online=item.capacity.online,
        departure_point_en=departure.point.en if departure else "",
        departure_point_ru=departure.point.ru if departure else "",
        departure_at=local_instant(departure.at, host.tz, field=f"{where}.departure.at")
        if departure
        else None,
    )


async def _upsert(
    db: AsyncSession,
    model: Any,
    where: dict[str, Any],
    values: dict[str, Any],
    report: ImportReport,
    kind: str,
    stamps: dict[str, Any] | None = None,
) -> Any:
    """Create or update the row found by `where`; `stamps` are written only with a change."""
    query = select(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    row = (await db.exec(query)).first()
    if row is None:
        row = model(**where, **values, **(stamps or {}))
        report.count(kind, "created")
    elif any(getattr(row, k) != v for k, v in values.items()):
        for key, value in (values | (stamps or {})).items():
            if key != "created_at":
                setattr(row, key, value)
        report.count(kind, "updated")
    else:
        report.count(kind, "unchanged")
    db.add(row)
    await db.flush()
    return row


async def import_program(
    db: AsyncSession,
    clock: Clock,
    document: Any,
    *,
    public_url: str | None = None,
    cancel_missing: bool = False,
) -> ImportReport:
    """Validate the whole document first, then write it (the caller commits once, then
    announces `report.change`).

    With `public_url` (the site's address, for the links in mail) people with an email are
    linked to accounts and given their casts' roles; loaders that make no accounts (tests,
    benchmarks) leave it out. `cancel_missing` cancels the forum's sessions that the file no
    longer has, telling the people registered for them."""
    program = parse_program_file(document)
    parse_zone(program.forum.tz, field="forum.tz")
    if program.forum.ends_on < program.forum.starts_on:
        raise Invalid("forum.ends_on: must not be before forum.starts_on", field="forum.ends_on")
    forum_host = HostIn(city=program.forum.city, tz=program.forum.tz)
    planned = plan_marathons(program.marathons, list(program.sessions), forum_host)
    creates = [
        _session_create(s, program.forum, i, planned.get(s.slug))
        for i, s in enumerate(program.sessions)
    ]
    report = ImportReport(forum=program.forum.slug)
    change = report.change = ProgramChange(program.forum.slug, ChangeReason.imported)
    now = clock.now()
    f = program.forum
    values = {
        **_both("name", f.name),
        **_both("tagline", f.tagline),
        **_both("city", f.city),
        "tz": f.tz,
        "starts_on": f.starts_on,
        "ends_on": f.ends_on,
        "url": f.url,
        **_both("organizer", f.organizer.name if f.organizer else OptionalText()),
        "organizer_url": f.organizer.url if f.organizer else "",
        "image_url": f.image,
    }
    stamps = {"created_at": now, "updated_at": now}
    forum = await _upsert(db, Forum, {"slug": f.slug}, values, report, "forums", stamps)
    await _import_places(db, forum, program, report)
    for index, (item, create) in enumerate(zip(program.sessions, creates, strict=True)):
        await _import_session(db, clock, forum, item, create, report, index, public_url or "")
    outcomes = await import_marathons(db, clock, forum, program.marathons, planned)
    for outcome in outcomes.values():
        report.count("marathons", outcome)
    await _missing(db, clock, forum, program, report, cancel_missing, public_url or "")
    if report.created or report.updated:
        await service.bump_program_version(db, forum)
    if public_url is not None:
        change.told += await link_people(db, clock, forum, public_url=public_url)
    return report


async def _missing(
    db: AsyncSession,
    clock: Clock,
    forum: Forum,
    program: ProgramFile,
    report: ImportReport,
    cancel: bool,
    public_url: str,
) -> None:
    """Report the forum's sessions the file no longer has; cancel them if asked (those not
    cancelled already), as the editor's cancel does."""
    assert report.change is not None
    in_file = {item.slug for item in program.sessions}
    query = select(Session).where(Session.forum_id == forum.id).order_by(col(Session.slug))
    gone = [s for s in (await db.exec(query)).all() if s.slug not in in_file]
    report.missing = [s.slug for s in gone]
    if not cancel:
        return
    for session in gone:
        if session.status is not SessionStatus.cancelled:
            await cancel_session(db, clock, forum, session, report.change, public_url=public_url)
            report.cancelled.append(session.slug)


async def _import_places(
    db: AsyncSession, forum: Forum, program: ProgramFile, report: ImportReport
) -> None:
    for position, v in enumerate(program.venues):
        await _upsert(
            db,
            Venue,
            {"forum_id": forum.id, "slug": v.slug},
            {
                **_both("name", v.name),
                **_both("address", v.address),
                "kind": v.kind,
                "seats": v.seats,
                "stream_url": v.stream_url,
                "position": position,
            },
            report,
            "venues",
        )
    for t in program.tracks:
        await _upsert(
            db,
            Track,
            {"forum_id": forum.id, "slug": t.slug},
            {**_both("name", t.name), "color": t.color},
            report,
            "tracks",
        )
    for p in program.people:
        await _upsert(
            db,
            Person,
            {"forum_id": forum.id, "slug": p.slug},
            {
                **_both("name", p.name),
                **_both("position", p.position),
                **_both("organisation", p.organisation),
                "country": p.country,
                **_given(p),
            },
            report,
            "people",
        )


def _given(person: PersonIn) -> dict[str, str]:
    """The contact and profile fields the file gives (those it leaves out stay as stored)."""
    values: dict[str, str] = {}
    given = person.model_fields_set
    if "email" in given:
        values["email"] = person.email
    if "photo_url" in given:
        values["photo_url"] = person.photo_url
    if "bio" in given:
        values |= _both("bio", person.bio)
    return values


async def _import_session(
    db: AsyncSession,
    clock: Clock,
    forum: Forum,
    item: SessionIn,
    create: SessionCreate,
    report: ImportReport,
    index: int,
    public_url: str,
) -> None:
    query = select(Session).where(Session.forum_id == forum.id, Session.slug == item.slug)
    existing = (await db.exec(query)).first()
    assert report.change is not None
    try:
        if existing is None:
            created = await service.create_session(db, clock, forum, create, item.cast)
            report.count("sessions", "created")
            report.change.touch(_id(created))
        else:
            changed = await _status_from_file(
                db, clock, forum, existing, item, report.change, public_url
            )
            changed |= await _update_from_file(db, clock, forum, existing, item, create)
            report.count("sessions", "updated" if changed else "unchanged")
            if changed:
                report.change.touch(_id(existing))
    except Invalid as exc:
        raise Invalid(f"sessions.{index}: {exc.message}", field=f"sessions.{index}") from None


async def _status_from_file(
    db: AsyncSession,
    clock: Clock,
    forum: Forum,
    session: Session,
    item: SessionIn,
    change: ProgramChange,
    public_url: str,
) -> bool:
    """Give the session the status the file names, if it names one; cancelling and bringing
    back tell the people registered, as the editor does. True when it changed."""
    wanted = item.status
    if wanted is None or wanted is session.status:
        return False
    if wanted is SessionStatus.cancelled:
        await cancel_session(db, clock, forum, session, change, public_url=public_url)
    elif session.status is SessionStatus.cancelled and wanted is SessionStatus.scheduled:
        await restore_session(db, clock, forum, session, change, public_url=public_url)
    else:
        await service.update_session(db, clock, forum, session, SessionUpdate(status=wanted))
        change.status(session)
    return True


async def _update_from_file(
    db: AsyncSession,
    clock: Clock,
    forum: Forum,
    session: Session,
    item: SessionIn,
    create: SessionCreate,
) -> bool:
    """Bring a stored session in line with the file; True when anything changed."""
    before = session.sequence
    fields = set(SessionUpdate.model_fields) - {"status"}
    changes = SessionUpdate(**create.model_dump(include=fields))
    await service.update_session(db, clock, forum, session, changes)
    other = create.model_dump(
        exclude=set(SessionUpdate.model_fields) | {"venue", "track", "slug", "status"}
    )
    changed = {k for k, v in other.items() if getattr(session, k) != v}
    for key in changed:
        setattr(session, key, other[key])
    if changed:
        session.updated_at = clock.now()
    db.add(session)
    recast = await service.replace_cast(db, forum, session, item.cast)
    return session.sequence != before or bool(changed) or recast


def _id(session: Session) -> int:
    assert session.id is not None, "the session must be stored first"
    return session.id
