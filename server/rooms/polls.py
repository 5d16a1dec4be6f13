"""Polls: a moderator drafts, opens and closes them; everyone votes once.

A draft is seen by staff only. Counts go to the whole room for polls shown "after vote" (the
page shows them to a person once they voted), and only to staff until closing for polls
shown "on close"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.errors import Conflict, Invalid, NotFound
from server.rooms import views
from server.rooms.access import Admission, RoomKind
from server.rooms.models import Poll, PollOption, PollResults, PollState, PollVote
from server.unit import call_after, publish_after

if TYPE_CHECKING:
    from server.rooms.tally import Tally


async def _options(db: AsyncSession, poll_id: int | None) -> list[PollOption]:
    query = select(PollOption).where(PollOption.poll_id == poll_id)
    return list((await db.exec(query)).all())


async def _publish_state(db: AsyncSession, who: Admission, row: Poll) -> dict:
    options = await _options(db, row.id)
    full = views.poll(row, options, counts=True)
    publish_after(db, who.staff_room, "poll.state", {"poll": full})
    if row.state is not PollState.draft:
        public = views.poll(row, options, counts=views.results_public(row))
        publish_after(db, who.public_room, "poll.state", {"poll": public})
    return full


async def create(
    db: AsyncSession,
    clock: Clock,
    who: Admission,
    question: str,
    options: list[str],
    multiple: bool,
    results: PollResults,
) -> dict[str, Any]:
    """A draft poll. Moderators only."""
    who.need_kind(RoomKind.session)
    who.need_moderator()
    if len({o.strip().casefold() for o in options}) != len(options):
        raise Invalid("options: every choice must differ", field="options")
    row = Poll(
        room=who.public_room,
        question=question,
        multiple=multiple,
        results=results,
        state=PollState.draft,
        created_by=who.user_id,
        created_at=clock.now(),
    )
    db.add(row)
    await db.flush()
    assert row.id is not None
    for position, label in enumerate(options):
        db.add(PollOption(poll_id=row.id, position=position, label=label.strip()))
    return {"poll": await _publish_state(db, who, row)}


async def _poll(db: AsyncSession, who: Admission, poll_id: int) -> Poll:
    row = await db.get(Poll, poll_id)
    hidden = row is not None and row.state is PollState.draft and not who.moderator
    if row is None or row.room != who.public_room or hidden:
        raise NotFound(f"poll: no poll {poll_id} in this room", field="poll")
    return row


async def move(db: AsyncSession, who: Admission, poll_id: int, to: PollState) -> dict:
    """Open a draft, or close an open poll. Moderators only."""
    who.need_kind(RoomKind.session)
    who.need_moderator()
    row = await _poll(db, who, poll_id)
    allowed = {PollState.open: PollState.draft, PollState.closed: PollState.open}
    if row.state is not allowed[to]:
        raise Conflict(f"poll: a {row.state.value} poll cannot be {to.value}", field="poll")
    row.state = to
    db.add(row)
    return {"poll": await _publish_state(db, who, row)}


async def vote(
    db: AsyncSession, tally: Tally, who: Admission, poll_id: int, choices: list[int]
) -> dict[str, Any]:
    """One vote per person: choices are option positions (one, unless the poll is multiple)."""
    who.need_kind(RoomKind.session)
    row = await _poll(db, who, poll_id)
    if row.state is not PollState.open:
        raise Conflict("poll: it is not open for votes", field="poll")
    options = await _options(db, poll_id)
    picked = sorted(set(choices))
    if not picked or (len(picked) > 1 and not row.multiple):
        raise Invalid(
            "choices: pick exactly one option"
            if not row.multiple
            else "choices: pick at least one option",
            field="choices",
        )
    if picked[0] < 0 or picked[-1] >= len(options):
        raise Invalid(f"choices: options are numbered 0 to {len(options) - 1}", field="choices")
    db.add(PollVote(poll_id=poll_id, user_id=who.user_id, choices=",".join(map(str, picked))))
    try:
        await db.flush()
    except IntegrityError:
        await db.rollback()
        mine = await _my_choices(db, poll_id, who.user_id)
        raise Conflict("poll: you already voted", field="poll", choices=mine) from None
    await db.exec(
        update(PollOption)
        .where(col(PollOption.poll_id) == poll_id, col(PollOption.position).in_(picked))
        .values(votes=PollOption.votes + 1)
    )
    await db.exec(update(Poll).where(col(Poll.id) == poll_id).values(voters=Poll.voters + 1))
    call_after(db, lambda: tally.poll_votes(poll_id))
    counts, voters = await totals(db, poll_id)
    if row.results is not PollResults.after_vote:
        return {"poll": poll_id, "choices": picked, "counts": None, "voters": None}
    return {"poll": poll_id, "choices": picked, "counts": counts, "voters": voters}


async def totals(db: AsyncSession, poll_id: int) -> tuple[list[int], int]:
    """The poll's counts per option and its number of voters, as stored now."""
    query = select(PollOption.votes).where(PollOption.poll_id == poll_id)
    counts = list((await db.exec(query.order_by(col(PollOption.position)))).all())
    voters = (await db.exec(select(Poll.voters).where(Poll.id == poll_id))).one()
    return counts, voters


async def _my_choices(db: AsyncSession, poll_id: int, user_id: int) -> list[int]:
    query = select(PollVote.choices).where(PollVote.poll_id == poll_id, PollVote.user_id == user_id)
    found = (await db.exec(query)).first()
    return [int(c) for c in found.split(",")] if found else []


async def listing(
    db: AsyncSession, room: str, *, staff: bool, viewer: int
) -> tuple[list[dict[str, Any]], dict[str, list[int]]]:
    """The room's polls as this viewer sees them, and the viewer's own votes."""
    rows, shown = await _shown(db, room, staff=staff)
    ids = [r.id for r in rows]
    votes = select(PollVote.poll_id, PollVote.choices).where(
        col(PollVote.poll_id).in_(ids), PollVote.user_id == viewer
    )
    mine = {str(pid): [int(c) for c in picks.split(",")] for pid, picks in (await db.exec(votes))}
    return shown, mine


async def public_listing(db: AsyncSession, room: str) -> list[dict[str, Any]]:
    """The room's polls as every attendee sees them (the same for all)."""
    return (await _shown(db, room, staff=False))[1]


async def _shown(
    db: AsyncSession, room: str, *, staff: bool
) -> tuple[list[Poll], list[dict[str, Any]]]:
    query = select(Poll).where(Poll.room == room)
    if not staff:
        query = query.where(Poll.state != PollState.draft)
    rows = list((await db.exec(query.order_by(col(Poll.id)))).all())
    ids = [r.id for r in rows]
    options = (await db.exec(select(PollOption).where(col(PollOption.poll_id).in_(ids)))).all()
    by_poll: dict[int, list[PollOption]] = {}
    for option in options:
        by_poll.setdefault(option.poll_id, []).append(option)
    shown = [
        views.poll(r, by_poll.get(r.id or 0, []), counts=staff or views.results_public(r))
        for r in rows
    ]
    return rows, shown
