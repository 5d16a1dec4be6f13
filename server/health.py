"""Liveness and readiness, for load balancers and orchestrators (no admission, no auth)."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from server import __version__
from server.errors import ErrorCode, ErrorDetail, error_body

log = logging.getLogger("pavilion.app")

router = APIRouter(tags=["health"])


class HealthPublic(BaseModel):
    status: Literal["ok"]
    version: str


class ReadyPublic(BaseModel):
    status: Literal["ready"]
    checks: dict[str, str]  # each dependency: "ok"


class NotReadyPublic(BaseModel):
    """The one error answer with more than the envelope: which dependency failed, and how."""

    error: ErrorDetail
    checks: dict[str, str]  # each dependency: "ok", or "error: <kind of failure>"


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> HealthPublic:
    return HealthPublic(status="ok", version=__version__)


@router.get(
    "/readyz",
    summary="Readiness: database and bus reachable",
    response_model=ReadyPublic,
    responses={503: {"model": NotReadyPublic, "description": "A dependency is unreachable"}},
)
async def readyz(request: Request) -> ReadyPublic | JSONResponse:
    checks: dict[str, str] = {}
    state = request.app.state
    for name, probe in (("database", state.db.ping), ("bus", state.bus.ping)):
        try:
            await probe()
            checks[name] = "ok"
        except Exception as exc:  # any failure means "not ready", and says which
            log.warning("readiness check %s failed: %s", name, exc)
            checks[name] = f"error: {type(exc).__name__}"
    if all(v == "ok" for v in checks.values()):
        return ReadyPublic(status="ready", checks=checks)
    body = {**error_body(ErrorCode.not_ready, "a dependency is unreachable"), "checks": checks}
    return JSONResponse(body, 503)
