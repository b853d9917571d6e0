"""The layering rules of ARCHITECTURE.md, checked on the source: the core never imports Qt or the UI, and the UI
never imports the chain stack (it talks to `wallet_app` services only)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.import_graph import (
    REPO,
    cycles_of,
    describe_cycle,
    import_graph,
    imports,
    imports_in,
    module_name,
    python_files,
)

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


def test_the_architecture_map_is_current() -> None:
    """docs/architecture-map.svg is drawn from the import graph; a change of imports between packages redraws it."""
    from tests.support.import_map import MAP, render

    assert MAP.read_text(encoding="utf-8") == render(), "run: python -m tests.support.import_map"
