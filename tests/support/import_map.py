"""The map of docs/ARCHITECTURE.md: Custos's packages in layers, drawn from the import graph as it is now.

    python -m tests.support.import_map            # rewrite docs/architecture-map.svg
    python -m tests.support.import_map --check    # exit 1 when the committed map no longer matches the code

The layers are the allowed direction: a package may import the packages in the rows below it. Grey arrows are the
imports that go down, drawn after a transitive reduction (an arrow also stands for every path it implies); a red,
dashed arrow is an import that goes up a row or across one, against the layering, and is listed under the map. Each
package of `wallet_app` is one box; `ui` is split into its layers (pages, dialogs, widgets, models) and the modules
at its top level, drawn as the shell (window, session, wiring) and the foundation (task runner, signals, fonts, tones,
the protocols the pages read). The whole front end reaches the core through one arrow: services, value types and
pure functions, never the chain stack (tests/unit/test_layering.py checks that part module by module).
"""

from __future__ import annotations

import sys
from html import escape

from tests.support.import_graph import REPO, import_graph

MAP = REPO / "docs" / "architecture-map.svg"
UI_SHELL = {"ui.app", "ui.main_window", "ui.session", "ui.queue_wiring", "ui.notifications", "ui.cli_entry", "ui",
            "ui.gc_guard", "ui.startup_clock"}
ROWS: tuple[tuple[str, ...], ...] = (
    ("ui: shell",),
    ("ui.offline",),
    ("ui.pages",),
    ("ui.dialogs",),
    ("ui.widgets",),
    ("ui.models",),
    ("ui: foundation",),
    ("wallet_app.cli",),
    ("wallet_app.demo",),
    ("wallet_app.services", "wallet_app.profile_peek"),
    ("wallet_app.evidence",),
    ("wallet_app.compliance",),
    ("wallet_app.account_vaults",),
    ("wallet_app.cold",),
    ("wallet_app.offline",),
    ("wallet_app.proofs",),
    ("wallet_app.queue",),
    ("wallet_app.policy",),
    ("wallet_app.holdings",),
    ("wallet_app.vaults", "wallet_app.safe"),
    ("wallet_app.profile_keys",),
    ("wallet_app.profiles",),
    ("wallet_app.keys", "wallet_app.audit"),
    ("wallet_app.chain",),
    ("wallet_app.config",),
    ("wallet_app.storage",),
    ("wallet_app.ur",),
    ("wallet_app.domain", "wallet_app.faults", "wallet_app"),
    ("wallet_app.errors",),
)
NOTES = {
    "ui: shell": "app, main window, session, queue wiring, notifications, custos entry",
    "ui.offline": "the offline signer's window: sign, vaults, keys, policy, audit",
    "ui.pages": "one tab each: holdings, history, vaults, keys, policy, approvals, audit",
    "ui.dialogs": "propose, review and approve, unlock, keys, vaults, tokens, policy",
    "ui.widgets": "address and hash views, tone labels, charts, policy panels",
    "ui.models": "Qt item models and plain row values; no widgets",
    "ui: foundation": "task runner, signals, error presenter, fonts, tones, queue sources, PDF",
    "wallet_app.cli": "the custos command: one module per command group",
}
ROW_HEIGHT, BOX_HEIGHT, WIDTH, TOP, MARGIN = 62, 40, 980, 40, 24


def package_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "ui":
        if len(parts) >= 3:
            return ".".join(parts[:2])
        return "ui: shell" if module in UI_SHELL else "ui: foundation"
    return ".".join(parts[:2])


def package_edges() -> set[tuple[str, str]]:
    edges = set()
    for module, targets in import_graph().items():
        for target in targets:
            a, b = package_of(module), package_of(target)
            if a != b:
                edges.add((a, b))
    return edges


def row_of() -> dict[str, int]:
    return {package: number for number, row in enumerate(ROWS) for package in row}


def split_edges(edges: set[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]], bool]:
    """(downward arrows after transitive reduction, upward or sideways imports, whether the front end uses the
    core). Imports from the front end into the core are summed up in one arrow."""
    rows = row_of()
    unknown = sorted({p for edge in edges for p in edge} - set(rows))
    if unknown:
        raise SystemExit(f"packages missing from ROWS in {__file__}: {', '.join(unknown)}")
    ui_to_core = any(a.startswith("ui") and b.startswith("wallet_app") for a, b in edges)
    inside = {(a, b) for a, b in edges if a.startswith("ui") == b.startswith("ui")}
    down = {(a, b) for a, b in inside if rows[a] < rows[b]}
    against = sorted((a, b) for a, b in inside if rows[a] >= rows[b])

    def reachable(start: str, skip: tuple[str, str]) -> bool:
        seen, todo = set(), [n for (a, n) in down if a == start and (a, n) != skip]
        while todo:
            node = todo.pop()
            if node == skip[1]:
                return True
            if node not in seen:
                seen.add(node)
                todo += [n for (a, n) in down if a == node]
        return False

    reduced = sorted(edge for edge in down if not reachable(edge[0], edge))
    return reduced, against, ui_to_core


def layout() -> dict[str, tuple[float, float, float]]:
    """package -> (x, y, width) of its box."""
    boxes: dict[str, tuple[float, float, float]] = {}
    for number, row in enumerate(ROWS):
        y = TOP + number * ROW_HEIGHT
        gap = 16
        width = min(300.0, (WIDTH - 2 * MARGIN - 330 - gap * (len(row) - 1)) / len(row))
        total = width * len(row) + gap * (len(row) - 1)
        x = MARGIN + (WIDTH - 330 - 2 * MARGIN - total) / 2
        for package in row:
            boxes[package] = (x, y, width)
            x += width + gap
    return boxes


def render() -> str:
    down, against, ui_to_core = split_edges(package_edges())
    boxes = layout()
    height = TOP + len(ROWS) * ROW_HEIGHT + 30 + 18 * len(against)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
           "<defs>"
           '<marker id="down" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#667"/></marker>'
           '<marker id="up" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#b31d28"/></marker>'
           "</defs>",
           f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
           f'<text x="{MARGIN}" y="22" font-size="14" font-weight="bold">Custos: packages and the direction of '
           "their imports (generated by python -m tests.support.import_map)</text>"]
    core_top = boxes["wallet_app.cli"][1]
    out.append(f'<rect x="8" y="{TOP - 8}" width="{WIDTH - 16}" height="{core_top - TOP - 4}" fill="#eef3fb" '
               'stroke="#9ab" rx="8"/>')
    out.append(f'<rect x="8" y="{core_top - 8}" width="{WIDTH - 16}" '
               f'height="{TOP + len(ROWS) * ROW_HEIGHT - core_top}" fill="#f4f8ee" stroke="#9b9" rx="8"/>')
    out.append(f'<text x="{WIDTH - 18}" y="{TOP + 8}" text-anchor="end" fill="#456">ui/ : PySide6, talks to the '
               "core's services</text>")
    out.append(f'<text x="{WIDTH - 18}" y="{core_top + 8}" text-anchor="end" fill="#464">wallet_app/ : no Qt, '
               "synchronous, typed</text>")
    for a, b in down:
        ax, ay, aw = boxes[a]
        bx, by, bw = boxes[b]
        out.append(f'<line x1="{ax + aw / 2:.1f}" y1="{ay + BOX_HEIGHT}" x2="{bx + bw / 2:.1f}" y2="{by}" '
                   'stroke="#99a" stroke-width="1.2" marker-end="url(#down)"/>')
    for a, b in against:
        ax, ay, aw = boxes[a]
        bx, by, bw = boxes[b]
        out.append(f'<path d="M{ax + aw:.1f},{ay + BOX_HEIGHT / 2} C{ax + aw + 60:.1f},{ay + BOX_HEIGHT / 2} '
                   f'{bx + bw + 60:.1f},{by + BOX_HEIGHT / 2} {bx + bw:.1f},{by + BOX_HEIGHT / 2}" fill="none" '
                   'stroke="#b31d28" stroke-width="1.2" stroke-dasharray="5,3" marker-end="url(#up)"/>')
    if ui_to_core:
        x, y, w = boxes["ui: foundation"]
        out.append(f'<line x1="{x + w + 40:.1f}" y1="{boxes["ui: shell"][1] + 20}" x2="{x + w + 40:.1f}" '
                   f'y2="{core_top - 2}" stroke="#446" stroke-width="3" marker-end="url(#down)"/>')
        out.append(f'<text x="{x + w + 48:.1f}" y="{core_top - 14}" fill="#446">every ui layer: services, value '
                   "types, pure functions (never web3)</text>")
    for package, (x, y, w) in boxes.items():
        out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BOX_HEIGHT}" rx="5" fill="#ffffff" '
                   'stroke="#345" stroke-width="1.2"/>')
        title = package.removeprefix("wallet_app.") if package != "wallet_app" else "wallet_app (version)"
        note = NOTES.get(package)
        text_y = y + (16 if note else 25)
        out.append(f'<text x="{x + w / 2:.1f}" y="{text_y}" text-anchor="middle" font-weight="bold">'
                   f"{escape(title)}</text>")
        if note:
            out.append(f'<text x="{x + w / 2:.1f}" y="{y + 32}" text-anchor="middle" font-size="10" fill="#456">'
                       f"{escape(note)}</text>")
    y = TOP + len(ROWS) * ROW_HEIGHT + 18
    if against:
        out.append(f'<text x="{MARGIN}" y="{y}" fill="#b31d28">Imports against the layering (red, dashed), to be '
                   "removed; no module-level import cycle exists:</text>")
        for number, (a, b) in enumerate(against, start=1):
            out.append(f'<text x="{MARGIN + 12}" y="{y + 18 * number}" fill="#b31d28">{escape(a)} → '
                       f"{escape(b)}</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = MAP.read_text(encoding="utf-8") if MAP.exists() else ""
        if current != text:
            print(f"{MAP.relative_to(REPO)} is out of date: run python -m tests.support.import_map", file=sys.stderr)
            return 1
        return 0
    MAP.write_text(text, encoding="utf-8")
    print(f"wrote {MAP.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
