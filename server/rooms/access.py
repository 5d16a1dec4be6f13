"""Which rooms exist and who may enter them.

- `session:{id}`        a program session's room: whoever may watch it (`session.watch`);
                        a closed session's room refuses everyone else with `forbidden`
                        (the session is public knowledge, its room is not), and so does a
                        `registered` session's room anyone without a confirmed registration
- `session:{id}:staff`  the same session's backstage view: moderators only
- `forum:{slug}`        a forum's announcements and program changes: anyone signed in
- `marathon:{id}`       a marathon's handovers and re-plans: anyone signed in
- `private:{token}`     a private room: its members only; anyone else gets `not_found`,
                        exactly as for a room that does not exist
- `user:{id}`           a person's own room (notices meant for them alone): that person only,
                        `not_found` for anyone else
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import Grant, Role
from server.attendance.permissions import Permission, roles_in, session_and_roles
from server.clock import Clock
from server.db import rows
from server.errors import Forbidden, NotFound
from server.marathon.models import Marathon
from server.program.models import Access, Forum, Session
from server.realtime.person import Person
from server.rooms.models import PrivateRoom, PrivateRoomMember
from server.rooms.names import RoomKind, RoomName


@dataclass(frozen=True, slots=True)
class Admission:
    """What a user is in a room, decided from the database (in one query) for this one
    operation. Small on purpose: a socket's membership of a room keeps it."""

    room: str
    kind: RoomKind
    user_id: int
    forum_id: int | None = None
    session_id: int | None = None  # the program session, in its rooms
    moderator: bool = False  # runs this room: Q&A, polls, chat moderation, hands
    organiser: bool = False  # organises its forum: announcements

    @property
    def public_room(self) -> str:
        """The attendees' room of a session (also for its staff room)."""
        return self.room.removesuffix(":staff")

    @property
    def staff_room(self) -> str:
        return f"{self.public_room}:staff"

    def need_moderator(self) -> None:
        if not self.moderator:
            raise Forbidden("room: only the session's moderators may do this")

    def need_kind(self, *kinds: RoomKind) -> None:
        if self.kind not in kinds:
            names = ", ".join(k.value for k in kinds)
            raise NotFound(f"room: this operation exists in {names} rooms only", field="room")


def _no_room(room: str) -> NotFound:
    return NotFound(f"room: no room {room!r}", field="room")


async def admit(db: AsyncSession, user: Person, room: str) -> Admission:
    """The user's admission to `room`, or NotFound / Forbidden (see the module docstring), or
    Invalid for a name not written in its one canonical form. One query whatever the room."""
    assert user.id is not None
    name = RoomName.parse(room)  # its canonical text only (server/rooms/names.py)
    if name.kind in (RoomKind.session, RoomKind.staff):
        assert name.id is not None
        return await _session_room(db, user, room, name.id, name.kind is RoomKind.staff)
    if name.kind is RoomKind.forum:
        return await _forum_room(db, user, room, _FORUM_BY_SLUG, {"slug": name.key})
    if name.kind is RoomKind.marathon:
        return await _forum_room(db, user, room, _FORUM_OF_MARATHON, {"marathon": name.id})
    if name.kind is RoomKind.user:
        if name.id != user.id:
            raise _no_room(room)
        return Admission(room, RoomKind.user, user.id)
    assert name.key is not None
    return await _private_room(db, user, room, name.key)


# The session's forum, access and title, the user's roles over it and its forum, and their
# invitation: one query, built once, run with bound values.
_SESSION_ROOM = session_and_roles(
    col(Session.forum_id), col(Session.access), col(Session.title_en)
)

# A forum (found by `where`), and the user's organiser grant over it if any.
_FORUM = sa_select(col(Forum.id), col(Grant.id)).outerjoin(
    Grant,
    (col(Grant.forum_id) == Forum.id)
    & (col(Grant.user_id) == bindparam("user"))
    & (col(Grant.role) == Role.organiser),
)
_FORUM_BY_SLUG = _FORUM.where(col(Forum.slug) == bindparam("slug"))
_FORUM_OF_MARATHON = _FORUM.where(
    col(Forum.id) == sa_select(col(Marathon.forum_id)).where(
        col(Marathon.id) == bindparam("marathon")
    ).scalar_subquery()
)


async def _session_room(
    db: AsyncSession, user: Person, room: str, session_id: int, staff: bool
) -> Admission:
    found = await rows(db, _SESSION_ROOM, {"user": user.id, "session": session_id}, fresh=True)
    if not found:
        raise _no_room(room)
    forum_id, access, title = found[0][:3]
    permissions = roles_in(found).over(Access(access))
    moderator = Permission.moderate in permissions
    if staff and not moderator:
        raise Forbidden("room: the backstage of a session is for its moderators")
    if Permission.watch not in permissions:
        if Access(access) is Access.registered:
            raise Forbidden(
                f"session: {title!r} is for people registered for it: register first",
                reason="registration_required",
            )
        raise Forbidden(f"session: {title!r} is by invitation only", reason="invitation_required")
    organiser = Permission.manage_forum in permissions
    kind = RoomKind.staff if staff else RoomKind.session
    assert user.id is not None
    return Admission(room, kind, user.id, forum_id, session_id, moderator, organiser)


async def _forum_room(
    db: AsyncSession, user: Person, room: str, query: Any, params: dict[str, Any]
) -> Admission:
    """A forum's (or its marathon's) room: the forum, and whether the user organises it."""
    found = await rows(db, query, {"user": user.id, **params}, fresh=True)
    if not found:
        raise _no_room(room)
    forum_id, organiser_grant = found[0]
    organiser = organiser_grant is not None
    kind = RoomKind.forum if room.startswith("forum:") else RoomKind.marathon
    assert user.id is not None
    return Admission(room, kind, user.id, forum_id, None, organiser, organiser)


_PRIVATE_MEMBER = sa_select(col(PrivateRoomMember.id)).where(
    col(PrivateRoomMember.room_id) == bindparam("room"),
    col(PrivateRoomMember.user_id) == bindparam("user"),
)


async def _private_room(db: AsyncSession, user: Person, room: str, token: str) -> Admission:
    if not await rows(db, _PRIVATE_MEMBER, {"room": token, "user": user.id}, fresh=True):
        raise _no_room(room)  # the same answer as for a room that does not exist
    assert user.id is not None
    return Admission(room, RoomKind.private, user.id)


async def open_private_room(db: AsyncSession, clock: Clock, kind: str, members: list[int]) -> str:
    """Create a private room for these users, in the caller's unit of work; its key
    (`private:{token}`)."""
    token = secrets.token_urlsafe(24)
    db.add(PrivateRoom(id=token, kind=kind, created_at=clock.now()))
    await db.flush()
    for user_id in sorted(set(members)):
        db.add(PrivateRoomMember(room_id=token, user_id=user_id))
    await db.flush()
    return f"private:{token}"
