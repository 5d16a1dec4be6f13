"""Plain functions that build test data: program documents, forums and sessions."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.program.importer import ImportReport, import_program

BASE_PROGRAM: dict[str, Any] = {
    "forum": {
        "slug": "test-forum",
        "name": {"en": "Test Forum", "ru": "Тестовый форум"},
        "city": {"en": "Kazan", "ru": "Казань"},
        "tz": "Europe/Moscow",
        "starts_on": "2027-03-26",
        "ends_on": "2027-03-28",
    },
    "venues": [
        {"slug": "hall-a", "name": {"en": "Hall A", "ru": "Зал А"}, "kind": "hall", "seats": 300},
        {"slug": "channel", "name": {"en": "Channel 1", "ru": "Канал 1"}, "kind": "channel"},
    ],
    "tracks": [{"slug": "industry", "name": {"en": "Industry", "ru": "Промышленность"}}],
    "people": [
        {"slug": "anna", "name": {"en": "Anna Orlova", "ru": "Анна Орлова"}, "country": "RU"},
        {"slug": "budi", "name": {"en": "Budi Santoso", "ru": "Буди Сантосо"}, "country": "ID"},
    ],
    "sessions": [],
}


def session_doc(slug: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    """One session of a program document; times are local to its host zone."""
    doc: dict[str, Any] = {
        "slug": slug,
        "title": {"en": f"Session {slug}", "ru": f"Сессия {slug}"},
        "type": "panel",
        "format": "hybrid",
        "venue": "hall-a",
        "start": start,
        "end": end,
    }
    doc.update(extra)
    return doc


def program_doc(*sessions: dict[str, Any], **forum: Any) -> dict[str, Any]:
    """A valid program document with these sessions (and forum fields overridden)."""
    doc = deepcopy(BASE_PROGRAM)
    doc["forum"].update(forum)
    doc["sessions"] = list(sessions)
    return doc


async def load_program(db: AsyncSession, clock: Clock, document: dict[str, Any]) -> ImportReport:
    report = await import_program(db, clock, document)
    await db.commit()
    return report


CAPITALS = [
    ("jakarta", "Jakarta", "Джакарта", "Asia/Jakarta"),
    ("cairo", "Cairo", "Каир", "Africa/Cairo"),
    ("buenos-aires", "Buenos Aires", "Буэнос-Айрес", "America/Argentina/Buenos_Aires"),
]


def marathon_doc(
    *,
    minutes: int = 90,
    windows: dict[str, str] | None = None,
    positions: dict[str, int] | None = None,
    gap: int = 10,
    day: str = "2027-03-28",
) -> dict[str, Any]:
    """A program with a three-capital marathon ("relay") whose times the planner sets."""
    doc = program_doc()
    doc["sessions"] = [
        {
            "slug": f"relay-{slug}",
            "title": {"en": f"Relay · {en}", "ru": f"Эстафета · {ru}"},
            "type": "panel",
            "format": "online",
            "venue": "channel",
            "host": {"city": {"en": en, "ru": ru}, "tz": tz},
        }
        for slug, en, ru, tz in CAPITALS
    ]
    doc["marathons"] = [
        {
            "slug": "relay",
            "title": {"en": "Relay of capitals", "ru": "Эстафета столиц"},
            "date": day,
            "hub": {"tz": "Europe/Moscow", "window": "08:00-23:00"},
            "gap_minutes": gap,
            "segments": [
                {
                    "session": f"relay-{slug}",
                    "minutes": minutes,
                    "window": (windows or {}).get(slug, "09:00-21:00"),
                    "position": (positions or {}).get(slug),
                }
                for slug, *_ in CAPITALS
            ],
        }
    ]
    return doc
