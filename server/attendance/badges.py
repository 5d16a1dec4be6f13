"""Badges and check-in: a QR code carrying a token signed with Ed25519.

The token is `base64url(payload) "." base64url(signature)`; the payload names the badge, the
person and the forum. A door device holding only the public key (GET /api/v1/badges/key) can
tell a real badge from a forged one offline; the server also checks that the badge was not
revoked and that its holder still holds a confirmed on-site seat at the forum (a badge is
valid only while they do), and records the first check-in, so a second scan says when the
first one was.

A revoked badge stays revoked: its token is refused for ever, and its holder is refused a new
badge for the forum (`revoked`, with who and when) until an organiser restores the revoked
one; then the holder's next request issues a new badge with a new token.
"""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass
from datetime import datetime

import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.accounts.models import User
from server.attendance.models import (
    Badge,
    BadgeRefusal,
    BadgeRevoked,
    CheckIn,
    Mode,
    Registration,
    Status,
)
from server.attendance.permissions import Permission, require
from server.clock import Clock
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.instants import instant
from server.program.models import Forum, Session, Venue


def signing_key(secret: str) -> Ed25519PrivateKey:
    """The badge key, derived from the app's secret: every node signs and verifies alike, and
    it changes only when the secret does."""
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"pavilion badge signing key v1"
    ).derive(secret.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: Ed25519PrivateKey, badge: Badge) -> str:
    payload = json.dumps(
        {"b": badge.id, "u": badge.user_id, "f": badge.forum_id, "v": 1}, separators=(",", ":")
    ).encode()
    return f"{_b64(payload)}.{_b64(key.sign(payload))}"


def verify(public: Ed25519PublicKey, token: str) -> dict[str, int]:
    """The payload of a genuine token; Forbidden for a forged or damaged one."""
    try:
        body, signature = token.strip().split(".")
        payload = _unb64(body)
        public.verify(_unb64(signature), payload)
        data = json.loads(payload)
        return {"badge": int(data["b"]), "user": int(data["u"]), "forum": int(data["f"])}
    except (ValueError, KeyError, TypeError, InvalidSignature):
        raise Forbidden(
            "token: this is not a genuine Pavilion badge",
            field="token",
            reason=BadgeRefusal.forged,
        ) from None


async def holds_seat(db: AsyncSession, user_id: int, forum_id: int) -> bool:
    """Whether the person holds a confirmed on-site seat at a session of the forum (a
    waitlist place or an offer not yet taken is not a seat)."""
    seat = (
        select(Registration.id)
        .join(Session, col(Session.id) == Registration.session_id)
        .where(
            Registration.user_id == user_id,
            Registration.mode == Mode.onsite,
            Registration.status == Status.confirmed,
            Session.forum_id == forum_id,
        )
    )
    return (await db.exec(seat)).first() is not None


async def badge_for(db: AsyncSession, clock: Clock, user: User, forum: Forum) -> Badge:
    """The person's badge for this forum, issued on first asking. Forbidden (`revoked`) while
    their latest badge is revoked and not restored; NotFound (`no_seat`) without an on-site
    seat."""
    assert user.id is not None and forum.id is not None
    query = (
        select(Badge)
        .where(Badge.user_id == user.id, Badge.forum_id == forum.id)
        .order_by(col(Badge.id).desc())
    )
    latest = (await db.exec(query)).first()
    if latest is not None and latest.revoked_at is not None and latest.restored_at is None:
        raise Forbidden(
            "badge: an organiser revoked your badge for this forum; ask them to restore it",
            field="forum",
            reason=BadgeRefusal.revoked,
            params={"revoked_at": instant(latest.revoked_at)},
        )
    if not await holds_seat(db, user.id, forum.id):
        raise NotFound(
            "badge: badges are for people with an on-site seat",
            field="forum",
            reason=BadgeRefusal.no_seat,
        )
    if latest is None or latest.revoked_at is not None:
        latest = Badge(user_id=user.id, forum_id=forum.id, issued_at=clock.now())
        db.add(latest)
        await db.flush()
    return latest


def qr(token: str, kind: str) -> bytes:
    """The token as a QR code, `svg` or `png`."""
    out = io.BytesIO()
    segno.make(token, error="m").save(out, kind=kind, scale=6, border=2)
    return out.getvalue()


@dataclass(frozen=True)
class Admission:
    user: User
    checked_in_at: datetime
    again: bool  # scanned before: `checked_in_at` is the first scan
    sessions: list[Session]


async def check_in(
    db: AsyncSession, clock: Clock, public: Ed25519PublicKey, token: str, forum: Forum, door: str
) -> Admission:
    """Admit the badge's holder at this forum's door (a venue slug). The caller has checked
    that the scanner may check people in."""
    claim = verify(public, token)
    if claim["forum"] != forum.id:
        raise Conflict(
            "token: this badge is for another forum",
            field="token",
            reason=BadgeRefusal.other_forum,
        )
    badge = await db.get(Badge, claim["badge"])
    if badge is None or badge.user_id != claim["user"]:
        raise Forbidden(
            "token: this is not a genuine Pavilion badge",
            field="token",
            reason=BadgeRefusal.forged,
        )
    if badge.revoked_at is not None:
        raise Conflict(
            f"token: this badge was revoked at {badge.revoked_at:%Y-%m-%d %H:%M} UTC",
            field="token",
            reason=BadgeRefusal.revoked,
            params={"revoked_at": instant(badge.revoked_at)},
        )
    if not await holds_seat(db, badge.user_id, badge.forum_id):
        raise Conflict(
            "token: the badge's holder no longer holds an on-site seat at this forum",
            field="token",
            reason=BadgeRefusal.no_seat,
        )
    venue = await _door(db, forum, door)
    first, again = await _first_scan(db, clock, badge, venue)
    user = await db.get(User, badge.user_id)
    assert user is not None
    return Admission(user, first.at, again, await _seats_here(db, user, venue))


async def _first_scan(
    db: AsyncSession, clock: Clock, badge: Badge, venue: Venue
) -> tuple[CheckIn, bool]:
    """The badge's first check-in, recorded now if there is none; two doors scanning at the
    same moment meet at the unique badge_id and the later one reads the earlier."""
    query = select(CheckIn).where(CheckIn.badge_id == badge.id)
    first = (await db.exec(query)).first()
    if first is not None:
        return first, True
    assert badge.id is not None and venue.id is not None
    db.add(CheckIn(badge_id=badge.id, venue_id=venue.id, at=clock.now()))
    try:
        await db.flush()
    except IntegrityError:
        await db.rollback()
        return (await db.exec(query)).one(), True
    return (await db.exec(query)).one(), False


async def _door(db: AsyncSession, forum: Forum, slug: str) -> Venue:
    query = select(Venue).where(Venue.forum_id == forum.id, Venue.slug == slug)
    venue = (await db.exec(query)).first()
    if venue is None:
        raise Invalid(f"door: no venue {slug!r} in forum {forum.slug!r}", field="door")
    return venue


async def _seats_here(db: AsyncSession, user: User, venue: Venue) -> list[Session]:
    query = (
        select(Session)
        .join(Registration, col(Registration.session_id) == Session.id)
        .where(
            Registration.user_id == user.id,
            Registration.mode == Mode.onsite,
            Registration.status == Status.confirmed,
            Session.venue_id == venue.id,
        )
        .order_by(col(Session.starts_at))
    )
    return list((await db.exec(query)).all())


async def revoke_badge(
    db: AsyncSession, clock: Clock, user: User | None, badge_id: int
) -> BadgeRevoked:
    """Revoke a badge (the forum's organisers): the door refuses it from now on, and its
    holder gets no new badge until it is restored. Revoking it again changes nothing: the
    record keeps the first revocation."""
    badge = await _managed_badge(db, user, badge_id)
    if badge.revoked_at is None or badge.restored_at is not None:
        assert user is not None
        badge.revoked_at, badge.revoked_by = clock.now(), user.id
        badge.restored_at = badge.restored_by = None
        db.add(badge)
    return _record(badge)


async def restore_badge(
    db: AsyncSession, clock: Clock, user: User | None, badge_id: int
) -> BadgeRevoked:
    """Lift a revocation (the forum's organisers): the holder may fetch a new badge; the
    revoked token itself stays refused. Conflict (`not_revoked`) for a badge not revoked."""
    badge = await _managed_badge(db, user, badge_id)
    if badge.revoked_at is None:
        raise Conflict(
            f"badge: badge {badge_id} is not revoked", field="badge", reason="not_revoked"
        )
    if badge.restored_at is None:
        assert user is not None
        badge.restored_at, badge.restored_by = clock.now(), user.id
        db.add(badge)
    return _record(badge)


async def _managed_badge(db: AsyncSession, user: User | None, badge_id: int) -> Badge:
    badge = await db.get(Badge, badge_id)
    if badge is None:
        raise NotFound(f"badge: no badge {badge_id}", field="badge")
    await require(db, user, Permission.manage_forum, forum_id=badge.forum_id)
    return badge


def _record(badge: Badge) -> BadgeRevoked:
    assert badge.id is not None and badge.revoked_at is not None
    return BadgeRevoked(
        badge=badge.id,
        revoked_at=badge.revoked_at,
        revoked_by=badge.revoked_by,
        restored_at=badge.restored_at,
        restored_by=badge.restored_by,
    )
