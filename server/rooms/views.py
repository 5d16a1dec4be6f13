"""How room things look on the wire: the same dicts in snapshots, pushes and replies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.instants import maybe_instant
from server.rooms.models import (
    Announcement,
    ChatMessage,
    Hand,
    Poll,
    PollOption,
    PollResults,
    PollState,
    Question,
)

Names = dict[int, str]


async def names(db: AsyncSession, user_ids: Iterable[int]) -> Names:
    wanted = set(user_ids)
    if not wanted:
        return {}
    rows = await db.exec(select(User.id, User.name).where(col(User.id).in_(wanted)))
    return {user_id: name for user_id, name in rows.all() if user_id is not None}


def person(user_id: int, known: Names) -> dict[str, Any]:
    return {"id": user_id, "name": known.get(user_id, "")}


def message(row: ChatMessage, known: Names) -> dict[str, Any]:
    return {
        "id": row.id,
        "user": person(row.user_id, known),
        "text": row.text,
        "created_at": maybe_instant(row.created_at),
        "edited_at": maybe_instant(row.edited_at),
    }


def question(row: Question, known: Names, *, staff: bool, viewer: int | None = None) -> dict:
    """An anonymous question names its asker to staff (and to the asker), never to others."""
    shown = staff or not row.anonymous or row.user_id == viewer
    return {
        "id": row.id,
        "text": row.text,
        "author": person(row.user_id, known) if shown else None,
        "anonymous": row.anonymous,
        "status": row.status.value,
        "pinned": row.pinned,
        "votes": row.votes,
        "created_at": maybe_instant(row.created_at),
    }


def results_public(poll: Poll) -> bool:
    """Whether the counts go to the whole room (else only to staff until the poll closes)."""
    return poll.results is PollResults.after_vote or poll.state is PollState.closed


def poll(row: Poll, options: list[PollOption], *, counts: bool) -> dict[str, Any]:
    ordered = sorted(options, key=lambda o: o.position)
    return {
        "id": row.id,
        "question": row.question,
        "options": [o.label for o in ordered],
        "multiple": row.multiple,
        "results": row.results.value,
        "state": row.state.value,
        "counts": [o.votes for o in ordered] if counts else None,
        "voters": row.voters if counts else None,
    }


def hand(row: Hand, known: Names) -> dict[str, Any]:
    return {
        "user": person(row.user_id, known),
        "status": row.status.value,
        "raised_at": maybe_instant(row.raised_at),
    }


def announcement(row: Announcement, known: Names) -> dict[str, Any]:
    return {
        "id": row.id,
        "text": row.text,
        "author": person(row.author_id, known),
        "created_at": maybe_instant(row.created_at),
    }
