"""What the Approvals page's sections beside the Safe transactions share (ui/widgets/message_panel.py, the Safe
messages; ui/widgets/account_panel.py, the account vaults' transfers): a summary line, the list (a message stands in
while there is nothing to list), and under it the selected row — where it stands, in its tone, and each warning —
then the section's own parts and a result line that says what the last action came to. Rows are prepared
(ui.models.prepared_rows.StateRowsModel), kept selected across a repaint by their hash, and shown as plain text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QHeaderView, QVBoxLayout, QWidget

from ui.models.prepared_rows import StateRowsModel
from ui.widgets.plain_label import PlainLabel
from ui.widgets.table_layout import build_message_stack, build_read_only_table
from ui.widgets.tone_label import ToneLabel
from ui.widgets.warning_list import WarningList

Row = TypeVar("Row")


class RowsPanel(QGroupBox, Generic[Row]):
    def __init__(self, title: str, *, noun: str, model: StateRowsModel[Any], waiting_text: str,
                 widest: Mapping[int, str], elide: Qt.TextElideMode, parent: QWidget | None = None) -> None:
        """`noun` names the parts ("approvals{noun}s", "approvals{noun}State", …); `widest`: a column's usual widest
        text, which sets its starting width in the font in use."""
        super().__init__(title, parent)
        self.setObjectName(f"approvals{noun}s")
        self._rows: tuple[Row, ...] = ()
        self.summary = PlainLabel(waiting_text, selectable=True)
        self.summary.setObjectName(f"approvals{noun}sSummary")
        self.summary.setWordWrap(True)
        model.setParent(self)
        self.model = model
        self.table = build_read_only_table(self.model, f"approvals{noun}Table", elide=elide)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        for column, sample in widest.items():  # wide enough for what they usually hold, in the font in use
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 18)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._selection_changed())
        self.stack, self.message = build_message_stack(self.table, waiting_text, f"approvals{noun}sMessage")

        self.state = ToneLabel(selectable=True)
        self.state.setObjectName(f"approvals{noun}State")
        self.state.setWordWrap(True)
        self.warnings_box = WarningList(f"approvals{noun}Warning", spacing=2)
        self.result = ToneLabel(selectable=True)
        self.result.setObjectName(f"approvals{noun}Result")
        self.result.setWordWrap(True)
        self.result.hide()
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(6, 4, 6, 6)
        self.body.setSpacing(4)
        self.body.addWidget(self.summary)
        self.body.addWidget(self.stack, 1)
        self.body.addWidget(self.state)
        self.body.addWidget(self.warnings_box)

    # -- rows -----------------------------------------------------------------------------------------------
    @property
    def rows(self) -> tuple[Row, ...]:
        return self._rows

    def show_message(self, text: str) -> None:
        """Stands in for the list while there is nothing to list yet (waiting, or the read failed)."""
        if not self._rows:
            self.message.setText(text)
            self.stack.setCurrentIndex(0)
            self.summary.setText(text)

    def show_result(self, text: str, tone: str = "plain") -> None:
        """What the last action came to (or, in a muted tone, what is being done now)."""
        self.result.set_tone(tone)
        self.result.setText(text)
        self.result.setVisible(bool(text))

    def paint(self, shown: Sequence[Row], summary: str, empty_text: str) -> None:
        """Show `shown`, the row selected before still selected when it is there."""
        chosen = self.selected()
        self.model.set_rows(shown)
        self.summary.setText(summary)
        if shown:
            self.stack.setCurrentWidget(self.table)
        else:
            self.message.setText(empty_text)
            self.stack.setCurrentIndex(0)
        if chosen is not None:
            self.select(str(getattr(chosen, self.model.hash_field)))
        self._selection_changed()

    def selected(self) -> Row | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0]) if rows else None

    def select(self, wanted_hash: str) -> bool:
        index = self.model.index_of(wanted_hash)
        if not index.isValid():
            return False
        self.table.setCurrentIndex(index)
        self.table.selectRow(index.row())
        return True

    # -- the selected row -----------------------------------------------------------------------------------
    @property
    def warning_labels(self) -> list[ToneLabel]:
        return self.warnings_box.labels

    def _selection_changed(self) -> None:
        raise NotImplementedError
