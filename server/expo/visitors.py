"""Who an anonymous visitor of the showrooms is, for a stand's count of unique visitors.

A signed-in visitor is their account. An anonymous one is a random id the server gives their
browser in a signed cookie on their first visit, so one browser counts once however often its
pages open. Clearing the cookie gets a new id, so one client address is given at most
`showroom_visitor_ids_per_day` of them a day; past that, the visits from that address without
a valid cookie all count as one visitor (the address itself), so pings and reloads from one
place cannot inflate a stand's unique visitors. Addresses are never stored: only an HMAC of
them, keyed with the app's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

COOKIE = "pavilion_visitor"
COOKIE_SECONDS = 365 * 24 * 3600
_ID_BYTES = 16


def _mac(secret: str, text: str) -> str:
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def new_token(secret: str) -> tuple[str, str]:
    """A fresh anonymous visitor: (its id, the signed cookie value that carries it)."""
    visitor = secrets.token_urlsafe(_ID_BYTES)
    return visitor, f"{visitor}.{_mac(secret, 'visitor:' + visitor)}"


def read_token(secret: str, value: str | None) -> str | None:
    """The visitor id a cookie value carries, if the server signed it; else None."""
    if not value or value.count(".") != 1:
        return None
    visitor, mac = value.split(".")
    good = _mac(secret, "visitor:" + visitor)
    return visitor if len(visitor) < 40 and hmac.compare_digest(mac, good) else None


def address_digest(secret: str, address: str) -> str:
    """A client address as stored: an HMAC, so the database holds no addresses."""
    return _mac(secret, "address:" + address)


@dataclass(frozen=True)
class AnonymousClient:
    """An anonymous browser asking: its address (as `address_digest`) and the visitor id its
    cookie carries (None: no valid cookie)."""

    address: str
    visitor: str | None
