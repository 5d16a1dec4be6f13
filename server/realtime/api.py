"""HTTP routes beside the room socket: which page origins may open it.

A browser that is refused in the handshake sees only a bare close (1006), never the 403; a
page whose socket never opens asks here, so it can say why instead of "reconnecting" for
ever (a forum served at one address but configured for another: `PAVILION_PUBLIC_URL`,
`PAVILION_ALLOWED_ORIGINS`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from server.realtime.endpoint import PATH, allowed_origins

router = APIRouter(prefix="/api/v1", tags=["rooms"])


class SocketOriginsPublic(BaseModel):
    """Where the room socket is, and the page origins that may open it."""

    path: str = Field(description="The socket's path on this server")
    origins: list[str] = Field(description="Origins (scheme://host[:port]) a page may open it from")


@router.get(
    "/realtime/origins",
    response_model=SocketOriginsPublic,
    summary="The page origins that may open the room socket",
)
async def socket_origins(request: Request) -> SocketOriginsPublic:
    return SocketOriginsPublic(
        path=PATH, origins=sorted(allowed_origins(request.app.state.settings))
    )
