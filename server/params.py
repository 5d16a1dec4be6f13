"""Route parameters that several domains' routers share, as `Annotated` aliases.

A shared kernel module: a router takes these from here, never from another domain's router
(tests/unit/test_layering.py). Parameters of one domain alone stay in its own `api.py`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import Field

# Every id is a row's integer key, and PostgreSQL's `integer` ends at 2**31 - 1 (SQLite's at
# 2**63 - 1): a larger number names no row, and is refused as bad input (422 naming the field,
# `invalid` on the socket) before a database fails on it. Every id a client sends, in a path,
# a query, a body or a socket frame, is one of these (tests/integration/test_oversized_ids.py).
ID_MAX = 2**31 - 1

Id = Annotated[int, Field(ge=1, le=ID_MAX)]
"""An id in a JSON body or a socket frame's data."""


def id_path(description: str) -> Any:
    """A path parameter holding an id (bounded as `Id`; a query's would take `Query` alike)."""
    return Path(description=description, ge=1, le=ID_MAX)


ForumSlug = Annotated[str, Path(description="The forum's slug, e.g. demo-forum", max_length=80)]
SessionId = Annotated[int, id_path("The session's id")]
TzParam = Annotated[
    str | None,
    Query(
        description="The viewer's IANA time zone; defaults to the forum's home zone", max_length=64
    ),
]
LangParam = Annotated[Literal["en", "ru"], Query(description="Language of titles and names")]
