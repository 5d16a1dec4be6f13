"""Route parameters that several domains' routers share, as `Annotated` aliases.

A shared kernel module: a router takes these from here, never from another domain's router
(tests/unit/test_layering.py). Parameters of one domain alone stay in its own `api.py`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query

ForumSlug = Annotated[str, Path(description="The forum's slug, e.g. demo-forum", max_length=80)]
SessionId = Annotated[int, Path(description="The session's id", ge=1)]
TzParam = Annotated[
    str | None,
    Query(
        description="The viewer's IANA time zone; defaults to the forum's home zone", max_length=64
    ),
]
LangParam = Annotated[Literal["en", "ru"], Query(description="Language of titles and names")]
