"""Typeset a holding statement as PDF with Qt's PDF writer. Every text from outside is escaped and its invisible
characters made visible: a token name can never become markup."""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ui.plain_text import reveal_invisible

if TYPE_CHECKING:
    from wallet_app.holdings.statement import Statement

HEADINGS = ("Asset", "Standard", "Id", "Balance", "Frozen", "Free", "Price", "Value (HKD)", "Compliance")


def _text(value: str, limit: int = 120) -> str:
    return html.escape(reveal_invisible(value, max_length=limit))


def build_statement_html(statement: Statement) -> str:
    account = statement.account
    rows = []
    for (asset, symbol, name, standard, token_id, balance, frozen, free, price, source, value, compliance) in (
        statement.rows
    ):
        shown = f"<b>{_text(symbol, 40) or _text(asset)}</b><br/><small>{_text(name, 80)}<br/>{_text(asset)}</small>"
        price_cell = f"{_text(price)}<br/><small>{_text(source, 160)}</small>" if price else _text(source)
        cells = (shown, _text(standard), _text(token_id), _text(balance), _text(frozen), _text(free), price_cell,
                 _text(value) or "—", _text(compliance, 300))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in HEADINGS)
    label = _text(account.label) or "Account"
    unpriced = f" ({statement.unpriced} holdings without a price are not counted)" if statement.unpriced else ""
    return f"""
<h2>Holding statement</h2>
<p><b>{label}</b><br/><tt>{_text(account.address)}</tt></p>
<p>Network {_text(statement.network)}, chain id {statement.chain_id}<br/>
Read at block {statement.block_number}, block hash <tt>{_text(statement.block_hash)}</tt><br/>
Block time {_text(statement.block_time)} &middot; read at {_text(statement.read_at)}</p>
<table border="1" cellspacing="0" cellpadding="3" width="100%">
<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>
<p><b>Total value: HKD {_text(statement.total_hkd)}</b>{unpriced}</p>
<p><small>Balances were read from the chain with balanceOf at the block above; prices come from the feeds named in
each row. Anyone can check them against the block hash with any node of this chain.</small></p>
"""


def ensure_gui_application() -> None:
    """Qt's PDF writer and text layout need a QGuiApplication; the `custos` command has none until it writes one."""
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        QGuiApplication(["custos"])  # kept alive by Qt until the process ends


def render_statement_pdf(statement: Statement, path: Path) -> Path:
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

    ensure_gui_application()
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageOrientation(QPageLayout.Orientation.Landscape)
    writer.setTitle("Custos holding statement")
    writer.setCreator("Custos")
    document = QTextDocument()
    document.setHtml(build_statement_html(statement))
    document.print_(writer)
    return path
