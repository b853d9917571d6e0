"""Table model of the profile's keys: one row per `KeyView` (never a secret, only facts about a key)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont

from ui.fonts import fixed_font
from ui.key_service import OFFLINE, WATCH, kind_of, kind_text
from ui.models.column_table import AnyIndex, ColumnTableModel
from ui.plain_text import reveal_invisible
from ui.signals import emit

if TYPE_CHECKING:
    from wallet_app.keys.views import KeyView


KEY_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""Data role returning the row's `KeyView`."""
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 2
"""Data role returning a string that sorts the column sensibly."""

REMEMBERED_TEXT = "remembered on this device"



class KeyColumn(IntEnum):
    LABEL = 0
    KIND = 1
    ADDRESS = 2
    OWNS = 3
    STATE = 4


_HEADERS: dict[KeyColumn, tuple[str, str]] = {
    KeyColumn.LABEL: ("Key", "The name this profile gives the key"),
    KeyColumn.KIND: ("Kind", "Keystore (encrypted file), HSM (hardware token) or watch-only (address only)"),
    KeyColumn.ADDRESS: ("Address", "The key's address (EIP-55 checksummed)"),
    KeyColumn.OWNS: ("Owner of", "The profile's vaults this key is an owner of"),
    KeyColumn.STATE: ("State", "Whether the key can sign right now"),
}


def state_text(view: KeyView) -> str:
    if kind_of(view) == WATCH:
        return "Watch-only"
    if kind_of(view) == OFFLINE:
        return "Signs on its own offline device"
    state = "Unlocked" if view.unlocked else "Locked"
    return f"{state} · {REMEMBERED_TEXT}" if view.remembered else state


def owns_text(view: KeyView) -> str:
    return ", ".join(reveal_invisible(label, max_length=60) for label in view.vaults) if view.vaults else "—"


class KeysTableModel(ColumnTableModel):
    headers = _HEADERS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._keys: list[KeyView] = []
        self._fixed: QFont | None = None
        self._bold: QFont | None = None

    # -- updating -------------------------------------------------------------------------------------------
    def set_keys(self, keys: Sequence[KeyView]) -> None:
        """Replace the rows; the same keys in the same order are updated in place (selection stays)."""
        new = list(keys)
        if [k.address for k in new] == [k.address for k in self._keys]:
            changed = new != self._keys
            self._keys = new
            if changed and new:
                emit(self.dataChanged, self.index(0, 0), self.index(len(new) - 1, len(KeyColumn) - 1))
            return
        self.beginResetModel()
        self._keys = new
        self.endResetModel()

    def keys(self) -> list[KeyView]:
        return list(self._keys)

    def row_of(self, address: str) -> int | None:
        wanted = address.lower()
        return next((row for row, key in enumerate(self._keys) if key.address.lower() == wanted), None)

    def key_at(self, row: int) -> KeyView | None:
        return self._keys[row] if 0 <= row < len(self._keys) else None

    # -- QAbstractItemModel ---------------------------------------------------------------------------------
    def row_total(self) -> int:
        return len(self._keys)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        cell = self.cell(index)
        if cell is None:
            return None
        row, col = cell
        key = self._keys[row]
        column = KeyColumn(col)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._display(key, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(key, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(col)
        if role == Qt.ItemDataRole.FontRole:
            return self._font(key, column)
        if role == KEY_ROLE:
            return key
        if role == SORT_ROLE:
            return self._sort_key(key, column)
        return None

    # -- cells ----------------------------------------------------------------------------------------------
    @staticmethod
    def _display(key: KeyView, column: KeyColumn) -> str:
        match column:
            case KeyColumn.LABEL:
                return reveal_invisible(key.label, max_length=80)
            case KeyColumn.KIND:
                return kind_text(key)
            case KeyColumn.ADDRESS:
                return key.address
            case KeyColumn.OWNS:
                return owns_text(key)
            case KeyColumn.STATE:
                return state_text(key)

    @staticmethod
    def _tooltip(key: KeyView, column: KeyColumn) -> str:
        match column:
            case KeyColumn.ADDRESS:
                return f"{key.address}\nCtrl+C or right-click to copy"
            case KeyColumn.OWNS:
                if not key.vaults:
                    return "This key is not an owner of any of the profile's vaults"
                return "Owner of: " + owns_text(key)
            case KeyColumn.STATE:
                if kind_of(key) == WATCH:
                    return "A watch-only address has no secret here: it cannot sign"
                if kind_of(key) == OFFLINE:
                    return ("Its secret is on the paired offline signer: send it a sign request (Approvals, Sign "
                            "offline…)")
                text = "It can sign now" if key.unlocked else "Unlock it to sign"
                if key.remembered:
                    text += "; its unlock secret is kept in this device's OS keyring"
                return text
            case _:
                return KeysTableModel._display(key, column)

    def _font(self, key: KeyView, column: KeyColumn) -> QFont | None:
        if column == KeyColumn.ADDRESS:
            if self._fixed is None:
                self._fixed = fixed_font()
            return self._fixed
        if column == KeyColumn.STATE and key.unlocked:
            if self._bold is None:
                self._bold = QFont()
                self._bold.setBold(True)
            return self._bold
        return None

    @staticmethod
    def _sort_key(key: KeyView, column: KeyColumn) -> str:
        match column:
            case KeyColumn.LABEL:
                return key.label.casefold()
            case KeyColumn.KIND:
                return kind_text(key)
            case KeyColumn.ADDRESS:
                return key.address.lower()
            case KeyColumn.OWNS:
                return f"{len(key.vaults):04d} " + ", ".join(v.casefold() for v in key.vaults)
            case KeyColumn.STATE:
                return state_text(key)
