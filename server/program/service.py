"""The program's verbs: find forums, load a program, put sessions in it and change them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.errors import Invalid, NotFound
from server.notices.service import SessionFacts
from server.program.models import (
    CastMember,
    Forum,
    Person,
    Session,
    SessionCreate,
    SessionPerson,
    SessionType,
    SessionUpdate,
    Track,
    Venue,
)
from server.zones import parse_zone

# Changing any of these changes what a calendar shows, so SEQUENCE must rise.
CALENDAR_FIELDS = frozenset(
    {
        "title_en",
        "title_ru",
        "abstract_en",
        "abstract_ru",
        "status",
        "venue_id",
        "starts_at",
        "ends_at",
    }
)


# A program is read as plain rows (attribute access like the models, no ORM instances):
# building 5,000 ORM objects per cold render cost five times the whole query.
SessionRow = Session | Row[Any]
PersonRow = Person | Row[Any]
CastRow = SessionPerson | Row[Any]


@dataclass(frozen=True)
class ProgramData:
    """Everything needed to show a forum's program, loaded in a handful of queries."""

    forum: Forum
    sessions: list[SessionRow]
    venues: dict[int, Venue]
    tracks: dict[int, Track]
    people: dict[int, PersonRow]
    casts: dict[int, list[CastRow]]

    def session(self, session_id: int) -> SessionRow:
        """A session of this program, or NotFound naming it."""
        for row in self.sessions:
            if row.id == session_id:
                return row
        raise NotFound(
            f"session: no session {session_id} in forum {self.forum.slug!r}", field="session"
        )


def session_facts(forum: Forum, session: Session) -> SessionFacts:
    """What a notice about this session tells (server/notices/)."""
    assert session.id is not None
    return SessionFacts(
        id=session.id,
        forum=forum.slug,
        title_en=session.title_en,
        title_ru=session.title_ru,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        host_tz=session.host_tz,
        host_city_en=session.host_city_en,
        host_city_ru=session.host_city_ru,
    )


async def bump_program_version(db: AsyncSession, forum: Forum) -> None:
    """Mark the forum's program as changed (atomic in SQL, so concurrent writers never
    lose a bump); cached renderings of the old version stop being served."""
    await db.exec(
        update(Forum)
        .where(col(Forum.id) == forum.id)
        .values(program_version=col(Forum.program_version) + 1)
    )


async def list_forums(db: AsyncSession) -> list[Forum]:
    """Every forum, soonest first."""
    result = await db.exec(select(Forum).order_by(col(Forum.starts_on), col(Forum.slug)))
    return list(result.all())


async def get_forum(db: AsyncSession, slug: str) -> Forum:
    """The forum with this slug, or NotFound naming it."""
    forum = (await db.exec(select(Forum).where(Forum.slug == slug))).first()
    if forum is None:
        raise NotFound(f"forum: no forum {slug!r}", field="forum")
    return forum


async def get_session(db: AsyncSession, session_id: int) -> Session:
    """A session by id, or NotFound naming the `session` field."""
    found = await db.get(Session, session_id)
    if found is None:
        raise NotFound(f"session: no session {session_id}", field="session")
    return found


async def list_venues(db: AsyncSession, forum: Forum) -> list[Venue]:
    query = select(Venue).where(Venue.forum_id == forum.id).order_by(col(Venue.position))
    return list((await db.exec(query)).all())


async def list_tracks(db: AsyncSession, forum: Forum) -> list[Track]:
    query = select(Track).where(Track.forum_id == forum.id).order_by(col(Track.slug))
    return list((await db.exec(query)).all())


async def _rows(db: AsyncSession, query: Select[Any]) -> list[Row[Any]]:
    connection = await db.connection()
    return list((await connection.execute(query)).all())


async def load_program(db: AsyncSession, forum: Forum) -> ProgramData:
    """The whole program of a forum, sessions in start order, as read-only rows."""
    sessions, people, links = (
        Session.__table__,  # type: ignore[attr-defined]
        Person.__table__,  # type: ignore[attr-defined]
        SessionPerson.__table__,  # type: ignore[attr-defined]
    )
    session_rows = await _rows(
        db,
        sa_select(sessions)
        .where(sessions.c.forum_id == forum.id)
        .order_by(sessions.c.starts_at, sessions.c.id),
    )
    person_rows = await _rows(db, sa_select(people).where(people.c.forum_id == forum.id))
    link_rows = await _rows(
        db,
        sa_select(links)
        .join(sessions, sessions.c.id == links.c.session_id)
        .where(sessions.c.forum_id == forum.id)
        .order_by(links.c.session_id, links.c.position),
    )
    casts: dict[int, list[CastRow]] = {}
    for link in link_rows:
        casts.setdefault(link.session_id, []).append(link)
    return ProgramData(
        forum=forum,
        sessions=list(session_rows),
        venues={v.id: v for v in await list_venues(db, forum) if v.id is not None},
        tracks={t.id: t for t in await list_tracks(db, forum) if t.id is not None},
        people={p.id: p for p in person_rows},
        casts=casts,
    )


async def _venue_id(db: AsyncSession, forum: Forum, slug: str | None) -> int | None:
    if slug is None:
        return None
    query = select(Venue).where(Venue.forum_id == forum.id, Venue.slug == slug)
    venue = (await db.exec(query)).first()
    if venue is None:
        raise Invalid(f"venue: no venue {slug!r} in forum {forum.slug!r}", field="venue")
    return venue.id


async def _track_id(db: AsyncSession, forum: Forum, slug: str | None) -> int | None:
    if slug is None:
        return None
    query = select(Track).where(Track.forum_id == forum.id, Track.slug == slug)
    track = (await db.exec(query)).first()
    if track is None:
        raise Invalid(f"track: no track {slug!r} in forum {forum.slug!r}", field="track")
    return track.id


def _check_interval(starts_at: datetime, ends_at: datetime) -> None:
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value.tzinfo is None:
            raise Invalid(
                f"{field}: needs a UTC offset (an instant, not a wall-clock time)", field=field
            )
    if ends_at <= starts_at:
        raise Invalid("ends_at: must be after starts_at", field="ends_at")


def _check_names(data: SessionCreate) -> None:
    """Either language of a name may be empty (the other is shown in its place), not both."""
    for name in ("title", "host_city"):
        if not (getattr(data, f"{name}_en").strip() or getattr(data, f"{name}_ru").strip()):
            raise Invalid(f"{name}_en: give it in English or Russian (or both)", field=f"{name}_en")


def _check_site_visit(data: SessionCreate) -> None:
    if data.type is not SessionType.site_visit:
        return
    if not (data.departure_point_en or data.departure_point_ru) or data.departure_at is None:
        raise Invalid(
            "departure_at: a site visit needs a departure point and time", field="departure_at"
        )
    if data.departure_at.tzinfo is None or data.departure_at > data.starts_at:
        raise Invalid(
            "departure_at: must be an instant no later than the visit's start", field="departure_at"
        )


async def create_session(
    db: AsyncSession,
    clock: Clock,
    forum: Forum,
    data: SessionCreate,
    cast: Sequence[CastMember] = (),
) -> Session:
    """Add a session to the forum's program (validated; the caller commits)."""
    _check_names(data)
    _check_interval(data.starts_at, data.ends_at)
    parse_zone(data.host_tz, field="host_tz")
    _check_site_visit(data)
    assert forum.id is not None, "the forum must be stored first"
    now = clock.now()
    fields = data.model_dump(exclude={"venue", "track"})
    session = Session(
        **fields,
        forum_id=forum.id,
        venue_id=await _venue_id(db, forum, data.venue),
        track_id=await _track_id(db, forum, data.track),
        created_at=now,
        updated_at=now,
    )
    db.add(session)
    await db.flush()
    await set_cast(db, forum, session, cast)
    await bump_program_version(db, forum)
    return session


async def set_cast(
    db: AsyncSession, forum: Forum, session: Session, cast: Sequence[CastMember]
) -> None:
    """Attach people to a session in the given order (the caller removed the old cast)."""
    named = [member.person for member in cast]
    twice = sorted({slug for slug in named if named.count(slug) > 1})
    if twice:
        raise Invalid(f"cast: {', '.join(twice)} listed more than once", field="cast")
    for position, member in enumerate(cast):
        query = select(Person).where(Person.forum_id == forum.id, Person.slug == member.person)
        person = (await db.exec(query)).first()
        if person is None:
            raise Invalid(
                f"cast: no person {member.person!r} in forum {forum.slug!r}", field="cast"
            )
        assert session.id is not None and person.id is not None
        db.add(
            SessionPerson(
                session_id=session.id,
                person_id=person.id,
                role=member.role,
                presence=member.presence,
                position=position,
            )
        )


async def replace_cast(
    db: AsyncSession, forum: Forum, session: Session, cast: Sequence[CastMember]
) -> bool:
    """Replace the session's cast with this one; True when it differs from the stored one."""
    query = select(SessionPerson).where(SessionPerson.session_id == session.id)
    links = sorted((await db.exec(query)).all(), key=lambda link: link.position)
    slugs = {
        p.id: p.slug
        for p in (await db.exec(select(Person).where(Person.forum_id == forum.id))).all()
    }
    stored = [(slugs.get(link.person_id), link.role, link.presence) for link in links]
    wanted = [(member.person, member.role, member.presence) for member in cast]
    if stored == wanted:
        return False
    for link in links:
        await db.delete(link)
    await db.flush()
    await set_cast(db, forum, session, cast)
    return True


async def update_session(
    db: AsyncSession, clock: Clock, forum: Forum, session: Session, changes: SessionUpdate
) -> Session:
    """Apply a partial change; SEQUENCE rises when anything a calendar shows has changed."""
    values = changes.model_dump(exclude_unset=True)
    if "venue" in values:
        values["venue_id"] = await _venue_id(db, forum, values.pop("venue"))
    if "track" in values:
        values["track_id"] = await _track_id(db, forum, values.pop("track"))
    _check_interval(
        values.get("starts_at", session.starts_at), values.get("ends_at", session.ends_at)
    )
    changed = {k for k, v in values.items() if getattr(session, k) != v}
    for key in changed:
        setattr(session, key, values[key])
    if changed:
        session.updated_at = clock.now()
    if changed & CALENDAR_FIELDS:
        session.sequence += 1
    db.add(session)
    await db.flush()
    if changed:
        await bump_program_version(db, forum)
    return session


def check_venue_slug(data: ProgramData, slug: str) -> None:
    """Invalid naming `venue` unless the forum has a venue with this slug."""
    if not any(v.slug == slug for v in data.venues.values()):
        raise Invalid(f"venue: no venue {slug!r} in forum {data.forum.slug!r}", field="venue")
