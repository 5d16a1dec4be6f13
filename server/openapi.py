"""The OpenAPI document as clients rely on it (DESIGN.md section 2: /openapi.json is a contract).

FastAPI writes most of it from the routes' models; this module corrects what FastAPI cannot
know about the whole app, in one place:

- every error is answered in the one envelope (server/http_errors.py): an error answer a route
  describes in words only gets its schema, and a 422 FastAPI added on its own (its
  `HTTPValidationError` shape) is rewritten; a 401 names its `WWW-Authenticate` challenge;
- every route of the domains' routers (`RetryingRoute`) waits for the database's bounds, and
  every `/api/` request for the admission bound (server/transient.py, realtime/admission.py),
  so each of those operations may answer 503 `busy`;
- two domains may each name a model alike (accounts' and the program's `Role`): pydantic then
  keys them by module path (`server__accounts__models__Role`) but leaves both titled `Role`,
  which a generated client cannot tell apart. They are named by domain instead
  (`AccountsRole`), and a schema FastAPI split into an `-Input` copy goes where it equals
  another.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic.json_schema import models_json_schema

from server.errors import ErrorPublic
from server.http_errors import CHALLENGE, ERROR_STATUSES
from server.transient import RetryingRoute

_REF = "#/components/schemas/{model}"
_ERROR_REF = _REF.format(model=ErrorPublic.__name__)
_FASTAPI_422 = _REF.format(model="HTTPValidationError")
_ADMITTED = ("/api/",)  # server/realtime/admission.py: HttpAdmission.PREFIXES
_CHALLENGE = {
    "description": f"How to authenticate (RFC 9110 section 11.6.1): `{CHALLENGE}`",
    "required": True,
    "schema": {"type": "string"},
}


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": ERROR_STATUSES[status],
        "content": {"application/json": {"schema": {"$ref": _ERROR_REF}}},
    }


def _schema_of(response: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = (
        response.get("content", {}).get("application/json", {}).get("schema", {})
    )
    return schema


def _is_json(response: dict[str, Any]) -> bool:
    return any(m == "application/json" or m.endswith("+json") for m in response.get("content", {}))


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    paths = document.get("paths", {})
    return [(path, method, op) for path, ops in paths.items() for method, op in ops.items()]


def _add_error_schemas(schemas: dict[str, Any]) -> None:
    """ErrorPublic and what it refers to, when no route named it yet."""
    if ErrorPublic.__name__ in schemas:
        return
    _, found = models_json_schema([(ErrorPublic, "serialization")], ref_template=_REF)
    schemas.update(found.get("$defs", {}))


def bounded_operations(routes: list[Any]) -> set[tuple[str, str]]:
    """(path, method) of every operation that may answer 503 `busy`."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, APIRoute) and (
            isinstance(route, RetryingRoute) or route.path.startswith(_ADMITTED)
        ):
            found |= {(route.path_format, method.lower()) for method in route.methods or ()}
        nested = getattr(route, "original_router", None) or getattr(route, "app", None)
        if nested is not None and hasattr(nested, "routes"):
            found |= bounded_operations(nested.routes)
    return found


def _error_answers(document: dict[str, Any], bounded: set[tuple[str, str]]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    _add_error_schemas(schemas)
    for path, method, operation in _operations(document):
        responses = operation.setdefault("responses", {})
        if _schema_of(responses.get("422", {})).get("$ref") == _FASTAPI_422:
            responses["422"] = _error_response(422)
        for status, response in responses.items():
            # An error is always the JSON envelope, even where FastAPI assumed the route's
            # own media type (the SDP of WHIP and WHEP).
            if status[0] in "45" and not _is_json(response):
                response["content"] = _error_response(int(status))["content"]
            if status == "401":
                response.setdefault("headers", {})["WWW-Authenticate"] = _CHALLENGE
        if (path, method) in bounded:
            responses.setdefault("503", _error_response(503))
    text = json.dumps(document["paths"])
    for unused in ("HTTPValidationError", "ValidationError"):
        if _REF.format(model=unused) not in text:
            schemas.pop(unused, None)


def _domain_name(key: str) -> str:
    """`server__accounts__models__Role` -> `AccountsRole`."""
    parts = key.split("__")
    return "".join(word.capitalize() for word in parts[1].split("_")) + parts[-1]


def _twin(schemas: dict[str, Any], key: str) -> str | None:
    """The schema `key` (an `-Input` or `-Output` copy) repeats: the same class (its title),
    the same content."""
    copy = schemas[key]
    for other, schema in schemas.items():
        if "-" not in other and schema == copy:
            return other
    return None


def _renames(schemas: dict[str, Any]) -> tuple[dict[str, str], set[str]]:
    """New names for the schemas pydantic keyed by path or split, and the copies to drop
    (their references go to their twin)."""
    renames = {key: _domain_name(key) for key in schemas if key.startswith("server__")}
    copies: set[str] = set()
    for key in [k for k in schemas if "-" in k]:
        twin = _twin(schemas, key)
        if twin is None:
            renames[key] = key.replace("-", "")
        else:
            renames[key] = renames.get(twin, twin)
            copies.add(key)
    return renames, copies


def _readable_names(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with its schemas named so that no two share a title (a new document)."""
    renames, copies = _renames(document["components"]["schemas"])
    text = json.dumps(document)
    for old, new in renames.items():
        text = text.replace(f'"{_REF.format(model=old)}"', f'"{_REF.format(model=new)}"')
    renamed: dict[str, Any] = json.loads(text)
    schemas: dict[str, Any] = {}
    for key, schema in renamed["components"]["schemas"].items():
        if key in copies:
            continue
        if key in renames:
            schema["title"] = key = renames[key]
        assert key not in schemas, f"two schemas named {key}"
        schemas[key] = schema
    renamed["components"]["schemas"] = dict(sorted(schemas.items()))
    return renamed


def complete(document: dict[str, Any], bounded: set[tuple[str, str]]) -> dict[str, Any]:
    """`document` with the app-wide error answers (`bounded`: the operations that may answer
    503) and readable schema names (a new document)."""
    _error_answers(document, bounded)
    return _readable_names(document)


class PavilionAPI(FastAPI):
    """FastAPI whose OpenAPI document is completed by `complete` (once per version of the
    routes, as FastAPI builds its own)."""

    _completed: tuple[dict[str, Any], dict[str, Any]] | None = None  # (FastAPI's, ours)

    def openapi(self) -> dict[str, Any]:
        generated = super().openapi()
        if self._completed is None or self._completed[0] is not generated:
            self._completed = (generated, complete(generated, bounded_operations(self.routes)))
        return self._completed[1]
