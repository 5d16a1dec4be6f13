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
