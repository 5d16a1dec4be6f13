"""Telling people: `tell` records one notice per person and event and queues its mail, in the
caller's unit of work; after the caller commits, `announce` pushes each notice to its person's
own room (`user:{id}`).

A notice's `key` names the event it tells of (`moved:42:7` is session 42 at its sequence 7): the
same person is told of one event once, however many nodes or retries try. Mail goes out in the
person's language with every time in their zone, unless they turned mail off for that kind;
the push always goes.

This module knows people by id and sessions by the facts the caller hands it (`SessionFacts`),
so every domain may tell without this one depending on theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.clock import Clock
from server.errors import Unauthorized
from server.i18n import language, moment, span, t, with_signature
from server.instants import instant
from server.mail.outbox import queue
from server.notices.models import Notice, NoticeKind, NoticePublic, NoticesPublic, ReadPublic
from server.unit import publish_after


@dataclass(frozen=True)
class SessionFacts:
    """What a notice about a session says of it: names in both languages, UTC times and the
    host city's zone (the mail shows the reader's zone and the host's)."""

    id: int
    forum: str  # the forum's slug, for the link
    title_en: str
    title_ru: str
    starts_at: datetime
    ends_at: datetime
    host_tz: str
    host_city_en: str = ""
    host_city_ru: str = ""

    def title(self, lang: str) -> str:
        own = self.title_ru if lang == "ru" else self.title_en
        return own or self.title_en or self.title_ru

    def json(self) -> dict[str, Any]:
        return {
            "forum": self.forum,
            "title_en": self.title_en,
            "title_ru": self.title_ru,
            "starts_at": instant(self.starts_at),
            "ends_at": instant(self.ends_at),
            "host_tz": self.host_tz,
            "host_city_en": self.host_city_en,
            "host_city_ru": self.host_city_ru,
        }


@dataclass(frozen=True)
class Told:
    """A notice stored in the caller's transaction, to push once it has committed."""

    user_id: int
    payload: dict[str, Any]


def notice_json(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "kind": notice.kind.value,
        "session": notice.session_id,
        "data": notice.data,
        "created_at": instant(notice.created_at),
        "read": notice.read_at is not None,
    }


async def tell(
    db: AsyncSession,
    clock: Clock,
    *,
    users: Iterable[int],
    kind: NoticeKind,
    key: str,
    session: SessionFacts | None = None,
    data: dict[str, Any] | None = None,
    link: str = "",
    mail: bool = True,
) -> list[Told]:
    """Record that these people are told of this event (`key`), and queue each one's mail
    unless they turned mail off for `kind` (or `mail` is false: the caller's own mail says
    it already). Those already told of `key` are skipped. Each notice is pushed to its
    person's own room once the unit of work commits (server/unit.py)."""
    wanted = sorted(set(users))
    if not wanted:
        return []
    already = set(
        (
            await db.exec(
                select(Notice.user_id).where(
                    col(Notice.user_id).in_(wanted), col(Notice.key) == key
                )
            )
        ).all()
    )
    people = (
        await db.exec(select(User).where(col(User.id).in_([u for u in wanted if u not in already])))
    ).all()
    content = {**(session.json() if session else {}), **(data or {})}
    now = clock.now()
    stored: list[Notice] = []
    for person in sorted(people, key=lambda p: p.id or 0):
        assert person.id is not None
        mailed = mail and kind.value not in (person.mail_off or [])
        notice = Notice(
            user_id=person.id,
            kind=kind,
            key=key,
            session_id=session.id if session else None,
            data=content,
            mailed=mailed,
            created_at=now,
        )
        db.add(notice)
        stored.append(notice)
        if mailed:
            _mail(db, clock, person, kind, session, content, link)
    await db.flush()
    told = [Told(notice.user_id, notice_json(notice)) for notice in stored]
    for item in told:  # pushed to their own rooms once the unit commits
        publish_after(db, f"user:{item.user_id}", "notice", item.payload)
    return told


def _mail(
    db: AsyncSession,
    clock: Clock,
    person: User,
    kind: NoticeKind,
    session: SessionFacts | None,
    content: dict[str, Any],
    link: str,
) -> None:
    lang = language(person.language)
    zone = person.tz or "UTC"
    words: dict[str, Any] = {"name": person.name, "link": link, **_words(content, zone, lang)}
    if session is not None:
        words["title"] = session.title(lang)
        words["when"] = span(session.starts_at, session.ends_at, zone, lang)
        host = session.host_city_ru if lang == "ru" else session.host_city_en
        host = host or session.host_city_en or session.host_city_ru
        words["host"] = (
            f"{span(session.starts_at, session.ends_at, session.host_tz, lang)}"
            f"{', ' + host if host else ''}"
        )
    body = t(lang, f"notice.{kind.value}.body", **words)
    if link:
        body += "\n" + t(lang, "notice.link", link=link)
    queue(
        db,
        clock,
        to_email=person.email,
        to_name=person.name,
        subject=t(lang, f"notice.{kind.value}.subject", **words),
        body=with_signature(lang, body),
    )


def _words(content: dict[str, Any], zone: str, lang: str) -> dict[str, Any]:
    """The content's extra facts as the mail says them: instants in the reader's zone, a role
    by its name in the reader's language."""
    words: dict[str, Any] = {}
    for name in ("was_starts_at", "deadline"):
        if content.get(name):
            at = datetime.fromisoformat(str(content[name]).replace("Z", "+00:00"))
            words[name] = moment(at, zone, lang)
    if content.get("role"):
        words["role"] = t(lang, f"role.{content['role']}")
    if "minutes" in content:
        words["minutes"] = content["minutes"]
    scope = content.get("scope_ru" if lang == "ru" else "scope_en") or content.get("scope_en")
    words["scope"] = scope or ""
    return words


async def my_notices(db: AsyncSession, user: User | None, *, limit: int = 50) -> NoticesPublic:
    """A person's latest notices, newest first, and how many are unread."""
    signed_in = _signed_in(user)
    query = (
        select(Notice)
        .where(Notice.user_id == signed_in.id)
        .order_by(col(Notice.id).desc())
        .limit(limit)
    )
    found = (await db.exec(query)).all()
    return NoticesPublic(
        notices=[NoticePublic.model_validate(notice_json(n)) for n in found],
        unread=await _unread(db, signed_in),
    )


async def _unread(db: AsyncSession, user: User) -> int:
    query = select(func.count()).where(Notice.user_id == user.id, col(Notice.read_at).is_(None))
    return int((await db.exec(query)).one())


def _signed_in(user: User | None) -> User:
    if user is None:
        raise Unauthorized("sign in first")
    return user


async def mark_read(db: AsyncSession, clock: Clock, user: User | None, up_to: int) -> ReadPublic:
    """Mark a person's notices up to `up_to` as read."""
    signed_in = _signed_in(user)
    await db.exec(
        update(Notice)
        .where(
            col(Notice.user_id) == signed_in.id,
            col(Notice.id) <= up_to,
            col(Notice.read_at).is_(None),
        )
        .values(read_at=clock.now())
    )
    return ReadPublic(unread=await _unread(db, signed_in))
