"""The result of checking a proof bundle: the verdict in large coloured words (VALID, VALID, PROVISIONAL, INVALID,
CANNOT BE READ) with what it means, where the bundle came from, a table of every check and one of every claim, and
the selected row in full underneath. Everything from the bundle is shown as plain text only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QHeaderView, QPlainTextEdit, QTableView, QTabWidget, QVBoxLayout, QWidget

from ui.models.proof_rows import CHECK_HEADERS, CLAIM_HEADERS, Row, VerdictView
from ui.tones import tone_color
from ui.widgets.plain_label import PlainLabel
from ui.widgets.table_layout import build_read_only_table, build_vertical_split
from ui.widgets.tone_label import ToneLabel

EMPTY_TEXT = "No bundle checked yet. Create a proof, or open, paste or scan one to check it."


class ProofResult(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("proofResult")
        self.verdict = ToneLabel(EMPTY_TEXT, scale=1.6, bold=True, selectable=True)
        self.verdict.setObjectName("proofVerdict")
        self.verdict.setWordWrap(True)
        self.explanation = ToneLabel(selectable=True)
        self.explanation.setObjectName("proofExplanation")
        self.explanation.setWordWrap(True)
        self.explanation.hide()
        self.source = PlainLabel(selectable=True)
        self.source.setObjectName("proofSource")
        self.source.setWordWrap(True)
        self.source.hide()
        self.checks_model = QStandardItemModel(0, len(CHECK_HEADERS), self)
        self.checks_model.setHorizontalHeaderLabels(list(CHECK_HEADERS))
        self.claims_model = QStandardItemModel(0, len(CLAIM_HEADERS), self)
        self.claims_model.setHorizontalHeaderLabels(list(CLAIM_HEADERS))
        self.checks_table = self._table(self.checks_model, "proofChecks", (64, 300))
        self.claims_table = self._table(self.claims_model, "proofClaims", (64, 130))
        self.tabs = QTabWidget()
        self.tabs.setObjectName("proofTables")
        self.tabs.addTab(self.checks_table, "Checks")
        self.tabs.addTab(self.claims_table, "Claims")
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("proofDetail")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Select a check or a claim to read it in full.")
        split = build_vertical_split(self.tabs, self.detail, stretch=(3, 1), sizes=(320, 110))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.verdict)
        layout.addWidget(self.explanation)
        layout.addWidget(self.source)
        layout.addWidget(split, 1)
        self._rows: dict[str, tuple[Row, ...]] = {"proofChecks": (), "proofClaims": ()}
        self.tabs.currentChanged.connect(lambda _i: self._show_selected())

    def _table(self, model: QStandardItemModel, name: str, widths: tuple[int, int]) -> QTableView:
        table = build_read_only_table(model, name)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate(widths):
            header.resizeSection(column, width)
        table.selectionModel().selectionChanged.connect(lambda *_a: self._show_selected())
        return table

    # -- what the page shows ------------------------------------------------------------------------------------
    def show_busy(self, text: str) -> None:
        self.verdict.set_tone("muted")
        self.verdict.setText(text)
        self.explanation.hide()

    def show_message(self, text: str, tone: str = "plain") -> None:
        self.clear()
        self.verdict.set_tone(tone)
        self.verdict.setText(text)

    def clear(self) -> None:
        self.verdict.set_tone("plain")
        self.verdict.setText(EMPTY_TEXT)
        self.explanation.hide()
        self.source.hide()
        self._fill(self.checks_model, "proofChecks", ())
        self._fill(self.claims_model, "proofClaims", ())

    def show_view(self, view: VerdictView, source: str) -> None:
        self.verdict.set_tone(view.tone)
        self.verdict.setText(view.heading)
        self.explanation.set_tone(view.tone)
        self.explanation.setText(view.explanation)
        self.explanation.show()
        self.source.setText(source)
        self.source.setVisible(bool(source))
        self._fill(self.checks_model, "proofChecks", view.checks)
        self._fill(self.claims_model, "proofClaims", view.claims)
        self.tabs.setTabText(0, f"Checks ({len(view.checks)})")
        self.tabs.setTabText(1, f"Claims ({len(view.claims)})")
        failed = next((i for i, row in enumerate(view.checks) if row.tone == "bad"), None)
        self.tabs.setCurrentIndex(0)
        if failed is not None:  # the first failing check, in full
            self.checks_table.selectRow(failed)
        self._show_selected()

    def _fill(self, model: QStandardItemModel, name: str, rows: tuple[Row, ...]) -> None:
        self._rows[name] = rows
        model.removeRows(0, model.rowCount())
        for row in rows:
            items = [QStandardItem(text) for text in row.texts]
            colour = tone_color(row.tone, self.palette())
            if colour is not None:
                items[0].setData(colour, Qt.ItemDataRole.ForegroundRole)
            model.appendRow(items)
        if not rows:
            self.tabs.setTabText(0 if name == "proofChecks" else 1, "Checks" if name == "proofChecks" else "Claims")
            self.detail.clear()

    def _show_selected(self) -> None:
        table = self.checks_table if self.tabs.currentIndex() == 0 else self.claims_table
        rows = self._rows[table.objectName()]
        selected = table.selectionModel().selectedRows()
        index = selected[0].row() if selected else -1
        self.detail.setPlainText(rows[index].full if 0 <= index < len(rows) else "")

    def check_rows(self) -> tuple[Row, ...]:
        return self._rows["proofChecks"]

    def claim_rows(self) -> tuple[Row, ...]:
        return self._rows["proofClaims"]
