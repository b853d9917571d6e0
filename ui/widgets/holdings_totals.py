"""The totals under the holdings table: per account (its kind, how many holdings, their HKD value and how many have no
price), the institution's total (vaults and its own accounts), and apart from it the investor and watch-only accounts
it follows but does not own.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.models.holdings_rows import KIND_TEXT, PreparedHoldings, account_text, hkd_text
from ui.widgets.plain_label import PlainLabel


def _unpriced(count: int) -> str:
    return f"; {count:,} holding{'s' if count != 1 else ''} without a price not counted" if count else ""


class HoldingsTotals(QGroupBox):
    """A table of the accounts' totals, and the institution's and the followed accounts' totals beside it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Totals", parent)
        self.setObjectName("holdingsTotals")
        self.totals = QTableWidget(0, 4)
        self.totals.setObjectName("accountTotals")
        self.totals.setHorizontalHeaderLabels(["Account", "Kind", "Holdings", "Value (HKD)"])
        self.totals.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.totals.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.totals.setAlternatingRowColors(True)
        self.totals.setWordWrap(False)
        self.totals.verticalHeader().hide()
        self.totals.verticalHeader().setDefaultSectionSize(self.totals.fontMetrics().height() + 8)
        header = self.totals.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.institution_total = PlainLabel(selectable=True)
        self.institution_total.setObjectName("institutionTotal")
        font = self.institution_total.font()
        font.setBold(True)
        self.institution_total.setFont(font)
        self.watched_total = PlainLabel(selectable=True)
        self.watched_total.setObjectName("watchedTotal")
        self.watched_total.setWordWrap(True)
        side = QVBoxLayout()
        side.addWidget(self.institution_total)
        side.addWidget(self.watched_total)
        side.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.totals, 3)
        layout.addLayout(side, 2)

    def show_totals(self, prepared: PreparedHoldings) -> None:
        self.totals.setRowCount(len(prepared.totals))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, total in enumerate(prepared.totals):
            value = hkd_text(total.value_hkd) + (f" (+{total.unpriced:,} unpriced)" if total.unpriced else "")
            cells = (
                account_text(total.account),
                KIND_TEXT.get(total.account.kind, total.account.kind),
                f"{total.holdings:,}",
                value,
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col >= 2:
                    item.setTextAlignment(right)
                if col == 0:
                    item.setToolTip(total.account.address)
                self.totals.setItem(row, col, item)
        self.institution_total.setText(
            f"Institution total: {hkd_text(prepared.institution_hkd)} HKD{_unpriced(prepared.institution_unpriced)}"
        )
        self.institution_total.setToolTip(
            "Vaults and the institution's own accounts; investor and watch-only "
            "accounts are followed but not owned, so they are totalled apart"
        )
        has_watched = any(t.watched for t in prepared.totals)
        self.watched_total.setVisible(has_watched)
        self.watched_total.setText(
            f"Investor and watch-only accounts (not in the institution total): {hkd_text(prepared.watched_hkd)} HKD"
            f"{_unpriced(prepared.watched_unpriced)}"
        )
