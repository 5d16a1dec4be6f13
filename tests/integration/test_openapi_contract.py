"""/openapi.json as the contract other clients build on: every JSON answer has a named model,
every error answer is the one envelope, the auth schemes are declared where a route reads the
person, and no two schemas share a name. The tables are derived from the app's own routes and
document, so a new route that breaks the contract fails here."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from server.app import create_app
from server.clock import FakeClock
from server.deps import CurrentUser
from server.errors import DomainError, ErrorCode
from server.rooms.schemas import RoomStatePublic
from tests.integration.conftest import room_settings, serve_world
from tests.roomclient import RoomClient
from tests.rooms_world import World

Operation = tuple[str, str]  # (METHOD, path)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    app = create_app(room_settings(tmp_path_factory.mktemp("openapi")))
    yield app
    asyncio.run(app.state.db.dispose())


@pytest.fixture(scope="module")
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


@pytest.fixture(scope="module")
def routes(app: FastAPI) -> list[APIRoute]:
    return list(_api_routes(app.routes))


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute) and route.include_in_schema:
            yield route
        nested = getattr(route, "original_router", None) or getattr(route, "app", None)
        if nested is not None and hasattr(nested, "routes"):
            yield from _api_routes(nested.routes)


def _operations(document: dict[str, Any]) -> Iterator[tuple[Operation, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield (method.upper(), path), operation


def _json_content(response: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON media type's entry of a response (application/json or any `+json`)."""
    for media, content in response.get("content", {}).items():
        if media == "application/json" or media.endswith("+json"):
            return dict(content)
    return None


def _named(schema: dict[str, Any] | None) -> bool:
    """A $ref, an array of them, or a union of them (null allowed)."""
    if not schema:
        return False
    if "$ref" in schema:
        return True
    if schema.get("type") == "array":
        return _named(schema.get("items"))
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return all(_named(o) or o.get("type") == "null" for o in options)
    return False


def test_every_json_answer_has_a_named_model(document: dict[str, Any]) -> None:
    untyped = []
    for operation, spec in _operations(document):
        for status, response in spec["responses"].items():
            content = _json_content(response)
            if status.startswith("2") and content is not None and not _named(content.get("schema")):
                untyped.append(f"{operation[0]} {operation[1]} ({status})")

    assert untyped == [], f"{len(untyped)} JSON answers without a model:\n" + "\n".join(untyped)


def test_every_error_answer_is_the_one_envelope(document: dict[str, Any]) -> None:
    envelopes = {"#/components/schemas/ErrorPublic", "#/components/schemas/NotReadyPublic"}
    other = []
    for operation, spec in _operations(document):
        for status, response in spec["responses"].items():
            content = _json_content(response)
            if status[0] in "45" and (content or {}).get("schema", {}).get("$ref") not in envelopes:
                other.append(f"{operation[0]} {operation[1]} ({status})")

    assert other == [], "error answers not in the envelope:\n" + "\n".join(other)
    assert "HTTPValidationError" not in document["components"]["schemas"]


def _kinds(kind: type[DomainError]) -> Iterator[type[DomainError]]:
    for sub in kind.__subclasses__():
        yield sub
        yield from _kinds(sub)


def test_every_error_code_is_one_the_envelope_names(document: dict[str, Any], app: FastAPI) -> None:
    """The app is built, so every domain's errors are loaded."""
    strays = [k.__qualname__ for k in _kinds(DomainError) if not isinstance(k.code, ErrorCode)]
    detail = document["components"]["schemas"]["ErrorDetail"]

    assert strays == []
    assert detail["properties"]["code"] == {"$ref": "#/components/schemas/ErrorCode"}
    assert document["components"]["schemas"]["ErrorCode"]["enum"] == list(ErrorCode)
    assert {"code", "message"} <= set(detail["required"])


def test_every_api_operation_may_answer_busy(document: dict[str, Any]) -> None:
    missing = [
        f"{method} {path}"
        for (method, path), spec in _operations(document)
        if path.startswith("/api/") and "503" not in spec["responses"]
    ]

    assert missing == []


def _reads_the_person(dependant: Dependant) -> bool:
    wanted = get_args(CurrentUser)[1].dependency
    return any(d.call is wanted or _reads_the_person(d) for d in dependant.dependencies)


def test_operations_that_read_the_person_name_both_auth_schemes(
    document: dict[str, Any], routes: list[APIRoute]
) -> None:
    schemes = document["components"]["securitySchemes"]
    expected = {
        (method, route.path): _reads_the_person(route.dependant)
        for route in routes
        for method in route.methods
    }
    declared = {
        operation: spec.get("security") == [{"bearer": []}, {"session_cookie": []}]
        for operation, spec in _operations(document)
    }

    assert {name: {**scheme, "description": "…"} for name, scheme in schemes.items()} == {
        "bearer": {"type": "http", "scheme": "bearer", "description": "…"},
        "session_cookie": {
            "type": "apiKey",
            "in": "cookie",
            "name": "pavilion_session",
            "description": "…",
        },
    }
    assert declared == expected
    assert declared[("GET", "/api/v1/me")] and not declared[("GET", "/api/v1/forums")]


def test_every_401_names_its_bearer_challenge(document: dict[str, Any]) -> None:
    silent = [
        f"{method} {path}"
        for (method, path), spec in _operations(document)
        if "401" in spec["responses"]
        and "WWW-Authenticate" not in spec["responses"]["401"].get("headers", {})
    ]

    assert silent == []


def test_whip_and_whep_declare_their_sdp_bodies_and_the_answers_headers(
    document: dict[str, Any],
) -> None:
    """RFC 9725: the offer goes in as application/sdp; the 201 carries the SDP answer, the
    resource's `Location` and the STUN/TURN servers' `Link`s; a wrong type is a 415."""
    exchanges = {
        operation: spec
        for operation, spec in _operations(document)
        if operation[1].endswith(("/whip", "/whep")) and operation[0] != "OPTIONS"
    }
    sdp = {"application/sdp"}

    assert sorted(exchanges) == [
        ("POST", "/api/v1/stage/{session}/whep"),
        ("POST", "/api/v1/stage/{session}/whip"),
    ]
    for (_method, path), spec in exchanges.items():
        answers = spec["responses"]
        assert spec["requestBody"]["required"] is True, path
        assert set(spec["requestBody"]["content"]) == sdp, path
        assert set(answers["201"]["content"]) == sdp, path
        assert answers["201"]["headers"]["Location"]["required"] is True, path
        assert set(answers["201"]["headers"]) == {"Location", "Link"}, path
        assert _json_content(answers["415"]) == {
            "schema": {"$ref": "#/components/schemas/ErrorPublic"}
        }, path
        assert spec["security"] == [{"bearer": []}, {"session_cookie": []}], path


def test_no_two_schemas_share_a_name(document: dict[str, Any]) -> None:
    """Generated clients name their classes by title: two `Role`s would collide."""
    schemas = document["components"]["schemas"]

    assert [key for key, schema in schemas.items() if schema.get("title", key) != key] == []
    assert not [key for key in schemas if "__" in key or "-" in key]


# --- the room snapshot: spliced JSON text, so its model is checked here --------------------


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock) -> Iterator[World]:
    yield from serve_world(room_settings(tmp_path), clock)


async def _fill(world: World, room: str) -> None:
    """A message, a question, an open and a draft poll, a raised hand, an announcement."""
    alice = await RoomClient.open(world.url, world.tokens["alice"])
    moderator = await RoomClient.open(world.url, world.tokens["moderator"])
    try:
        await alice.ok("chat.send", room, {"text": "hello"})
        await alice.ok("qa.ask", room, {"text": "why?", "anonymous": True})
        poll = await moderator.ok("poll.create", room, {"question": "q", "options": ["a", "b"]})
        await moderator.ok("poll.open", room, {"poll": poll["poll"]["id"]})
        await alice.ok("poll.vote", room, {"poll": poll["poll"]["id"], "choices": [0]})
        await moderator.ok("poll.create", room, {"question": "d", "options": ["x", "y"]})
        await alice.ok("hand.raise", room, {})
        await moderator.ok("announce", room, {"text": "five minutes"})
    finally:
        await alice.close()
        await moderator.close()


async def test_room_snapshots_of_every_kind_match_their_model(world: World) -> None:
    room = world.room("round-table")
    await _fill(world, room)
    seen: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=world.url) as http:
        for person, name in (
            ("alice", room),
            ("moderator", room),
            ("moderator", f"{room}:staff"),
            ("alice", f"forum:{world.forum}"),
            ("alice", f"user:{world.user_ids['alice']}"),
        ):
            headers = {"Authorization": f"Bearer {world.tokens[person]}"}
            body = (await http.get(f"/api/v1/rooms/{name}", headers=headers)).json()
            state = RoomStatePublic.model_validate(body)

            assert state.model_dump(mode="json") == body, f"{name} as {person}"
            seen[name] = state.snapshot.kind

    assert sorted(seen.values()) == ["forum", "session", "staff", "user"]


def test_readiness_documents_its_own_error_answer(document: dict[str, Any]) -> None:
    answers = document["paths"]["/readyz"]["get"]["responses"]

    assert answers["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReadyPublic"
    }
    assert answers["503"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NotReadyPublic"
    }
