"""An id beyond what the database holds is bad input, not a server error (issue 19, item 12):
2**63 overflows SQLite's integer and 2**31 PostgreSQL's, and either answered 500 (`internal` on
the socket). Every route with an integer path parameter, every integer field of every socket
operation and the id in a room's name answer 422 / `invalid`, naming the field, on both
databases. The tables are derived from the app's OpenAPI document and its socket operations,
so a new route or operation without the bound fails here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from server.app import create_app
from server.clock import FakeClock
from server.params import ID_MAX
from server.realtime.dispatch import Dispatcher
from server.settings import Settings
from tests.factories import signed_in
from tests.integration.conftest import room_settings, serve_world
from tests.roomclient import RoomClient
from tests.rooms_world import World

OVERSIZED = (2**63, 2**31)
ORGANISER = {"Authorization": "Bearer organiser-token-oversized-ids-0000"}
# Stand-ins for the string path parameters around an id.
STRINGS = {"name": "index.m3u8"}


@pytest.fixture
def database_url(either_database: str) -> str:
    return either_database


def integer_path_parameters(spec: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(method, path, parameter) for every integer path parameter in the OpenAPI document."""
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                kinds = {schema.get("type"), *(a.get("type") for a in schema.get("anyOf", []))}
                if parameter["in"] == "path" and "integer" in kinds:
                    found.append((method.upper(), path, parameter["name"]))
    return found


def filled(path: str, parameter: str, value: int) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(value) if name == parameter else STRINGS.get(name, "test-forum")

    return re.sub(r"\{(\w+)\}", one, path)


async def test_every_route_refuses_an_oversized_id_naming_the_field(
    client: httpx.AsyncClient, db: AsyncSession, clock: FakeClock, settings: Settings
) -> None:
    await signed_in(db, clock, "organiser@example.org", ORGANISER)
    await db.commit()
    spec = create_app(settings, clock=clock).openapi()
    routes = integer_path_parameters(spec)

    answers = []
    for method, path, parameter in routes:
        for value in OVERSIZED:
            url = filled(path, parameter, value)
            response = await client.request(method, url, headers=ORGANISER, json={})
            field = response.json().get("error", {}).get("field") if response.content else None
            answers.append((method, path, value, response.status_code, field))

    largest = []  # the largest id there may be, naming nothing: a 4xx, never a 5xx
    for method, path, parameter in routes:
        url = filled(path, parameter, ID_MAX)
        response = await client.request(method, url, headers=ORGANISER, json={})
        largest.append((method, path, response.status_code))

    assert len(routes) >= 40  # the walk found the routes (no silent empty table)
    assert [a for a in answers if a[3:] != (422, _param(a, routes))] == []
    assert [a for a in largest if a[2] >= 500] == []


def _param(answer: tuple[Any, ...], routes: list[tuple[str, str, str]]) -> str:
    method, path = answer[:2]
    return next(p for m, r, p in routes if (m, r) == (method, path))


# --- the socket -------------------------------------------------------------------------------


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock, either_database: str) -> Iterator[World]:
    settings = room_settings(
        tmp_path, database_url=either_database, ws_rate_per_socket=1000, ws_rate_per_user=1000
    )
    yield from serve_world(settings, clock)


SAMPLES = {"integer": 1, "string": "a question", "array": [0], "boolean": True}


def integer_fields(dispatcher: Dispatcher) -> list[tuple[str, str, dict[str, Any]]]:
    """(operation, field, the operation's other required fields) for every integer field of
    every socket operation's data."""
    found = []
    for op, operation in sorted(dispatcher.operations.items()):
        schema = operation.model.model_json_schema()
        properties = schema.get("properties", {})
        required = {n: SAMPLES[properties[n]["type"]] for n in schema.get("required", [])}
        for name, field in properties.items():
            kinds = {field.get("type"), *(a.get("type") for a in field.get("anyOf", []))}
            if "integer" in kinds:
                found.append((op, name, required))
    return found


async def test_every_socket_operation_refuses_an_oversized_id_naming_the_field(
    world: World, tmp_path: Path, clock: FakeClock
) -> None:
    dispatcher = create_app(room_settings(tmp_path / "table"), clock=clock).state.dispatcher
    fields = integer_fields(dispatcher)
    room = world.room("round-table")
    moderator = await RoomClient.open(world.url, world.tokens["moderator"])
    try:
        await moderator.join(room)
        answers = []
        internal: list[tuple[str, str]] = []  # the largest id there may be, naming nothing
        for op, name, required in fields:
            for value in OVERSIZED:
                reply = await moderator.call(op, room, {**required, name: value})
                answers.append((op, name, value, reply.get("error", {}).get("code"), reply))
            largest = await moderator.call(op, room, {**required, name: ID_MAX})
            if largest.get("error", {}).get("code") == "internal":
                internal.append((op, name))
    finally:
        await moderator.close()

    assert {op for op, _, _ in fields} >= {"chat.edit", "chat.delete", "chat.mute", "qa.upvote"}
    assert [
        (op, name, value, reply["error"])
        for op, name, value, code, reply in answers
        if (code, reply["error"].get("field")) != ("invalid", f"data.{name}")
    ] == []
    assert internal == []


async def test_a_room_name_with_an_oversized_id_is_refused_naming_the_room(
    world: World,
) -> None:
    alice = await RoomClient.open(world.url, world.tokens["alice"])
    try:
        replies = []
        for value in OVERSIZED:
            for room in (f"session:{value}", f"session:{value}:staff", f"marathon:{value}"):
                replies.append(await alice.call("room.join", room))
                replies.append(await alice.call("chat.send", room, {"text": "hi"}))
            replies.append(await alice.call("room.join", f"user:{value}"))
    finally:
        await alice.close()

    assert [(r["ok"], r["error"]["code"], r["error"]["field"]) for r in replies] == [
        (False, "invalid", "room")
    ] * len(replies)


def integer_inputs(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(where, schema) of every integer a client sends: parameters and request bodies."""
    schemas = spec["components"]["schemas"]
    found: list[tuple[str, dict[str, Any]]] = []

    def walk(where: str, schema: dict[str, Any], seen: frozenset[str]) -> None:
        ref = schema.get("$ref")
        if ref is not None:
            name = ref.rsplit("/", 1)[1]
            if name not in seen:
                walk(where, schemas[name], seen | {name})
            return
        if schema.get("type") == "integer":
            found.append((where, schema))
        for option in schema.get("anyOf", []) + schema.get("allOf", []):
            walk(where, option, seen)
        for name, inner in schema.get("properties", {}).items():
            walk(f"{where}.{name}", inner, seen)
        if isinstance(schema.get("items"), dict):
            walk(f"{where}[]", schema["items"], seen)

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                walk(f"{where} {parameter['name']}", parameter.get("schema", {}), frozenset())
            for content in operation.get("requestBody", {}).get("content", {}).values():
                walk(f"{where} body", content.get("schema", {}), frozenset())
    return found


def test_every_integer_a_client_sends_is_bounded_to_what_the_database_holds(
    tmp_path: Path, clock: FakeClock
) -> None:
    spec = create_app(room_settings(tmp_path), clock=clock).openapi()
    inputs = integer_inputs(spec)

    def lowest(schema: dict[str, Any]) -> float:
        return float(schema.get("minimum", schema.get("exclusiveMinimum", -ID_MAX - 2)))

    unbounded = [
        where
        for where, schema in inputs
        if schema.get("maximum", ID_MAX + 1) > ID_MAX or lowest(schema) < -ID_MAX - 1
    ]
    assert len(inputs) >= 60
    assert unbounded == []
