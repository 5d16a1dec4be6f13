"""Signing up without telling who has an account.

A sign-up answers the same whatever the address: the password is hashed (Argon2, once), the
request is recorded and one message is queued. To an address without an account goes a link
that makes the account and signs in (the account exists only from then on); to an account's
owner goes a word that somebody tried to sign up with their address. A password reset works
alike (server/accounts/passwords.py): a known and an unknown address each get one message.

Each address gets at most MAX_MAILS_PER_HOUR such messages of a kind; past that, requests are
still answered the same (and still hash), but nothing more is sent.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.hashing import Passwords
from server.accounts.models import (
    AccountMailKind,
    AccountMailRequest,
    PendingSignup,
    SignupIn,
    User,
)
from server.accounts.service import SignedIn, find_user, open_session, token_digest
from server.clock import Clock
from server.errors import Invalid
from server.i18n import language, moment, t, with_signature
from server.mail.outbox import queue, undeliverable
from server.zones import parse_zone

LIFETIME = timedelta(hours=24)
MAX_MAILS_PER_HOUR = 3


async def may_mail(db: AsyncSession, clock: Clock, kind: AccountMailKind, email: str) -> bool:
    """Record a request of this kind for the address; whether a message may go (under the
    hourly bound). The same statements run whether or not the address has an account. An
    address that can never receive mail (a rehearsal's, in .invalid) records nothing."""
    if undeliverable(email):
        return False
    now = clock.now()
    recent = (
        await db.exec(
            select(func.count()).where(
                AccountMailRequest.kind == kind,
                AccountMailRequest.email == email,
                col(AccountMailRequest.at) > now - timedelta(hours=1),
            )
        )
    ).one()
    db.add(AccountMailRequest(kind=kind, email=email, at=now))
    return recent < MAX_MAILS_PER_HOUR


def page(public_url: str, view: str, token: str | None = None) -> str:
    """A link to one of the app's account pages."""
    tail = f"&token={token}" if token else ""
    return f"{public_url.rstrip('/')}/?view={view}{tail}"


async def request_sign_up(
    db: AsyncSession, clock: Clock, passwords: Passwords, data: SignupIn, public_url: str
) -> None:
    """Answer a sign-up (the caller commits): a link to finish it is queued to a new address,
    a word that someone tried to an account's owner. The password is hashed first in both
    cases, outside any transaction."""
    parse_zone(data.tz, field="tz")
    password_hash = await passwords.hash(data.password)
    owner = await find_user(db, data.email)
    if not await may_mail(db, clock, AccountMailKind.signup, data.email):
        return
    if owner is not None:
        _tell_owner(db, clock, owner, public_url)
        return
    token = secrets.token_urlsafe(32)
    pending = PendingSignup(
        **data.model_dump(exclude={"password", "invite"}),
        password_hash=password_hash,
        token_hash=token_digest(token),
        created_at=clock.now(),
        expires_at=clock.now() + LIFETIME,
    )
    db.add(pending)
    lang = language(data.language)
    until = moment(pending.expires_at, data.tz, lang)
    finish = page(public_url, "signup", token) + (f"&invite={data.invite}" if data.invite else "")
    body = t(lang, "signup.body", name=data.name, until=until, link=finish)
    queue(
        db,
        clock,
        to_email=data.email,
        to_name=data.name,
        subject=t(lang, "signup.subject"),
        body=with_signature(lang, body),
    )


def _tell_owner(db: AsyncSession, clock: Clock, owner: User, public_url: str) -> None:
    lang = language(owner.language)
    body = t(
        lang,
        "signup.taken.body",
        name=owner.name,
        signin=page(public_url, "signin"),
        forgot=page(public_url, "forgot"),
    )
    queue(
        db,
        clock,
        to_email=owner.email,
        to_name=owner.name,
        subject=t(lang, "signup.taken.subject"),
        body=with_signature(lang, body),
    )


async def confirm_sign_up(db: AsyncSession, clock: Clock, token: str) -> SignedIn:
    """Make the account a mailed sign-up link stands for, and sign in (the caller commits).
    Invalid (`token`) for a link that expired, was used, or whose address has meanwhile got an
    account; the address's other pending sign-ups end with it."""
    now = clock.now()
    query = select(PendingSignup).where(
        PendingSignup.token_hash == token_digest(token),
        col(PendingSignup.used_at).is_(None),
        col(PendingSignup.expires_at) > now,
    )
    pending = (await db.exec(query)).first()
    if pending is None or await find_user(db, pending.email) is not None:
        raise _gone()
    await db.exec(
        update(PendingSignup)
        .where(col(PendingSignup.email) == pending.email, col(PendingSignup.used_at).is_(None))
        .values(used_at=now)
    )
    user = User(
        **pending.model_dump(
            include={"email", "password_hash", "name", "organisation", "country", "language", "tz"}
        ),
        created_at=now,
    )
    db.add(user)
    try:
        await db.flush()
    except IntegrityError:  # the same address confirmed a moment ago, in another request
        await db.rollback()
        raise _gone() from None
    return await open_session(db, clock, user)


def _gone() -> Invalid:
    return Invalid(
        "token: this link has expired or has been used; sign up again or sign in",
        field="token",
    )
