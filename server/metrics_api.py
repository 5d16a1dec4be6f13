"""`GET /metrics`: the node's figures for Prometheus, never public in production.

Who may read them: a scraper presenting `PAVILION_METRICS_TOKEN` as its bearer token, and the
organisers of a forum (signed in; `pavilion rehearse` reads them with its organiser's token).
Outside production, with no metrics token set, anyone who reaches the node may (the demo on a
laptop). A scrape asks the database nothing: figures that live there (the mail queue) are
noted by their owners as they go (the mail sweeper, every few seconds).
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from server.attendance.permissions import organises_a_forum
from server.credentials import bearer_token
from server.deps import AppSettings, CurrentUser, DbSession
from server.errors import Forbidden, Unauthorized
from server.metrics import CONTENT_TYPE, Metrics
from server.settings import Settings

router = APIRouter(tags=["health"])


def _scraper(request: Request, settings: Settings) -> bool:
    token = bearer_token(request)
    expected = settings.metrics_token
    return bool(token and expected and hmac.compare_digest(token, expected))


@router.get(
    "/metrics",
    summary="The node's figures in the Prometheus exposition format (scrapers and organisers)",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}}},
)
async def metrics(
    request: Request, user: CurrentUser, db: DbSession, settings: AppSettings
) -> Response:
    open_here = settings.environment != "production" and not settings.metrics_token
    if not (open_here or _scraper(request, settings)):
        if user is None:
            raise Unauthorized("metrics: present the metrics token or sign in as an organiser")
        if not await organises_a_forum(db, user):
            raise Forbidden("metrics: only a forum's organisers may read them")
    figures: Metrics = request.app.state.metrics
    return Response(figures.exposition(), media_type=CONTENT_TYPE)
