"""The holdings table's view: read-only whole rows of uniform height (scrolling stays cheap with tens of thousands),
interactive columns sorted by a click (the snapshot's order until then), and column widths fitted to the header and a
sample of rows rather than to every row.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QHeaderView, QTableView

from ui.models.holdings_rows import HoldingColumn, PreparedHoldings
from ui.widgets.table_layout import build_read_only_table


def build_holdings_table(model: QAbstractItemModel) -> QTableView:
    table = build_read_only_table(model, "holdingsTable")
    vertical = table.verticalHeader()
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # uniform rows: scrolling stays cheap
    vertical.setDefaultSectionSize(table.fontMetrics().height() + 8)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setResizeContentsPrecision(200)  # measure a sample of rows, never all 50,000
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the snapshot's order until a click
    table.setSortingEnabled(True)
    return table


def size_holdings_columns(table: QTableView, model: QAbstractItemModel, prepared: PreparedHoldings) -> None:
    """Fit the columns to the header (`model`'s titles) and a sample of rows. (resizeColumnsToContents asks `data()`
    for every role of hundreds of rows: 160 ms on the GUI thread for a large register.)"""
    metrics = table.fontMetrics()
    sample = prepared.rows[:60]
    for col in HoldingColumn:
        title = str(model.headerData(col, Qt.Orientation.Horizontal))
        widest = max(
            [metrics.horizontalAdvance(title) + 16] + [metrics.horizontalAdvance(r.texts[col]) for r in sample]
        )
        # Names are long and the full text is in the tooltip; amounts are never elided, so they may take room.
        cap = 200 if col in (HoldingColumn.ASSET, HoldingColumn.NAME) else 320
        table.setColumnWidth(col, min(widest + 12, cap))
