"""Plain functions that build test data: program documents, forums and sessions."""

from __future__ import annotations

from copy import deepcopy
from datetime import timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.hashing import hash_password
from server.accounts.models import AuthSession, User
from server.accounts.service import token_digest
from server.clock import Clock
from server.editor.importer import ImportReport, import_program

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


_PASSWORD_HASHES: dict[str, str] = {}


async def make_user(
    db: AsyncSession, clock: Clock, email: str, password: str = "correct-horse-9"
) -> User:
    """A stored account (Argon2 is slow on purpose: each password is hashed once per run)."""
    if password not in _PASSWORD_HASHES:
        _PASSWORD_HASHES[password] = hash_password(password)
    user = User(
        email=email,
        password_hash=_PASSWORD_HASHES[password],
        name=email.split("@")[0].title(),
        created_at=clock.now(),
    )
    db.add(user)
    await db.flush()
    return user


def attendance_doc(*sessions: dict[str, Any]) -> dict[str, Any]:
    """A program with a 30-seat round table, an overlapping talk, a closed expert session and
    an online-only session (all on 2027-03-27, Moscow time)."""
    base = [
        session_doc(
            "round-table",
            "2027-03-27T10:00",
            "2027-03-27T11:30",
            type="round_table",
            capacity={"onsite": 30, "online": 500},
        ),
        session_doc(
            "overlapping-talk", "2027-03-27T11:00", "2027-03-27T12:00", capacity={"onsite": 100}
        ),
        session_doc(
            "closed-session",
            "2027-03-27T14:00",
            "2027-03-27T15:00",
            type="expert_session",
            access="invite_only",
            capacity={"onsite": 10},
        ),
        session_doc(
            "online-only", "2027-03-27T16:00", "2027-03-27T17:00", format="online", venue="channel"
        ),
    ]
    return program_doc(*base, *sessions)


async def signed_in(db: AsyncSession, clock: Clock, email: str, header: dict[str, str]) -> User:
    """An account with a session whose bearer token is the one in `header` (the caller
    commits)."""
    user = await make_user(db, clock, email)
    assert user.id is not None
    db.add(
        AuthSession(
            user_id=user.id,
            token_hash=token_digest(header["Authorization"].removeprefix("Bearer ")),
            created_at=clock.now(),
            expires_at=clock.now() + timedelta(days=60),
        )
    )
    return user


def russian_only() -> dict[str, Any]:
    """A program whose every name is given in Russian alone."""
    return {
        "forum": {
            "slug": "test-forum",
            "name": {"ru": "Иннопром"},
            "city": {"ru": "Екатеринбург"},
            "tz": "Asia/Yekaterinburg",
            "starts_on": "2027-07-06",
            "ends_on": "2027-07-09",
        },
        "venues": [{"slug": "zal-1", "name": {"ru": "Зал 1"}, "kind": "hall", "seats": 100}],
        "tracks": [{"slug": "metall", "name": {"ru": "Металлургия"}}],
        "people": [{"slug": "ivanov", "name": {"ru": "Иван Иванов"}, "country": "RU"}],
        "sessions": [
            {
                "slug": "otkrytie",
                "title": {"ru": "Открытие"},
                "abstract": {"ru": "О главном"},
                "type": "plenary",
                "format": "hybrid",
                "venue": "zal-1",
                "track": "metall",
                "start": "2027-07-06T10:00",
                "end": "2027-07-06T11:00",
                "cast": [{"person": "ivanov", "role": "speaker"}],
            }
        ],
    }
