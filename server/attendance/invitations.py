"""The organisers' side of invitations to closed sessions: inviting (by mail), re-sending,
revoking, listing them; and the invite page's preview and acceptance.

An invitation is mailed in the language chosen for it, with the session's time in the host
city's zone (the guest's own zone is unknown); an address that already has an account is also
told by a notice. Only a token's digest is stored, so re-sending makes a fresh token and the
old link stops working. A revoked invitation cannot be accepted, and one that had been accepted
gives no access any more: the guest's open sockets are re-checked right after the commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.accounts.service import find_user, token_digest
from server.attendance import service
from server.attendance.invites import (
    DEFAULT_LANGUAGE,
    INVITE_DAYS,
    accept,
    new_invite,
    new_token,
)
from server.attendance.models import (
    ACTIVE,
    AcceptInviteIn,
    Invite,
    InviteAccepted,
    InviteIn,
    InviteList,
    InvitePreview,
    InvitePublic,
    InviteSent,
    InviteSession,
    InviteState,
    PersonRef,
    Registration,
)
from server.attendance.permissions import Permission, allowed
from server.clock import Clock
from server.errors import Conflict, NotFound
from server.i18n import LANGUAGES, moment, span, t, with_signature
from server.instants import instant
from server.mail.outbox import queue
from server.notices import service as notices
from server.notices.models import NoticeKind
from server.program.models import Forum, Session
from server.program.service import session_facts
from server.realtime import revocation


def invite_link(public_url: str, token: str) -> str:
    """The invite page's address for a token (what the mail holds)."""
    return f"{public_url.rstrip('/')}/?invite={token}"


async def session_of(db: AsyncSession, session_id: int) -> Session:
    """The session invitations are about, or NotFound naming it."""
    found = await db.get(Session, session_id)
    if found is None:
        raise NotFound(f"session: no session {session_id}", field="session")
    return found


async def invitation(db: AsyncSession, invite_id: int) -> tuple[Invite, Session]:
    """An invitation and its session, or NotFound naming it."""
    found = await db.get(Invite, invite_id)
    if found is None:
        raise NotFound(f"invite: no invitation {invite_id}", field="invite")
    return found, await session_of(db, found.session_id)


async def send_invitation(
    db: AsyncSession,
    clock: Clock,
    public_url: str,
    organiser: User,
    session: Session,
    body: InviteIn,
) -> InviteSent:
    """Invite an address to a closed session and mail it the link; an account with that
    address is also told by a notice (pushed, not mailed twice). Refused while the address
    holds an invitation to this session that is neither used nor revoked (re-send that one).
    Commits, then announces."""
    email = body.email.strip().lower()
    await _refuse_pending(db, session, email)
    guest = await find_user(db, email)
    row, token = await new_invite(
        db,
        clock,
        session,
        email,
        name=body.name.strip() or (guest.name if guest else ""),
        language=body.language or _language_of(guest),
        invited_by=organiser.id,
    )
    return await _deliver(db, clock, public_url, row, session, token, guest)


async def resend_invitation(
    db: AsyncSession, clock: Clock, public_url: str, row: Invite, session: Session
) -> InviteSent:
    """A fresh token for an invitation nobody used (the old link stops working), valid for
    INVITE_DAYS from now, mailed again. Commits, then announces."""
    token = new_token()
    result = await db.exec(
        update(Invite)
        .where(
            col(Invite.id) == row.id,
            col(Invite.accepted_by).is_(None),
            col(Invite.revoked_at).is_(None),
        )
        .values(
            token_hash=token_digest(token), expires_at=clock.now() + timedelta(days=INVITE_DAYS)
        )
    )
    await db.refresh(row)
    if result.rowcount != 1:
        raise _settled(row)
    guest = await find_user(db, row.email)
    return await _deliver(db, clock, public_url, row, session, token, guest)


async def revoke_invitation(
    db: AsyncSession, clock: Clock, row: Invite, session: Session
) -> InvitePublic:
    """Take an invitation back: it can no longer be accepted, and a guest who accepted it
    loses access to the session at once: their registration is cancelled (its seat goes to
    the next in line) unless something else still lets them in, and their open sockets are
    re-checked after the commit. Revoking twice changes nothing."""
    result = await db.exec(
        update(Invite)
        .where(col(Invite.id) == row.id, col(Invite.revoked_at).is_(None))
        .values(revoked_at=clock.now())
    )
    await db.refresh(row)
    guest = await db.get(User, row.accepted_by) if row.accepted_by is not None else None
    newly = result.rowcount == 1 and guest is not None
    if newly and guest is not None and await _loses_seat(db, guest, row, session):
        # Commits the revoke too; the next in line is offered the seat (and told).
        await service.cancel_registration(db, clock, guest, session)
    public = await _public(db, clock, row)
    if newly and guest is not None and guest.id is not None:
        revocation.access_changed(db, guest.id)
    return public


async def _loses_seat(db: AsyncSession, guest: User, row: Invite, session: Session) -> bool:
    """Whether a guest whose invitation is revoked holds a registration they may no longer
    use (no other invitation or role lets them in)."""
    if not await _registered(db, row):
        return False
    return not await allowed(
        db, guest, Permission.attend, forum_id=session.forum_id, session=session
    )


async def list_invitations(db: AsyncSession, clock: Clock, session: Session) -> InviteList:
    """Every invitation to the session, newest first, with where each stands."""
    query = (
        select(Invite, User, Registration.id)
        .outerjoin(User, col(User.id) == Invite.accepted_by)
        .outerjoin(
            Registration,
            (col(Registration.session_id) == Invite.session_id)
            & (col(Registration.user_id) == Invite.accepted_by)
            & col(Registration.status).in_(ACTIVE),
        )
        .where(Invite.session_id == session.id)
        .order_by(col(Invite.created_at).desc(), col(Invite.id).desc())
    )
    now = clock.now()
    return InviteList(
        invites=[
            _as_public(row, guest, registration is not None, now)
            for row, guest, registration in (await db.exec(query)).all()
        ]
    )


async def preview(db: AsyncSession, clock: Clock, viewer: User | None, token: str) -> InvitePreview:
    """What the invite page shows whoever holds the link; NotFound for a token that names no
    invitation (a re-sent invitation's old token included)."""
    found = (await db.exec(select(Invite).where(Invite.token_hash == token_digest(token)))).first()
    if found is None:
        raise NotFound(
            "token: no such invitation (the link may have been replaced by a newer one)",
            field="token",
        )
    session = await session_of(db, found.session_id)
    forum = await db.get(Forum, session.forum_id)
    assert forum is not None and session.id is not None
    own = viewer is not None and viewer.email == found.email
    return InvitePreview(
        state=state_of(found, clock.now(), await _registered(db, found)),
        email=found.email if own else masked(found.email),
        session=InviteSession(
            id=session.id,
            forum=forum.slug,
            title_en=session.title_en,
            title_ru=session.title_ru,
            starts_at=instant(session.starts_at),
            ends_at=instant(session.ends_at),
            host_tz=session.host_tz,
            host_city_en=session.host_city_en,
            host_city_ru=session.host_city_ru,
        ),
        expires_at=instant(found.expires_at),
        accepted_by_me=viewer is not None and found.accepted_by == viewer.id,
    )


async def accept_invitation(
    db: AsyncSession, clock: Clock, user: User, body: AcceptInviteIn
) -> InviteAccepted:
    """Accept an invitation with its token, as `user`."""
    accepted = await accept(db, clock, user, body.token)
    return InviteAccepted(session=accepted.session_id, accepted=True)


def state_of(row: Invite, now: datetime, registered: bool) -> InviteState:
    """Revoked over used over expired: an invitation used in time stays used."""
    if row.revoked_at is not None:
        return InviteState.revoked
    if row.accepted_by is not None:
        return InviteState.registered if registered else InviteState.accepted
    if row.expires_at <= now:
        return InviteState.expired
    return InviteState.invited


def masked(email: str) -> str:
    """ "g***@example.org": enough to recognise one's own address, not to learn another's."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _language_of(guest: User | None) -> str:
    if guest is not None and guest.language in LANGUAGES:
        return guest.language
    return DEFAULT_LANGUAGE


async def _refuse_pending(db: AsyncSession, session: Session, email: str) -> None:
    query = select(Invite.id).where(
        Invite.session_id == session.id,
        Invite.email == email,
        col(Invite.accepted_by).is_(None),
        col(Invite.revoked_at).is_(None),
    )
    if (await db.exec(query)).first() is not None:
        raise Conflict(
            f"email: {email} already holds an invitation to this session; re-send it instead",
            field="email",
        )


def _settled(row: Invite) -> Conflict:
    """Why an invitation cannot be sent again."""
    if row.revoked_at is not None:
        return Conflict(
            "invite: this invitation was revoked; invite the address anew", field="invite"
        )
    return Conflict("invite: this invitation has already been accepted", field="invite")


async def _deliver(
    db: AsyncSession,
    clock: Clock,
    public_url: str,
    row: Invite,
    session: Session,
    token: str,
    guest: User | None,
) -> InviteSent:
    """Mail the invitation (and tell its account holder), mark it sent."""
    forum = await db.get(Forum, session.forum_id)
    assert forum is not None and row.id is not None
    now = clock.now()
    row.sent_at = now
    db.add(row)
    link = invite_link(public_url, token)
    _mail(db, clock, row, forum, session, link)
    if guest is not None and guest.id is not None:
        await notices.tell(
            db,
            clock,
            users=[guest.id],
            kind=NoticeKind.invited,
            key=f"invited:{row.id}:{instant(now)}",
            session=session_facts(forum, session),
            data={"invite": row.id},
            link=link,
            mail=False,  # the invitation's own mail (above) says it, with its link
        )
    public = await _public(db, clock, row)
    return InviteSent(**public.model_dump(), token=token, url=link)


def _mail(
    db: AsyncSession, clock: Clock, row: Invite, forum: Forum, session: Session, link: str
) -> None:
    """The invitation's mail, in its language, with times in the host city's zone."""
    lang = row.language if row.language in LANGUAGES else DEFAULT_LANGUAGE
    ru = lang == "ru"
    title = (session.title_ru if ru else session.title_en) or session.title_en or session.title_ru
    city = (session.host_city_ru if ru else session.host_city_en) or session.host_city_en
    hello = (
        t(lang, "invite.hello", name=row.name) if row.name else t(lang, "invite.hello.anonymous")
    )
    body = t(
        lang,
        "invite.body",
        hello=hello,
        title=title,
        forum=(forum.name_ru if ru else forum.name_en) or forum.name_en,
        when=span(session.starts_at, session.ends_at, session.host_tz, lang),
        city=t(lang, "invite.city", city=city) if city else "",
        until=moment(row.expires_at, session.host_tz, lang),
        link=link,
    )
    queue(
        db,
        clock,
        to_email=row.email,
        to_name=row.name,
        subject=t(lang, "invite.subject", title=title),
        body=with_signature(lang, body),
    )


async def _registered(db: AsyncSession, row: Invite) -> bool:
    """Whether whoever accepted the invitation holds an active registration for its session."""
    if row.accepted_by is None:
        return False
    query = select(Registration.id).where(
        Registration.session_id == row.session_id,
        Registration.user_id == row.accepted_by,
        col(Registration.status).in_(ACTIVE),
    )
    return (await db.exec(query)).first() is not None


async def _public(db: AsyncSession, clock: Clock, row: Invite) -> InvitePublic:
    guest = await db.get(User, row.accepted_by) if row.accepted_by is not None else None
    return _as_public(row, guest, await _registered(db, row), clock.now())


def _as_public(row: Invite, guest: User | None, registered: bool, now: datetime) -> InvitePublic:
    assert row.id is not None
    return InvitePublic(
        id=row.id,
        session=row.session_id,
        email=row.email,
        name=row.name,
        language="en" if row.language == "en" else "ru",
        state=state_of(row, now, registered),
        created_at=instant(row.created_at),
        sent_at=instant(row.sent_at) if row.sent_at else None,
        expires_at=instant(row.expires_at),
        accepted_at=instant(row.accepted_at) if row.accepted_at else None,
        accepted_by=(
            PersonRef(id=guest.id, name=guest.name)
            if guest is not None and guest.id is not None
            else None
        ),
        revoked_at=instant(row.revoked_at) if row.revoked_at else None,
    )
