"""People and roles: the verbs.

A role is given by email. Somebody without an account gets one made for them (no password yet)
and a mail, in the language the organiser chose, with a link to choose a password; the role
counts from then on. Withdrawing a role counts at once, on open sockets too (every node re-checks
that person's rooms). Each change tells the person (`role_granted` / `role_withdrawn` notices).

The verbs that routes call authorize, write and collect what to announce (sent once the
unit of work commits, server/unit.py): a route only parses.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts import passwords
from server.accounts.models import NO_PASSWORD, Grant, PasswordTokenPurpose, Role, User
from server.accounts.service import find_user, grant
from server.attendance.permissions import Permission, require
from server.clock import Clock
from server.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from server.expo.models import Stand, StandStaff
from server.i18n import language, moment, t, with_signature
from server.mail.outbox import queue
from server.notices.models import NoticeKind
from server.notices.service import Told, tell
from server.people.models import (
    FORUM_ROLES,
    GrantableRole,
    GrantIn,
    GrantPublic,
    Invitee,
    PersonRef,
    RolesPublic,
    SessionRef,
    StaffIn,
    StaffMember,
    StaffPublic,
    StaffRemoved,
    Withdrawn,
)
from server.program.models import Forum, Person, Session, SessionPerson
from server.program.models import Role as CastRole
from server.program.service import get_forum
from server.realtime.revocation import access_changed
from server.zones import parse_zone

# The roles a program's cast gets over their session: who runs it, and who speaks in it.
CAST_ROLES = {CastRole.moderator: Role.moderator, CastRole.host: Role.moderator}


@dataclass(frozen=True)
class Scope:
    """What a role is held over, in both languages (for mail and notices): `place_*` names the
    forum (or stand), `en`/`ru` the whole scope; `tz` is the zone a new account starts in."""

    en: str
    ru: str
    place_en: str
    place_ru: str
    tz: str
    forum: Forum | None = None
    session: Session | None = None

    def words(self, lang: str) -> tuple[str, str]:
        return (self.ru, self.place_ru) if lang == "ru" else (self.en, self.place_en)


def _either(first: str, second: str) -> str:
    return first or second


def _scope(forum: Forum, session: Session | None) -> Scope:
    place_en = _either(forum.name_en, forum.name_ru)
    place_ru = _either(forum.name_ru, forum.name_en)
    if session is None:
        return Scope(place_en, place_ru, place_en, place_ru, forum.tz, forum)
    title_en = _either(session.title_en, session.title_ru)
    title_ru = _either(session.title_ru, session.title_en)
    return Scope(
        f"«{title_en}», {place_en}",
        f"«{title_ru}», {place_ru}",
        place_en,
        place_ru,
        session.host_tz,
        forum,
        session,
    )


# --- accounts for people who have none ------------------------------------------------------


async def find_or_invite(
    db: AsyncSession, clock: Clock, who: Invitee, scope: Scope, role: Role, *, public_url: str
) -> tuple[User, bool]:
    """The account with this address, or a new one (no password yet) and a mail with the link
    to choose one, saying what it is for (the caller commits); and whether it is new."""
    found = await find_user(db, who.email)
    if found is not None:
        return found, False
    user = User(
        email=who.email,
        password_hash=NO_PASSWORD,
        name=who.name or who.email.split("@")[0],
        language=who.language,
        tz=scope.tz,
        created_at=clock.now(),
    )
    db.add(user)
    await db.flush()
    token, expires = await passwords.issue(db, clock, user, PasswordTokenPurpose.invite)
    lang = language(user.language)
    what, place = scope.words(lang)
    body = t(
        lang,
        "people.body",
        name=user.name,
        role=t(lang, f"role.{role.value}"),
        scope=what,
        until=moment(expires, user.tz, lang),
        link=passwords.link(public_url, token),
    )
    queue(
        db,
        clock,
        to_email=user.email,
        to_name=user.name,
        subject=t(lang, "people.subject", place=place),
        body=with_signature(lang, body),
    )
    return user, True


async def _told_of_role(
    db: AsyncSession,
    clock: Clock,
    user: User,
    given: Grant,
    scope: Scope,
    *,
    granted: bool,
    mail: bool = True,
) -> list[Told]:
    kind = NoticeKind.role_granted if granted else NoticeKind.role_withdrawn
    assert user.id is not None and given.id is not None
    return await tell(
        db,
        clock,
        users=[user.id],
        kind=kind,
        key=f"{kind.value}:{given.id}",
        data={
            "role": given.role.value,
            "forum": scope.forum.slug if scope.forum else None,
            "scope_en": scope.en,
            "scope_ru": scope.ru,
            "session": scope.session.id if scope.session else None,
        },
        mail=mail,
    )


# --- roles over a forum and its sessions ----------------------------------------------------


# Who acts from the command line (`pavilion roles …`): whoever can run it holds the database.
async def _organiser(
    db: AsyncSession, forum_slug: str, actor: User | None, *, operator: bool = False
) -> Forum:
    forum = await get_forum(db, forum_slug)
    assert forum.id is not None
    if not operator:
        await require(db, actor, Permission.manage_forum, forum_id=forum.id)
    return forum


async def _session_of(db: AsyncSession, forum: Forum, session_id: int) -> Session:
    session = await db.get(Session, session_id)
    if session is None or session.forum_id != forum.id:
        raise NotFound(f"session: no session {session_id} in forum {forum.slug!r}", field="session")
    return session


async def roles_of_forum(
    db: AsyncSession, forum_slug: str, actor: User | None, *, operator: bool = False
) -> RolesPublic:
    """Every role held over the forum and its sessions (its organisers only; `operator`: the
    command line)."""
    forum = await _organiser(db, forum_slug, actor, operator=operator)
    return RolesPublic(forum=forum.slug, grants=await _grants(db, forum))


async def _grants(db: AsyncSession, forum: Forum, grant_id: int | None = None) -> list[GrantPublic]:
    granter = aliased(User)
    query = (
        select(Grant, User, Session, granter.name)
        .join(User, col(User.id) == Grant.user_id)
        .outerjoin(granter, col(granter.id) == Grant.granted_by)
        .outerjoin(Session, col(Session.id) == Grant.session_id)
        .where(
            (col(Grant.forum_id) == forum.id) | (col(Session.forum_id) == forum.id),
            col(Grant.role).in_([r.value for r in GrantableRole]),
        )
        .order_by(_RANK, col(Session.starts_at), col(User.name), col(Grant.id))
    )
    if grant_id is not None:
        query = query.where(col(Grant.id) == grant_id)
    return [
        GrantPublic(
            id=given.id or 0,
            role=GrantableRole(given.role.value),
            user=person_ref(user),
            session=SessionRef(id=s.id or 0, title_en=s.title_en, title_ru=s.title_ru)
            if s is not None
            else None,
            granted_at=given.granted_at,
            granted_by=by,
        )
        for given, user, s, by in (await db.exec(query)).all()
    ]


# The forum's own roles first (organisers, door staff), then each session's.
_RANK = case({role.value: rank for rank, role in enumerate(GrantableRole)}, value=col(Grant.role))


def person_ref(user: User) -> PersonRef:
    assert user.id is not None
    return PersonRef(
        id=user.id, name=user.name, email=user.email, pending=user.password_hash == NO_PASSWORD
    )


async def grant_role(
    db: AsyncSession,
    clock: Clock,
    forum_slug: str,
    actor: User | None,
    data: GrantIn,
    *,
    public_url: str,
    operator: bool = False,
) -> GrantPublic:
    """Give a role by email (organisers of the forum only; `operator`: the command line);
    the person is told once the unit commits."""
    forum = await _organiser(db, forum_slug, actor, operator=operator)
    session = await _role_scope(db, forum, data)
    scope = _scope(forum, session)
    role = Role(data.role.value)
    user, made = await find_or_invite(db, clock, data, scope, role, public_url=public_url)
    given, _ = await _give(db, clock, user, role, scope, actor, mail=not made)
    assert user.id is not None and given.id is not None
    access_changed(db, user.id)
    return (await _grants(db, forum, given.id))[0]


async def _role_scope(db: AsyncSession, forum: Forum, data: GrantIn) -> Session | None:
    if data.role in FORUM_ROLES:
        if data.session is not None:
            raise Invalid(
                f"session: a {data.role.value} role is held over the whole forum, not a session",
                field="session",
            )
        return None
    if data.session is None:
        raise Invalid(f"session: say which session the {data.role.value} is for", field="session")
    return await _session_of(db, forum, data.session)


async def _give(
    db: AsyncSession,
    clock: Clock,
    user: User,
    role: Role,
    scope: Scope,
    actor: User | None,
    *,
    mail: bool = True,
) -> tuple[Grant, list[Told]]:
    """The grant (made if new, with who gave it and when) and the notice of a new one (not
    mailed to an account made just now: its invitation says it)."""
    forum_id = scope.forum.id if scope.forum and scope.session is None else None
    session_id = scope.session.id if scope.session else None
    before = await db.exec(
        select(func.count()).where(
            Grant.user_id == user.id,
            Grant.role == role,
            Grant.forum_id == forum_id,
            Grant.session_id == session_id,
        )
    )
    existed = before.one() > 0
    given = await grant(db, user, role, forum_id=forum_id, session_id=session_id)
    if existed:
        return given, []
    given.granted_by = actor.id if actor else None
    given.granted_at = clock.now()
    db.add(given)
    await db.flush()
    return given, await _told_of_role(db, clock, user, given, scope, granted=True, mail=mail)


async def withdraw_role(
    db: AsyncSession,
    clock: Clock,
    forum_slug: str,
    actor: User | None,
    grant_id: int,
    *,
    operator: bool = False,
) -> Withdrawn:
    """Take a role back (organisers of the forum only; `operator`: the command line): it stops
    working at once, on the person's open sockets too. The forum's last organiser stays
    (somebody must run it)."""
    forum = await _organiser(db, forum_slug, actor, operator=operator)
    given = await db.get(Grant, grant_id)
    session = await db.get(Session, given.session_id) if given and given.session_id else None
    in_forum = given is not None and (
        given.forum_id == forum.id or (session is not None and session.forum_id == forum.id)
    )
    if given is None or not in_forum or given.role.value not in GrantableRole.__members__:
        raise NotFound(f"grant: no role {grant_id} in forum {forum.slug!r}", field="grant")
    if given.role is Role.organiser and await _organisers(db, forum) <= 1:
        raise Conflict("grant: the forum's last organiser cannot be withdrawn", field="grant")
    user = await db.get(User, given.user_id)
    assert user is not None and user.id is not None
    await _told_of_role(db, clock, user, given, _scope(forum, session), granted=False)
    await db.delete(given)
    access_changed(db, user.id)
    return Withdrawn(withdrawn=grant_id)


async def _organisers(db: AsyncSession, forum: Forum) -> int:
    query = select(func.count()).where(Grant.forum_id == forum.id, Grant.role == Role.organiser)
    return int((await db.exec(query)).one())


# --- the program's people -------------------------------------------------------------------


async def link_people(
    db: AsyncSession, clock: Clock, forum: Forum, *, public_url: str
) -> list[Told]:
    """Link every person of the forum's program who has an email to an account (inviting one
    by mail when there is none), and give each the roles of their casts: moderators (and hosts)
    moderate their sessions, everyone else in a cast speaks in it. Roles are only added here;
    their notices are pushed once the unit commits."""
    people = (
        await db.exec(select(Person).where(Person.forum_id == forum.id, col(Person.email) != ""))
    ).all()
    told: list[Told] = []
    for person in people:
        casts = (
            await db.exec(
                select(SessionPerson, Session)
                .join(Session, col(Session.id) == SessionPerson.session_id)
                .where(SessionPerson.person_id == person.id)
                .order_by(col(Session.starts_at))
            )
        ).all()
        first = casts[0][1] if casts else None
        role = CAST_ROLES.get(casts[0][0].role, Role.speaker) if casts else Role.speaker
        russian = bool(person.name_ru) and (not person.name_en or person.country == "RU")
        who = Invitee(
            email=person.email,
            name=person.name_ru if russian else _either(person.name_en, person.name_ru),
            language="ru" if russian else "en",
        )
        user, made = await find_or_invite(
            db, clock, who, _scope(forum, first), role, public_url=public_url
        )
        if person.user_id != user.id:
            person.user_id = user.id
            db.add(person)
        for cast, session in casts:
            cast_role = CAST_ROLES.get(cast.role, Role.speaker)
            scope = _scope(forum, session)
            _, more = await _give(db, clock, user, cast_role, scope, None, mail=not made)
            told += more
    await db.flush()
    return told


# --- a stand's own staff --------------------------------------------------------------------


async def _staff_stand(db: AsyncSession, slug: str, actor: User | None) -> Stand:
    if actor is None:
        raise Unauthorized("sign in first")
    stand = (await db.exec(select(Stand).where(Stand.slug == slug))).first()
    if stand is None:
        raise NotFound(f"stand: no stand {slug!r}", field="stand")
    mine = await db.exec(
        select(StandStaff.id).where(StandStaff.stand_id == stand.id, StandStaff.user_id == actor.id)
    )
    if mine.first() is None:
        raise Forbidden("stand: only the stand's own staff manage its team")
    return stand


async def stand_staff(db: AsyncSession, slug: str, actor: User | None) -> StaffPublic:
    """The stand's team, as its own staff see it."""
    stand = await _staff_stand(db, slug, actor)
    return await _team(db, stand)


async def _team(db: AsyncSession, stand: Stand) -> StaffPublic:
    query = (
        select(StandStaff, User)
        .join(User, col(User.id) == StandStaff.user_id)
        .where(StandStaff.stand_id == stand.id)
        .order_by(col(StandStaff.position), col(StandStaff.id))
    )
    members = [
        StaffMember(user=person_ref(user), tz=row.tz) for row, user in (await db.exec(query)).all()
    ]
    return StaffPublic(stand=stand.slug, staff=members)


async def add_staff(
    db: AsyncSession,
    clock: Clock,
    slug: str,
    actor: User | None,
    data: StaffIn,
    *,
    public_url: str,
) -> StaffPublic:
    """A colleague joins the stand's team (its staff only); somebody without an account is
    invited by mail."""
    stand = await _staff_stand(db, slug, actor)
    parse_zone(data.tz, field="tz")
    name_en, name_ru = _either(stand.name_en, stand.name_ru), _either(stand.name_ru, stand.name_en)
    scope = Scope(name_en, name_ru, name_en, name_ru, data.tz)
    user, _ = await find_or_invite(db, clock, data, scope, Role.exhibitor, public_url=public_url)
    present = await db.exec(
        select(StandStaff.id).where(StandStaff.stand_id == stand.id, StandStaff.user_id == user.id)
    )
    if present.first() is not None:
        raise Conflict(f"email: {data.email} is already on the team", field="email")
    last = await db.exec(
        select(func.max(StandStaff.position)).where(StandStaff.stand_id == stand.id)
    )
    assert stand.id is not None and user.id is not None
    db.add(
        StandStaff(
            stand_id=stand.id,
            user_id=user.id,
            tz=data.tz,
            languages=[data.language],
            position=(last.one() or 0) + 1,
        )
    )
    access_changed(db, user.id)
    return await _team(db, stand)


async def remove_staff(
    db: AsyncSession, slug: str, actor: User | None, user_id: int
) -> StaffRemoved:
    """A member leaves the stand's team (its staff only; somebody must stay)."""
    stand = await _staff_stand(db, slug, actor)
    rows = (await db.exec(select(StandStaff).where(StandStaff.stand_id == stand.id))).all()
    row = next((r for r in rows if r.user_id == user_id), None)
    if row is None:
        raise NotFound(f"user: {user_id} is not on the stand's team", field="user")
    if len(rows) == 1:
        raise Conflict("user: the stand's last staff member stays", field="user")
    await db.delete(row)
    access_changed(db, user_id)
    return StaffRemoved(removed=user_id)
