"""Where a request carries its sign-in token: `Authorization: Bearer`, or the session cookie
(a room socket may also give `?token=`).

A shared kernel module, so that the socket endpoint (server/realtime/), which sits below
accounts and the request dependencies, reads the same cookie the accounts' routes set."""

from __future__ import annotations

from starlette.requests import HTTPConnection

SESSION_COOKIE = "pavilion_session"


def bearer_token(request: HTTPConnection) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
