"""The app's own surface: health, readiness, OpenAPI, error shape and request ids."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from server.app import create_app
from server.settings import Settings


async def test_healthz_answers_with_the_version(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert (response.status_code, response.json()["status"]) == (200, "ok")


async def test_readyz_reports_each_dependency(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.json() == {"status": "ready", "checks": {"database": "ok", "bus": "ok"}}


async def test_readyz_is_503_naming_the_database_when_it_is_unreachable(settings: Settings) -> None:
    # A PostgreSQL nobody listens for (port 1): refused at once, as when the database is down.
    # (A failing SQLite connect would leave aiosqlite's worker thread behind.)
    # No marathon runner: its connection attempts, cut off at shutdown, would outlive this
    # test's event loop.
    down = "postgresql+asyncpg://pavilion@127.0.0.1:1/pavilion"
    broken = settings.model_copy(update={"database_url": down, "marathon_runner": False})
    app = create_app(broken)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as c:
            response = await c.get("/readyz")

    body = response.json()
    assert response.status_code == 503
    assert (body["error"]["code"], body["checks"]["bus"]) == ("not_ready", "ok")
    assert body["checks"]["database"].startswith("error: ")


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI keeps those nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        nested = getattr(route, "original_router", None) or getattr(route, "app", None)
        if nested is not None and hasattr(nested, "routes"):
            yield from api_routes(nested.routes)


async def test_openapi_describes_every_route(client: httpx.AsyncClient, settings: Settings) -> None:
    document = (await client.get("/openapi.json")).json()
    app = create_app(settings)
    # Left out on purpose only (include_in_schema=False): WHIP's and WHEP's OPTIONS and the
    # methods they reserve (405), plumbing of HTTP rather than operations.
    routes = {
        (method.lower(), route.path)
        for route in api_routes(app.routes)
        if route.include_in_schema
        for method in route.methods
    }
    await app.state.db.dispose()

    described = {(m, p) for p, ops in document["paths"].items() for m in ops}
    assert routes == described
    assert ("get", "/api/v1/forums/{forum}/program") in described


async def test_unknown_api_paths_get_the_same_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    first = await client.get("/healthz")
    second = await client.get("/healthz")

    assert len(first.headers["x-request-id"]) == 16
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_the_web_ui_is_served_at_the_root(client: httpx.AsyncClient) -> None:
    response = await client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("method", ["post", "put", "delete"])
async def test_the_program_is_read_only_over_http_for_now(
    client: httpx.AsyncClient, method: str
) -> None:
    response = await client.request(method.upper(), "/api/v1/forums/test-forum/program")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


async def test_responses_forbid_framing_and_foreign_scripts(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/forums")

    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self';" in response.headers["content-security-policy"]
