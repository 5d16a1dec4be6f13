"""The program editor's verbs: a forum's organisers change its program in the browser.

Every verb authorizes (organisers of the forum: `forum.manage`), validates, writes in one unit
of work, bumps the forum's program version and announces what changed once the unit commits
(server/editor/changes.py, server/unit.py): `program.changed` on the forum's room,
`session.status` on the room of a session whose status changed, and the notices of the people
registered for a session that moved, was cancelled or came back.

A session's times arrive as the host city's wall clock and are stored as UTC instants; the
checks in `checks.py` both answer `…/sessions/check` and guard every save, so a save refuses
exactly what the editor showed: problems always (422, or 409 for a slug in use), capacity above
the venue's seats always (422), other conflicts unless `confirm` (409). A change refuses only
the conflicts it brings: a session saved despite an overlap can still have its title fixed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.attendance.models import ACTIVE, Registration
from server.attendance.permissions import Permission, require
from server.attendance.service import attendees
from server.clock import Clock
from server.editor import changes, checks, references
from server.editor.changes import ProgramChange
from server.editor.checks import Context, Instants, Other
from server.editor.models import (
    CastEdit,
    Deleted,
    EditorState,
    ForumSettings,
    ForumSettingsIn,
    PersonEdit,
    PersonIn,
    PersonPatch,
    ProblemCode,
    SessionCheck,
    SessionCheckIn,
    SessionConflict,
    SessionDeleted,
    SessionEdit,
    SessionEditIn,
    SessionPatch,
    TrackEdit,
    TrackIn,
    TrackPatch,
    VenueEdit,
    VenueIn,
    VenuePatch,
)
from server.errors import Conflict, Invalid, NotFound, Unauthorized
from server.instants import instant
from server.notices.service import Told
from server.people.service import link_people
from server.program import service as program
from server.program.models import (
    CastMember,
    Forum,
    Person,
    Session,
    SessionCreate,
    SessionPerson,
    SessionStatus,
    SessionUpdate,
    Track,
    Venue,
)
from server.zones import parse_zone

M = TypeVar("M", bound=BaseModel)
Place = VenueIn | TrackIn | PersonIn

# Fields of a session form that say when it is: changing any of them recomputes the instants.
TIME_FIELDS = frozenset({"date", "start", "end", "end_date", "host_tz", "departure_time"})


# --- shared steps ---------------------------------------------------------------------------


async def organised_forum(db: AsyncSession, user: User | None, slug: str) -> Forum:
    """The forum, if `user` organises it: Unauthorized when nobody is signed in (before
    saying whether the forum exists), NotFound, Forbidden."""
    if user is None:
        raise Unauthorized("sign in first")
    forum = await program.get_forum(db, slug)
    assert forum.id is not None
    await require(db, user, Permission.manage_forum, forum_id=forum.id)
    return forum


async def _done(db: AsyncSession, forum: Forum, change: ProgramChange) -> None:
    """Bump the program's version and announce the change once the unit commits."""
    await program.bump_program_version(db, forum)
    changes.announce(db, change)


def _valid(model: type[M], values: dict[str, Any]) -> M:
    """`values` as `model`, or Invalid naming the first bad field."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(part) for part in first["loc"]) or "request"
        raise Invalid(f"{path}: {first['msg']}", field=path) from None


def _laid_over(model: type[M], current: BaseModel, patch: BaseModel) -> M:
    """The stored values with a partial change laid over them, validated as `model`."""
    values = current.model_dump(include=set(model.model_fields))
    return _valid(model, values | patch.model_dump(exclude_unset=True))


def _check_name(values: BaseModel, name: str = "name") -> None:
    """Either language of a name may be empty, not both (Invalid naming `<name>_en`)."""
    if not (getattr(values, f"{name}_en").strip() or getattr(values, f"{name}_ru").strip()):
        raise Invalid(f"{name}_en: give it in English or Russian (or both)", field=f"{name}_en")


def _set(row: Any, values: dict[str, Any]) -> bool:
    """Write the values that differ onto the row; True when any did."""
    changed = {key for key, value in values.items() if getattr(row, key) != value}
    for key in changed:
        setattr(row, key, values[key])
    return bool(changed)


# --- everything at once ---------------------------------------------------------------------


async def editor_state(db: AsyncSession, user: User | None, slug: str) -> EditorState:
    """The whole forum as the editor shows it: settings, venues, tracks, people (with their
    emails and whether they are linked to an account) and every session, cancelled ones too."""
    forum = await organised_forum(db, user, slug)
    venues = await program.list_venues(db, forum)
    tracks = await program.list_tracks(db, forum)
    people = await _people(db, forum)
    query = select(Session).where(Session.forum_id == forum.id)
    sessions = (await db.exec(query.order_by(col(Session.starts_at), col(Session.id)))).all()
    casts = await _casts(db, forum)
    counts = await _registered(db, forum)
    venue_slugs = {v.id: v.slug for v in venues}
    track_slugs = {t.id: t.slug for t in tracks}
    return EditorState(
        forum=ForumSettings.model_validate(forum),
        venues=[VenueEdit.model_validate(v) for v in venues],
        tracks=[TrackEdit.model_validate(t) for t in tracks],
        people=[_person_edit(p) for p in people],
        sessions=[
            _session_edit(
                s,
                venue_slugs.get(s.venue_id) if s.venue_id else None,
                track_slugs.get(s.track_id) if s.track_id else None,
                casts.get(s.id or 0, []),
                counts.get(s.id or 0, 0),
            )
            for s in sessions
        ],
    )


async def _people(db: AsyncSession, forum: Forum) -> list[Person]:
    query = select(Person).where(Person.forum_id == forum.id).order_by(col(Person.slug))
    return list((await db.exec(query)).all())


async def _casts(db: AsyncSession, forum: Forum) -> dict[int, list[CastEdit]]:
    query = (
        select(SessionPerson, Person)
        .join(Person, col(Person.id) == SessionPerson.person_id)
        .where(Person.forum_id == forum.id)
        .order_by(col(SessionPerson.session_id), col(SessionPerson.position))
    )
    found: dict[int, list[CastEdit]] = {}
    for link, person in (await db.exec(query)).all():
        found.setdefault(link.session_id, []).append(_cast_edit(link, person))
    return found


def _cast_edit(link: SessionPerson, person: Person) -> CastEdit:
    return CastEdit(person=person.slug, role=link.role, presence=link.presence)


async def _registered(db: AsyncSession, forum: Forum) -> dict[int, int]:
    """Active registrations per session of the forum."""
    query = (
        select(Registration.session_id, func.count())
        .join(Session, col(Session.id) == Registration.session_id)
        .where(Session.forum_id == forum.id, col(Registration.status).in_(ACTIVE))
        .group_by(col(Registration.session_id))
    )
    return {session_id: count for session_id, count in (await db.exec(query)).all()}


def _person_edit(person: Person) -> PersonEdit:
    return PersonEdit.model_validate({**person.model_dump(), "linked": person.user_id is not None})


def _wall_clock(session: Session) -> dict[str, Any]:
    """The session's times as the host city's wall clock, as the form gives them."""
    zone = parse_zone(session.host_tz, field="host_tz")
    start, end = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
    departure = session.departure_at.astimezone(zone) if session.departure_at else None
    return {
        "date": start.date(),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "end_date": end.date() if end.date() != start.date() else None,
        "departure_time": departure.strftime("%H:%M") if departure else None,
    }


def _session_edit(
    session: Session,
    venue: str | None,
    track: str | None,
    cast: list[CastEdit],
    registered: int,
) -> SessionEdit:
    return SessionEdit.model_validate(
        {
            **session.model_dump(),
            **_wall_clock(session),
            "venue": venue,
            "track": track,
            "cast": cast,
            "starts_at": instant(session.starts_at),
            "ends_at": instant(session.ends_at),
            "registered": registered,
        }
    )


async def _one_session(db: AsyncSession, session: Session) -> SessionEdit:
    """One session as the editor shows it, read afresh."""
    assert session.id is not None
    venue = await db.get(Venue, session.venue_id) if session.venue_id else None
    track = await db.get(Track, session.track_id) if session.track_id else None
    query = (
        select(SessionPerson, Person)
        .join(Person, col(Person.id) == SessionPerson.person_id)
        .where(SessionPerson.session_id == session.id)
        .order_by(col(SessionPerson.position))
    )
    cast = [_cast_edit(link, person) for link, person in (await db.exec(query)).all()]
    registered = len(await attendees(db, session.id))
    return _session_edit(
        session, venue.slug if venue else None, track.slug if track else None, cast, registered
    )


# --- the forum ------------------------------------------------------------------------------


async def update_forum(
    db: AsyncSession, clock: Clock, user: User | None, slug: str, body: ForumSettingsIn
) -> ForumSettings:
    """Change the forum's names, zone, dates or address (its sessions stay where they are)."""
    forum = await organised_forum(db, user, slug)
    values = _laid_over(ForumSettings, ForumSettings.model_validate(forum), body)
    _check_name(values)
    parse_zone(values.tz, field="tz")
    if values.ends_on < values.starts_on:
        raise Invalid("ends_on: must not be before starts_on", field="ends_on")
    if _set(forum, values.model_dump(exclude={"slug"})):
        forum.updated_at = clock.now()
        db.add(forum)
        await db.flush()
    await _done(db, forum, ProgramChange(forum.slug))
    return ForumSettings.model_validate(forum)


# --- venues, tracks, people -------------------------------------------------------------------


async def _find(db: AsyncSession, table: Any, forum: Forum, slug: str, name: str) -> Any:
    query = select(table).where(table.forum_id == forum.id, table.slug == slug)
    row = (await db.exec(query)).first()
    if row is None:
        raise NotFound(f"{name}: no {name} {slug!r} in forum {forum.slug!r}", field=name)
    return row


async def _slug_free(
    db: AsyncSession, table: Any, forum: Forum, slug: str, name: str, row_id: int | None = None
) -> None:
    query = select(table.id).where(table.forum_id == forum.id, table.slug == slug)
    if row_id is not None:
        query = query.where(table.id != row_id)
    if (await db.exec(query)).first() is not None:
        raise Conflict(f"slug: the forum has a {name} {slug!r} already", field="slug")


async def _create(db: AsyncSession, table: Any, forum: Forum, values: Place, name: str) -> Any:
    _check_name(values)
    await _slug_free(db, table, forum, values.slug, name)
    row = table(forum_id=forum.id, **values.model_dump())
    db.add(row)
    await db.flush()
    return row


async def _update(
    db: AsyncSession, table: Any, forum: Forum, row: Any, values: Place, name: str
) -> None:
    _check_name(values)
    await _slug_free(db, table, forum, values.slug, name, row.id)
    if _set(row, values.model_dump()):
        db.add(row)
        await db.flush()


_WHAT = {"session": "session", "sessionperson": "cast", "checkin": "check-in"}


async def _delete(db: AsyncSession, table: str, row: Any, name: str) -> None:
    """Delete the row, or Conflict naming `name` while anything still points at it."""
    found = await references.counts(db, table, row.id)
    if found:
        uses = ", ".join(f"{count} {_WHAT.get(t, t)}(s)" for t, count in sorted(found.items()))
        raise Conflict(f"{name}: {row.slug!r} is still in use: {uses}", field=name)
    await db.delete(row)
    await db.flush()


async def _sessions_where(db: AsyncSession, *where: Any) -> list[int]:
    query = select(Session.id).where(*where).order_by(col(Session.id))
    return [session_id for session_id in (await db.exec(query)).all() if session_id is not None]


async def create_venue(db: AsyncSession, user: User | None, slug: str, body: VenueIn) -> VenueEdit:
    """Add a hall, channel or site to the forum (409 naming `slug` if it has one so named)."""
    forum = await organised_forum(db, user, slug)
    venue = await _create(db, Venue, forum, body, "venue")
    await _done(db, forum, ProgramChange(forum.slug))
    return VenueEdit.model_validate(venue)


async def update_venue(
    db: AsyncSession, user: User | None, slug: str, venue_slug: str, body: VenuePatch
) -> VenueEdit:
    """Change a venue; the sessions in it show the change."""
    forum = await organised_forum(db, user, slug)
    venue = await _find(db, Venue, forum, venue_slug, "venue")
    values = _laid_over(VenueIn, VenueEdit.model_validate(venue), body)
    await _update(db, Venue, forum, venue, values, "venue")
    change = ProgramChange(forum.slug)
    change.touch(*await _sessions_where(db, col(Session.venue_id) == venue.id))
    await _done(db, forum, change)
    return VenueEdit.model_validate(venue)


async def delete_venue(db: AsyncSession, user: User | None, slug: str, venue_slug: str) -> Deleted:
    """Delete a venue no session (nor check-in) uses; 409 naming `venue` otherwise."""
    forum = await organised_forum(db, user, slug)
    venue = await _find(db, Venue, forum, venue_slug, "venue")
    await _delete(db, "venue", venue, "venue")
    await _done(db, forum, ProgramChange(forum.slug))
    return Deleted(deleted=venue_slug)


async def create_track(db: AsyncSession, user: User | None, slug: str, body: TrackIn) -> TrackEdit:
    """Add a track (a thread of sessions with a colour)."""
    forum = await organised_forum(db, user, slug)
    track = await _create(db, Track, forum, body, "track")
    await _done(db, forum, ProgramChange(forum.slug))
    return TrackEdit.model_validate(track)


async def update_track(
    db: AsyncSession, user: User | None, slug: str, track_slug: str, body: TrackPatch
) -> TrackEdit:
    """Change a track; the sessions in it show the change."""
    forum = await organised_forum(db, user, slug)
    track = await _find(db, Track, forum, track_slug, "track")
    values = _laid_over(TrackIn, TrackEdit.model_validate(track), body)
    await _update(db, Track, forum, track, values, "track")
    change = ProgramChange(forum.slug)
    change.touch(*await _sessions_where(db, col(Session.track_id) == track.id))
    await _done(db, forum, change)
    return TrackEdit.model_validate(track)


async def delete_track(db: AsyncSession, user: User | None, slug: str, track_slug: str) -> Deleted:
    """Delete a track no session is in; 409 naming `track` otherwise."""
    forum = await organised_forum(db, user, slug)
    track = await _find(db, Track, forum, track_slug, "track")
    await _delete(db, "track", track, "track")
    await _done(db, forum, ProgramChange(forum.slug))
    return Deleted(deleted=track_slug)


async def create_person(
    db: AsyncSession,
    clock: Clock,
    user: User | None,
    slug: str,
    body: PersonIn,
    *,
    public_url: str,
) -> PersonEdit:
    """Add a speaker, moderator or other person; with an email they are linked to an account
    (invited to make one if there is none)."""
    forum = await organised_forum(db, user, slug)
    person = await _create(db, Person, forum, body, "person")
    change = ProgramChange(forum.slug)
    if person.email:
        change.told += await link_people(db, clock, forum, public_url=public_url)
    await _done(db, forum, change)
    return _person_edit(person)


async def update_person(
    db: AsyncSession,
    clock: Clock,
    user: User | None,
    slug: str,
    person_slug: str,
    body: PersonPatch,
    *,
    public_url: str,
) -> PersonEdit:
    """Change a person; a new email links them to that address's account (and its roles)."""
    forum = await organised_forum(db, user, slug)
    person = await _find(db, Person, forum, person_slug, "person")
    email = person.email
    values = _laid_over(PersonIn, _person_edit(person), body)
    await _update(db, Person, forum, person, values, "person")
    change = ProgramChange(forum.slug)
    change.touch(*await _sessions_where(db, col(Session.id).in_(await _casts_of(db, person))))
    if person.email and person.email != email:
        change.told += await link_people(db, clock, forum, public_url=public_url)
    await _done(db, forum, change)
    return _person_edit(person)


async def _casts_of(db: AsyncSession, person: Person) -> list[int]:
    query = select(SessionPerson.session_id).where(SessionPerson.person_id == person.id)
    return list((await db.exec(query)).all())


async def delete_person(
    db: AsyncSession, user: User | None, slug: str, person_slug: str
) -> Deleted:
    """Delete a person who is in no session's cast; 409 naming `person` otherwise."""
    forum = await organised_forum(db, user, slug)
    person = await _find(db, Person, forum, person_slug, "person")
    await _delete(db, "person", person, "person")
    await _done(db, forum, ProgramChange(forum.slug))
    return Deleted(deleted=person_slug)


# --- sessions -------------------------------------------------------------------------------


async def _session_of(db: AsyncSession, forum: Forum, session_id: int) -> Session:
    session = await db.get(Session, session_id)
    if session is None or session.forum_id != forum.id:
        raise NotFound(f"session: no session {session_id} in forum {forum.slug!r}", field="session")
    return session


async def _context(
    db: AsyncSession, forum: Forum, form: SessionEditIn, times: Instants, own: int | None
) -> Context:
    """What the form is checked against (`own`: the session being edited, if stored)."""
    slugs = [member.person for member in form.cast]
    people: Iterable[Person] = (
        await db.exec(
            select(Person).where(Person.forum_id == forum.id, col(Person.slug).in_(slugs))
        )
        if slugs
        else []
    )
    taken = select(Session.id).where(Session.forum_id == forum.id, Session.slug == form.slug)
    if own is not None:
        taken = taken.where(col(Session.id) != own)
    return Context(
        forum=forum,
        venues={v.slug: v for v in await program.list_venues(db, forum)},
        tracks={t.slug: t for t in await program.list_tracks(db, forum)},
        people={p.slug: p for p in people},
        slug_taken=(await db.exec(taken)).first() is not None,
        others=await _others(db, forum, times, own),
    )


async def _others(db: AsyncSession, forum: Forum, times: Instants, own: int | None) -> list[Other]:
    """The forum's other sessions that overlap these times and are not cancelled."""
    if times.ends_at <= times.starts_at:
        return []
    query = select(Session).where(
        Session.forum_id == forum.id,
        col(Session.status) != SessionStatus.cancelled,
        col(Session.starts_at) < times.ends_at,
        col(Session.ends_at) > times.starts_at,
    )
    if own is not None:
        query = query.where(col(Session.id) != own)
    sessions = [s for s in (await db.exec(query)).all() if s.id is not None]
    links = select(SessionPerson).where(col(SessionPerson.session_id).in_([s.id for s in sessions]))
    people: dict[int, set[int]] = {}
    for link in (await db.exec(links)).all() if sessions else []:
        people.setdefault(link.session_id, set()).add(link.person_id)
    return [
        Other(
            id=s.id,
            title_en=s.title_en,
            title_ru=s.title_ru,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            venue_id=s.venue_id,
            people=frozenset(people.get(s.id, ())),
        )
        for s in sessions
        if s.id is not None
    ]


async def check_session(
    db: AsyncSession, user: User | None, slug: str, body: SessionCheckIn
) -> SessionCheck:
    """What saving this form would refuse or warn about; nothing is stored. Invalid (422)
    naming the field only for what cannot be checked at all: an unknown zone, a time the
    clocks skip or repeat."""
    forum = await organised_forum(db, user, slug)
    if body.session is not None:
        await _session_of(db, forum, body.session)
    form = SessionEditIn.model_validate(body.model_dump(exclude={"session"}))
    times = checks.instants(form)
    context = await _context(db, forum, form, times, body.session)
    return SessionCheck(
        problems=checks.problems(form, times, context),
        conflicts=checks.conflicts(form, times, context),
    )


def _refuse(
    form: SessionEditIn,
    times: Instants,
    context: Context,
    before: Sequence[SessionConflict],
    confirm: bool,
) -> None:
    """Raise what a save refuses: the first problem, a capacity above the seats, and (unless
    `confirm`) any other conflict the change brings."""
    found = checks.problems(form, times, context)
    if found:
        first = found[0]
        error = Conflict if first.code is ProblemCode.taken else Invalid
        raise error(first.message, field=first.field, reason=first.code.value)
    brought = checks.new_conflicts(checks.conflicts(form, times, context), before)
    for conflict in brought:
        if conflict.code is checks.ConflictCode.capacity_above_seats:
            raise Invalid(conflict.message, field=conflict.field, reason=conflict.code.value)
    if brought and not confirm:
        first_conflict = brought[0]
        raise Conflict(
            first_conflict.message,
            field=first_conflict.field,
            reason=first_conflict.code.value,
            conflicts=[c.model_dump(mode="json") for c in brought],
        )


def _cast(form: SessionEditIn) -> list[CastMember]:
    return [CastMember(person=m.person, role=m.role, presence=m.presence) for m in form.cast]


async def _link_cast(
    db: AsyncSession, clock: Clock, forum: Forum, people: Iterable[Person], public_url: str
) -> list[Told]:
    """Give the cast's people with an email their roles over the session (server/people/)."""
    if not any(person.email for person in people):
        return []
    return await link_people(db, clock, forum, public_url=public_url)


async def create_session(
    db: AsyncSession,
    clock: Clock,
    user: User | None,
    slug: str,
    body: SessionEditIn,
    *,
    public_url: str,
) -> SessionEdit:
    """Put a session in the program (see the module's docstring for what is refused)."""
    forum = await organised_forum(db, user, slug)
    times = checks.instants(body)
    context = await _context(db, forum, body, times, None)
    _refuse(body, times, context, (), body.confirm)
    data = SessionCreate(
        **body.model_dump(include=set(SessionCreate.model_fields)),
        starts_at=times.starts_at,
        ends_at=times.ends_at,
        departure_at=times.departure_at,
    )
    session = await program.create_session(db, clock, forum, data, _cast(body))
    assert session.id is not None
    change = ProgramChange(forum.slug)
    change.touch(session.id)
    change.told += await _link_cast(db, clock, forum, context.people.values(), public_url)
    await _done(db, forum, change)
    return await _one_session(db, session)


def _form_values(edit: SessionEdit) -> dict[str, Any]:
    return edit.model_dump(include=set(SessionEditIn.model_fields) - {"confirm"})


def _patched(stored: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """The stored form with the patch laid over it; a new `date` alone keeps a session that
    ends on a later day just as many days long."""
    merged = stored | patch
    moved_day = patch.get("date") is not None and "end_date" not in patch
    if moved_day and stored["end_date"] is not None:
        merged["end_date"] = patch["date"] + (stored["end_date"] - stored["date"])
    return merged


async def update_session(
    db: AsyncSession,
    clock: Clock,
    user: User | None,
    slug: str,
    session_id: int,
    body: SessionPatch,
    *,
    public_url: str,
) -> SessionEdit:
    """Change a session (fields left out stay). New times or a new venue raise its SEQUENCE
    and tell the people registered (`session_moved`, with when it was to start)."""
    forum = await organised_forum(db, user, slug)
    session = await _session_of(db, forum, session_id)
    stored = _form_values(await _one_session(db, session))
    patch = body.model_dump(exclude_unset=True)
    confirm = bool(patch.pop("confirm", False))
    form = _valid(SessionEditIn, _patched(stored, patch))
    kept = Instants(session.starts_at, session.ends_at, session.departure_at)
    times = checks.instants(form) if patch.keys() & TIME_FIELDS else kept
    context = await _context(db, forum, form, times, session.id)
    before: list[SessionConflict] = []
    if checks.conflicts(form, times, context):
        before = await _stored_conflicts(db, forum, session, stored, kept)
    _refuse(form, times, context, before, confirm)
    was = (session.starts_at, session.ends_at, session.venue_id)
    change = ProgramChange(forum.slug)
    change.touch(session_id)
    recast = await _apply(db, clock, forum, session, form, times)
    moved = (session.starts_at, session.ends_at, session.venue_id) != was
    if moved and session.status is not SessionStatus.cancelled:
        await changes.tell_moved(
            db, clock, forum, session, change, was_starts_at=instant(was[0]), public_url=public_url
        )
    if recast:
        change.told += await _link_cast(db, clock, forum, context.people.values(), public_url)
    await _done(db, forum, change)
    return await _one_session(db, session)


async def _stored_conflicts(
    db: AsyncSession, forum: Forum, session: Session, stored: dict[str, Any], times: Instants
) -> list[SessionConflict]:
    """The conflicts the session has as it is stored (a change is refused only new ones)."""
    try:
        form = SessionEditIn.model_validate(stored)
    except ValidationError:  # stored before the editor's rules (an old import): none known
        return []
    context = await _context(db, forum, form, times, session.id)
    return checks.conflicts(form, times, context)


async def _apply(
    db: AsyncSession,
    clock: Clock,
    forum: Forum,
    session: Session,
    form: SessionEditIn,
    times: Instants,
) -> bool:
    """Write the checked form onto the session; True when its cast changed."""
    calendar = SessionUpdate(
        **form.model_dump(include=set(SessionUpdate.model_fields) - {"status"}),
        starts_at=times.starts_at,
        ends_at=times.ends_at,
    )
    await program.update_session(db, clock, forum, session, calendar)
    rest = form.model_dump(
        include={
            "slug",
            "type",
            "format",
            "access",
            "host_tz",
            "host_city_en",
            "host_city_ru",
            "language",
            "departure_point_en",
            "departure_point_ru",
        }
    )
    if _set(session, {**rest, "departure_at": times.departure_at}):
        session.updated_at = clock.now()
        db.add(session)
        await db.flush()
    return await program.replace_cast(db, forum, session, _cast(form))


async def cancel_session(
    db: AsyncSession,
    clock: Clock,
    user: User | None,
    slug: str,
    session_id: int,
    *,
    public_url: str,
) -> SessionEdit:
    """Cancel a session (it stays listed as cancelled) and tell the people registered;
    409 naming `session` if it is cancelled already."""
    forum = await organised_forum(db, user, slug)
    session = await _session_of(db, forum, session_id)
    change = ProgramChange(forum.slug)
    await changes.cancel_session(db, clock, forum, session, change, public_url=public_url)
    await _done(db, forum, change)
    return await _one_session(db, session)


async def restore_session(
    db: AsyncSession,
    clock: Clock,
    user: User | None,
    slug: str,
    session_id: int,
    *,
    public_url: str,
) -> SessionEdit:
    """Bring a cancelled session back (scheduled) and tell the people registered; 409 naming
    `session` unless it is cancelled."""
    forum = await organised_forum(db, user, slug)
    session = await _session_of(db, forum, session_id)
    change = ProgramChange(forum.slug)
    await changes.restore_session(db, clock, forum, session, change, public_url=public_url)
    await _done(db, forum, change)
    return await _one_session(db, session)


async def delete_session(
    db: AsyncSession,
    clock: Clock,
    user: User | None,
    slug: str,
    session_id: int,
    *,
    public_url: str,
) -> SessionDeleted:
    """Delete a session nobody is registered for. One that people registered for (or that
    a marathon or a rehearsal holds, or whose rooms saw anything) is cancelled instead, and the
    registered are told."""
    forum = await organised_forum(db, user, slug)
    session = await _session_of(db, forum, session_id)
    change = ProgramChange(forum.slug)
    change.touch(session_id)
    found = await references.counts(db, "session", session_id)
    if (
        await attendees(db, session_id)
        or references.blocking_session_deletion(found)
        or await references.room_rows(db, session_id)
    ):
        if session.status is not SessionStatus.cancelled:
            await changes.cancel_session(db, clock, forum, session, change, public_url=public_url)
        await _done(db, forum, change)
        return SessionDeleted(deleted=False, cancelled=True)
    await references.release_session(db, session_id)
    await db.delete(session)
    await db.flush()
    await _done(db, forum, change)
    return SessionDeleted(deleted=True, cancelled=False)
