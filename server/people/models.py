"""What the people and roles routes take and answer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField

from server.accounts.models import MailAddress, OptionalPersonName
from server.params import Id


class GrantableRole(StrEnum):
    """The roles an organiser gives over a forum (organiser, door) or one of its sessions."""

    organiser = "organiser"
    door = "door"
    moderator = "moderator"
    speaker = "speaker"


FORUM_ROLES = frozenset({GrantableRole.organiser, GrantableRole.door})


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Invitee(_Input):
    """Somebody reached by email; `name` and `language` are used when they have no account
    yet (the invitation mail is in `language`)."""

    email: MailAddress
    name: OptionalPersonName = ""
    language: str = PydanticField(default="ru", pattern=r"^(en|ru)$")


class GrantIn(Invitee):
    role: GrantableRole
    session: Id | None = None  # required for moderator and speaker, refused for the others


class PersonRef(BaseModel):
    id: int
    name: str
    email: str
    # No password chosen yet: the invitation mail's link has not been used.
    pending: bool


class SessionRef(BaseModel):
    id: int
    title_en: str
    title_ru: str


class GrantPublic(BaseModel):
    id: int
    role: GrantableRole
    user: PersonRef
    session: SessionRef | None
    granted_at: datetime | None
    granted_by: str | None  # the granting organiser's name


class RolesPublic(BaseModel):
    forum: str
    grants: list[GrantPublic]


class Withdrawn(BaseModel):
    withdrawn: int


class StaffIn(Invitee):
    tz: str = PydanticField(default="UTC", max_length=64)


class StaffMember(BaseModel):
    user: PersonRef
    tz: str


class StaffPublic(BaseModel):
    stand: str
    staff: list[StaffMember]


class StaffRemoved(BaseModel):
    removed: int
