"""Rehearsals' verbs: start one (its accounts in one go), describe it, end it (everything its
accounts left goes, see cleanup.py), and end those that expired.

Starting hashes ONE random password once, off the event loop, for all the accounts: a
rehearsal of 5,000 costs one Argon2 computation, not 5,000. The password is answered once to
the organiser who asked and kept nowhere but in its hash.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.hashing import Passwords
from server.accounts.models import Role, User
from server.accounts.service import grant
from server.attendance.models import Mode
from server.clock import Clock
from server.errors import Conflict, Invalid, NotFound
from server.marathon.models import Marathon, MarathonSegment
from server.program.models import Access, Forum, Session, SessionFormat, SessionStatus
from server.realtime.connection import CloseCode
from server.realtime.hub import Hub
from server.rehearsals import cleanup
from server.rehearsals.models import (
    Rehearsal,
    RehearsalCreated,
    RehearsalIn,
    RehearsalState,
    RehearsalStatus,
    account_email,
)

log = logging.getLogger("pavilion.rehearsals")

# Beyond its announced minutes: sign-ins under load, the report, a slow clean-up.
MARGIN = timedelta(minutes=30)
ORGANISATION = "Pavilion rehearsal"
PURGE_ATTEMPTS = 3


# --- starting -------------------------------------------------------------------------------


async def start_rehearsal(
    db: AsyncSession,
    clock: Clock,
    passwords: Passwords,
    forum: Forum,
    organiser: User,
    data: RehearsalIn,
) -> RehearsalCreated:
    """A rehearsal of a session's room with `data.attendees` accounts, one of them the
    session's moderator (so that it can run polls). The request's unit commits."""
    session = await choose_session(db, clock, forum, data.session)
    password = secrets.token_urlsafe(18)
    password_hash = await passwords.hash(password)  # before anything is written
    now = clock.now()
    assert organiser.id is not None and forum.id is not None and session.id is not None
    rehearsal = Rehearsal(
        forum_id=forum.id,
        created_by=organiser.id,
        session_id=session.id,
        attendees=data.attendees,
        created_at=now,
        expires_at=now + timedelta(minutes=data.minutes) + MARGIN,
    )
    db.add(rehearsal)
    await db.flush()
    assert rehearsal.id is not None
    emails = await _create_accounts(db, clock, rehearsal, password_hash)
    moderator = await _user(db, emails[0])
    await grant(db, moderator, Role.moderator, session_id=session.id)
    log.info("rehearsal %s: %d accounts in session %s", rehearsal.id, len(emails), session.id)
    return RehearsalCreated(
        id=rehearsal.id,
        forum=forum.slug,
        session=session.id,
        room=f"session:{session.id}",
        mode=Mode.online if session.format is not SessionFormat.onsite else Mode.onsite,
        expires_at=rehearsal.expires_at,
        password=password,
        emails=emails,
        moderator=emails[0],
    )


async def _create_accounts(
    db: AsyncSession, clock: Clock, rehearsal: Rehearsal, password_hash: str
) -> list[str]:
    """The accounts, in one multi-row insert; their addresses in order."""
    assert rehearsal.id is not None
    emails = [account_email(rehearsal.id, n) for n in range(1, rehearsal.attendees + 1)]
    rows = [
        {
            "email": email,
            "password_hash": password_hash,
            "name": f"Rehearsal attendee {n}",
            "organisation": ORGANISATION,
            "country": "",
            "language": "en",
            "tz": "UTC",
            "lock_version": 0,
            "created_at": clock.now(),
            "rehearsal_id": rehearsal.id,
        }
        for n, email in enumerate(emails, start=1)
    ]
    try:
        await db.exec(insert(User), params=rows)
    except IntegrityError:  # somebody signed up with such an address
        await db.rollback()
        raise Conflict(
            "email: an account already uses a rehearsal address; remove it first", field="email"
        ) from None
    return emails


async def _user(db: AsyncSession, email: str) -> User:
    return (await db.exec(select(User).where(User.email == email))).one()


async def choose_session(
    db: AsyncSession, clock: Clock, forum: Forum, session_id: int | None
) -> Session:
    """The session asked for (of this forum, open to registered people), else the marathon's
    live segment, else its next one, else its first; Invalid naming `session` if none."""
    if session_id is None:
        found = await _marathon_session(db, clock, forum)
        if found is None:
            raise Invalid(
                "session: the forum has no marathon segment to rehearse; name a session",
                field="session",
            )
        return found
    session = await db.get(Session, session_id)
    if session is None or session.forum_id != forum.id:
        raise Invalid(f"session: no session {session_id} in this forum", field="session")
    if session.access is Access.invite_only:
        raise Invalid(
            "session: an invitation-only session cannot be rehearsed (its accounts hold no "
            "invitation)",
            field="session",
        )
    if session.status in (SessionStatus.cancelled, SessionStatus.ended):
        raise Invalid(f"session: it is {session.status.value}", field="session")
    return session


async def _marathon_session(db: AsyncSession, clock: Clock, forum: Forum) -> Session | None:
    query = (
        select(Session)
        .join(MarathonSegment, col(MarathonSegment.session_id) == Session.id)
        .join(Marathon, col(Marathon.id) == MarathonSegment.marathon_id)
        .where(Marathon.forum_id == forum.id, Session.status != SessionStatus.cancelled)
        .order_by(col(Session.starts_at))
    )
    segments = list((await db.exec(query)).all())
    now = clock.now()
    live = [s for s in segments if s.starts_at <= now < s.ends_at]
    upcoming = [s for s in segments if s.starts_at > now]
    return next(iter(live + upcoming + segments), None)


# --- reading --------------------------------------------------------------------------------


async def rehearsal_of(db: AsyncSession, forum: Forum, rehearsal_id: int) -> Rehearsal:
    """The forum's rehearsal, or NotFound (another forum's is not this forum's business)."""
    found = await db.get(Rehearsal, rehearsal_id, populate_existing=True)
    if found is None or found.forum_id != forum.id:
        raise NotFound(f"rehearsal: no rehearsal {rehearsal_id} here", field="rehearsal")
    return found


async def describe(
    db: AsyncSession, clock: Clock, forum: str, rehearsal: Rehearsal
) -> RehearsalState:
    """Its state, and what of it remains in the database (`forum`: its forum's slug)."""
    assert rehearsal.id is not None
    if rehearsal.ended_at is not None:
        status = RehearsalStatus.ended
    elif clock.now() >= rehearsal.expires_at:
        status = RehearsalStatus.expired
    else:
        status = RehearsalStatus.running
    return RehearsalState(
        id=rehearsal.id,
        forum=forum,
        session=rehearsal.session_id,
        attendees=rehearsal.attendees,
        status=status,
        created_at=rehearsal.created_at,
        expires_at=rehearsal.expires_at,
        ended_at=rehearsal.ended_at,
        accounts=await cleanup.account_count(db, rehearsal.id),
        remaining=await cleanup.remaining(db, rehearsal.id),
    )


# --- ending ---------------------------------------------------------------------------------


async def end_rehearsal(
    db: AsyncSession, clock: Clock, rehearsal: Rehearsal, hub: Hub | None = None
) -> None:
    """Remove the rehearsal's accounts and everything they left (idempotent; safe to run
    again after a failure part way, and on two nodes at once). In steps, each committed: lock
    the accounts out and close their sockets on this node; give back their seats; then, in
    one transaction, take their votes out of real totals, delete every row, and mark the
    rehearsal ended; then tell the rooms their messages are gone (which also moves each room
    on, so no snapshot built while they were there is served again)."""
    rehearsal_id = rehearsal.id
    assert rehearsal_id is not None
    if rehearsal.ended_at is not None:
        return
    ids = await cleanup.lock_out(db, clock, rehearsal_id)
    if hub is not None:
        _disconnect(hub, ids)
    await cleanup.free_seats(db, clock, rehearsal_id)
    messages: list[tuple[str, int]] = []
    for attempt in range(1, PURGE_ATTEMPTS + 1):
        try:
            if await _claim_end(db, clock, rehearsal_id):
                messages = await cleanup.public_messages(db, rehearsal_id)
                await cleanup.correct_counters(db, rehearsal_id)
                await cleanup.purge(db, rehearsal_id)
            await db.commit()
            break
        except IntegrityError:  # an account's last request wrote something meanwhile
            await db.rollback()
            if attempt == PURGE_ATTEMPTS:
                raise
    if hub is not None:
        await _retract(hub, messages)
    await db.refresh(rehearsal)
    log.info("rehearsal %s ended: %d accounts removed", rehearsal_id, len(ids))


async def _claim_end(db: AsyncSession, clock: Clock, rehearsal_id: int) -> bool:
    """Mark it ended, first thing in the removal's transaction: this locks its row, so a
    second removal (another node's sweeper) waits, then finds it ended and corrects no
    counter twice."""
    claimed = await db.exec(
        update(Rehearsal)
        .where(col(Rehearsal.id) == rehearsal_id, col(Rehearsal.ended_at).is_(None))
        .values(ended_at=clock.now())
    )
    return bool(claimed.rowcount)


async def _retract(hub: Hub, messages: list[tuple[str, int]]) -> None:
    """`chat.deleted` for each removed message (the database is clean whatever happens)."""
    try:
        for room, message_id in messages:
            await hub.bus.publish(room, "chat.deleted", {"id": message_id})
    except Exception:  # the bus is down: rooms learn at their next snapshot
        log.warning("could not announce the removal of %d messages", len(messages), exc_info=True)


def _disconnect(hub: Hub, ids: set[int]) -> None:
    """Close the accounts' room sockets here (other nodes' fail their next operation)."""
    for connection in hub.connections:
        if connection.user_id in ids:
            connection.close(CloseCode.policy_violation, "the rehearsal ended")


async def end_expired(db: AsyncSession, clock: Clock, hub: Hub | None = None) -> int:
    """End every rehearsal past its expiry (its driver died or never cleaned up); how many."""
    query = select(Rehearsal).where(
        col(Rehearsal.ended_at).is_(None), col(Rehearsal.expires_at) <= clock.now()
    )
    due = list((await db.exec(query)).all())
    for rehearsal in due:
        await end_rehearsal(db, clock, rehearsal, hub)
    return len(due)
