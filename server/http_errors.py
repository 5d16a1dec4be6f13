"""The single place where errors become HTTP responses, all in one JSON shape."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.errors import DomainError, error_body, http_status_for
from server.transient import busy_for

log = logging.getLogger("pavilion.http")

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
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
    headers = {"Retry-After": str(retry)} if retry is not None else None
    body = error_body(exc.code, exc.message, **exc.details)
    return JSONResponse(body, http_status_for(exc), headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"field": _field_of(e.get("loc", ())), "message": str(e.get("msg", "invalid"))}
        for e in exc.errors()
    ]
    first = problems[0] if problems else {"field": "request", "message": "invalid request"}
    message = f"{first['field']}: {first['message']}"
    body = error_body("invalid", message, field=first["field"], problems=problems)
    return JSONResponse(body, 422)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "error")
    return JSONResponse(
        error_body(code, str(exc.detail)), exc.status_code, headers=getattr(exc, "headers", None)
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    busy = busy_for(exc, getattr(request.app.state, "metrics", None))
    if busy is not None:  # the database ran out of room outside a route (a middleware)
        return await _domain_error(request, busy)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("internal", "internal server error"), 500)


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors, validation errors and HTTP errors to `{"error": {...}}`."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
