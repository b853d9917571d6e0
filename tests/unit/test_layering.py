"""The layering rules of ARCHITECTURE.md, checked on the source: the core never imports Qt or the UI, and the UI
never imports the chain stack (it talks to `wallet_app` services only)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

CORE_MUST_NOT_IMPORT = {"PySide6", "shiboken6", "ui", "pytestqt"}
UI_MUST_NOT_IMPORT = {
    "web3",
    "eth_account",
    "eth_tester",
    "safe_eth",
    "eth_abi",
    "eth_keys",
    "eth_utils",
    "eth_typing",
    "eth_hash",
    "hexbytes",
    "eth",
    "rlp",
    "trie",
}
# `ui` may use these core modules only inside functions (run on a worker lane), never at import time:
# they load the chain stack or the database, and the window must show before either is loaded.
UI_LAZY_ONLY = {"wallet_app.services", "wallet_app.profiles", "wallet_app.chain", "wallet_app.storage"}


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


def root(module: str) -> str:
    return module.split(".")[0]


def within(module: str, prefixes: set[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_packages_exist() -> None:
    assert python_files("wallet_app"), "wallet_app has no Python files"
    assert python_files("ui"), "ui has no Python files"


@pytest.mark.parametrize("path", python_files("wallet_app"), ids=lambda p: str(p.relative_to(REPO)))
def test_core_never_imports_qt_or_ui(path: Path) -> None:
    bad = [f"line {line}: {module}" for module, line, _ in imports(path) if root(module) in CORE_MUST_NOT_IMPORT]
    assert bad == [], f"{path.relative_to(REPO)} imports the front end: {bad}"


@pytest.mark.parametrize("path", python_files("ui"), ids=lambda p: str(p.relative_to(REPO)))
def test_ui_never_imports_the_chain_stack(path: Path) -> None:
    bad = [f"line {line}: {module}" for module, line, _ in imports(path) if root(module) in UI_MUST_NOT_IMPORT]
    assert bad == [], f"{path.relative_to(REPO)} imports the chain stack: {bad}"


@pytest.mark.parametrize("path", python_files("ui"), ids=lambda p: str(p.relative_to(REPO)))
def test_ui_loads_heavy_core_modules_only_inside_functions(path: Path) -> None:
    bad = [f"line {line}: {module}" for module, line, top in imports(path) if top and within(module, UI_LAZY_ONLY)]
    assert bad == [], f"{path.relative_to(REPO)} imports a heavy core module at import time: {bad}"


def test_the_checker_sees_every_kind_of_import() -> None:
    source = (
        "import web3\n"
        "from eth_account import Account\n"
        "from . import tasks\n"
        "from .models import vaults_model\n"
        "def later():\n"
        "    import importlib\n"
        "    importlib.import_module('safe_eth.safe')\n"
        "    from wallet_app import services\n"
    )
    found = {(module, top) for module, _, top in imports_in(source, "ui")}
    assert {
        ("web3", True),
        ("eth_account", True),
        ("ui.tasks", True),
        ("ui.models.vaults_model", True),
        ("safe_eth.safe", False),
        ("wallet_app.services", False),
    } <= found


@pytest.mark.parametrize("path", python_files("ui"), ids=lambda p: str(p.relative_to(REPO)))
def test_ui_emits_signals_only_through_ui_signals_emit(path: Path) -> None:
    """PySide6 6.12.0's SignalInstance.emit() steals a reference to True; ui.signals.emit repairs it."""
    if path.name == "signals.py":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    direct = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "emit"
    ]
    assert direct == [], f"{path.relative_to(REPO)} calls .emit() directly on lines {direct}; use ui.signals.emit"


# -- one direction: no import cycles, and the Qt layers pointing one way -------------------------------------------

MAX_MODULE_LINES = 600
# (importing layer, layers it must never import): pages -> dialogs -> widgets, and models below all three.
UI_LAYERS = {
    "ui.models": ("ui.widgets", "ui.dialogs", "ui.pages"),
    "ui.widgets": ("ui.dialogs", "ui.pages"),
    "ui.dialogs": ("ui.pages",),
}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")


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


def test_no_import_cycles_in_the_core_or_the_front_end() -> None:
    graph = import_graph()
    loops = [describe_cycle(group, graph) for group in cycles_of(graph)]
    assert loops == [], "\n".join(loops) + "\nMove what both sides need down to a module both import."


def test_the_cycle_check_finds_type_only_and_function_level_loops() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles_of(graph) == [["a", "b", "c"]]
    assert describe_cycle(["a", "b", "c"], graph) == "3 modules import each other in a loop: a -> b; b -> c; c -> a"
    source = ("from typing import TYPE_CHECKING\n"
              "if TYPE_CHECKING:\n"
              "    from ui.pages.approvals_page import QueueSources\n"
              "def later():\n"
              "    from ui.notifications import QueueNotifier\n")
    found = {module for module, _, _ in imports_in(source, "ui.dialogs")}
    assert {"ui.pages.approvals_page", "ui.notifications"} <= found


@pytest.mark.parametrize("path", python_files("ui"), ids=lambda p: str(p.relative_to(REPO)))
def test_ui_layers_point_one_way(path: Path) -> None:
    """Pages may use dialogs, dialogs widgets, all three models; never the other way."""
    module = module_name(path)
    for layer, forbidden in UI_LAYERS.items():
        if within(module, {layer}):
            bad = [f"line {line}: {imported}" for imported, line, _ in imports(path)
                   if within(imported, set(forbidden))]
            assert bad == [], f"{module} ({layer}) imports {', '.join(forbidden)}: {bad}"


@pytest.mark.parametrize("path", python_files("wallet_app") + python_files("ui"),
                         ids=lambda p: str(p.relative_to(REPO)))
def test_modules_stay_short(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, (f"{path.relative_to(REPO)} has {lines} lines; split it by the idea each part "
                                       f"serves (at most {MAX_MODULE_LINES})")
