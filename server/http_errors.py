"""The single place where errors become HTTP responses, all in one JSON shape."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.errors import DomainError, ErrorCode, ErrorPublic, error_body, http_status_for
from server.transient import busy_for

log = logging.getLogger("pavilion.http")

_STATUS_CODES = {
    400: ErrorCode.bad_request,
    401: ErrorCode.unauthorized,
    403: ErrorCode.forbidden,
    404: ErrorCode.not_found,
    405: ErrorCode.method_not_allowed,
    409: ErrorCode.conflict,
    413: ErrorCode.too_large,
    415: ErrorCode.unsupported_media_type,
    422: ErrorCode.invalid,
    429: ErrorCode.rate_limited,
}

# How to authenticate (RFC 6750): the session token that sign-up and sign-in answer.
CHALLENGE = 'Bearer realm="pavilion"'

# What each error status means on this API, for the OpenAPI document.
ERROR_STATUSES: dict[int, str] = {
    400: "The request is malformed",
    401: "Not signed in: `unauthorized`",
    403: "Signed in but not allowed (or a cookie sent from another site): `forbidden`",
    404: "Nothing of that name here: `not_found`",
    409: "It clashes with how things stand now: `conflict`",
    413: "The body is too large: `too_large`",
    415: "The body is not of a type this route takes: `unsupported_media_type`; `field` is "
    "`content-type`",
    422: "Bad input: `invalid` (or a domain code such as `no_plan`); `field` names what was wrong",
    429: "Too many attempts: `rate_limited`; try again after `retry_after` seconds",
    503: "Busy or full for now (`busy`, `unavailable`): nothing was done; try again after "
    "`retry_after` seconds (also in `Retry-After`)",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A route's (or router's) `responses=`: these error statuses, each with the one envelope."""
    return {
        status: {"model": ErrorPublic, "description": ERROR_STATUSES[status]} for status in statuses
    }


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    """("query", "tz") -> "tz"; ("body", "hosts", 0, "tz") -> "hosts[0].tz"."""
    parts = [p for p in loc if p not in ("query", "path", "body", "header", "cookie")]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "request"


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    retry = exc.details.get("retry_after")
    headers = {"Retry-After": str(retry)} if retry is not None else {}
    status = http_status_for(exc)
    if status == 401:  # RFC 9110 section 15.5.2: a 401 says how to authenticate
        headers["WWW-Authenticate"] = CHALLENGE
    body = error_body(exc.code, exc.message, **exc.details)
    return JSONResponse(body, status, headers=headers)


def _params_of(ctx: dict[str, Any] | None) -> dict[str, Any] | None:
    """A validation error's particulars (`max_length`: 200), as words and numbers only."""
    if not ctx:
        return None
    return {
        key: value if isinstance(value, int | float) else str(value)
        for key, value in ctx.items()
        if key != "error"  # the exception object itself: its words are the message
    }


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {
            "field": _field_of(e.get("loc", ())),
            "message": str(e.get("msg", "invalid")),
            "reason": str(e.get("type", "invalid")),
            "params": _params_of(e.get("ctx")),
        }
        for e in exc.errors()
    ]
    first = problems[0] if problems else {"field": "request", "message": "invalid request"}
    message = f"{first['field']}: {first['message']}"
    body = error_body(ErrorCode.invalid, message, field=first["field"], problems=problems)
    return JSONResponse(body, 422)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, ErrorCode.error)
    return JSONResponse(
        error_body(code, str(exc.detail)), exc.status_code, headers=getattr(exc, "headers", None)
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    busy = busy_for(exc, getattr(request.app.state, "metrics", None))
    if busy is not None:  # the database ran out of room outside a route (a middleware)
        return await _domain_error(request, busy)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body(ErrorCode.internal, "internal server error"), 500)


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors, validation errors and HTTP errors to `{"error": {...}}`."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
