"""Routers hold no query and no commit (DESIGN.md section 2): read from their syntax trees.

A router is `server/**/api.py` or `server/**/*_api.py`. It may pass its `DbSession` on to a
verb, but never use it itself (`db.exec`, `db.get`, `db.add`, `db.commit`, …), and never build
a statement (`select`, `insert`, `update`, `delete` from SQLAlchemy or SQLModel): those belong
to the domain's verbs and named queries, and the request's unit of work commits
(server/unit.py)."""

from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parents[2] / "server"

SESSION_METHODS = frozenset(
    {
        "add",
        "add_all",
        "commit",
        "delete",
        "exec",
        "execute",
        "flush",
        "get",
        "merge",
        "refresh",
        "rollback",
        "scalar",
        "scalars",
        "begin",
        "begin_nested",
    }
)
STATEMENT_MODULES = ("sqlalchemy", "sqlmodel")
STATEMENT_BUILDERS = frozenset({"select", "insert", "update", "delete", "text", "func"})


def routers() -> list[Path]:
    found = [*SERVER.rglob("api.py"), *SERVER.rglob("*_api.py")]
    return sorted(p for p in found if "migrations" not in p.parts)


def offences(source: str, name: str) -> list[str]:
    """Every query or commit in one router's source, as `file:line: what`."""
    tree = ast.parse(source)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
            STATEMENT_MODULES
        ):
            built = sorted(a.name for a in node.names if a.name in STATEMENT_BUILDERS)
            if built:
                found.append(f"{name}:{node.lineno}: imports {', '.join(built)} from {node.module}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "db"
            and node.func.attr in SESSION_METHODS
        ):
            found.append(f"{name}:{node.lineno}: db.{node.func.attr}(…)")
    return sorted(found, key=lambda line: int(line.split(":")[1]))


def test_the_check_finds_a_query_and_a_commit() -> None:
    source = (
        "from sqlmodel import select\n"
        "async def route(db):\n"
        "    row = (await db.exec(select(Thing))).first()\n"
        "    await db.commit()\n"
        "    return await service.verb(db, row)\n"
    )

    assert offences(source, "x.py") == [
        "x.py:1: imports select from sqlmodel",
        "x.py:3: db.exec(…)",
        "x.py:4: db.commit(…)",
    ]


def test_no_router_queries_or_commits() -> None:
    assert len(routers()) >= 12, "the routers moved; point this test at them"
    found = [
        line
        for path in routers()
        for line in offences(path.read_text(), str(path.relative_to(SERVER.parent)))
    ]

    assert found == []
