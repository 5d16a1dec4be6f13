"""Who may do what: every route and WS handler asks here, by a named permission.

Nothing else in the code compares role strings. Grants are read from the database on every
check, so a role given or taken away counts from the next request on.

- `forum.manage`     organise a forum: plan the marathon, invite guests, see attendance
- `door.check_in`    scan badges at a forum's doors (door staff, organisers)
- `session.moderate` run a session: its stage, Q&A, polls; record a marathon delay
- `session.attend`   register for a session, read its seats left and its materials: anyone
                     signed in for a public or `registered` session; for an invite-only one,
                     its invitees and its staff
- `session.watch`    enter its room, watch its stage (WHEP, HLS): whoever may attend a public
                     or invite-only session; for a `registered` one, only those holding a
                     confirmed registration (on site or online) and its staff
- `session.attendees` see who registered (moderators, organisers)
- `session.speak`    publish to a session's stage (its speakers and moderators)

It lives in attendance (it was `accounts/permissions.py`) because an answer rests on a role
(accounts), a session's access (program) and an invitation (here): attendance is the lowest
domain that sees all three, and accounts stay below the program.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, exists
from sqlalchemy import select as sa_select
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import Grant, Role, User
from server.attendance.invites import holds_invite
from server.attendance.models import Invite, Registration, Status
from server.errors import Forbidden, NotFound, Unauthorized
from server.program.models import Access, Session


class Permission(StrEnum):
    manage_forum = "forum.manage"
    check_in = "door.check_in"
    moderate = "session.moderate"
    attend = "session.attend"
    watch = "session.watch"
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
    if permission in (Permission.attend, Permission.watch):
        assert session is not None, f"{permission.value} is asked about a session"
        return permission in await held(db, user, forum_id=forum_id, session=session)
    return False


async def held(db: AsyncSession, user: User, *, forum_id: int, session: Session) -> set[Permission]:
    """Every permission the user holds over this session (one query for the roles, one more
    only for an invitation): for hot paths that need several answers at once."""
    roles = await _roles(db, user, forum_id, session.id)
    staff = roles & {Role.organiser, Role.moderator, Role.speaker}
    invited = not staff and session.access is Access.invite_only
    invited = invited and await holds_invite(db, user, session)
    registered = not staff and session.access is Access.registered
    registered = registered and await _holds_place(db, user, session)
    return permissions_over(roles, session.access, invited=invited, registered=registered)


async def _holds_place(db: AsyncSession, user: User, session: Session) -> bool:
    query = select(Registration.id).where(
        Registration.session_id == session.id,
        Registration.user_id == user.id,
        Registration.status == Status.confirmed,
    )
    return (await db.exec(query)).first() is not None


def permissions_over(
    roles: set[Role], access: Access, *, invited: bool, registered: bool = False
) -> set[Permission]:
    """What these roles (over a session and its forum) allow in a session of this access,
    for someone who does or does not hold an accepted invitation to it and a confirmed
    registration for it."""
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
    if Permission.attend in found and (access is not Access.registered or staff or registered):
        found.add(Permission.watch)
    return found


def session_and_roles(*what: Any) -> Any:
    """`what` of a session (bound as `session`), each role the user (bound as `user`) holds
    over it or its forum (one row per role; one with None when none), whether they accepted
    an invitation to it that was not revoked, and whether they hold a confirmed registration
    for it: one query, built once by each caller."""
    invited = exists().where(
        col(Invite.session_id) == Session.id,
        col(Invite.accepted_by) == bindparam("user"),
        col(Invite.revoked_at).is_(None),
    )
    registered = exists().where(
        col(Registration.session_id) == Session.id,
        col(Registration.user_id) == bindparam("user"),
        col(Registration.status) == Status.confirmed,
    )
    return (
        sa_select(*what, col(Grant.role), invited.label("invited"), registered.label("registered"))
        .outerjoin(
            Grant,
            (col(Grant.user_id) == bindparam("user"))
            & or_(col(Grant.forum_id) == Session.forum_id, col(Grant.session_id) == Session.id),
        )
        .where(col(Session.id) == bindparam("session"))
    )


@dataclass(frozen=True)
class Standing:
    """A person's roles over a session and its forum, whether they accepted an invitation to
    it, and whether they hold a confirmed registration for it."""

    roles: set[Role]
    invited: bool
    registered: bool

    def over(self, access: Access) -> set[Permission]:
        """What they may do in a session of this access."""
        return permissions_over(
            self.roles, access, invited=self.invited, registered=self.registered
        )


def roles_in(found: Sequence[Any]) -> Standing:
    """The standing read by `session_and_roles` rows (its three last columns)."""
    roles = {Role(row[-3]) for row in found if row[-3] is not None}
    return Standing(roles, bool(found[0][-2]), bool(found[0][-1]))


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
    if permission not in roles_in(found).over(session.access):
        raise _refusal(permission, session)
    return session, user


async def attending(db: AsyncSession, user: User | None, session_id: int) -> tuple[Session, User]:
    """The session and the person, if they may attend it (one query); NotFound for a session
    that does not exist (before any other answer), Unauthorized, Forbidden."""
    return await _present(db, user, session_id, Permission.attend)


async def viewing(db: AsyncSession, user: User | None, session_id: int) -> tuple[Session, User]:
    """The session and the person, if they may enter its room and watch its stage (one
    query): as `attending`, and for a `registered` session only with a confirmed
    registration (Forbidden, `registration_required`, without one)."""
    return await _present(db, user, session_id, Permission.watch)


async def _present(
    db: AsyncSession, user: User | None, session_id: int, permission: Permission
) -> tuple[Session, User]:
    if user is None:
        if await db.get(Session, session_id) is None:
            raise NotFound(f"session: no session {session_id}", field="session")
    session, person = await session_for(db, user, session_id, permission)
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
        raise _refusal(permission, session)
    return user


def _refusal(permission: Permission, session: Session | None) -> Forbidden:
    if session is not None and permission in (Permission.attend, Permission.watch):
        if session.access is Access.invite_only:
            return Forbidden(
                f"session: {session.title_en!r} is by invitation only",
                reason="invitation_required",
            )
        if session.access is Access.registered:
            return Forbidden(
                f"session: {session.title_en!r} is for people registered for it: register first",
                reason="registration_required",
            )
    return Forbidden(f"this needs the {permission.value} permission")
