"""The "Storage tiers" view of the Holdings page: per asset, the client assets in hot, warm and cold vaults at the
shown block, the cold share against the policy's threshold, and which assets fall under it.

A row under the threshold says "BELOW 98.00 %" in its Status column and is set in bold, with the warning tone of
ui/tones.py (a darker shade on light palettes, a lighter one on dark palettes, re-applied when the palette changes):
the words carry the meaning, colour only repeats it. Everything shown is plain text.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.models.storage_rows import HEADINGS, PreparedStorage, StorageColumn
from ui.tones import tone_color
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from ui.widgets.tone_label import ToneLabel

WAITING_TEXT = "The storage tiers are read for the block the holdings show."
BELOW_ROLE = Qt.ItemDataRole.UserRole + 1  # True on the cells of a row under the threshold
_NUMERIC = (StorageColumn.TOTAL, StorageColumn.HOT, StorageColumn.WARM, StorageColumn.COLD,
            StorageColumn.COLD_SHARE, StorageColumn.VALUE)


class StorageTiersView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storageTiers")
        self.prepared: PreparedStorage | None = None
        self._painting = False
        self.header = PlainLabel(selectable=True)
        self.header.setObjectName("storageHeader")
        self.verdict = ToneLabel(bold=True)
        self.verdict.setObjectName("storageVerdict")
        self.verdict.setWordWrap(True)
        self.problems = ErrorLine()
        self.problems.setObjectName("storageProblems")
        self.table = QTableWidget(0, len(HEADINGS))
        self.table.setObjectName("storageTable")
        self.table.setHorizontalHeaderLabels(list(HEADINGS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.totals = PlainLabel(selectable=True)
        self.totals.setObjectName("storageTotals")
        self.totals.setWordWrap(True)
        self.vaults = PlainLabel(selectable=True)
        self.vaults.setObjectName("storageVaults")
        self.vaults.setWordWrap(True)
        self.note = PlainLabel(
            "Units held by the vaults the policy marks as holding client assets; the treasury and other vaults "
            "without client assets are not counted. The cold share is rounded down. Every id of an NFT or "
            "multi-token contract counts towards that contract.")
        self.note.setWordWrap(True)
        self.message = PlainLabel(WAITING_TEXT)
        self.message.setObjectName("storageMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)

        shown = QWidget()
        inner = QVBoxLayout(shown)
        inner.setContentsMargins(0, 0, 0, 0)
        for widget in (self.header, self.verdict, self.problems):
            inner.addWidget(widget)
        inner.addWidget(self.table, 1)
        for widget in (self.totals, self.vaults, self.note):
            inner.addWidget(widget)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.message)
        self.stack.addWidget(shown)
        self._report_page = shown
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)

    @property
    def shown_block(self) -> int | None:
        return self.prepared.block_number if self.prepared is not None else None

    def show_message(self, text: str) -> None:
        """No report to show (none yet, no client-asset vault, no policy): say why instead of the table."""
        self.prepared = None
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def show_storage(self, prepared: PreparedStorage) -> None:
        self.prepared = prepared
        self.header.setText(prepared.header)
        self.verdict.setText(prepared.verdict)
        self.verdict.set_tone("warn" if prepared.below_count else "good")
        if prepared.problems:
            self.problems.show_error("  ".join(prepared.problems))
        else:
            self.problems.clear_error()
        self.totals.setText(prepared.totals)
        self.vaults.setText("Vaults in the policy:\n" + "\n".join(prepared.vaults))
        self._fill()
        self.stack.setCurrentWidget(self._report_page)

    def _fill(self) -> None:
        prepared = self.prepared
        if prepared is None:
            return
        self._painting = True
        try:
            self.table.setRowCount(len(prepared.rows))
            warn = tone_color("warn", self.palette())
            for r, row in enumerate(prepared.rows):
                for c, text in enumerate(row.cells):
                    item = QTableWidgetItem(text)
                    item.setToolTip(row.tooltip)
                    item.setData(BELOW_ROLE, row.below)
                    if c in _NUMERIC:
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    if row.below:
                        font = QFont(item.font())
                        font.setBold(True)
                        item.setFont(font)
                        if c == StorageColumn.STATUS and warn is not None:
                            item.setForeground(QBrush(warn))
                    self.table.setItem(r, c, item)
        finally:
            self._painting = False

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and not self._painting:
            self._fill()  # the warning tone has a shade for light and one for dark palettes

    def status_texts(self) -> list[str]:
        """The Status column, top to bottom (tests and accessibility checks read it)."""
        items = (self.table.item(r, StorageColumn.STATUS) for r in range(self.table.rowCount()))
        return [item.text() if item is not None else "" for item in items]
