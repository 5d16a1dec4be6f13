"""The program for other clients: iCalendar, frab's schedule.json and schedule.xml, and
schema.org JSON-LD."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from xml.etree import ElementTree

import icalendar

from server import __version__, calendars
from server.instants import instant
from server.program.models import Access, SessionFormat, SessionStatus, SessionType, VenueKind
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
    return calendars.ics(cal)


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
    """Add these sessions of one forum's program as events; `server.calendars.ics` writes
    the calendar with each zone its events use described once, around their dates."""
    for session in sessions:
        cal.add_component(_ics_event(data, session, lang, public_url, stamp))


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
        # frab's persons (`public_name` and `id`, no `name`): voc/schedule's schema takes a
        # person as a frab or a pretalx person but not as both, and pyfahrplan reads these.
        "persons": [
            {
                "id": link.person_id,
                "guid": data.people[link.person_id].uid,
                "public_name": text(data.people[link.person_id], "name", lang),
                "biography": None,
                "role": str(link.role),
            }
            for link in links
        ],
        "links": [],
        "attachments": [],
    }


def frab_acronym(slug: str) -> str:
    """The forum's slug as a frab acronym: voc/schedule's pattern allows a hyphen only first
    (or in a `-2027-xyz` suffix) and wants four characters at least."""
    return slug.replace("-", "_").ljust(4, "_")


def _forum_days(data: ProgramData) -> list[date]:
    days = (data.forum.ends_on - data.forum.starts_on).days + 1
    return [data.forum.starts_on + timedelta(days=i) for i in range(max(days, 0))]


def frab_schedule(data: ProgramData, lang: Lang, public_url: str) -> dict[str, Any]:
    """The program as frab's schedule.json (read by Giggity, ConfClerk and the C3VOC tools).

    Days and local times are the forum's home zone, as frab does; `date` carries the offset.
    A frab day runs from DAY_CHANGE to DAY_CHANGE: a session starting after midnight but
    before it belongs to the day before.
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
        day = _frab_day_of(session.starts_at.astimezone(home))
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
                "acronym": frab_acronym(data.forum.slug),
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


# Giggity reads an event's `start` on its `<day>` from 06:00 on, and as the next morning before
# that (its PentabarfParser; the XSD has no `day_change` to tell it otherwise).
DAY_CHANGE = time(6, 0)


def _frab_day_of(local: datetime) -> date:
    return local.date() - timedelta(days=1) if local.time() < DAY_CHANGE else local.date()


def _frab_day(
    index: int, day: date, rooms: dict[str, list[dict[str, Any]]], home: Any
) -> dict[str, Any]:
    start = datetime.combine(day, DAY_CHANGE, tzinfo=home)
    end = datetime.combine(day + timedelta(days=1), DAY_CHANGE, tzinfo=home)
    return {
        "index": index,
        "date": day.isoformat(),
        "day_start": start.isoformat(timespec="seconds"),
        "day_end": (end - timedelta(minutes=1)).isoformat(timespec="seconds"),
        "rooms": rooms,
    }


# XSD patterns (anchored) of voc/schedule's schedule.xml.xsd for optional values we leave out
# rather than write invalid.
XSD_HTTP_URI = re.compile(r"https?://.*")
XSD_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
XSD_TRACK_SLUG = re.compile(r"[a-z][a-z0-9-]+")
XSD_EVENT_SLUG = re.compile(r"[a-z0-9_]{4,}-[a-z0-9\-_]{4,}")
# What XML 1.0 cannot carry at all (C0 controls but tab, newline and carriage return).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def frab_schedule_xml(data: ProgramData, lang: Lang, public_url: str) -> bytes:
    """The program as frab's schedule.xml (Pentabarf's format, which Giggity, ConfClerk and
    EventFahrplan read), valid against voc/schedule's XSD.

    Written from the same document as schedule.json, so the two always agree.
    """
    document = frab_schedule(data, lang, public_url)
    schedule = document["schedule"]
    conference = schedule["conference"]
    root = ElementTree.Element("schedule")
    ElementTree.SubElement(root, "generator", document["generator"])
    _xml_leaf(root, "version", schedule["version"])
    root.append(_xml_conference(conference, schedule["base_url"]))
    guids = {room["name"]: room["guid"] for room in conference["rooms"]}
    for day in conference["days"]:
        root.append(_xml_day(day, guids))
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _xml_leaf(
    parent: ElementTree.Element, tag: str, value: str, attrib: dict[str, str] | None = None
) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, tag, attrib or {})
    element.text = XML_ILLEGAL.sub("", value)
    return element


def _xml_conference(conference: dict[str, Any], base_url: str) -> ElementTree.Element:
    element = ElementTree.Element("conference")
    for tag in ("title", "acronym", "start", "end"):
        _xml_leaf(element, tag, conference[tag])
    _xml_leaf(element, "days", str(conference["daysCount"]))
    _xml_leaf(element, "timeslot_duration", conference["timeslot_duration"])
    for tag, url in (("base_url", base_url), ("url", conference["url"])):
        if XSD_HTTP_URI.fullmatch(url):
            _xml_leaf(element, tag, url)
    _xml_leaf(element, "time_zone_name", conference["time_zone_name"])
    for track in conference["tracks"]:
        attrib = {"name": track["name"]}
        if XSD_HEX_COLOR.fullmatch(track["color"]):
            attrib["color"] = track["color"]
        if XSD_TRACK_SLUG.fullmatch(track["slug"]):
            attrib["slug"] = track["slug"]
        _xml_leaf(element, "track", track["name"], attrib)
    return element


def _xml_day(day: dict[str, Any], guids: dict[str, str]) -> ElementTree.Element:
    element = ElementTree.Element(
        "day",
        index=str(day["index"]),
        date=day["date"],
        start=day["day_start"],
        end=day["day_end"],
    )
    for name, events in day["rooms"].items():
        room = ElementTree.SubElement(element, "room", name=name, guid=guids[name])
        for event in events:
            room.append(_xml_event(event))
    return element


def _xml_event(event: dict[str, Any]) -> ElementTree.Element:
    element = ElementTree.Element("event", id=str(event["id"]), guid=event["guid"])
    for tag in ("date", "start", "duration", "room"):
        _xml_leaf(element, tag, event[tag])
    if XSD_EVENT_SLUG.fullmatch(event["slug"]):
        _xml_leaf(element, "slug", event["slug"])
    _xml_leaf(element, "url", event["url"])
    for tag in ("title", "subtitle", "track", "type", "language", "abstract", "description"):
        _xml_leaf(element, tag, event[tag] or "")
    persons = ElementTree.SubElement(element, "persons")
    for person in event["persons"]:
        attrib = {"id": str(person["id"]), "guid": person["guid"]}
        _xml_leaf(persons, "person", person["public_name"], attrib)
    recording = ElementTree.SubElement(element, "recording")
    _xml_leaf(recording, "license", event["recording_license"])
    _xml_leaf(recording, "optout", "true" if event["do_not_record"] else "false")
    ElementTree.SubElement(element, "links")
    ElementTree.SubElement(element, "attachments")
    return element


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


IN_STOCK = "https://schema.org/InStock"
LIMITED = "https://schema.org/LimitedAvailability"


def _postal_address(data: ProgramData, lang: Lang, street: str = "") -> dict[str, Any]:
    address: dict[str, Any] = {"@type": "PostalAddress"}
    if street:
        address["streetAddress"] = street
    address["addressLocality"] = text(data.forum, "city", lang)
    return address


def _place(data: ProgramData, session: SessionRow, lang: Lang) -> dict[str, Any]:
    venue = data.venues.get(session.venue_id) if session.venue_id else None
    place: dict[str, Any] = {"@type": "Place", "name": text(data.forum, "city", lang)}
    if venue is not None and venue.kind != VenueKind.channel:
        place["name"] = text(venue, "name", lang)
        place["address"] = _postal_address(data, lang, text(venue, "address", lang))
        if venue.seats is not None:
            place["maximumAttendeeCapacity"] = venue.seats
    else:
        place["address"] = _postal_address(data, lang)
    return place


def _organizer(data: ProgramData, lang: Lang) -> dict[str, Any] | None:
    """The forum's organiser as a schema.org Organization, when the program names one."""
    name = text(data.forum, "organizer", lang)
    if not name:
        return None
    organizer: dict[str, Any] = {"@type": "Organization", "name": name}
    if data.forum.organizer_url:
        organizer["url"] = data.forum.organizer_url
    return organizer


def _offer(url: str, limited: bool) -> dict[str, Any]:
    """Taking part is free but needs a registration, made at `url`; `limited` when seats or
    online places are counted."""
    return {
        "@type": "Offer",
        "price": 0,
        "availability": LIMITED if limited else IN_STOCK,
        "url": url,
    }


def _common(data: ProgramData, lang: Lang) -> dict[str, Any]:
    """What the forum and each of its sessions say alike: organiser and picture."""
    common: dict[str, Any] = {}
    organizer = _organizer(data, lang)
    if organizer is not None:
        common["organizer"] = organizer
    if data.forum.image_url:
        common["image"] = [data.forum.image_url]
    return common


def _performer(data: ProgramData, person_id: int, lang: Lang) -> dict[str, Any]:
    person = data.people[person_id]
    performer: dict[str, Any] = {"@type": "Person", "name": text(person, "name", lang)}
    if XSD_HTTP_URI.fullmatch(person.photo_url):
        performer["image"] = person.photo_url
    return performer


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
        # A closed session admits its invitees only: it is no free-for-all and offers nothing.
        "isAccessibleForFree": session.access != Access.invite_only,
        "url": session_url(public_url, data, session),
        "location": _locations(data, session, lang, public_url),
        "performer": [
            _performer(data, link.person_id, lang) for link in data.casts.get(session.id or 0, [])
        ],
        **_common(data, lang),
    }
    if session.access != Access.invite_only:
        limited = session.capacity_onsite is not None or session.capacity_online is not None
        event["offers"] = _offer(session_url(public_url, data, session), limited)
    if session.capacity_onsite is not None and session.format != SessionFormat.online:
        event["maximumPhysicalAttendeeCapacity"] = session.capacity_onsite
    if session.capacity_online is not None and session.format != SessionFormat.onsite:
        event["maximumVirtualAttendeeCapacity"] = session.capacity_online
    return event


def jsonld(data: ProgramData, lang: Lang, public_url: str) -> dict[str, Any]:
    """The forum as a schema.org EventSeries whose subEvents are its sessions."""
    formats = {s.format for s in data.sessions}
    mode = SessionFormat.hybrid if len(formats) != 1 else next(iter(formats))
    forum_page = f"{public_url.rstrip('/')}/?forum={data.forum.slug}"
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
        "isAccessibleForFree": True,
        "location": [
            {
                "@type": "Place",
                "name": text(data.forum, "city", lang),
                "address": _postal_address(data, lang),
            },
            {"@type": "VirtualLocation", "url": forum_page},
        ],
        **_common(data, lang),
        "offers": _offer(forum_page, limited=False),
        "subEvent": [_jsonld_event(data, s, lang, public_url) for s in data.sessions],
    }
