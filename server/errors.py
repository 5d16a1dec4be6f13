"""Domain errors: what services raise, and the one table that maps them to HTTP and WS codes.

Services raise these; only `server/http_errors.py` turns them into responses, using the
table below, so a code means the same on every route and (later) every WS operation.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorCode(StrEnum):
    """Every `error.code` an answer or a socket reply may carry: a client compares these and
    words them itself (DESIGN.md section 2)."""

    error = "error"  # an HTTP status without a code of its own
    bad_request = "bad_request"
    unauthorized = "unauthorized"
    forbidden = "forbidden"
    not_found = "not_found"
    method_not_allowed = "method_not_allowed"
    conflict = "conflict"
    too_large = "too_large"
    unsupported_media_type = "unsupported_media_type"
    invalid = "invalid"
    no_plan = "no_plan"  # the marathon planner: no relay satisfies every window
    rate_limited = "rate_limited"
    unavailable = "unavailable"
    busy = "busy"
    not_ready = "not_ready"  # /readyz: a dependency is unreachable
    internal = "internal"


class DomainError(Exception):
    """Base of every error a service may raise on purpose."""

    code: ErrorCode = ErrorCode.error

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    code = ErrorCode.not_found


class Unauthorized(DomainError):
    """No credentials, or credentials that name nobody."""

    code = ErrorCode.unauthorized


class Forbidden(DomainError):
    code = ErrorCode.forbidden


class Conflict(DomainError):
    code = ErrorCode.conflict


class RateLimited(DomainError):
    """Too many attempts; `retry_after` (seconds) says when to try again."""

    code = ErrorCode.rate_limited


class Unavailable(DomainError):
    """Full for now (a node's stage at its viewer cap): try elsewhere or later."""

    code = ErrorCode.unavailable


class Busy(Unavailable):
    """A bound was reached (the database's writers queued too long, too many joins at once):
    nothing was done; try again after `retry_after` seconds. Never a 500 (DESIGN.md section 2)."""

    code = ErrorCode.busy

    @classmethod
    def after(cls, bound: str, wait: float, message: str) -> Busy:
        """Busy at `bound`, to come back in `wait` seconds (whole, 1 to 60), as the message
        says ("… try again in N s")."""
        seconds = max(1, math.ceil(min(wait, 60.0)))
        return cls(f"{message}; try again in {seconds} s", retry_after=seconds, bound=bound)


class Invalid(DomainError):
    """Bad input; `field` names what was wrong so a client can point at it."""

    code = ErrorCode.invalid

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message, **details)
        if field is not None:
            self.details["field"] = field


class UnsupportedMediaType(Invalid):
    """A body of a type the route does not take (`field`: `content-type`), such as a WHIP offer
    not sent as application/sdp."""

    code = ErrorCode.unsupported_media_type


HTTP_STATUS: dict[type[DomainError], int] = {
    UnsupportedMediaType: 415,
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
    """The one JSON shape of every error: {"error": {"code", "message", ...details}}
    (`ErrorPublic` describes it)."""
    return {"error": {"code": code, "message": message, **details}}


# What an error's `params` may hold: words, numbers and instants (UTC ISO 8601 with `Z`).
ErrorParam = str | int | float | None


class ErrorProblem(BaseModel):
    """One thing wrong with a request's input."""

    field: str = Field(description="Where: `tz`, `hosts[0].tz`, or `request`")
    message: str
    reason: str | None = Field(
        default=None, description="What is wrong, as a code: `missing`, `string_too_long`, …"
    )
    params: dict[str, ErrorParam] | None = Field(
        default=None, description="Its particulars (`max_length`, …), for the client to word"
    )


class ErrorDetail(BaseModel):
    """What went wrong. Besides the fields below, an error may name more of its particulars
    (a refused check-in its `reason`, a planner's `host`): open on purpose, as the domain
    errors carry them (`DomainError.details`)."""

    model_config = ConfigDict(extra="allow")

    code: ErrorCode
    message: str = Field(description="For people reading logs; a client words `code` itself")
    field: str | None = Field(default=None, description="The input field that was wrong")
    reason: str | None = Field(
        default=None,
        description="A finer code the client words in the person's language (`seat_overlap`)",
    )
    params: dict[str, ErrorParam] | None = Field(
        default=None,
        description="The particulars a client words `reason` with; instants are UTC ISO 8601 "
        "with `Z`, for the client to show in the person's zone; a name in two languages comes "
        "as `title` and `title_ru`",
    )
    retry_after: int | None = Field(
        default=None, description="Seconds to wait before trying again (also `Retry-After`)"
    )
    bound: str | None = Field(default=None, description="Which bound was reached (`busy`)")
    problems: list[ErrorProblem] | None = Field(
        default=None, description="Every problem with the input (validation errors)"
    )


class ErrorPublic(BaseModel):
    """The body of every error answer: `{"error": {"code", "message", ...}}`."""

    error: ErrorDetail
