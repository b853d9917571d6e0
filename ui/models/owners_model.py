"""List model of one vault's owners (checksummed addresses)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from ui.fonts import fixed_font

AnyIndex: TypeAlias = QModelIndex | QPersistentModelIndex


class OwnersModel(QAbstractListModel):
    """One row per owner address; the display text is exactly the address, so copying a row copies it."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._owners: list[str] = []
        self._font: QFont | None = None

    def set_owners(self, owners: Sequence[str]) -> None:
        self.beginResetModel()
        self._owners = list(owners)
        self.endResetModel()

    def owners(self) -> list[str]:
        return list(self._owners)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._owners)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid() or not 0 <= index.row() < len(self._owners):
            return None
        address = self._owners[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return address
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Owner {index.row() + 1} of {len(self._owners)}: {address}\nCtrl+C or right-click to copy"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Owner {index.row() + 1}: {address}"
        if role == Qt.ItemDataRole.FontRole:
            if self._font is None:
                self._font = fixed_font()
            return self._font
        return None
