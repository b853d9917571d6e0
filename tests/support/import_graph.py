"""The import graph of Custos's own packages, read from the source: every import a module makes (at the top, inside a
function, under `if TYPE_CHECKING:`, and through importlib), resolved to the modules of `wallet_app` and `ui`.
The layering tests (tests/unit/test_layering.py) and the map in docs/ARCHITECTURE.md
(`python -m tests.support.import_map`) both read it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def python_files(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def imports(path: Path) -> Iterator[tuple[str, int, bool]]:
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    yield from imports_in(path.read_text(encoding="utf-8"), package, str(path))


def imports_in(source: str, package: str, filename: str = "<source>") -> Iterator[tuple[str, int, bool]]:
    """(module, line, at module level) for every import in `source`, a module of `package`, including
    `importlib.import_module("x")` and `__import__("x")`."""
    tree = ast.parse(source, filename=filename)
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        at_top = id(node) in top_level
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, at_top
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the package
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield module, node.lineno, at_top
            for alias in node.names:  # `from wallet_app import services` names a module too
                yield f"{module}.{alias.name}", node.lineno, at_top
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in {"import_module", "__import__"} and isinstance(node.args[0].value, str):
                yield node.args[0].value, node.lineno, False


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")


@cache
def import_graph(packages: tuple[str, ...] = ("wallet_app", "ui")) -> dict[str, set[str]]:
    """module -> the modules of `packages` it imports anywhere (at the top, in a function, under TYPE_CHECKING).
    A package's `__init__` importing its own submodules is left out: importing a submodule runs its package's
    `__init__` anyway, so that edge adds no dependency a reader must follow."""
    paths = {module_name(p): p for package in packages for p in python_files(package)}

    def resolve(name: str) -> str | None:
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        is_init = path.name == "__init__.py"
        targets = {resolve(imported) for imported, _, _ in imports(path)}
        graph[module] = {t for t in targets if t is not None and t != module
                         and not (is_init and t.startswith(module + "."))}
    return graph


def cycles_of(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted, in a stable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def describe_cycle(group: list[str], graph: dict[str, set[str]]) -> str:
    members = set(group)
    arrows = [f"{a} -> {b}" for a in group for b in sorted(graph[a] & members)]
    return f"{len(group)} modules import each other in a loop: " + "; ".join(arrows)
