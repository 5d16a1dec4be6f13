"""The virtual showrooms: pavilions (a region's or a country's), their company stands, the
stands' staff and products. Imported from content packs (see server/expo/packs.py); media
files are kept in the media store under their content hash (server/expo/media.py)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import StrEnumType, UTCDateTime


class PavilionKind(StrEnum):
    region = "region"
    country = "country"


class StandSize(StrEnum):
    small = "small"
    medium = "medium"
    large = "large"


class Pavilion(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_type=String(64), unique=True, index=True)
    kind: PavilionKind = Field(sa_type=StrEnumType(PavilionKind, 16))
    host: bool = False
    position: int = 100
    name_en: str
    name_ru: str
    country: str = Field(sa_type=String(2))
    city_en: str = ""
    city_ru: str = ""
    description_en: str = ""
    description_ru: str = ""
    banner: str | None = Field(default=None, sa_type=String(128))  # a media key
    digest: str = Field(sa_type=String(64))  # of its imported content: unchanged or not
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Stand(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_type=String(64), unique=True, index=True)
    pavilion_id: int = Field(foreign_key="pavilion.id", index=True)
    name_en: str
    name_ru: str
    description_en: str
    description_ru: str
    industries: list[str] = Field(default_factory=list, sa_type=JSON)
    size: StandSize = Field(default=StandSize.medium, sa_type=StrEnumType(StandSize, 16))
    logo: str | None = Field(default=None, sa_type=String(128))  # a media key
    website: str = ""
    contacts: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    sessions: list[str] = Field(default_factory=list, sa_type=JSON)  # program session slugs
    listed: bool = True  # False once it left its pack (kept: its leads stay with it)
    digest: str = Field(sa_type=String(64))
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class StandStaff(SQLModel, table=True):
    """A person who answers for a stand: in their own zone, on duty at the listed hours."""

    __table_args__ = (UniqueConstraint("stand_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    stand_id: int = Field(foreign_key="stand.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    title_en: str = ""
    title_ru: str = ""
    tz: str = Field(sa_type=String(64))
    languages: list[str] = Field(default_factory=list, sa_type=JSON)
    # [{"days": ["mon", ...], "from": "09:00", "to": "18:00"}] in `tz`
    duty: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    position: int = 0


class Product(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("stand_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    stand_id: int = Field(foreign_key="stand.id", index=True)
    slug: str = Field(sa_type=String(64))
    position: int = 0
    name_en: str
    name_ru: str
    description_en: str
    description_ru: str
    # [{"name": {"en", "ru"}, "value"}]
    specs: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    # media keys; documents and videos: [{"title": {"en", "ru"}, "file": key | "url": ...}]
    images: list[str] = Field(default_factory=list, sa_type=JSON)
    documents: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    videos: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class SearchEntry(SQLModel, table=True):
    """One searchable thing (a stand, or one of its products) as index terms (search.py).
    On SQLite the `searchfts` FTS5 table indexes `terms` under the same rowid; on PostgreSQL a
    GIN index on its 'simple' tsvector does."""

    id: int | None = Field(default=None, primary_key=True)
    stand_id: int = Field(foreign_key="stand.id", index=True)
    product_id: int | None = Field(default=None, foreign_key="product.id")
    terms: str


class SearchTerm(SQLModel, table=True):
    """The index's vocabulary: what a mistyped query word is compared with."""

    term: str = Field(sa_type=String(100), primary_key=True)


class LeadStatus(StrEnum):
    """The exhibitor's own stage for a lead."""

    new = "new"
    contacted = "contacted"
    qualified = "qualified"
    won = "won"
    lost = "lost"


class Lead(SQLModel, table=True):
    """One visitor at one stand: every way they met (requests, chats, calls, meetings, badge
    scans) is an event of this one record. `consent` lists what of the visitor's details the
    stand's staff may see (name always: they asked to talk)."""

    __table_args__ = (UniqueConstraint("stand_id", "visitor_id"),)

    id: int | None = Field(default=None, primary_key=True)
    stand_id: int = Field(foreign_key="stand.id", index=True)
    visitor_id: int = Field(foreign_key="user.id", index=True)
    status: LeadStatus = Field(default=LeadStatus.new, sa_type=StrEnumType(LeadStatus, 16))
    consent: list[str] = Field(default_factory=list, sa_type=JSON)
    room: str | None = Field(default=None, sa_type=String(64))  # the private chat, once opened
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class LeadEventKind(StrEnum):
    """What happened in a lead's history (stored as these strings; the UI words them)."""

    contact_request = "contact_request"
    answered = "answered"
    missed = "missed"
    call = "call"
    meeting = "meeting"
    meeting_cancelled = "meeting_cancelled"
    badge_scan = "badge_scan"
    note = "note"
    status = "status"
    consent = "consent"


class MissReason(StrEnum):
    """Why a contact request was missed: a code the UI words in the viewer's language."""

    nobody_on_duty = "nobody_on_duty"  # nobody was on duty: missed at once
    no_answer = "no_answer"  # rung, but nobody answered in time


class LeadEvent(SQLModel, table=True):
    """A step in a lead's history; `data` holds what the step's kind records
    (server/expo/schemas.py: `HistoryItem`)."""

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True)
    kind: LeadEventKind = Field(sa_type=StrEnumType(LeadEventKind, 32))
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    at: datetime = Field(sa_type=UTCDateTime)


class ContactState(StrEnum):
    open = "open"
    answered = "answered"
    missed = "missed"


class ContactRequest(SQLModel, table=True):
    """ "Talk to us now": rings the stand's staff on duty until one accepts or it expires."""

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True)
    stand_id: int = Field(foreign_key="stand.id", index=True)
    state: ContactState = Field(sa_type=StrEnumType(ContactState, 16), index=True)
    message: str = ""
    rung: list[int] = Field(default_factory=list, sa_type=JSON)  # staff who were rung
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_by: int | None = Field(default=None, foreign_key="user.id")


class MeetingMode(StrEnum):
    online = "online"
    onsite = "onsite"  # at the stand, on site


class Slot(SQLModel, table=True):
    """A time a staff member offers for meetings: a UTC instant and the zone they set it in."""

    id: int | None = Field(default=None, primary_key=True)
    stand_id: int = Field(foreign_key="stand.id", index=True)
    staff_id: int = Field(foreign_key="user.id", index=True)
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    tz: str = Field(sa_type=String(64))
    mode: MeetingMode = Field(sa_type=StrEnumType(MeetingMode, 16))


class Meeting(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("slot_id"),)  # one booking per slot

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(sa_type=String(64), unique=True)
    lead_id: int = Field(foreign_key="lead.id", index=True)
    slot_id: int = Field(foreign_key="slot.id")
    staff_id: int = Field(foreign_key="user.id")
    visitor_id: int = Field(foreign_key="user.id")
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    tz: str = Field(sa_type=String(64))  # the staff member's zone
    mode: MeetingMode = Field(sa_type=StrEnumType(MeetingMode, 16))
    created_at: datetime = Field(sa_type=UTCDateTime)


class StandVisit(SQLModel, table=True):
    """A visitor's time on a stand's page: opened, then pinged while it stays open. `key`
    lets an anonymous visitor's page ping its own visit."""

    id: int | None = Field(default=None, primary_key=True)
    stand_id: int = Field(foreign_key="stand.id", index=True)
    visitor_id: int | None = Field(default=None, foreign_key="user.id")
    key: str = Field(sa_type=String(43))
    started_at: datetime = Field(sa_type=UTCDateTime, index=True)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    # Who an anonymous visitor counts as (server/expo/visitors.py): `v:<id>` from their
    # signed cookie, or `a:<address digest>` for an address past its ids of the day; and the
    # digest of the address they came from (for its limits). None for signed-in visitors.
    visitor_key: str | None = Field(default=None, sa_type=String(40), index=True)
    client: str | None = Field(default=None, sa_type=String(24), index=True)
