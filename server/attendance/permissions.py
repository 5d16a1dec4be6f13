"""Who may do what: every route and WS handler asks here, by a named permission.

Nothing else in the code compares role strings. Grants are read from the database on every
check, so a role given or taken away counts from the next request on.

- `forum.manage`     organise a forum: plan the marathon, invite guests, see attendance
- `door.check_in`    scan badges at a forum's doors (door staff, organisers)
- `session.moderate` run a session: its stage, Q&A, polls; record a marathon delay
- `session.attend`   register for a session, get its join link, enter its room, read its
                     chat and materials: anyone signed in for an open session; for an
                     invite-only one, its invitees and its staff
- `session.attendees` see who registered (moderators, organisers)
- `session.speak`    publish to a session's stage (its speakers and moderators)

It lives in attendance (it was `accounts/permissions.py`) because an answer rests on a role
(accounts), a session's access (program) and an invitation (here): attendance is the lowest
domain that sees all three, and accounts stay below the program.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, exists
from sqlalchemy import select as sa_select
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import Grant, Role, User
from server.attendance.invites import holds_invite
from server.attendance.models import Invite
from server.errors import Forbidden, NotFound, Unauthorized
from server.program.models import Access, Session


class Permission(StrEnum):
    manage_forum = "forum.manage"
    check_in = "door.check_in"
    moderate = "session.moderate"
    attend = "session.attend"
    see_attendees = "session.attendees"
    speak = "session.speak"


async def _roles(db: AsyncSession, user: User, forum_id: int, session_id: int | None) -> set[Role]:
    """The user's roles over this forum and (if given) this session."""
    scope = [col(Grant.forum_id) == forum_id]
    if session_id is not None:
        scope.append(col(Grant.session_id) == session_id)
    query = select(Grant.role).where(Grant.user_id == user.id, or_(*scope))
    return {Role(role) for role in (await db.exec(query)).all()}


async def allowed(
    db: AsyncSession,
    user: User | None,
    permission: Permission,
    *,
    forum_id: int,
    session: Session | None = None,
) -> bool:
    """Whether `user` (None: nobody signed in) holds `permission` in this forum/session."""
    if user is None:
        return False
    roles = await _roles(db, user, forum_id, session.id if session else None)
    if Role.organiser in roles:
        return True
    if permission is Permission.check_in:
        return Role.door in roles
    if permission in (Permission.moderate, Permission.see_attendees):
        return Role.moderator in roles
    if permission is Permission.speak:
        return bool(roles & {Role.moderator, Role.speaker})
    if permission is Permission.attend:
        assert session is not None, "session.attend is asked about a session"
        if session.access is not Access.invite_only or roles & {Role.moderator, Role.speaker}:
            return True
        return await holds_invite(db, user, session)
    return False


async def held(db: AsyncSession, user: User, *, forum_id: int, session: Session) -> set[Permission]:
    """Every permission the user holds over this session (one query for the roles, one more
    only for an invitation): for hot paths that need several answers at once."""
    roles = await _roles(db, user, forum_id, session.id)
    staff = roles & {Role.organiser, Role.moderator, Role.speaker}
    open_door = session.access is not Access.invite_only or bool(staff)
    invited = not open_door and await holds_invite(db, user, session)
    return permissions_over(roles, session.access, invited=invited)


def permissions_over(roles: set[Role], access: Access, *, invited: bool) -> set[Permission]:
    """What these roles (over a session and its forum) allow in a session of this access,
    for someone who does or does not hold an accepted invitation to it."""
    if Role.organiser in roles:
        return set(Permission)
    found = {Permission.check_in} if Role.door in roles else set()
    if Role.moderator in roles:
        found |= {Permission.moderate, Permission.see_attendees, Permission.attend}
    staff = roles & {Role.moderator, Role.speaker}
    if staff:
        found.add(Permission.speak)
    if access is not Access.invite_only or staff or invited:
        found.add(Permission.attend)
    return found


def session_and_roles(*what: Any) -> Any:
    """`what` of a session (bound as `session`), each role the user (bound as `user`) holds
    over it or its forum (one row per role; one with None when none), and whether they
    accepted an invitation to it that was not revoked: one query, built once by each caller."""
    invited = exists().where(
        col(Invite.session_id) == Session.id,
        col(Invite.accepted_by) == bindparam("user"),
        col(Invite.revoked_at).is_(None),
    )
    return (
        sa_select(*what, col(Grant.role), invited.label("invited"))
        .outerjoin(
            Grant,
            (col(Grant.user_id) == bindparam("user"))
            & or_(col(Grant.forum_id) == Session.forum_id, col(Grant.session_id) == Session.id),
        )
        .where(col(Session.id) == bindparam("session"))
    )


def roles_in(found: Sequence[Any]) -> tuple[set[Role], bool]:
    """The roles and the invitation of `session_and_roles` rows (its two last columns)."""
    return {Role(row[-2]) for row in found if row[-2] is not None}, bool(found[0][-1])


_SESSION_AND_ROLES = session_and_roles(Session)


async def session_for(
    db: AsyncSession, user: User | None, session_id: int, permission: Permission
) -> tuple[Session | None, User]:
    """The session (None if there is none) and the user, if they hold `permission` over it:
    the session, the roles and the invitation read in one query. Unauthorized when nobody is
    signed in, Forbidden when the permission is missing."""
    if user is None:
        raise Unauthorized("sign in first")
    params = {"user": user.id, "session": session_id}
    found = (await db.exec(_SESSION_AND_ROLES, params=params)).all()
    if not found:
        return None, user
    session = found[0][0]
    roles, invited = roles_in(found)
    if permission not in permissions_over(roles, session.access, invited=invited):
        raise Forbidden(_refusal(permission, session))
    return session, user


async def attending(db: AsyncSession, user: User | None, session_id: int) -> tuple[Session, User]:
    """The session and the person, if they may attend it (one query); NotFound for a session
    that does not exist (before any other answer), Unauthorized, Forbidden."""
    if user is None:
        if await db.get(Session, session_id) is None:
            raise NotFound(f"session: no session {session_id}", field="session")
    session, person = await session_for(db, user, session_id, Permission.attend)
    if session is None:
        raise NotFound(f"session: no session {session_id}", field="session")
    return session, person


async def organises_a_forum(db: AsyncSession, user: User) -> bool:
    """Whether the user organises any forum (what reading a node's /metrics takes)."""
    query = select(Grant.id).where(Grant.user_id == user.id, Grant.role == Role.organiser)
    return (await db.exec(query.limit(1))).first() is not None


async def require(
    db: AsyncSession,
    user: User | None,
    permission: Permission,
    *,
    forum_id: int,
    session: Session | None = None,
) -> User:
    """The user, if allowed; Unauthorized when nobody is signed in, Forbidden otherwise."""
    if user is None:
        raise Unauthorized("sign in first")
    if not await allowed(db, user, permission, forum_id=forum_id, session=session):
        raise Forbidden(_refusal(permission, session))
    return user


def _refusal(permission: Permission, session: Session | None) -> str:
    if permission is Permission.attend and session is not None:
        return f"session: {session.title_en!r} is by invitation only"
    return f"this needs the {permission.value} permission"
