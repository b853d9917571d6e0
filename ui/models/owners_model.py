"""List model of one vault's owners: checksummed addresses, with the address book's name where there is one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from ui.fonts import fixed_font
from ui.plain_text import reveal_invisible
from ui.signals import emit

AnyIndex: TypeAlias = QModelIndex | QPersistentModelIndex


class OwnersModel(QAbstractListModel):
    """One row per owner: the address, then its name if the address book has one. Copying copies the address."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._owners: list[str] = []
        self._names: dict[str, str] = {}
        self._font: QFont | None = None

    def set_names(self, names: Mapping[str, str]) -> None:
        self._names = {address: reveal_invisible(name) for address, name in names.items()}
        if self._owners:
            emit(self.dataChanged, self.index(0), self.index(len(self._owners) - 1))

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
        name = self._names.get(address)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{address}   {name}" if name else address
        if role == Qt.ItemDataRole.EditRole:
            return address
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Owner {index.row() + 1} of {len(self._owners)}: {address}\nCtrl+C or right-click to copy"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Owner {index.row() + 1}: {name + ', ' if name else ''}{address}"
        if role == Qt.ItemDataRole.FontRole:
            if self._font is None:
                self._font = fixed_font()
            return self._font
        return None
