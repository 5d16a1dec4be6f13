"""The STUN/TURN servers a browser's peer connection is offered (RTCPeerConnection's
`iceServers`), for the stage's pages and for 1:1 calls.

TURN relays media, so it is not open to anybody: with `--use-auth-secret` coturn accepts
time-limited credentials that the app derives from a secret it shares with coturn (the "TURN
REST API", draft-uberti-behave-turn-rest): the username is `<expiry as a Unix time>:<user id>`
and the password is base64(HMAC-SHA1(secret, username)). coturn checks the same HMAC and that the
expiry has not passed; nothing is stored on either side, and a leaked credential dies on its own.
STUN servers need no credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class IceServer(BaseModel):
    """One entry of RTCPeerConnection's `iceServers`: a STUN URL alone, or TURN URLs together
    with the time-limited credential (left out for STUN, never null)."""

    model_config = ConfigDict(extra="forbid")

    urls: str | list[str]
    username: str | None = Field(default=None, exclude_if=lambda value: value is None)
    credential: str | None = Field(default=None, exclude_if=lambda value: value is None)


class IceServersPublic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ice_servers: list[IceServer]


def is_turn(url: str) -> bool:
    return url.startswith(("turn:", "turns:"))


def turn_credential(secret: str, username: str) -> str:
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def ice_servers(
    urls: list[str], *, secret: str | None, ttl_seconds: int, user_id: int, now: datetime
) -> list[dict[str, Any]]:
    """The servers for one person, as RTCPeerConnection takes them: STUN URLs as they are,
    TURN URLs together under one credential valid for `ttl_seconds` from `now`."""
    stun = [url for url in urls if not is_turn(url)]
    turn = [url for url in urls if is_turn(url)]
    servers: list[dict[str, Any]] = [{"urls": url} for url in stun]
    if turn and secret:
        username = f"{int(now.timestamp()) + ttl_seconds}:{user_id}"
        servers.append(
            {"urls": turn, "username": username, "credential": turn_credential(secret, username)}
        )
    return servers
