"""Registering for sessions: seats per mode, waitlists, offers that expire, no double booking.

Exact under a rush, on SQLite and PostgreSQL alike, without check-then-insert races:

- a registration first bumps its person's `lock_version` (one person's registrations are
  taken one at a time, so two overlapping on-site seats cannot slip past each other);
- then, in one UPDATE of the seat pool's row (which locks it, so a pool's registrations and
  cancellations are serialised), takes the next ticket (`arrivals`, the arrival order) and,
  if one is free and nobody waits, a seat (`taken < capacity`).

Offers (a freed seat held for the first in line) expire on the Clock; every operation on a
pool first passes expired offers on, so the outcome never depends on a background job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, insert, literal, true, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.attendance.models import (
    ACTIVE,
    HOLDING_A_SEAT,
    Badge,
    CheckIn,
    Mode,
    Registration,
    SeatPool,
    Status,
)
from server.clock import Clock
from server.db import UTCDateTime, rows
from server.errors import Conflict, Invalid, NotFound
from server.instants import instant
from server.notices.models import NoticeKind
from server.notices.service import tell
from server.program.models import Access, Forum, Session, SessionFormat, SessionStatus
from server.program.service import session_facts
from server.realtime import revocation

OFFER_HOLD = timedelta(hours=2)


@dataclass(frozen=True)
class Outcome:
    registration: Registration
    position: int | None  # place on the waitlist (1 = next), None unless waitlisted


def _in_pool(session_id: int | None, mode: Mode, status: Status) -> list[ColumnElement[bool]]:
    """Registrations of one pool (session and mode) in one status."""
    return [
        col(Registration.session_id) == session_id,
        col(Registration.mode) == mode,
        col(Registration.status) == status,
    ]


def _capacity(session: Session, mode: Mode) -> int | None:
    return session.capacity_onsite if mode is Mode.onsite else session.capacity_online


def _check_mode(session: Session, mode: Mode) -> None:
    if session.status in (SessionStatus.cancelled, SessionStatus.ended):
        raise Conflict(
            f"session: {session.title_en!r} is {session.status.value}",
            field="session",
            reason=f"session_{session.status.value}",
            params=_titled(session),
        )
    offered = {
        SessionFormat.onsite: {Mode.onsite},
        SessionFormat.online: {Mode.online},
        SessionFormat.hybrid: {Mode.onsite, Mode.online},
    }[session.format]
    if mode not in offered:
        raise Invalid(
            f"mode: {session.title_en!r} has no {mode.value} places",
            field="mode",
            reason=f"no_{mode.value}_places",
            params=_titled(session),
        )


def _titled(session: Session, prefix: str = "") -> dict[str, str]:
    """A session in an error's `params`: its title in both languages, its times as instants
    (the page words them in the person's language and zone)."""
    return {
        f"{prefix}title": session.title_en,
        f"{prefix}title_ru": session.title_ru or session.title_en,
        f"{prefix}start": instant(session.starts_at),
        f"{prefix}end": instant(session.ends_at),
    }


async def _lock_person(db: AsyncSession, user: User) -> None:
    await db.exec(
        update(User).where(col(User.id) == user.id).values(lock_version=col(User.lock_version) + 1)
    )


async def _pool(db: AsyncSession, session: Session, mode: Mode) -> SeatPool:
    """The session's pool for this mode, created if missing (concurrently safe), locked, with
    its capacity brought in line with the session's."""
    await _create_pool(db, session, mode)
    await db.exec(
        update(SeatPool)
        .where(col(SeatPool.session_id) == session.id, col(SeatPool.mode) == mode)
        .values(capacity=_capacity(session, mode))
    )
    query = select(SeatPool).where(SeatPool.session_id == session.id, SeatPool.mode == mode)
    pool = (await db.exec(query.execution_options(populate_existing=True))).one()
    return pool


async def register_for_session(
    db: AsyncSession, clock: Clock, user: User, session: Session, mode: Mode
) -> Outcome:
    """Confirmed while seats of this mode remain, else on this mode's waitlist. Registering
    again while registered answers the registration as it stands. The caller has checked
    that the person may attend. Commits early, to free the pool's lock (see `_release_pool`)."""
    _check_mode(session, mode)
    await _lock_person(db, user)
    current = await _registration(db, session, user)
    if current is not None and current.status in ACTIVE:
        result = await outcome(db, current)
        await db.commit()  # frees the person's lock at once (a deliberate early commit)
        return result
    if mode is Mode.onsite:
        await _refuse_overlap(db, user, session)
    now = clock.now()
    if await _offers_ran_out(db, session, mode, now):
        await _pass_on_expired(db, await _pool(db, session, mode), now)
    assert session.id is not None and user.id is not None
    if current is None and db.get_bind().dialect.name == "postgresql":
        registration = await _enter_pool(db, session, user, mode, now)
    else:
        ticket, seated = await _ticket_and_seat(db, session, mode)
        registration = current or Registration(
            session_id=session.id,
            user_id=user.id,
            mode=mode,
            status=Status.waitlisted,
            ticket=0,
            created_at=now,
            updated_at=now,
        )
        registration.mode = mode
        registration.status = Status.confirmed if seated else Status.waitlisted
        registration.ticket = ticket
        registration.offer_expires_at = None
        registration.updated_at = now
        db.add(registration)
    # The pool's row stays locked until this commit: nothing else happens in between. The
    # place in line is read after it (earlier tickets are all committed by then).
    await _release_pool(db, clock)
    return await outcome(db, registration)


async def _enter_pool(
    db: AsyncSession, session: Session, user: User, mode: Mode, now: datetime
) -> Registration:
    """PostgreSQL: the ticket, the seat if one is free, and the new registration's row, in ONE
    statement (an UPDATE of the pool's row in a CTE, feeding the INSERT): the pool's lock is
    held for that statement and the commit only, one round trip fewer than two statements."""
    taken = _taking(session, mode).cte("taken")
    status = case(
        (taken.c.last_seated == taken.c.arrivals, Status.confirmed.value),
        else_=Status.waitlisted.value,
    )
    values = sa_select(
        literal(session.id),
        literal(user.id),
        literal(mode.value),
        status,
        taken.c.arrivals,
        literal(now, UTCDateTime()),
        literal(now, UTCDateTime()),
    )
    statement = (
        insert(Registration.__table__)  # type: ignore[attr-defined]
        .from_select(
            ["session_id", "user_id", "mode", "status", "ticket", "created_at", "updated_at"],
            values,
        )
        .returning(*Registration.__table__.columns)  # type: ignore[attr-defined]
    )
    found = await rows(db, statement)
    if not found:
        await _create_pool(db, session, mode)
        found = await rows(db, statement)
    return Registration(**found[0]._mapping)


async def _offers_ran_out(db: AsyncSession, session: Session, mode: Mode, now: datetime) -> bool:
    """Whether an offer in this pool has expired (read without a lock: one that expires just
    after is passed on by the next operation; until then its holder keeps the seat)."""
    query = select(Registration.id).where(
        *_in_pool(session.id, mode, Status.offered), col(Registration.offer_expires_at) <= now
    )
    return (await db.exec(query.limit(1))).first() is not None


def _taking(session: Session, mode: Mode) -> Any:
    """The UPDATE of the pool's row that hands out the next ticket (`arrivals`) and, if one is
    free and nobody is waiting for it already, a seat (`taken`, `last_seated`), RETURNING
    both."""
    capacity = _capacity(session, mode)
    someone_waiting = exists().where(*_in_pool(session.id, mode, Status.waitlisted))
    free = (col(SeatPool.taken) < capacity) if capacity is not None else true()
    seat = and_(free, ~someone_waiting)
    statement = (
        update(SeatPool)
        .where(col(SeatPool.session_id) == session.id, col(SeatPool.mode) == mode)
        .values(
            arrivals=col(SeatPool.arrivals) + 1,
            capacity=capacity,
            taken=case((seat, col(SeatPool.taken) + 1), else_=col(SeatPool.taken)),
            last_seated=case((seat, col(SeatPool.arrivals) + 1), else_=col(SeatPool.last_seated)),
        )
        .returning(col(SeatPool.arrivals), col(SeatPool.last_seated))
    )
    return statement


async def _ticket_and_seat(db: AsyncSession, session: Session, mode: Mode) -> tuple[int, bool]:
    """In one UPDATE (which locks the pool's row): the next ticket, and a seat if one is free
    and nobody is waiting for it already. The pool is created on first use."""
    statement = _taking(session, mode)
    row = (await db.exec(statement)).first()
    if row is None:
        await _create_pool(db, session, mode)
        row = (await db.exec(statement)).one()
    arrivals, last_seated = row
    return int(arrivals), last_seated == arrivals


async def _create_pool(db: AsyncSession, session: Session, mode: Mode) -> None:
    dialect = sqlite if db.get_bind().dialect.name == "sqlite" else postgresql
    await db.exec(
        dialect.insert(SeatPool)
        .values(session_id=session.id, mode=mode, taken=0, arrivals=0, last_seated=0)
        .on_conflict_do_nothing(index_elements=["session_id", "mode"])
    )


async def _registration(db: AsyncSession, session: Session, user: User) -> Registration | None:
    query = select(Registration).where(
        Registration.session_id == session.id, Registration.user_id == user.id
    )
    return (await db.exec(query.execution_options(populate_existing=True))).first()


async def _refuse_overlap(db: AsyncSession, user: User, session: Session) -> None:
    query = (
        select(Session)
        .join(Registration, col(Registration.session_id) == Session.id)
        .where(
            Registration.user_id == user.id,
            Registration.mode == Mode.onsite,
            col(Registration.status).in_(ACTIVE),
            col(Session.id) != session.id,
            col(Session.starts_at) < session.ends_at,
            col(Session.ends_at) > session.starts_at,
        )
    )
    clash = (await db.exec(query)).first()
    if clash is not None:
        raise Conflict(
            f"mode: an on-site seat at {session.title_en!r} ({instant(session.starts_at)}–"
            f"{instant(session.ends_at)}) overlaps your on-site seat at {clash.title_en!r} "
            f"({instant(clash.starts_at)}–{instant(clash.ends_at)})",
            field="mode",
            sessions=[session.id, clash.id],
            reason="seat_overlap",
            params={**_titled(session), **_titled(clash, "other_")},
        )


async def cancel_registration(
    db: AsyncSession, clock: Clock, user: User, session: Session
) -> Outcome:
    """Give up a place; a freed seat is offered to the first in line. Commits early, to
    free the pool's lock (see `_release_pool`)."""
    await _lock_person(db, user)
    registration = await _registration(db, session, user)
    if registration is None or registration.status not in ACTIVE:
        raise Conflict(
            "session: you are not registered for this session",
            field="session",
            reason="not_registered",
        )
    now = clock.now()
    pool = await _pool(db, session, registration.mode)
    await _pass_on_expired(db, pool, now)
    await db.refresh(registration)
    held = registration.status in HOLDING_A_SEAT
    registration.status = Status.cancelled
    registration.offer_expires_at = None
    registration.updated_at = now
    db.add(registration)
    await db.flush()
    if held:
        await _pass_seat(db, pool, now)
    if session.access is Access.registered:
        # A `registered` session's room and stage were theirs by this place: taken back from
        # their open sockets too (server/realtime/recheck.py).
        revocation.access_changed(db, registration.user_id)
    await _release_pool(db, clock)
    return await outcome(db, registration)


async def accept_offer(db: AsyncSession, clock: Clock, user: User, session: Session) -> Outcome:
    """Take the seat an offer holds, while it still does. Commits early, to free the
    pool's lock (see `_release_pool`)."""
    registration = await _registration(db, session, user)
    if registration is None:
        raise Conflict(
            "session: you are not registered for this session",
            field="session",
            reason="not_registered",
        )
    now = clock.now()
    pool = await _pool(db, session, registration.mode)
    await _pass_on_expired(db, pool, now)
    await db.refresh(registration)
    if registration.status is not Status.offered:
        await _release_pool(db, clock)
        raise Conflict(
            f"session: there is no open offer for you (your registration is "
            f"{registration.status.value})",
            field="session",
            reason="no_offer",
        )
    registration.status = Status.confirmed
    registration.offer_expires_at = None
    registration.updated_at = now
    db.add(registration)
    await _release_pool(db, clock)
    return await outcome(db, registration)


# Offers made in the unit of work in progress (kept on its session), told on its commit.
_OFFERED = "pavilion.offered"


async def _release_pool(db: AsyncSession, clock: Clock) -> None:
    """Tell whoever got a seat offer in this unit (a notice, a mail with the deadline in their
    zone, a push once committed), and commit now: the pool's row stays locked until the
    commit, and on the day of a rush nothing else may wait on it (a deliberate early commit,
    see server/unit.py; the pushes go out when the unit finishes)."""
    offered: list[Registration] = db.info.pop(_OFFERED, [])
    for registration in offered:
        session = await db.get(Session, registration.session_id)
        assert session is not None and registration.offer_expires_at is not None
        forum = await db.get(Forum, session.forum_id)
        assert forum is not None
        deadline = instant(registration.offer_expires_at)
        await tell(
            db,
            clock,
            users=[registration.user_id],
            kind=NoticeKind.seat_offered,
            key=f"offer:{registration.id}:{deadline}",
            session=session_facts(forum, session),
            data={"deadline": deadline},
        )
    await db.commit()


async def _pass_on_expired(db: AsyncSession, pool: SeatPool, now: datetime) -> None:
    """Offers not taken in time expire; each passes its seat on (the pool is locked)."""
    query = (
        select(Registration)
        .where(
            *_in_pool(pool.session_id, pool.mode, Status.offered),
            col(Registration.offer_expires_at) <= now,
        )
        .order_by(col(Registration.ticket))
    )
    for stale in (await db.exec(query)).all():
        stale.status = Status.expired
        stale.updated_at = now
        db.add(stale)
        await db.flush()
        await _pass_seat(db, pool, now)


async def _pass_seat(db: AsyncSession, pool: SeatPool, now: datetime) -> None:
    """Offer a freed seat to the first in line, or give it back to the pool."""
    query = (
        select(Registration)
        .where(*_in_pool(pool.session_id, pool.mode, Status.waitlisted))
        .order_by(col(Registration.ticket))
        .limit(1)
    )
    first = (await db.exec(query)).first()
    if first is not None:
        first.status = Status.offered
        first.offer_expires_at = now + OFFER_HOLD
        first.updated_at = now
        db.add(first)
        await db.flush()
        db.info.setdefault(_OFFERED, []).append(first)
        return
    await db.exec(
        update(SeatPool).where(col(SeatPool.id) == pool.id).values(taken=col(SeatPool.taken) - 1)
    )


async def outcome(db: AsyncSession, registration: Registration) -> Outcome:
    if registration.status is not Status.waitlisted:
        return Outcome(registration, None)
    query = select(func.count()).where(
        *_in_pool(registration.session_id, registration.mode, Status.waitlisted),
        col(Registration.ticket) < registration.ticket,
    )
    ahead = (await db.exec(query)).one()
    return Outcome(registration, int(ahead) + 1)


def outcome_json(result: Outcome) -> dict[str, Any]:
    """DESIGN.md section 9: {"status", "mode", "position"} (and when an offer runs out)."""
    registration = result.registration
    expires = registration.offer_expires_at
    return {
        "session": registration.session_id,
        "status": registration.status.value,
        "mode": registration.mode.value,
        "position": result.position,
        "offer_expires_at": instant(expires) if expires else None,
    }


async def seats_left(db: AsyncSession, session: Session) -> dict[str, int | None]:
    """Free seats per mode (None: no limit), as the session page shows them."""
    query = select(SeatPool).where(SeatPool.session_id == session.id)
    pools = {pool.mode: pool for pool in (await db.exec(query)).all()}
    left: dict[str, int | None] = {}
    for mode in Mode:
        capacity = _capacity(session, mode)
        taken = pools[mode].taken if mode in pools else 0
        left[mode.value] = None if capacity is None else max(0, capacity - taken)
    return left


async def my_registration(db: AsyncSession, session: Session, user: User) -> Outcome:
    """A person's registration for a session as it stands, or NotFound."""
    query = select(Registration).where(
        Registration.session_id == session.id, Registration.user_id == user.id
    )
    registration = (await db.exec(query)).first()
    if registration is None:
        raise NotFound("registration: you have not registered for this session", field="session")
    return await outcome(db, registration)


async def attendance_list(
    db: AsyncSession, session: Session
) -> list[tuple[Registration, User, datetime | None]]:
    """The session's active registrations in order, with when each person was checked in at
    the forum (on-site only)."""
    checked = (
        select(CheckIn.at)
        .join(Badge, col(Badge.id) == CheckIn.badge_id)
        .where(Badge.user_id == Registration.user_id, Badge.forum_id == session.forum_id)
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(Registration, User, checked)
        .join(User, col(User.id) == Registration.user_id)
        .where(Registration.session_id == session.id, col(Registration.status).in_(ACTIVE))
        .order_by(col(Registration.mode), col(Registration.status), col(Registration.ticket))
    )
    return [(r, person, at) for r, person, at in (await db.exec(query)).all()]


async def attendees(db: AsyncSession, session_id: int) -> list[int]:
    """Who is registered for a session (confirmed, waitlisted or holding an offer): the
    people to tell when it moves, is cancelled or comes back."""
    query = select(Registration.user_id).where(
        Registration.session_id == session_id, col(Registration.status).in_(ACTIVE)
    )
    return sorted(set((await db.exec(query)).all()))


async def agenda(db: AsyncSession, user: User) -> list[tuple[Registration, Session]]:
    """A person's active registrations with their sessions, soonest first."""
    query = (
        select(Registration, Session)
        .join(Session, col(Session.id) == Registration.session_id)
        .where(Registration.user_id == user.id, col(Registration.status).in_(ACTIVE))
        .order_by(col(Session.starts_at), col(Session.id))
    )
    return [(r, s) for r, s in (await db.exec(query)).all()]


def clashes(items: list[tuple[Registration, Session]]) -> dict[int, list[int]]:
    """For each session in an agenda, the other sessions of it that overlap in time."""
    found: dict[int, list[int]] = {}
    for _, a in items:
        assert a.id is not None
        found[a.id] = [
            b.id
            for _, b in items
            if b.id is not None
            and b.id != a.id
            and a.starts_at < b.ends_at
            and b.starts_at < a.ends_at
        ]
    return found


async def pass_on_expired_offers(db: AsyncSession, clock: Clock) -> int:
    """Pass on every offer that ran out, in every pool (each under its pool's lock); how many
    pools had one. Safe to run on every node at once."""
    now = clock.now()
    query = (
        select(Registration.session_id, Registration.mode)
        .where(
            Registration.status == Status.offered,
            col(Registration.offer_expires_at) <= now,
        )
        .distinct()
    )
    due = (await db.exec(query)).all()
    for session_id, mode in due:
        session = await db.get(Session, session_id)
        assert session is not None
        await _pass_on_expired(db, await _pool(db, session, Mode(mode)), now)
        await _release_pool(db, clock)
    return len(due)
