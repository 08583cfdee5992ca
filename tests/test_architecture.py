"""The import graph of ``culpa/`` has no cycles: between modules, or between packages.

The packages are the pipeline's stages (docs/architecture.md), and arrows only point
down it: a cycle would mean two stages that cannot be read, tested or replaced
apart. Every import counts, those inside functions too (a lazy import still ties
the two modules together); only ``if TYPE_CHECKING:`` blocks are left out. Imports
of a package's own subpackages, or of the package above, are not package edges.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "culpa"

#: Module edges ("importer", "imported") that still close a cycle, each named with the
#: work that will remove it. Take an edge off once that work is done.
KNOWN_EDGES: frozenset[tuple[str, str]] = frozenset()

Graph = Mapping[str, Iterable[str]]


def culpa_modules() -> dict[str, Path]:
    """Every module of culpa by dotted name (a package by its own name)."""
    found = {}
    for path in (ROOT / PACKAGE).rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _type_checking_only(tree: ast.AST) -> set[ast.AST]:
    skipped: set[ast.AST] = set()
    for node in ast.walk(tree):
        test = getattr(node, "test", None)
        if isinstance(node, ast.If) and getattr(test, "id", getattr(test, "attr", "")) == (
            "TYPE_CHECKING"
        ):
            skipped.update(ast.walk(node))
    return skipped


def module_graph(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    """Which culpa modules each culpa module imports."""

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        here = module if path.name == "__init__.py" else module.rpartition(".")[0]
        skipped = _type_checking_only(tree)
        targets: list[str] = []
        for node in ast.walk(tree):
            if node in skipped:
                continue
            if isinstance(node, ast.Import):
                targets += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")[: len(here.split(".")) - node.level + 1]
                    name = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    name = node.module or ""
                targets += [name, *(f"{name}.{alias.name}" for alias in node.names)]
        resolved = {resolve(t) for t in targets if t.split(".")[0] == PACKAGE}
        graph[module] = {t for t in resolved if t is not None and t != module}
    return graph


def package_graph(modules: Mapping[str, Path], graph: Graph) -> dict[str, set[str]]:
    """Which packages import which: a module's package is its folder."""

    def package(module: str) -> str:
        return module if modules[module].name == "__init__.py" else module.rpartition(".")[0]

    packages: dict[str, set[str]] = {package(m): set() for m in modules}
    for module, imported in graph.items():
        a = package(module)
        for b in map(package, imported):
            if a != b and not b.startswith(f"{a}.") and not a.startswith(f"{b}."):
                packages[a].add(b)
    return packages


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _without_known(graph: Graph) -> dict[str, set[str]]:
    return {m: {t for t in imported if (m, t) not in KNOWN_EDGES} for m, imported in graph.items()}


def test_no_module_imports_itself_back() -> None:
    modules = culpa_modules()
    assert cycles(_without_known(module_graph(modules))) == []


def test_no_package_imports_itself_back() -> None:
    modules = culpa_modules()
    assert cycles(package_graph(modules, _without_known(module_graph(modules)))) == []


def test_the_checker_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
