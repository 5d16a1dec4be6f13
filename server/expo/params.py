"""Route parameters (and documented refusals) the showrooms' routers share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from server.http_errors import error_responses
from server.params import id_path

Slug = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9-]+$")]
RequestId = Annotated[int, id_path("The contact request's id")]
MeetingId = Annotated[int, id_path("The meeting's id")]
LeadId = Annotated[int, id_path("The lead's id")]
VisitId = Annotated[int, id_path("The visit's id")]

# The refusals of a route for a stand's staff only: not signed in, not its staff, no such stand.
STAFF_ONLY = error_responses(401, 403, 404)
