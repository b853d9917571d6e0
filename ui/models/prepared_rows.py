"""Table models over prepared rows whose `texts` are shown as they are: each column's text, its tooltip escaped
(`plain_tooltip`: tooltips carry outside text and Qt guesses rich text for them), the column's alignment, and the row
itself under ROW_ROLE. `StateRowsModel` adds what the Approvals page's lists share: the state column coloured in the
row's tone, in bold when it warns (always with words), the hash column in monospace, and finding a row by its hash."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont

from ui.fonts import fixed_font
from ui.models.column_table import AnyIndex, RowsTableModel
from ui.models.tokens_model import plain_tooltip
from ui.tones import tone_color

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the prepared row of a row


class TextRow(Protocol):
    @property
    def texts(self) -> tuple[str, ...]: ...


class StateRow(TextRow, Protocol):
    @property
    def tips(self) -> tuple[str, ...]: ...

    @property
    def tone(self) -> str: ...


TextRowT = TypeVar("TextRowT", bound=TextRow)
StateRowT = TypeVar("StateRowT", bound=StateRow)


def tone_brush(tone: str) -> QBrush | None:
    colour = tone_color(tone)
    return QBrush(colour) if colour is not None else None


def bold_font() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


class TextRowsModel(RowsTableModel[TextRowT]):
    """Display and (escaped) tooltip text per column, alignment, the row under ROW_ROLE; the rest by `more_data`."""

    def tip(self, row: TextRowT, column: int) -> str:
        return row.texts[column]

    def more_data(self, row: TextRowT, column: int, role: int) -> Any:
        return None

    def data(self, index: AnyIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        cell = self.cell(index)
        if cell is None:
            return None
        row, column = self._rows[cell[0]], cell[1]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.texts[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(self.tip(row, column))
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(column)
        return self.more_data(row, column, role)


class StateRowsModel(TextRowsModel[StateRowT]):
    """A list of the Approvals page: its state column toned, its hash column in monospace, rows found by hash."""

    state_column: ClassVar[int]
    hash_column: ClassVar[int]
    hash_field: ClassVar[str]  # the row's attribute that holds the hash it is found by

    def tip(self, row: StateRowT, column: int) -> str:
        return row.tips[column]

    def index_of(self, wanted_hash: str) -> QModelIndex:
        wanted = wanted_hash.lower()
        for row, item in enumerate(self._rows):
            if str(getattr(item, self.hash_field)).lower() == wanted:
                return self.index(row, 0)
        return QModelIndex()

    def more_data(self, row: StateRowT, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and column == self.state_column:
            return tone_brush(row.tone)
        if role == Qt.ItemDataRole.FontRole:
            if column == self.hash_column:
                return fixed_font()
            if column == self.state_column and row.tone in ("warn", "bad"):
                return bold_font()
        return None
