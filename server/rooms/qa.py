"""Questions to the speakers: ask (optionally anonymous to other attendees), upvote once,
and the moderators' approve / pin / answer / archive.

The staff room sees every question with its asker; the attendees' room sees visible and
answered ones, anonymous ones without the asker.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.errors import Conflict, Invalid, NotFound
from server.rooms import views
from server.rooms.access import Admission, RoomKind
from server.rooms.chat import settings_of
from server.rooms.models import Question, QuestionStatus, QuestionVote
from server.rooms.tally import Tally
from server.unit import call_after, publish_after

SHOWN = (QuestionStatus.visible, QuestionStatus.answered)


async def _publish(
    db: AsyncSession, who: Admission, row: Question, kind: str, *, new: bool = False
) -> None:
    """Tell staff and (unless pending) the room once committed; news of a new question is
    delivered even if the bus is away for a moment (see Bus.deliver)."""
    known = await views.names(db, [row.user_id])
    staff = {"question": views.question(row, known, staff=True)}
    publish_after(db, who.staff_room, kind, staff, retry=new)
    if row.status is not QuestionStatus.pending:
        public = {"question": views.question(row, known, staff=False)}
        publish_after(db, who.public_room, kind, public, retry=new)


async def ask(
    db: AsyncSession, clock: Clock, who: Admission, text: str, anonymous: bool
) -> dict[str, Any]:
    """A new question: visible at once, or pending when the room pre-moderates."""
    who.need_kind(RoomKind.session)
    premoderated = (await settings_of(db, who.room)).premoderation and not who.moderator
    status = QuestionStatus.pending if premoderated else QuestionStatus.visible
    row = Question(
        room=who.room,
        user_id=who.user_id,
        text=text,
        anonymous=anonymous,
        status=status,
        created_at=clock.now(),
    )
    db.add(row)
    await db.flush()
    await _publish(db, who, row, "qa.question", new=True)
    known = await views.names(db, [row.user_id])
    return {"question": views.question(row, known, staff=who.moderator, viewer=who.user_id)}


async def upvote(db: AsyncSession, tally: Tally, who: Admission, question_id: int) -> dict:
    """One vote per person per question; the new total is pushed with the next flush."""
    who.need_kind(RoomKind.session)
    row = await _question(db, who, question_id)
    if row.status not in SHOWN:
        raise Invalid("question: only visible questions take votes", field="question")
    db.add(QuestionVote(question_id=question_id, user_id=who.user_id))
    try:
        await db.flush()
    except IntegrityError:
        await db.rollback()
        raise Conflict("question: you already voted for it", field="question") from None
    await db.exec(
        update(Question).where(col(Question.id) == question_id).values(votes=Question.votes + 1)
    )
    call_after(db, lambda: tally.question_votes(who.public_room, question_id))
    return {"question": question_id, "voted": True}


async def _question(db: AsyncSession, who: Admission, question_id: int) -> Question:
    row = await db.get(Question, question_id)
    if row is None or row.room != who.public_room:
        raise NotFound(f"question: no question {question_id} in this room", field="question")
    if row.status is QuestionStatus.pending and not who.moderator and row.user_id != who.user_id:
        raise NotFound(f"question: no question {question_id} in this room", field="question")
    return row


async def moderate(
    db: AsyncSession, who: Admission, question_id: int, action: str, value: bool = True
) -> dict[str, Any]:
    """approve | pin | answer | archive a question. Moderators only."""
    who.need_kind(RoomKind.session)
    who.need_moderator()
    row = await _question(db, who, question_id)
    if action == "approve":
        if row.status is not QuestionStatus.pending:
            raise Conflict("question: it is not waiting for approval", field="question")
        row.status = QuestionStatus.visible
    elif action == "pin":
        row.pinned = value
    elif action == "answer":
        row.status = QuestionStatus.answered if value else QuestionStatus.visible
    elif action == "archive":
        row.status = QuestionStatus.archived
        row.pinned = False
    db.add(row)
    await _publish(db, who, row, "qa.question" if action == "approve" else "qa.updated")
    known = await views.names(db, [row.user_id])
    return {"question": views.question(row, known, staff=True)}


async def listing(
    db: AsyncSession, room: str, *, staff: bool, viewer: int
) -> tuple[list[dict[str, Any]], list[int]]:
    """The room's questions as this viewer sees them, and the ids the viewer voted for."""
    query = select(Question).where(Question.room == room)
    if not staff:
        shown = col(Question.status).in_([s.value for s in SHOWN])
        query = query.where(shown | ((Question.user_id == viewer) & (Question.status == "pending")))
    else:
        query = query.where(Question.status != QuestionStatus.archived)
    rows = (await db.exec(query.order_by(col(Question.id)))).all()
    known = await views.names(db, (r.user_id for r in rows))
    votes_query = (
        select(QuestionVote.question_id)
        .join(Question, col(Question.id) == QuestionVote.question_id)
        .where(Question.room == room, QuestionVote.user_id == viewer)
    )
    mine = sorted((await db.exec(votes_query)).all())
    return [views.question(r, known, staff=staff, viewer=viewer) for r in rows], mine
