"""Accounts: people who sign in, their server-side sessions, sign-in attempts and role grants.

Nothing secret is stored in the clear: passwords as Argon2 hashes, session tokens as SHA-256
digests (a stolen database does not let anyone sign in as anyone).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator
from pydantic import Field as PydanticField
from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from server.db import StrEnumType, UTCDateTime

# The password hash of an account made for somebody (stand staff, a granted role): it never
# matches; the person chooses a password through the mailed invitation link.
NO_PASSWORD = "!"


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_type=String(254), unique=True, index=True)  # stored lower-case
    password_hash: str
    name: str
    organisation: str = ""
    country: str = Field(default="", sa_type=String(2))
    language: str = Field(default="en", sa_type=String(2))
    tz: str = Field(default="UTC", sa_type=String(64))
    # Bumped to serialise one person's registrations (see attendance/service.py).
    lock_version: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)
    # Set on the synthetic accounts of a rehearsal (server/rehearsals/): removed when it ends.
    rehearsal_id: int | None = Field(default=None, foreign_key="rehearsal.id", index=True)
    # Kinds of notice (server/notices/) this person does not want by mail: pushed only.
    mail_off: list[str] = Field(default_factory=list, sa_type=JSON)


class AuthSession(SQLModel, table=True):
    """A signed-in browser or API client; `token_hash` is the SHA-256 of the bearer token."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(sa_type=String(64), unique=True, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginAttempt(SQLModel, table=True):
    """A sign-in being checked (`pending`) or that failed, kept for throttling per account (by
    email) and per address; one that succeeds is deleted."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_type=String(254), index=True)
    address: str = Field(sa_type=String(64), index=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    pending: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})


class PasswordTokenPurpose(StrEnum):
    invite = "invite"  # an account made for somebody (a stand's staff): choose a first password
    reset = "reset"  # "forgot my password"


class PasswordToken(SQLModel, table=True):
    """A one-time link to choose a password, mailed to the account's address; `token_hash` is
    the SHA-256 of the token in the link."""

    __tablename__ = "password_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(sa_type=String(64), unique=True)
    purpose: PasswordTokenPurpose = Field(sa_type=StrEnumType(PasswordTokenPurpose, 16))
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AccountMailKind(StrEnum):
    signup = "signup"
    reset = "reset"


class AccountMailRequest(SQLModel, table=True):
    """A sign-up or a password reset asked for an address, whether or not it has an account:
    each is recorded and answered with one queued message, so both cases do the same work;
    the rows also bound such messages per address and hour (server/accounts/signup.py)."""

    __tablename__ = "account_mail_request"

    id: int | None = Field(default=None, primary_key=True)
    kind: AccountMailKind = Field(sa_type=StrEnumType(AccountMailKind, 8))
    email: str = Field(sa_type=String(254), index=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)


class PendingSignup(SQLModel, table=True):
    """A sign-up waiting for its address to be confirmed: the account is made only when the
    link mailed there is followed (`token_hash` is the SHA-256 of its token), so signing up
    tells nobody whether the address already had an account."""

    __tablename__ = "pending_signup"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_type=String(254), index=True)
    password_hash: str
    name: str
    organisation: str = ""
    country: str = Field(default="", sa_type=String(2))
    language: str = Field(default="en", sa_type=String(2))
    tz: str = Field(default="UTC", sa_type=String(64))
    token_hash: str = Field(sa_type=String(64), unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Role(StrEnum):
    organiser = "organiser"  # of a forum
    door = "door"  # door staff of a forum: checks badges in
    moderator = "moderator"  # of a session
    speaker = "speaker"  # of a session
    exhibitor = "exhibitor"  # staff of a stand (showrooms)


class Grant(SQLModel, table=True):
    """A role held over one forum, session or stand. Read on every request, so a change
    takes effect at the next one."""

    __table_args__ = (UniqueConstraint("user_id", "role", "forum_id", "session_id", "stand"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    role: Role = Field(sa_type=StrEnumType(Role, 16))
    forum_id: int | None = Field(default=None, foreign_key="forum.id")
    session_id: int | None = Field(default=None, foreign_key="session.id")
    stand: str | None = Field(default=None, sa_type=String(80))
    granted_by: int | None = Field(default=None, foreign_key="user.id")
    granted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --- HTTP schemas ---------------------------------------------------------------------------


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _reachable(value: str) -> str:
    address = value.strip().lower()
    # The .invalid domain never receives mail (RFC 2606); rehearsal accounts live there.
    if address.rstrip(".").endswith(".invalid"):
        raise ValueError("this address cannot receive mail")
    return address


# An address somebody gives for a person (stored lower-case): one that can receive mail.
MailAddress = Annotated[
    str, PydanticField(pattern=EMAIL, max_length=254), AfterValidator(_reachable)
]


def _one_line(value: str) -> str:
    """A person's name goes into mail headers ("To: Name <address>"): a line break or another
    control character there would break every mail to them, so it is refused at the door."""
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u2029" for c in value):
        raise ValueError("a name is one line, without control characters")
    return value


# A person's name as typed: one line; required where a name must be given.
PersonName = Annotated[str, PydanticField(min_length=1, max_length=120), AfterValidator(_one_line)]
OptionalPersonName = Annotated[str, PydanticField(max_length=120), AfterValidator(_one_line)]


class SignupIn(_Input):
    email: MailAddress
    password: str = PydanticField(min_length=10, max_length=256)
    name: PersonName
    organisation: str = PydanticField(default="", max_length=200)
    country: str = PydanticField(default="", pattern=r"^([A-Z]{2})?$")
    language: str = PydanticField(default="en", pattern=r"^(en|ru)$")
    tz: str = PydanticField(default="UTC", max_length=64)
    # Signed up from a mailed invitation's page: the link to finish leads back to it.
    invite: str | None = PydanticField(default=None, pattern=r"^[A-Za-z0-9_-]{8,64}$")


class SignupConfirmIn(_Input):
    token: str = PydanticField(min_length=20, max_length=100)


class PasswordResetIn(_Input):
    email: str = PydanticField(pattern=EMAIL, max_length=254)
    # The asking page's language: that of the message to an address without an account.
    language: str = PydanticField(default="en", pattern=r"^(en|ru)$")

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()


class PasswordSetIn(_Input):
    token: str = PydanticField(min_length=20, max_length=100)
    password: str = PydanticField(min_length=10, max_length=256)


class LoginIn(_Input):
    email: str = PydanticField(min_length=3, max_length=254)
    password: str = PydanticField(min_length=1, max_length=256)


class AccountUpdate(_Input):
    """What a person changes on their account page; fields left out stay as they are."""

    name: PersonName | None = None
    language: str | None = PydanticField(default=None, pattern=r"^(en|ru)$")
    tz: str | None = PydanticField(default=None, max_length=64)
    mail_off: list[str] | None = PydanticField(default=None, max_length=32)


class PasswordChangeIn(_Input):
    current: str = PydanticField(min_length=1, max_length=256)
    password: str = PydanticField(min_length=10, max_length=256)


class RoleHeld(BaseModel):
    role: Role
    forum: int | None
    forum_slug: str | None
    session: int | None
    stand: str | None


class MePublic(BaseModel):
    id: int
    email: str
    name: str
    organisation: str
    country: str
    language: str
    tz: str
    mail_off: list[str]
    roles: list[RoleHeld]


class UserPublic(BaseModel):
    """A person's account as they (and the staff who list attendees) see it."""

    id: int
    email: str
    name: str
    organisation: str
    country: str = PydanticField(description="ISO 3166 alpha-2, or empty")
    language: str
    tz: str

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls.model_validate(user, from_attributes=True)


def user_json(user: User) -> dict[str, object]:
    return UserPublic.of(user).model_dump()


class SignedInPublic(BaseModel):
    """A new session: its bearer token (also set as the HttpOnly cookie) and whose it is."""

    token: str
    user: UserPublic


class SignupRequested(BaseModel):
    """The same answer whether or not the address has an account: a link to finish the new
    account is mailed there, or, to an account's owner, a word that someone tried."""

    email: str


class PasswordResetRequested(BaseModel):
    """The same answer whether or not the address has an account."""

    email: str
