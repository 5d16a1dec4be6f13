"""Which rooms exist and who may enter them.

- `session:{id}`        a program session's room: whoever may attend it (`session.attend`);
                        a closed session's room refuses everyone else with `forbidden`
                        (the session is public knowledge, its room is not)
- `session:{id}:staff`  the same session's backstage view: moderators only
- `forum:{slug}`        a forum's announcements and program changes: anyone signed in
- `marathon:{id}`       a marathon's handovers and re-plans: anyone signed in
- `private:{token}`     a private room: its members only; anyone else gets `not_found`,
                        exactly as for a room that does not exist
- `user:{id}`           a person's own room (notices meant for them alone): that person only,
                        `not_found` for anyone else
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.accounts.permissions import Permission, allowed, held
from server.clock import Clock
from server.errors import Forbidden, NotFound
from server.marathon.models import Marathon
from server.program.models import Forum, Session
from server.rooms.models import PrivateRoom, PrivateRoomMember


class RoomKind(StrEnum):
    session = "session"
    staff = "staff"
    forum = "forum"
    marathon = "marathon"
    private = "private"
    user = "user"


@dataclass(frozen=True)
class Admission:
    """What a user is in a room, decided from the database for this one operation."""

    room: str
    kind: RoomKind
    user_id: int
    forum_id: int | None = None
    session: Session | None = None
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


_PATTERN = re.compile(
    r"^(?:session:(?P<session>\d{1,12})(?P<staff>:staff)?"
    r"|forum:(?P<forum>[a-z0-9-]{1,80})"
    r"|marathon:(?P<marathon>\d{1,12})"
    r"|private:(?P<private>[A-Za-z0-9_-]{20,43})"
    r"|user:(?P<user>\d{1,12}))$"
)


def _no_room(room: str) -> NotFound:
    return NotFound(f"room: no room {room!r}", field="room")


async def admit(db: AsyncSession, user: User, room: str) -> Admission:
    """The user's admission to `room`, or NotFound / Forbidden (see the module docstring)."""
    assert user.id is not None
    found = _PATTERN.match(room)
    if found is None:
        raise _no_room(room)
    if found["session"]:
        return await _session_room(db, user, room, int(found["session"]), bool(found["staff"]))
    if found["forum"]:
        forum = (await db.exec(select(Forum).where(Forum.slug == found["forum"]))).first()
        if forum is None:
            raise _no_room(room)
        return await _forum_room(db, user, room, RoomKind.forum, forum.id)
    if found["marathon"]:
        marathon = await db.get(Marathon, int(found["marathon"]))
        if marathon is None:
            raise _no_room(room)
        return await _forum_room(db, user, room, RoomKind.marathon, marathon.forum_id)
    if found["user"]:
        if int(found["user"]) != user.id:
            raise _no_room(room)
        return Admission(room, RoomKind.user, user.id)
    return await _private_room(db, user, room, found["private"])


async def _session_room(
    db: AsyncSession, user: User, room: str, session_id: int, staff: bool
) -> Admission:
    session = await db.get(Session, session_id)
    if session is None:
        raise _no_room(room)
    forum_id = session.forum_id
    permissions = await held(db, user, forum_id=forum_id, session=session)
    moderator = Permission.moderate in permissions
    if staff and not moderator:
        raise Forbidden("room: the backstage of a session is for its moderators")
    if Permission.attend not in permissions:
        raise Forbidden(f"session: {session.title_en!r} is by invitation only")
    organiser = Permission.manage_forum in permissions
    kind = RoomKind.staff if staff else RoomKind.session
    assert user.id is not None
    return Admission(room, kind, user.id, forum_id, session, moderator, organiser)


async def _forum_room(
    db: AsyncSession, user: User, room: str, kind: RoomKind, forum_id: int | None
) -> Admission:
    assert forum_id is not None and user.id is not None
    organiser = await allowed(db, user, Permission.manage_forum, forum_id=forum_id)
    return Admission(room, kind, user.id, forum_id, None, organiser, organiser)


async def _private_room(db: AsyncSession, user: User, room: str, token: str) -> Admission:
    query = select(PrivateRoomMember.id).where(
        PrivateRoomMember.room_id == token, PrivateRoomMember.user_id == user.id
    )
    if (await db.exec(query)).first() is None:
        raise _no_room(room)  # the same answer as for a room that does not exist
    assert user.id is not None
    return Admission(room, RoomKind.private, user.id)


async def open_private_room(
    db: AsyncSession, clock: Clock, kind: str, members: list[int], *, commit: bool = True
) -> str:
    """Create a private room for these users; its key (`private:{token}`). Commits, unless
    the caller's transaction holds more (`commit=False`)."""
    token = secrets.token_urlsafe(24)
    db.add(PrivateRoom(id=token, kind=kind, created_at=clock.now()))
    await db.flush()
    for user_id in sorted(set(members)):
        db.add(PrivateRoomMember(room_id=token, user_id=user_id))
    if commit:
        await db.commit()
    else:
        await db.flush()
    return f"private:{token}"
