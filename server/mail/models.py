"""The outbox: one row per message to deliver."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime


class OutboxMail(SQLModel, table=True):
    __tablename__ = "outbox_mail"

    id: int | None = Field(default=None, primary_key=True)
    to_email: str = Field(sa_type=String(320))
    to_name: str = Field(default="", sa_type=String(200))
    subject: str = Field(sa_type=String(300))
    body: str = Field(sa_type=Text)
    # Each {"filename", "content_type", "data"} (data in base64); calendar invitations go
    # inline as well (see outbox.message), so that mail clients offer to accept them.
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # When it is next tried; also the claim of the node that is sending it (see outbox.deliver).
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # gave up
    last_error: str | None = Field(default=None, sa_type=String(500))
