"""WHIP (RFC 9725) and WHEP over HTTP, beyond the offer and the answer: which methods the
endpoints and resources take, the STUN/TURN servers as `Link` headers, and CORS, so that an
encoder behind a NAT, or a page of one of our origins, can publish and watch.

An endpoint (`…/whip`, `…/whep`) takes OPTIONS and POST; a resource (`…/whip/{source}`,
`…/whep/{viewer}`) takes OPTIONS and DELETE (no PATCH: the answer carries every candidate, so
there is no trickle ICE nor ICE restart). The methods RFC 9725 reserves answer 405 with `Allow`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.realtime.ice import is_turn

SDP = "application/sdp"
ENDPOINT_ALLOW = "OPTIONS, POST"
RESOURCE_ALLOW = "DELETE, OPTIONS"
# Reserved for future versions of the protocols (RFC 9725, the WHEP draft): 405 with `Allow`.
ENDPOINT_RESERVED = ["GET", "HEAD", "PUT", "PATCH"]
RESOURCE_RESERVED = ["GET", "HEAD", "POST", "PUT", "PATCH"]

_PATHS = re.compile(r"^/api/v1/stage/[^/]+/wh[ie]p(?P<resource>/[^/]+)?$")
# What a page's script sends and may read: the token, the offer's type; the resource, the
# STUN/TURN servers, and when to come back.
_REQUEST_HEADERS = b"Authorization, Content-Type"
_EXPOSED_HEADERS = b"Location, Link, Retry-After, WWW-Authenticate"
_PREFLIGHT_SECONDS = b"600"


def _quoted(value: str) -> str:
    """An RFC 9110 quoted-string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ice_server_links(servers: Iterable[dict[str, Any]]) -> list[str]:
    """`Link` header values (RFC 9725 section 4.6) for the servers one person is offered, as
    `Settings.ice_servers_for` gives them: one per URL, TURN ones with the person's username
    and credential (a password, `credential-type="password"`)."""
    links = []
    for server in servers:
        urls = server["urls"] if isinstance(server["urls"], list) else [server["urls"]]
        for url in urls:
            link = f'<{url}>; rel="ice-server"'
            if is_turn(url) and "username" in server:
                link += f"; username={_quoted(server['username'])}"
                link += f"; credential={_quoted(server['credential'])}"
                link += '; credential-type="password"'
            links.append(link)
    return links


def is_preflight(method: str, request_method: str | None) -> bool:
    """A CORS preflight (FETCH): an OPTIONS that names the method it asks about."""
    return method == "OPTIONS" and request_method is not None


class WebRtcCors:
    """CORS on the WHIP and WHEP endpoints and resources, for the app's own origins only
    (the ones its sockets and cookies accept): a preflight is told the methods and headers it
    may use, an answer (errors too) which headers a script may read. Bearer tokens only: no
    credentials mode, so a cookie never rides along on a cross-origin request."""

    def __init__(self, app: ASGIApp, origins: Iterable[str]) -> None:
        self.app = app
        self.origins = frozenset(origin.rstrip("/") for origin in origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = _PATHS.match(scope["path"]) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        origin = headers.get(b"origin", b"").decode("latin-1")
        extra = [(b"vary", b"Origin")]
        if origin.rstrip("/") in self.origins:
            extra.append((b"access-control-allow-origin", origin.encode("latin-1")))
            request_method = headers.get(b"access-control-request-method")
            if is_preflight(scope["method"], request_method and request_method.decode()):
                allow = RESOURCE_ALLOW if found["resource"] else ENDPOINT_ALLOW
                extra += [
                    (b"access-control-allow-methods", allow.encode()),
                    (b"access-control-allow-headers", _REQUEST_HEADERS),
                    (b"access-control-max-age", _PREFLIGHT_SECONDS),
                ]
            else:
                extra.append((b"access-control-expose-headers", _EXPOSED_HEADERS))

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).extend(extra)
            await send(message)

        await self.app(scope, receive, send_with_cors)
