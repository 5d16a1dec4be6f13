"""Dependencies between the parts of server/ point one way (DESIGN.md section 2).

The graph is read from the source with `ast`: every `import server.…` and `from server… import`
counts, at module level, inside a function, and under `if TYPE_CHECKING:` alike. A type-only
import counts because it is still a dependency a reader has to follow, and it becomes a real
one the first time the name is needed at run time.

What the parts are:
- a **domain** is a package directly under server/ (accounts, attendance, …, stage);
  server/migrations/ is left out: Alembic's history and environment, which load every table;
- a **router** is a domain's `api.py` or `*_api.py` (server/metrics_api.py too);
- the **kernel** is the modules directly under server/ (settings, db, errors, zones, instants,
  params, credentials, …): shared by every domain.

How the kernel is treated: most kernel modules import no domain. Some do: `settings` reads the
mail transport and the ICE servers' format, `deps` reads accounts, `models` loads every table
(for Alembic, and for the rehearsals' clean-up, which follows every foreign key to a person),
and `app`, `cli` and `pushes` compose the whole app. So that no kernel module can hide a cycle,
a domain that imports a kernel module depends on every domain that module reaches (through
other kernel modules too), and those edges are checked like direct ones, naming the import that
opened them. Besides, the composition modules (`app`, `cli`, `pushes`) are imported by no
domain, and `deps` (request dependencies: it reads accounts) only by routers.

The rules: (a) no cycle between domains; (b) no module imports another domain's router;
(c) only the app imports routers (it mounts them); (d) the kernel rules above.
"""

from __future__ import annotations

import ast
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[2] / "server"
LEFT_OUT = {"migrations"}
COMPOSITION = {"server.app", "server.cli", "server.pushes"}
DEPS = "server.deps"
APP = "server.app"


@dataclass(frozen=True)
class Import:
    """One import line: `source` (a module) imports `target` (a module) at `line`."""

    source: str
    target: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.target}"


@dataclass(frozen=True)
class Edge:
    """A dependency of one domain on another, and the import that makes it (through the
    kernel when `via` is set)."""

    source: str
    target: str
    opened_by: Import
    via: str | None = None

    def __str__(self) -> str:
        through = f" (through {self.via}, which reaches {self.target})" if self.via else ""
        return f"{self.opened_by}{through}"


@dataclass(frozen=True)
class Tree:
    """The modules of the package at `root` (server/), by dotted name, and its domains."""

    root: Path
    modules: dict[str, Path]
    domains: frozenset[str]

    @classmethod
    def read(cls, root: Path) -> Tree:
        modules = {}
        for path in sorted(root.rglob("*.py")):
            parts = path.relative_to(root.parent).with_suffix("").parts
            if len(parts) > 2 and parts[1] in LEFT_OUT:
                continue
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
        domains = {p.name for p in root.iterdir() if (p / "__init__.py").exists()} - LEFT_OUT
        return cls(root, modules, frozenset(domains))

    def domain_of(self, module: str) -> str | None:
        """The domain a module belongs to; None for a kernel module."""
        parts = module.split(".")
        return parts[1] if len(parts) > 1 and parts[1] in self.domains else None

    def imports(self) -> list[Import]:
        """Every import of a module of the package, from every module of it, wherever it
        stands in the file (module level, function body, `if TYPE_CHECKING:`)."""
        package = self.root.name
        found: dict[Import, None] = {}  # in order, each once (`from m import a, b` is one)
        for name, path in self.modules.items():
            tree = ast.parse(path.read_text(), filename=str(path))
            shown = str(path.relative_to(self.root.parent))
            for node in ast.walk(tree):
                for target in self._targets(node, name, path.name == "__init__.py"):
                    if target == package or target.startswith(package + "."):
                        found[Import(name, target, shown, node.lineno)] = None
        return list(found)

    def _targets(self, node: ast.AST, module: str, is_package: bool) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        if not isinstance(node, ast.ImportFrom):
            return []
        base = node.module or ""
        if node.level:
            here = module.split(".") if is_package else module.split(".")[:-1]
            here = here[: len(here) - (node.level - 1)]
            base = ".".join([*here, *([node.module] if node.module else [])])
        # `from server.program import service` names a module; `from server.db import rows`
        # names something in one.
        return [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in self.modules else base
            for alias in node.names
        ]


def is_router(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last == "api" or last.endswith("_api")


def domain_edges(tree: Tree) -> list[Edge]:
    """Domain → domain dependencies: direct imports, and those through kernel modules."""
    found = tree.imports()
    by_source: dict[str, list[Import]] = defaultdict(list)
    for item in found:
        by_source[item.source].append(item)
    edges = []
    for item in found:
        source = tree.domain_of(item.source)
        if source is None:
            continue
        target = tree.domain_of(item.target)
        if target is not None:
            if target != source:
                edges.append(Edge(source, target, item))
            continue
        for reached in sorted(_domains_reached(tree, item.target, by_source)):
            if reached != source:
                edges.append(Edge(source, reached, item, via=item.target))
    return edges


def _domains_reached(tree: Tree, kernel: str, by_source: dict[str, list[Import]]) -> set[str]:
    """The domains a kernel module imports, itself or through other kernel modules."""
    seen, stack, reached = {kernel}, [kernel], set()
    while stack:
        for item in by_source.get(stack.pop(), []):
            domain = tree.domain_of(item.target)
            if domain is not None:
                reached.add(domain)
            elif item.target not in seen:
                seen.add(item.target)
                stack.append(item.target)
    return reached


def cycles(edges: Iterable[Edge]) -> list[list[str]]:
    """The groups of domains that depend on each other in a circle (strongly connected
    components of more than one domain), each sorted, largest first."""
    after: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        after[edge.source].add(edge.target)
    nodes = sorted(set(after) | {t for targets in after.values() for t in targets})
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(after[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in nodes:
        if node not in index:
            visit(node)
    return sorted(groups, key=lambda g: (-len(g), g))


def describe(group: list[str], edges: Iterable[Edge], per_edge: int = 3) -> str:
    """A circle of domains and the import lines that close it, edge by edge."""
    members = set(group)
    inside: dict[tuple[str, str], list[Edge]] = defaultdict(list)
    for edge in edges:
        if edge.source in members and edge.target in members:
            inside[(edge.source, edge.target)].append(edge)
    lines = [f"domains in a circle: {', '.join(group)}"]
    loop = shortest_loop(group, inside)
    lines.append("  the shortest: " + " -> ".join(loop))
    lines += [f"    {inside[pair][0]}" for pair in pairwise(loop)]
    lines.append("  every edge inside it:")
    for (source, target), found in sorted(inside.items()):
        found.sort(key=lambda edge: edge.via is not None)  # direct imports first
        lines.append(f"    {source} -> {target}:")
        lines += [f"      {edge}" for edge in found[:per_edge]]
        if len(found) > per_edge:
            lines.append(f"      … and {len(found) - per_edge} more")
    return "\n".join(lines)


def shortest_loop(group: list[str], inside: dict[tuple[str, str], list[Edge]]) -> list[str]:
    """The shortest way round the circle (the first in order of names among equals), as the
    domains it passes, starting and ending with the same one."""
    after: dict[str, list[str]] = defaultdict(list)
    for source, target in sorted(inside):
        after[source].append(target)
    best: list[str] = []
    for start in group:
        paths, queue = {start: [start]}, deque([start])
        while queue:  # breadth first: the first way back is a shortest one
            node = queue.popleft()
            if start in after[node]:
                if not best or len(paths[node]) + 1 < len(best):
                    best = [*paths[node], start]
                break
            for target in after[node]:
                if target not in paths:
                    paths[target] = [*paths[node], target]
                    queue.append(target)
    return best


def router_imports(tree: Tree) -> list[str]:
    """(b) and (c): imports of a router by another domain, or by anything but the app."""
    wrong = []
    for item in tree.imports():
        if not is_router(item.target) or item.source == APP:
            continue
        same = tree.domain_of(item.source) == tree.domain_of(item.target)
        kind = "its own domain's" if same else "another domain's"
        wrong.append(f"{item}: {kind} router, imported outside server/app.py")
    return wrong


def kernel_imports(tree: Tree) -> list[str]:
    """(d): a domain importing a composition module, or deps outside a router."""
    wrong = []
    for item in tree.imports():
        if tree.domain_of(item.source) is None:
            continue
        if item.target in COMPOSITION:
            wrong.append(f"{item}: a domain imports a module that composes the app")
        elif item.target == DEPS and not is_router(item.source):
            wrong.append(f"{item}: request dependencies are for routers")
    return wrong


# --- the rules, over server/ ------------------------------------------------------------------


def test_no_domain_depends_on_another_in_a_circle() -> None:
    edges = domain_edges(Tree.read(SERVER))

    found = cycles(edges)

    assert found == [], "\n\n" + "\n\n".join(describe(group, edges) for group in found)


def test_routers_are_imported_by_the_app_alone() -> None:
    wrong = router_imports(Tree.read(SERVER))

    assert wrong == [], "\n" + "\n".join(wrong)


def test_domains_import_no_composition_module_and_only_routers_import_deps() -> None:
    wrong = kernel_imports(Tree.read(SERVER))

    assert wrong == [], "\n" + "\n".join(wrong)


# --- the checks themselves, over small trees that break the rules ----------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "server"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "__init__.py").touch()
        path.write_text(text)
    return root


def test_a_circle_is_found_and_named_by_its_import_lines(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "alpha/service.py": "from server.beta.models import Thing\n",
            "beta/models.py": "def later():\n    from server.alpha import service\n",
        },
    )
    edges = domain_edges(Tree.read(root))

    found = cycles(edges)

    assert found == [["alpha", "beta"]]
    assert describe(found[0], edges) == (
        "domains in a circle: alpha, beta\n"
        "  the shortest: alpha -> beta -> alpha\n"
        "    server/alpha/service.py:1 imports server.beta.models\n"
        "    server/beta/models.py:2 imports server.alpha.service\n"
        "  every edge inside it:\n"
        "    alpha -> beta:\n"
        "      server/alpha/service.py:1 imports server.beta.models\n"
        "    beta -> alpha:\n"
        "      server/beta/models.py:2 imports server.alpha.service"
    )


def test_a_type_only_import_closes_a_circle_too(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "alpha/service.py": "from server.beta import models\n",
            "beta/models.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from server.alpha.service import Verb\n"
            ),
        },
    )

    assert cycles(domain_edges(Tree.read(root))) == [["alpha", "beta"]]


def test_a_circle_through_a_kernel_module_is_found_and_names_the_kernel_module(
    tmp_path: Path,
) -> None:
    root = _tree(
        tmp_path,
        {
            "shared.py": "from server import glue\n",
            "glue.py": "import server.alpha.models\n",
            "alpha/models.py": "from server.beta.service import verb\n",
            "beta/service.py": "from server.shared import thing\n",
        },
    )
    edges = domain_edges(Tree.read(root))

    assert cycles(edges) == [["alpha", "beta"]]
    assert [str(e) for e in edges if e.source == "beta"] == [
        "server/beta/service.py:1 imports server.shared "
        "(through server.shared, which reaches alpha)"
    ]


def test_a_one_way_tree_has_no_circle(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "settings.py": "from server.alpha.transport import Smtp\n",
            "alpha/transport.py": "",
            "beta/service.py": "from server.settings import Settings\nfrom server.alpha import x\n",
        },
    )

    assert cycles(domain_edges(Tree.read(root))) == []


def test_importing_a_router_outside_the_app_is_named(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "app.py": "from server.alpha.api import router\n",
            "alpha/api.py": "Slug = str\n",
            "alpha/leads_api.py": "",
            "beta/api.py": "from server.alpha.api import Slug\n",
            "alpha/service.py": "from server.alpha import leads_api\n",
        },
    )

    assert router_imports(Tree.read(root)) == [
        "server/alpha/service.py:1 imports server.alpha.leads_api: its own domain's router, "
        "imported outside server/app.py",
        "server/beta/api.py:1 imports server.alpha.api: another domain's router, "
        "imported outside server/app.py",
    ]


def test_a_domain_importing_the_app_or_deps_outside_a_router_is_named(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "app.py": "",
            "deps.py": "",
            "alpha/api.py": "from server.deps import DbSession\n",
            "alpha/service.py": "from server.deps import DbSession\nfrom server import app\n",
        },
    )

    assert kernel_imports(Tree.read(root)) == [
        "server/alpha/service.py:1 imports server.deps: request dependencies are for routers",
        "server/alpha/service.py:2 imports server.app: a domain imports a module that composes "
        "the app",
    ]


@pytest.mark.parametrize(
    ("module", "domain"),
    [("server.zones", None), ("server.rooms", "rooms"), ("server.rooms.chat", "rooms")],
)
def test_modules_belong_to_their_package_under_server(module: str, domain: str | None) -> None:
    assert Tree.read(SERVER).domain_of(module) == domain
