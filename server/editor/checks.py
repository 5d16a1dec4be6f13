"""The checks of a session form: its times as instants, what makes it impossible to save
(problems) and what it may be saved despite (conflicts with the rest of the program).

Pure functions over what the service read: the same ones answer `…/sessions/check` and guard
every save, so the editor shows before saving exactly what a save would refuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from server.editor.models import (
    ConflictCode,
    OtherSession,
    Problem,
    ProblemCode,
    SessionConflict,
    SessionEditIn,
)
from server.program.models import Forum, Person, SessionType, Track, Venue
from server.zones import local_date, local_instant, parse_zone


@dataclass(frozen=True)
class Instants:
    """A form's wall-clock times as UTC instants."""

    starts_at: datetime
    ends_at: datetime
    departure_at: datetime | None


def instants(form: SessionEditIn) -> Instants:
    """The form's times in its host zone as instants; Invalid naming `host_tz` for an unknown
    zone, and `start`, `end` or `departure_time` for a time the clocks skip or repeat there."""
    tz = form.host_tz
    parse_zone(tz, field="host_tz")
    end_day = form.end_date or form.date
    departure = form.departure_time
    return Instants(
        starts_at=local_instant(f"{form.date}T{form.start}", tz, field="start"),
        ends_at=local_instant(f"{end_day}T{form.end}", tz, field="end"),
        departure_at=local_instant(f"{form.date}T{departure}", tz, field="departure_time")
        if departure
        else None,
    )


@dataclass(frozen=True)
class Other:
    """Another session of the forum that overlaps the form's times (not cancelled)."""

    id: int
    title_en: str
    title_ru: str
    starts_at: datetime
    ends_at: datetime
    venue_id: int | None
    people: frozenset[int]

    def ref(self) -> OtherSession:
        return OtherSession(id=self.id, title_en=self.title_en, title_ru=self.title_ru)

    @property
    def title(self) -> str:
        return self.title_en or self.title_ru


@dataclass
class Context:
    """What a form is checked against: the forum, its venues and tracks, the people the cast
    names, whether another session has the slug, and the sessions at the same time."""

    forum: Forum
    venues: dict[str, Venue]
    tracks: dict[str, Track]
    people: dict[str, Person]
    slug_taken: bool = False
    others: list[Other] = field(default_factory=list)


def _either(en: str, ru: str) -> bool:
    return bool(en.strip() or ru.strip())


def _name(item: Venue | Person) -> str:
    return item.name_en or item.name_ru


def problems(form: SessionEditIn, times: Instants, context: Context) -> list[Problem]:
    """What keeps the form from being saved, each naming its field."""
    found: list[Problem] = []

    def add(name: str, code: ProblemCode, message: str) -> None:
        found.append(Problem(field=name, code=code, message=f"{name}: {message}"))

    if context.slug_taken:
        add("slug", ProblemCode.taken, f"another session of the forum is {form.slug!r}")
    if not _either(form.title_en, form.title_ru):
        add("title_en", ProblemCode.required, "give the title in English or Russian (or both)")
    if not _either(form.host_city_en, form.host_city_ru):
        add("host_city_en", ProblemCode.required, "name the host city in English or Russian")
    if times.ends_at <= times.starts_at:
        add(
            "end",
            ProblemCode.end_not_after_start,
            f"{form.end} is not after {form.start}"
            + ("" if form.end_date else "; give end_date if it ends on a later day"),
        )
    for name, slug, known in (
        ("venue", form.venue, context.venues),
        ("track", form.track, context.tracks),
    ):
        if slug is not None and slug not in known:
            add(name, ProblemCode.unknown, f"no {name} {slug!r} in the forum")
    found += _cast_problems(form, context)
    found += _departure_problems(form, times)
    return found


def _cast_problems(form: SessionEditIn, context: Context) -> list[Problem]:
    slugs = [member.person for member in form.cast]
    found = []
    twice = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if twice:
        message = f"cast: {', '.join(twice)} listed more than once"
        found.append(Problem(field="cast", code=ProblemCode.repeated, message=message))
    unknown = sorted({slug for slug in slugs if slug not in context.people})
    if unknown:
        message = f"cast: no person {', '.join(unknown)} in the forum"
        found.append(Problem(field="cast", code=ProblemCode.unknown, message=message))
    return found


def _departure_problems(form: SessionEditIn, times: Instants) -> list[Problem]:
    if form.type is not SessionType.site_visit:
        return []
    if not _either(form.departure_point_en, form.departure_point_ru):
        message = "departure_point_en: a site visit needs a departure point"
        return [Problem(field="departure_point_en", code=ProblemCode.required, message=message)]
    if times.departure_at is None:
        message = "departure_time: a site visit needs a departure time"
        return [Problem(field="departure_time", code=ProblemCode.required, message=message)]
    if times.departure_at > times.starts_at:
        message = f"departure_time: {form.departure_time} is after the start, {form.start}"
        return [
            Problem(field="departure_time", code=ProblemCode.departure_after_start, message=message)
        ]
    return []


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def conflicts(form: SessionEditIn, times: Instants, context: Context) -> list[SessionConflict]:
    """What the form may be saved despite (with `confirm`; capacity above the seats never):
    its people or venue busy elsewhere at the time, dates outside the forum's."""
    found: list[SessionConflict] = []
    venue = context.venues.get(form.venue) if form.venue else None
    cast = {p.id: p for p in context.people.values() if p.id is not None}
    if times.ends_at > times.starts_at:
        for other in context.others:
            if not overlaps(times.starts_at, times.ends_at, other.starts_at, other.ends_at):
                continue
            for person_id in sorted(cast.keys() & other.people):
                message = f"cast: {_name(cast[person_id])} is in «{other.title}» at the same time"
                found.append(_conflict(ConflictCode.person_busy, "cast", message, other))
            if venue is not None and other.venue_id == venue.id:
                message = f"venue: «{other.title}» is in {_name(venue)} at the same time"
                found.append(_conflict(ConflictCode.venue_busy, "venue", message, other))
        found += _outside_forum(times, context.forum)
    if venue is not None and venue.seats is not None and form.capacity_onsite is not None:
        if form.capacity_onsite > venue.seats:
            message = (
                f"capacity_onsite: {form.capacity_onsite} is more than the {venue.seats} "
                f"seats of {_name(venue)}"
            )
            found.append(
                _conflict(ConflictCode.capacity_above_seats, "capacity_onsite", message, None)
            )
    return found


def _conflict(code: ConflictCode, name: str, message: str, other: Other | None) -> SessionConflict:
    return SessionConflict(
        code=code, field=name, message=message, other=other.ref() if other else None
    )


def _outside_forum(times: Instants, forum: Forum) -> list[SessionConflict]:
    """The forum's dates are days in its own zone: a session must start and end within them."""
    zone = parse_zone(forum.tz)
    first = local_date(times.starts_at, zone)
    # A session ending at midnight ends on the day before.
    last = local_date(times.ends_at - timedelta(microseconds=1), zone)
    if forum.starts_on <= first and last <= forum.ends_on:
        return []
    message = (
        f"date: {first if first < forum.starts_on else last} ({forum.tz}) is outside the "
        f"forum's dates, {forum.starts_on} to {forum.ends_on}"
    )
    return [_conflict(ConflictCode.outside_forum, "date", message, None)]


def key(conflict: SessionConflict) -> tuple[str, str, str, int | None]:
    """What makes two findings the same conflict (a save refuses only new ones)."""
    other = conflict.other.id if conflict.other else None
    return (conflict.code.value, conflict.field, conflict.message, other)


def new_conflicts(
    now: Sequence[SessionConflict], before: Sequence[SessionConflict]
) -> list[SessionConflict]:
    """The conflicts a change brings: those that were not there before it."""
    known = {key(c) for c in before}
    return [c for c in now if key(c) not in known]
