"""The rule verdicts of a reviewed request as a table: each verdict, the rule, why, and where it was decided (on this
signer, or resting on the facts the online desktop read at block N). Denies and escalations stand out."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont

from ui.models.column_table import AnyIndex, ColumnTableModel
from ui.offline.review_rows import DECIDED_HERE, ReviewVerdictRow
from ui.tones import VERDICT_TONES, tone_color


class ReviewVerdictColumn(IntEnum):
    VERDICT = 0
    RULE = 1
    WHERE = 2
    REASON = 3


class ReviewVerdictsModel(ColumnTableModel):
    headers = {
        ReviewVerdictColumn.VERDICT: ("Verdict", "deny, escalate, match (this rule decided), pass or skip"),
        ReviewVerdictColumn.RULE: ("Rule", "The built-in check or the policy rule (by its id)"),
        ReviewVerdictColumn.WHERE: ("Where", "Decided here, from the request's fields alone, or resting on the chain "
                                             "facts the online desktop read at block N"),
        ReviewVerdictColumn.REASON: ("Reason", "Why, in the policy engine's words"),
    }

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ReviewVerdictRow] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def row_total(self) -> int:
        return len(self._rows)

    def set_rows(self, rows: Sequence[ReviewVerdictRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[ReviewVerdictRow]:
        return list(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        cell = self.cell(index)
        if cell is None:
            return None
        row, col = self._rows[cell[0]], cell[1]
        text = (row.verdict, row.rule, row.where, row.reason)[col]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            return text
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(col)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == ReviewVerdictColumn.WHERE:
                return None if row.where == DECIDED_HERE else tone_color("warn")
            return tone_color(VERDICT_TONES.get(row.verdict, "plain"))
        if role == Qt.ItemDataRole.FontRole and row.verdict in ("deny", "escalate"):
            return self._bold
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
