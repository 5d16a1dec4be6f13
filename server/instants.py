"""One way to write an instant on the wire: RFC 3339 in UTC, whole seconds, with a `Z`
(`2026-07-07T05:00:00Z`). Stored instants are UTC; local times (with an offset) are a view
for a place or a person and are written by `server.zones`, never by this module.

Every JSON answer and push writes an instant through `instant()` or, in a pydantic model,
as a field of type `Instant`, so a client parses one form everywhere."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

__all__ = ["Instant", "instant", "maybe_instant"]


def instant(at: datetime) -> str:
    """`at` (an aware datetime) as `YYYY-MM-DDTHH:MM:SSZ`; fractions of a second are cut."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def maybe_instant(at: datetime | None) -> str | None:
    return instant(at) if at is not None else None


Instant = Annotated[
    datetime,
    PlainSerializer(instant, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time", "example": "2026-07-07T05:00:00Z"}),
]
"""A datetime field of a response or push model, written as `instant()` writes it."""
