"""Removing a rehearsal's accounts and everything they left, found from the tables' own foreign
keys, so that a table added later is covered without anyone remembering to list it here.

What refers to a person is read from SQLAlchemy's metadata: every column with a foreign key to
`user.id`. Such a row is the rehearsal account's own and goes, and with it, recursively, every
row that refers to it (a question goes with the votes real people gave it; a lead with its
events, contact requests and meetings). A few columns only record that an account touched
somebody else's row (who deleted a message): those are set to NULL instead (DETACHED).

What no foreign key ties to a person is handled by name: sign-in attempts and mail by address,
private rooms (a visitor's chat with a stand) by membership, and every row of those rooms by
its `room` column. Counters that real rows keep (a real question's votes, a real poll's
counts, a seat pool's seats) are corrected before the votes and seats go; a freed seat goes
to the first real person waiting, by the attendance service's own rules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Column, Table, delete, exists, func, or_, update
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

import server.models  # noqa: F401  (every table on SQLModel.metadata: what may refer to a person)
from server.accounts.models import LoginAttempt, User
from server.attendance.models import HOLDING_A_SEAT, Mode, Registration, SeatPool, Status
from server.attendance.service import cancel_registration
from server.clock import Clock
from server.errors import Conflict
from server.mail.models import OutboxMail
from server.program.models import Session
from server.rehearsals.models import Rehearsal, account_pattern
from server.rooms.models import (
    ChatMessage,
    Poll,
    PollOption,
    PollVote,
    PrivateRoom,
    PrivateRoomMember,
    Question,
    QuestionVote,
)

# Columns that record an account's touch on somebody else's row: emptied, the row stays.
DETACHED = frozenset({("chatmessage", "deleted_by"), ("contactrequest", "answered_by")})
# The rehearsal's own record names its organiser, never its accounts: it stays.
KEPT = frozenset({Rehearsal.__tablename__})
PRIVATE_PREFIX = "private:"


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


USER = _table(str(User.__tablename__))


def references(target: Table) -> list[Column[object]]:
    """Every column, in every table, with a foreign key to `target` (stable order)."""
    found = [
        column
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        for key in column.foreign_keys
        if key.column.table is target
    ]
    return sorted(found, key=lambda c: (c.table.name, c.name))


def person_columns() -> list[Column[object]]:
    """The columns that can name a person (what a rehearsal account may have left behind)."""
    return [c for c in references(USER) if c.table.name not in KEPT]


def room_tables() -> list[Table]:
    """Tables whose rows belong to a room by its key (`room`): chat, questions, polls..."""
    return [t for t in SQLModel.metadata.tables.values() if "room" in t.columns]


def _theirs(column: ColumnElement[Any] | Mapped[Any], rehearsal_id: int) -> ColumnElement[bool]:
    """`column IN (the rehearsal's accounts)`, as a subquery: no list of ids in Python."""
    return column.in_(select(USER.c.id).where(USER.c.rehearsal_id == rehearsal_id))


# --- what remains ---------------------------------------------------------------------------


async def remaining(db: AsyncSession, rehearsal_id: int) -> dict[str, int]:
    """Rows that still refer to the rehearsal's accounts or addresses, by table (only tables
    with some): what GET shows, and what a complete removal leaves empty."""
    found: dict[str, int] = {}
    by_table: dict[Table, list[Column[object]]] = {}
    for column in person_columns():
        by_table.setdefault(column.table, []).append(column)
    for table, columns in by_table.items():
        condition = or_(*(_theirs(c, rehearsal_id) for c in columns))
        found[table.name] = await _count(db, table, condition)
    pattern = account_pattern(rehearsal_id)
    found["loginattempt"] = await _count(
        db, _table("loginattempt"), col(LoginAttempt.email).like(pattern)
    )
    found["outbox_mail"] = await _count(
        db, _table("outbox_mail"), col(OutboxMail.to_email).like(pattern)
    )
    return {name: n for name, n in sorted(found.items()) if n}


async def _count(db: AsyncSession, table: Table, condition: ColumnElement[bool]) -> int:
    return int((await db.exec(select(func.count()).select_from(table).where(condition))).one())


async def account_count(db: AsyncSession, rehearsal_id: int) -> int:
    query = select(func.count()).select_from(USER).where(USER.c.rehearsal_id == rehearsal_id)
    return int((await db.exec(query)).one())


# --- locking the accounts out ---------------------------------------------------------------


async def lock_out(db: AsyncSession, clock: Clock, rehearsal_id: int) -> set[int]:
    """Sign every account out and make its password unusable (an Argon2 check of "!" fails),
    so that nothing new is written while the rest is removed; their ids. Commits."""
    query = select(USER.c.id).where(USER.c.rehearsal_id == rehearsal_id)
    ids = {int(user_id) for user_id in (await db.exec(query)).all()}
    if not ids:
        return ids
    sessions = _table("authsession")
    await db.exec(
        update(sessions)
        .where(_theirs(sessions.c.user_id, rehearsal_id), sessions.c.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    await db.exec(update(USER).where(USER.c.rehearsal_id == rehearsal_id).values(password_hash="!"))
    await db.commit()
    return ids


# --- seats ----------------------------------------------------------------------------------


async def free_seats(db: AsyncSession, clock: Clock, rehearsal_id: int) -> None:
    """Give back every seat the accounts hold, offering each to the first real person waiting
    for it (the attendance service's own cancellation, seat by seat, while someone waits; the
    rest in one locked update per pool). Commits."""
    mine = _theirs(col(Registration.user_id), rehearsal_id)
    # Places on waitlists hold no seat: leaving them changes nobody's outcome.
    await db.exec(
        update(Registration)
        .where(mine, col(Registration.status) == Status.waitlisted)
        .values(status=Status.cancelled, updated_at=clock.now())
    )
    await db.commit()
    pools = (
        await db.exec(
            select(Registration.session_id, Registration.mode)
            .where(mine, col(Registration.status).in_(HOLDING_A_SEAT))
            .distinct()
        )
    ).all()
    for session_id, mode in pools:
        await _free_pool(db, clock, rehearsal_id, session_id, Mode(mode))


async def _free_pool(
    db: AsyncSession, clock: Clock, rehearsal_id: int, session_id: int, mode: Mode
) -> None:
    holders = [
        col(Registration.session_id) == session_id,
        col(Registration.mode) == mode,
        col(Registration.status).in_(HOLDING_A_SEAT),
        _theirs(col(Registration.user_id), rehearsal_id),
    ]
    while True:
        await _lock_pool(db, session_id, mode)
        if await _real_person_waits(db, rehearsal_id, session_id, mode):
            holder = (await db.exec(select(Registration.user_id).where(*holders).limit(1))).first()
            await db.rollback()
            if holder is None:
                return
            await _cancel_one(db, clock, int(holder), session_id)
            continue
        freed = await db.exec(
            update(Registration)
            .where(*holders)
            .values(status=Status.cancelled, offer_expires_at=None, updated_at=clock.now())
        )
        await db.exec(
            update(SeatPool)
            .where(col(SeatPool.session_id) == session_id, col(SeatPool.mode) == mode)
            .values(taken=col(SeatPool.taken) - int(freed.rowcount))
        )
        await db.commit()
        return


async def _lock_pool(db: AsyncSession, session_id: int, mode: Mode) -> None:
    """Lock the pool's row as a registration does (SQLite: the writer slot), so nobody is
    waitlisted between "nobody waits" and the seats coming back."""
    await db.exec(
        update(SeatPool)
        .where(col(SeatPool.session_id) == session_id, col(SeatPool.mode) == mode)
        .values(taken=col(SeatPool.taken))
    )


async def _real_person_waits(
    db: AsyncSession, rehearsal_id: int, session_id: int, mode: Mode
) -> bool:
    waiting = exists().where(
        col(Registration.session_id) == session_id,
        col(Registration.mode) == mode,
        col(Registration.status) == Status.waitlisted,
        ~_theirs(col(Registration.user_id), rehearsal_id),
    )
    return bool((await db.exec(select(waiting))).one())


async def _cancel_one(db: AsyncSession, clock: Clock, user_id: int, session_id: int) -> None:
    person = await db.get(User, user_id)
    session = await db.get(Session, session_id)
    assert person is not None and session is not None
    try:
        await cancel_registration(db, clock, person, session)  # offers the seat on, commits
    except Conflict:  # cancelled meanwhile (another node removing the same rehearsal)
        await db.rollback()


# --- counters on real rows ------------------------------------------------------------------


async def correct_counters(db: AsyncSession, rehearsal_id: int) -> None:
    """Take the accounts' votes out of the totals real questions and polls keep (the caller
    commits, with the removal of the votes themselves)."""
    voter = _theirs(col(QuestionVote.user_id), rehearsal_id)
    asker = _theirs(col(Question.user_id), rehearsal_id)
    votes = (
        await db.exec(
            select(QuestionVote.question_id, func.count())
            .join(Question, col(Question.id) == QuestionVote.question_id)
            .where(voter, ~asker)
            .group_by(col(QuestionVote.question_id))
        )
    ).all()
    for question_id, n in votes:
        await db.exec(
            update(Question)
            .where(col(Question.id) == question_id)
            .values(votes=col(Question.votes) - n)
        )
    await _correct_polls(db, rehearsal_id)


async def _correct_polls(db: AsyncSession, rehearsal_id: int) -> None:
    voter = _theirs(col(PollVote.user_id), rehearsal_id)
    creator = _theirs(col(Poll.created_by), rehearsal_id)
    rows = (
        await db.exec(
            select(PollVote.poll_id, PollVote.choices)
            .join(Poll, col(Poll.id) == PollVote.poll_id)
            .where(voter, ~creator)
        )
    ).all()
    voters: Counter[int] = Counter()
    picks: Counter[tuple[int, int]] = Counter()
    for poll_id, choices in rows:
        voters[poll_id] += 1
        for picked in choices.split(","):
            picks[(poll_id, int(picked))] += 1
    for (poll_id, position), n in picks.items():
        await db.exec(
            update(PollOption)
            .where(col(PollOption.poll_id) == poll_id, col(PollOption.position) == position)
            .values(votes=col(PollOption.votes) - n)
        )
    for poll_id, n in voters.items():
        await db.exec(
            update(Poll).where(col(Poll.id) == poll_id).values(voters=col(Poll.voters) - n)
        )


# --- removal --------------------------------------------------------------------------------


async def public_messages(db: AsyncSession, rehearsal_id: int) -> list[tuple[str, int]]:
    """(room, id) of the accounts' chat messages outside private rooms: after the removal,
    `chat.deleted` takes each out of the view of whoever is still in the room."""
    query = (
        select(ChatMessage.room, ChatMessage.id)
        .where(
            _theirs(col(ChatMessage.user_id), rehearsal_id),
            ~col(ChatMessage.room).startswith(PRIVATE_PREFIX),
        )
        .order_by(col(ChatMessage.id))
    )
    return [(str(room), int(message_id or 0)) for room, message_id in (await db.exec(query)).all()]


async def private_rooms(db: AsyncSession, rehearsal_id: int) -> list[str]:
    """Ids of private rooms an account was a member of (a chat with a stand's staff)."""
    member = _theirs(col(PrivateRoomMember.user_id), rehearsal_id)
    query = select(PrivateRoomMember.room_id).where(member).distinct()
    return [str(room) for room in (await db.exec(query)).all()]


async def purge(db: AsyncSession, rehearsal_id: int) -> None:
    """Delete the accounts and every row that refers to them, their private rooms whole, their
    sign-in attempts and any mail to them (the caller commits, after correct_counters)."""
    rooms = await private_rooms(db, rehearsal_id)
    if rooms:
        keys = [PRIVATE_PREFIX + room for room in rooms]
        for table in room_tables():
            await _purge(db, table, table.c.room.in_(keys), frozenset())
        private = _table(str(PrivateRoom.__tablename__))
        await _purge(db, private, private.c.id.in_(rooms), frozenset())
    pattern = account_pattern(rehearsal_id)
    await db.exec(delete(LoginAttempt).where(col(LoginAttempt.email).like(pattern)))
    await db.exec(delete(OutboxMail).where(col(OutboxMail.to_email).like(pattern)))
    await _purge(db, USER, USER.c.rehearsal_id == rehearsal_id, frozenset())


async def _purge(
    db: AsyncSession, table: Table, condition: ColumnElement[bool], path: frozenset[str]
) -> None:
    """Delete `table`'s rows matching `condition`, after every row that refers to them (or,
    for DETACHED columns, after emptying the reference)."""
    inside = path | {table.name}
    for key, column in _children(table):
        child = column.table
        if child.name in KEPT or child.name in inside:
            continue
        chosen = select(key).where(condition)
        if (child.name, column.name) in DETACHED:
            await db.exec(update(child).where(column.in_(chosen)).values({column.name: None}))
        else:
            await _purge(db, child, column.in_(chosen), inside)
    await db.exec(delete(table).where(condition))


def _children(table: Table) -> Iterator[tuple[Column[object], Column[object]]]:
    """(the referenced column of `table`, the referring column) for each reference to it."""
    for column in references(table):
        for key in column.foreign_keys:
            if key.column.table is table:
                yield key.column, column
