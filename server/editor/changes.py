"""Changes to a forum's program that people are told of, and what is announced once they commit.

Cancelling a session and bringing it back are shared by the program editor (service.py) and
`pavilion program import --cancel-missing` (importer.py): each raises the session's SEQUENCE
(calendars follow), bumps the forum's program version and tells the people registered for it,
inside the caller's unit of work. The caller collects all that in a `ProgramChange` and
`announce`s it; once the unit commits, `program.changed` goes to the forum's room,
`session.status` to the room of each session whose status changed, and each notice to its
person's own room. `ChangeReason` is in server/program/models.py: the reason is part of the
program's own push.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from server.attendance.service import attendees
from server.clock import Clock
from server.errors import Conflict
from server.notices import service as notices
from server.notices.models import NoticeKind
from server.notices.service import Told
from server.program.models import ChangeReason, Forum, Session, SessionStatus
from server.program.service import bump_program_version, session_facts
from server.unit import publish_after


@dataclass
class ProgramChange:
    """What one unit of work changed in a forum's program, to announce after its commit."""

    forum: str  # the forum's slug
    reason: ChangeReason = ChangeReason.edited
    sessions: list[int] = field(default_factory=list)
    statuses: dict[int, SessionStatus] = field(default_factory=dict)
    told: list[Told] = field(default_factory=list)

    def touch(self, *session_ids: int) -> None:
        """Name sessions whose program entry changed (each once, in order)."""
        for session_id in session_ids:
            if session_id not in self.sessions:
                self.sessions.append(session_id)

    def status(self, session: Session) -> None:
        """The session's status changed: announce its new one in its room."""
        assert session.id is not None
        self.touch(session.id)
        self.statuses[session.id] = session.status


def forum_room(slug: str) -> str:
    return f"forum:{slug}"


def session_link(public_url: str, forum: Forum, session_id: int) -> str:
    """The session's page in the web app (what a notice's mail links to)."""
    return f"{public_url.rstrip('/')}/?forum={forum.slug}&session={session_id}"


async def cancel_session(
    db: AsyncSession,
    clock: Clock,
    forum: Forum,
    session: Session,
    change: ProgramChange,
    *,
    public_url: str,
) -> None:
    """Take a session out of the program (it stays listed as cancelled; registrations stand
    in case it comes back) and tell the people registered for it. The caller announces
    `change`; it goes out once the unit commits. Conflict naming `session` if it is
    cancelled already."""
    if session.status is SessionStatus.cancelled:
        raise Conflict(f"session: {_title(session)!r} is cancelled already", field="session")
    await _set_status(db, clock, forum, session, SessionStatus.cancelled, change)
    await _tell(db, clock, forum, session, change, NoticeKind.session_cancelled, public_url)


async def restore_session(
    db: AsyncSession,
    clock: Clock,
    forum: Forum,
    session: Session,
    change: ProgramChange,
    *,
    public_url: str,
) -> None:
    """Bring a cancelled session back into the program (scheduled) and tell the people
    registered for it. Conflict naming `session` unless it is cancelled."""
    if session.status is not SessionStatus.cancelled:
        raise Conflict(
            f"session: {_title(session)!r} is {session.status.value}, not cancelled",
            field="session",
        )
    await _set_status(db, clock, forum, session, SessionStatus.scheduled, change)
    await _tell(db, clock, forum, session, change, NoticeKind.session_restored, public_url)


async def _set_status(
    db: AsyncSession,
    clock: Clock,
    forum: Forum,
    session: Session,
    status: SessionStatus,
    change: ProgramChange,
) -> None:
    session.status = status
    session.sequence += 1
    session.updated_at = clock.now()
    db.add(session)
    await db.flush()
    await bump_program_version(db, forum)
    change.status(session)


_KEYS = {
    NoticeKind.session_cancelled: "cancelled",
    NoticeKind.session_restored: "restored",
    NoticeKind.session_moved: "moved",
}


async def _tell(
    db: AsyncSession,
    clock: Clock,
    forum: Forum,
    session: Session,
    change: ProgramChange,
    kind: NoticeKind,
    public_url: str,
    data: dict[str, str] | None = None,
) -> None:
    assert session.id is not None
    change.told += await notices.tell(
        db,
        clock,
        users=await attendees(db, session.id),
        kind=kind,
        key=f"{_KEYS[kind]}:{session.id}:{session.sequence}",
        session=session_facts(forum, session),
        data=data,
        link=session_link(public_url, forum, session.id),
    )


async def tell_moved(
    db: AsyncSession,
    clock: Clock,
    forum: Forum,
    session: Session,
    change: ProgramChange,
    *,
    was_starts_at: str,
    public_url: str,
) -> None:
    """Tell the people registered for a session that it has new times or a new place
    (`was_starts_at`: its start before, ISO UTC). Once per SEQUENCE: call it after raising it."""
    data = {"was_starts_at": was_starts_at}
    await _tell(db, clock, forum, session, change, NoticeKind.session_moved, public_url, data)


def announce(db: AsyncSession, change: ProgramChange) -> None:
    """Once the unit commits: `program.changed` on the forum's room and `session.status` on
    each session's room whose status changed (the notices to their people go with them:
    `notices.tell` collected those)."""
    publish_after(
        db,
        forum_room(change.forum),
        "program.changed",
        {"forum": change.forum, "sessions": list(change.sessions), "reason": change.reason.value},
    )
    for session_id, status in change.statuses.items():
        publish_after(
            db,
            f"session:{session_id}",
            "session.status",
            {"session": session_id, "status": status.value},
        )


def _title(session: Session) -> str:
    return session.title_en or session.title_ru
