"""What every table model of Custos shares: columns named by an IntEnum with a title and a tooltip each, numeric
columns aligned right, and the bounds checks Qt expects. Subclasses hold rows and say how many there are."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeAlias, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

AnyIndex: TypeAlias = QModelIndex | QPersistentModelIndex

ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class ColumnTableModel(QAbstractTableModel):
    headers: ClassVar[Mapping[Any, tuple[str, str]]]  # IntEnum column -> (title, tooltip)
    numeric: ClassVar[frozenset[Any]] = frozenset()

    def row_total(self) -> int:
        raise NotImplementedError

    def alignment(self, column: int) -> Qt.AlignmentFlag:
        return ALIGN_RIGHT if column in self.numeric else ALIGN_LEFT

    def cell(self, index: AnyIndex) -> tuple[int, int] | None:
        """(row, column) of a valid index of this table, or None."""
        if not index.isValid() or index.parent().isValid():
            return None
        row, col = index.row(), index.column()
        if not (0 <= row < self.row_total() and 0 <= col < len(self.headers)):
            return None
        return row, col

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else self.row_total()

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or section not in self.headers:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.headers[section][1]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(section)
        return None


Row = TypeVar("Row")


class RowsTableModel(ColumnTableModel, Generic[Row]):
    """A column table over a list of prepared rows, replaced as a whole."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []

    def row_total(self) -> int:
        return len(self._rows)

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Row]:
        return list(self._rows)

    def row_at(self, index: AnyIndex) -> Row | None:
        cell = self.cell(index)
        return None if cell is None else self._rows[cell[0]]
