"""What a viewer sees of the program: sessions in the viewer's zone and the host city's zone.

Pure functions over `ProgramData`, so the program endpoint, the session page and the
benchmarks share one definition of the JSON in DESIGN.md section 9.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from server.instants import instant
from server.program.models import (
    Forum,
    SessionFormat,
    SessionStatus,
    SessionType,
    Track,
    Venue,
)
from server.program.service import PersonRow, ProgramData, SessionRow
from server.zones import local_date, local_iso, local_times, parse_zone

Lang = Literal["en", "ru"]


def text(obj: object, name: str, lang: Lang) -> str:
    """The `name_<lang>` of an object, falling back to the other language when empty."""
    other = "ru" if lang == "en" else "en"
    value: str = getattr(obj, f"{name}_{lang}") or getattr(obj, f"{name}_{other}")
    return value


@dataclass(frozen=True)
class ProgramFilter:
    """Optional narrowing of the program; `None` means no narrowing on that axis."""

    on_date: date | None = None
    venue: str | None = None
    type: SessionType | None = None
    format: SessionFormat | None = None


def forum_view(
    forum: Forum, venues: list[Venue], tracks: list[Track], lang: Lang
) -> dict[str, Any]:
    """A forum's card, with the venues and tracks a program page filters by."""
    return {
        "slug": forum.slug,
        "name": text(forum, "name", lang),
        "names": {"en": forum.name_en, "ru": forum.name_ru},
        "tagline": text(forum, "tagline", lang),
        "city": text(forum, "city", lang),
        "tz": forum.tz,
        "starts_on": forum.starts_on.isoformat(),
        "ends_on": forum.ends_on.isoformat(),
        "url": forum.url,
        "venues": [venue_view(v, lang) for v in venues],
        "tracks": [
            {"slug": t.slug, "name": text(t, "name", lang), "color": t.color} for t in tracks
        ],
    }


def venue_view(venue: Venue, lang: Lang) -> dict[str, Any]:
    return {
        "slug": venue.slug,
        "name": text(venue, "name", lang),
        "kind": venue.kind,
        "seats": venue.seats,
        "address": text(venue, "address", lang),
    }


def _speaker_view(person: PersonRow, role: str, presence: str, lang: Lang) -> dict[str, Any]:
    return {
        "name": text(person, "name", lang),
        "role": role,
        "presence": presence,
        "position": text(person, "position", lang),
        "organisation": text(person, "organisation", lang),
        "country": person.country,
    }


def _site_visit_view(
    session: SessionRow, viewer: ZoneInfo, host: ZoneInfo, lang: Lang
) -> dict[str, Any] | None:
    if session.departure_at is None:
        return None
    return {
        "departure_point": text(session, "departure_point", lang),
        "departure_at": instant(session.departure_at),
        "viewer": local_iso(session.departure_at, viewer),
        "host": local_iso(session.departure_at, host),
    }


def static_view(data: ProgramData, session: SessionRow, lang: Lang) -> dict[str, Any]:
    """Everything about a session that is the same for every viewer (DESIGN.md section 9)."""
    venue = data.venues.get(session.venue_id) if session.venue_id else None
    track = data.tracks.get(session.track_id) if session.track_id else None
    cast = data.casts.get(session.id or 0, [])
    host_zone = parse_zone(session.host_tz, field="host_tz")
    return {
        "id": session.id,
        "uid": session.uid,
        "slug": session.slug,
        "title": text(session, "title", lang),
        "abstract": text(session, "abstract", lang),
        "type": session.type,
        "format": session.format,
        "access": session.access,
        "status": session.status,
        "language": session.language,
        "venue": venue_view(venue, lang) if venue else None,
        "track": {"slug": track.slug, "name": text(track, "name", lang), "color": track.color}
        if track
        else None,
        "starts_at": instant(session.starts_at),
        "ends_at": instant(session.ends_at),
        "duration_minutes": int((session.ends_at - session.starts_at).total_seconds() // 60),
        "host": {
            "city": text(session, "host_city", lang),
            **local_times(session.starts_at, session.ends_at, host_zone),
        },
        "capacity": {"onsite": session.capacity_onsite, "online": session.capacity_online},
        "speakers": [
            _speaker_view(data.people[link.person_id], link.role, link.presence, lang)
            for link in cast
            if link.person_id in data.people
        ],
        "sequence": session.sequence,
    }


def viewer_view(session: SessionRow, viewer: ZoneInfo, lang: Lang) -> dict[str, Any]:
    """The part of a session that depends on the viewer's zone."""
    host_zone = parse_zone(session.host_tz, field="host_tz")
    return {
        "viewer": local_times(session.starts_at, session.ends_at, viewer),
        "site_visit": _site_visit_view(session, viewer, host_zone, lang),
    }


def session_view(
    data: ProgramData, session: SessionRow, viewer: ZoneInfo, lang: Lang
) -> dict[str, Any]:
    """One session as a viewer in `viewer`'s zone sees it."""
    return static_view(data, session, lang) | viewer_view(session, viewer, lang)


def matches(data: ProgramData, session: SessionRow, viewer: ZoneInfo, filt: ProgramFilter) -> bool:
    if filt.on_date is not None and local_date(session.starts_at, viewer) != filt.on_date:
        return False
    if filt.type is not None and session.type != filt.type:
        return False
    if filt.format is not None and session.format != filt.format:
        return False
    if filt.venue is not None:
        venue = data.venues.get(session.venue_id) if session.venue_id else None
        if venue is None or venue.slug != filt.venue:
            return False
    return True


def now_and_next(data: ProgramData, now: datetime) -> dict[str, Any]:
    """The sessions live now and those that start next, by their statuses (the runners move
    them on the clock, so the two agree but for a moment)."""
    live = [s.id for s in data.sessions if s.status == SessionStatus.live]
    waiting = [
        s
        for s in data.sessions
        if s.status in (SessionStatus.scheduled, SessionStatus.delayed) and s.starts_at > now
    ]
    first = min((s.starts_at for s in waiting), default=None)
    open_ = (SessionStatus.scheduled, SessionStatus.delayed, SessionStatus.live)
    return {
        "forum": data.forum.slug,
        "now": instant(now),
        "live": live,
        "next": [s.id for s in waiting if s.starts_at == first],
        "next_starts_at": instant(first) if first is not None else None,
        "over": not any(s.status in open_ for s in data.sessions),
    }
