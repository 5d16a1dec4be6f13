"""The program for other clients: iCalendar, frab's schedule.json, and schema.org JSON-LD."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import icalendar

from server import __version__
from server.instants import instant
from server.program.models import SessionFormat, SessionStatus, SessionType, VenueKind
from server.program.service import ProgramData, SessionRow
from server.program.views import Lang, text
from server.zones import parse_zone

ICS_STATUS = {
    SessionStatus.scheduled: "CONFIRMED",
    SessionStatus.live: "CONFIRMED",
    SessionStatus.ended: "CONFIRMED",
    SessionStatus.delayed: "CONFIRMED",
    SessionStatus.cancelled: "CANCELLED",
}


def session_url(public_url: str, data: ProgramData, session: SessionRow) -> str:
    return f"{public_url.rstrip('/')}/?forum={data.forum.slug}&session={session.id}"


def _room_name(data: ProgramData, session: SessionRow, lang: Lang) -> str:
    venue = data.venues.get(session.venue_id) if session.venue_id else None
    return text(venue, "name", lang) if venue else text(session, "host_city", lang)


def _cast_names(data: ProgramData, session: SessionRow, lang: Lang) -> list[str]:
    links = data.casts.get(session.id or 0, [])
    return [text(data.people[link.person_id], "name", lang) for link in links]


def _ics_event(
    data: ProgramData, session: SessionRow, lang: Lang, public_url: str, stamp: datetime
) -> icalendar.Event:
    host = parse_zone(session.host_tz, field="host_tz")
    event = icalendar.Event()
    event.add("uid", f"{session.uid}@pavilion")
    event.add("sequence", session.sequence)
    event.add("dtstamp", stamp)
    event.add("last-modified", session.updated_at)
    # Stated in the host city's zone (with its VTIMEZONE) so a calendar can show both times.
    event.add("dtstart", session.starts_at.astimezone(host))
    event.add("dtend", session.ends_at.astimezone(host))
    event.add("summary", text(session, "title", lang))
    names = _cast_names(data, session, lang)
    description = text(session, "abstract", lang)
    if names:
        description = f"{description}\n\n{', '.join(names)}".strip()
    event.add("description", description)
    event.add("location", _room_name(data, session, lang))
    event.add("url", session_url(public_url, data, session))
    event.add("status", ICS_STATUS[session.status])
    event.add("categories", [str(session.type)])
    event.add("class", "PRIVATE" if session.access == "invite_only" else "PUBLIC")
    return event


def program_ics(
    data: ProgramData,
    lang: Lang,
    public_url: str,
    stamp: datetime,
    only: Iterable[SessionRow] | None = None,
) -> bytes:
    """An iCalendar of the program (or of `only` some sessions), with a VTIMEZONE per TZID.

    UIDs are stable per session and SEQUENCE follows the session's, so a calendar that
    imported it earlier updates the event instead of duplicating it.
    """
    cal = calendar(text(data.forum, "name", lang))
    cal.add("x-wr-timezone", data.forum.tz)
    add_events(cal, data, only if only is not None else data.sessions, lang, public_url, stamp)
    return cal.to_ical()


def calendar(name: str) -> icalendar.Calendar:
    """An empty published iCalendar named `name`."""
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//Pavilion//{__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def add_events(
    cal: icalendar.Calendar,
    data: ProgramData,
    sessions: Iterable[SessionRow],
    lang: Lang,
    public_url: str,
    stamp: datetime,
) -> None:
    """Add these sessions of one forum's program as events, with a VTIMEZONE for each TZID
    not in `cal` yet (so a calendar of several forums holds each zone once)."""
    for session in sessions:
        cal.add_component(_ics_event(data, session, lang, public_url, stamp))
    first = data.forum.starts_on - timedelta(days=366)
    last = data.forum.ends_on + timedelta(days=366)
    cal.add_missing_timezones(first_date=first, last_date=last)


def _guid(data: ProgramData, name: str) -> str:
    """A stable GUID for a room name (frab clients key rooms by it)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"pavilion:{data.forum.slug}:{name}"))


def _hhmm(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _frab_event(
    data: ProgramData, session: SessionRow, lang: Lang, public_url: str
) -> dict[str, Any]:
    home = parse_zone(data.forum.tz)
    local_start = session.starts_at.astimezone(home)
    track = data.tracks.get(session.track_id) if session.track_id else None
    links = data.casts.get(session.id or 0, [])
    return {
        "id": session.id,
        "guid": session.uid,
        "logo": None,
        "date": local_start.isoformat(timespec="seconds"),
        "start": local_start.strftime("%H:%M"),
        "duration": _hhmm(session.ends_at - session.starts_at),
        "room": _room_name(data, session, lang),
        "slug": f"{data.forum.slug}-{session.slug}",
        "url": session_url(public_url, data, session),
        "title": text(session, "title", lang),
        "subtitle": "",
        "track": text(track, "name", lang) if track else None,
        "type": str(session.type),
        "language": session.language,
        "abstract": text(session, "abstract", lang),
        "description": "",
        "recording_license": "",
        "do_not_record": session.access == "invite_only",
        "persons": [
            {
                "id": link.person_id,
                "guid": data.people[link.person_id].uid,
                "name": text(data.people[link.person_id], "name", lang),
                "public_name": text(data.people[link.person_id], "name", lang),
                "biography": None,
                "role": str(link.role),
            }
            for link in links
        ],
        "links": [],
        "attachments": [],
    }


def _forum_days(data: ProgramData) -> list[date]:
    days = (data.forum.ends_on - data.forum.starts_on).days + 1
    return [data.forum.starts_on + timedelta(days=i) for i in range(max(days, 0))]


def frab_schedule(data: ProgramData, lang: Lang, public_url: str) -> dict[str, Any]:
    """The program as frab's schedule.json (read by Giggity, ConfClerk and the C3VOC tools).

    Days and local times are the forum's home zone, as frab does; `date` carries the offset.
    """
    home = parse_zone(data.forum.tz)
    rooms = sorted(
        {_room_name(data, s, lang) for s in data.sessions},
        key=lambda name: next(
            (v.position for v in data.venues.values() if text(v, "name", lang) == name), 999
        ),
    )
    by_day: dict[date, dict[str, list[dict[str, Any]]]] = {}
    for session in data.sessions:
        day = session.starts_at.astimezone(home).date()
        room = by_day.setdefault(day, {}).setdefault(_room_name(data, session, lang), [])
        room.append(_frab_event(data, session, lang, public_url))
    days = sorted(set(_forum_days(data)) | set(by_day))
    return {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": "pavilion", "version": __version__},
        "schedule": {
            "version": max((instant(s.updated_at) for s in data.sessions), default=""),
            "base_url": f"{public_url.rstrip('/')}/",
            "conference": {
                "acronym": data.forum.slug,
                "title": text(data.forum, "name", lang),
                "start": data.forum.starts_on.isoformat(),
                "end": data.forum.ends_on.isoformat(),
                "daysCount": len(days),
                "timeslot_duration": "00:05",
                "time_zone_name": data.forum.tz,
                "url": data.forum.url or f"{public_url.rstrip('/')}/?forum={data.forum.slug}",
                "rooms": [{"name": name, "guid": _guid(data, name)} for name in rooms],
                "tracks": [
                    {"name": text(t, "name", lang), "slug": t.slug, "color": t.color}
                    for t in data.tracks.values()
                ],
                "days": [
                    _frab_day(index, day, by_day.get(day, {}), home)
                    for index, day in enumerate(days, 1)
                ],
            },
        },
    }


def _frab_day(
    index: int, day: date, rooms: dict[str, list[dict[str, Any]]], home: Any
) -> dict[str, Any]:
    start = datetime(day.year, day.month, day.day, tzinfo=home)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=home)
    return {
        "index": index,
        "date": day.isoformat(),
        "day_start": start.isoformat(timespec="seconds"),
        "day_end": (end - timedelta(minutes=1)).isoformat(timespec="seconds"),
        "rooms": rooms,
    }


ATTENDANCE_MODE = {
    SessionFormat.onsite: "https://schema.org/OfflineEventAttendanceMode",
    SessionFormat.online: "https://schema.org/OnlineEventAttendanceMode",
    SessionFormat.hybrid: "https://schema.org/MixedEventAttendanceMode",
}
EVENT_STATUS = {
    SessionStatus.scheduled: "https://schema.org/EventScheduled",
    SessionStatus.live: "https://schema.org/EventScheduled",
    SessionStatus.ended: "https://schema.org/EventScheduled",
    SessionStatus.delayed: "https://schema.org/EventRescheduled",
    SessionStatus.cancelled: "https://schema.org/EventCancelled",
}
EVENT_TYPE = {SessionType.concert: "MusicEvent", SessionType.networking: "SocialEvent"}


def _place(data: ProgramData, session: SessionRow, lang: Lang) -> dict[str, Any]:
    venue = data.venues.get(session.venue_id) if session.venue_id else None
    place: dict[str, Any] = {"@type": "Place", "name": text(data.forum, "city", lang)}
    if venue is not None and venue.kind != VenueKind.channel:
        place["name"] = text(venue, "name", lang)
        address = text(venue, "address", lang) or text(data.forum, "city", lang)
        place["address"] = address
        if venue.seats is not None:
            place["maximumAttendeeCapacity"] = venue.seats
    return place


def _locations(
    data: ProgramData, session: SessionRow, lang: Lang, public_url: str
) -> list[dict[str, Any]]:
    locations: list[dict[str, Any]] = []
    if session.format != SessionFormat.online:
        locations.append(_place(data, session, lang))
    if session.format != SessionFormat.onsite:
        locations.append(
            {"@type": "VirtualLocation", "url": session_url(public_url, data, session)}
        )
    return locations


def _jsonld_event(
    data: ProgramData, session: SessionRow, lang: Lang, public_url: str
) -> dict[str, Any]:
    host = parse_zone(session.host_tz, field="host_tz")
    event: dict[str, Any] = {
        "@type": EVENT_TYPE.get(session.type, "BusinessEvent"),
        "@id": f"urn:uuid:{session.uid}",
        "identifier": session.uid,
        "name": text(session, "title", lang),
        "description": text(session, "abstract", lang),
        "startDate": session.starts_at.astimezone(host).isoformat(timespec="seconds"),
        "endDate": session.ends_at.astimezone(host).isoformat(timespec="seconds"),
        "eventAttendanceMode": ATTENDANCE_MODE[session.format],
        "eventStatus": EVENT_STATUS[session.status],
        "inLanguage": session.language.split("/"),
        "isAccessibleForFree": True,
        "url": session_url(public_url, data, session),
        "location": _locations(data, session, lang, public_url),
        "performer": [
            {"@type": "Person", "name": text(data.people[link.person_id], "name", lang)}
            for link in data.casts.get(session.id or 0, [])
        ],
    }
    if session.capacity_onsite is not None and session.format != SessionFormat.online:
        event["maximumPhysicalAttendeeCapacity"] = session.capacity_onsite
    if session.capacity_online is not None and session.format != SessionFormat.onsite:
        event["maximumVirtualAttendeeCapacity"] = session.capacity_online
    return event


def jsonld(data: ProgramData, lang: Lang, public_url: str) -> dict[str, Any]:
    """The forum as a schema.org EventSeries whose subEvents are its sessions."""
    formats = {s.format for s in data.sessions}
    mode = SessionFormat.hybrid if len(formats) != 1 else next(iter(formats))
    return {
        "@context": "https://schema.org",
        "@type": "EventSeries",
        "name": text(data.forum, "name", lang),
        "description": text(data.forum, "tagline", lang),
        "startDate": data.forum.starts_on.isoformat(),
        "endDate": data.forum.ends_on.isoformat(),
        "url": data.forum.url or f"{public_url.rstrip('/')}/?forum={data.forum.slug}",
        "inLanguage": ["ru", "en"],
        "eventAttendanceMode": ATTENDANCE_MODE[mode],
        "location": [
            {
                "@type": "Place",
                "name": text(data.forum, "city", lang),
                "address": text(data.forum, "city", lang),
            },
            {
                "@type": "VirtualLocation",
                "url": f"{public_url.rstrip('/')}/?forum={data.forum.slug}",
            },
        ],
        "subEvent": [_jsonld_event(data, s, lang, public_url) for s in data.sessions],
    }
