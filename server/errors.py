"""Domain errors: what services raise, and the one table that maps them to HTTP and WS codes.

Services raise these; only `server/http_errors.py` turns them into responses, using the
table below, so a code means the same on every route and (later) every WS operation.
"""

from __future__ import annotations

import math
from typing import Any


class DomainError(Exception):
    """Base of every error a service may raise on purpose."""

    code = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    code = "not_found"


class Unauthorized(DomainError):
    """No credentials, or credentials that name nobody."""

    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class Conflict(DomainError):
    code = "conflict"


class RateLimited(DomainError):
    """Too many attempts; `retry_after` (seconds) says when to try again."""

    code = "rate_limited"


class Unavailable(DomainError):
    """Full for now (a node's stage at its viewer cap): try elsewhere or later."""

    code = "unavailable"


class Busy(Unavailable):
    """A bound was reached (the database's writers queued too long, too many joins at once):
    nothing was done; try again after `retry_after` seconds. Never a 500 (DESIGN.md section 2)."""

    code = "busy"

    @classmethod
    def after(cls, bound: str, wait: float, message: str) -> Busy:
        """Busy at `bound`, to come back in `wait` seconds (whole, 1 to 60), as the message
        says ("… try again in N s")."""
        seconds = max(1, math.ceil(min(wait, 60.0)))
        return cls(f"{message}; try again in {seconds} s", retry_after=seconds, bound=bound)


class Invalid(DomainError):
    """Bad input; `field` names what was wrong so a client can point at it."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message, **details)
        if field is not None:
            self.details["field"] = field


HTTP_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    Unauthorized: 401,
    Forbidden: 403,
    Conflict: 409,
    Invalid: 422,
    RateLimited: 429,
    Unavailable: 503,
}


def http_status_for(error: DomainError) -> int:
    """The HTTP status of a domain error (500 for an unmapped subclass)."""
    for kind in type(error).__mro__:
        if kind in HTTP_STATUS:
            return HTTP_STATUS[kind]
    return 500


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    """The one JSON shape of every error: {"error": {"code", "message", ...details}}."""
    return {"error": {"code": code, "message": message, **details}}
