"""Table model of the profile's vaults (Safes): one row per `VaultInfo`."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont

from ui.fonts import fixed_font
from ui.models.column_table import AnyIndex, ColumnTableModel
from ui.plain_text import reveal_invisible
from ui.signals import emit
from wallet_app.domain.units import format_units
from wallet_app.domain.vaults import VaultInfo

VAULT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""Data role returning the row's `VaultInfo`."""
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 2
"""Data role returning a string that sorts correctly (numbers zero-padded: balances exceed 64 bits)."""



class VaultColumn(IntEnum):
    LABEL = 0
    ADDRESS = 1
    VERSION = 2
    THRESHOLD = 3
    NONCE = 4
    BALANCE = 5


_HEADERS: dict[VaultColumn, tuple[str, str]] = {
    VaultColumn.LABEL: ("Vault", "The name this profile gives the vault"),
    VaultColumn.ADDRESS: ("Address", "The Safe contract address (EIP-55 checksummed)"),
    VaultColumn.VERSION: ("Version", "The Safe contract version"),
    VaultColumn.THRESHOLD: ("Threshold", "Owner signatures needed to execute a transaction"),
    VaultColumn.NONCE: ("Nonce", "Transactions this Safe has executed so far"),
    VaultColumn.BALANCE: ("Balance", "Native coin balance"),
}
_NUMERIC = frozenset({VaultColumn.THRESHOLD, VaultColumn.NONCE, VaultColumn.BALANCE})


def threshold_text(vault: VaultInfo) -> str:
    return f"{vault.threshold} of {len(vault.owners)}"


def _padded(value: int) -> str:
    return f"{value:080d}" if value >= 0 else "-" + f"{-value:080d}"


def _version_key(version: str) -> str:
    return ".".join(_padded(int(p)) if p.isdigit() else p for p in version.split("."))


class VaultsTableModel(ColumnTableModel):
    """Rows of `VaultInfo`. `stale` rows (from the cached snapshot) are drawn in italics."""
    headers = _HEADERS
    numeric = _NUMERIC


    def __init__(self, parent: QObject | None = None, *, native_symbol: str = "", native_decimals: int = 18):
        super().__init__(parent)
        self._vaults: list[VaultInfo] = []
        self._stale = False
        self._symbol = native_symbol
        self._decimals = native_decimals
        self._fixed: QFont | None = None

    # -- updating -------------------------------------------------------------------------------------------
    def set_native_unit(self, symbol: str, decimals: int) -> None:
        self._symbol, self._decimals = symbol, decimals
        if self._vaults:
            col = VaultColumn.BALANCE
            emit(self.dataChanged, self.index(0, col), self.index(len(self._vaults) - 1, col))

    def set_vaults(self, vaults: Sequence[VaultInfo], *, stale: bool = False) -> None:
        """Replace the rows. When the same vaults come back in the same order (a refresh), the rows are updated
        in place so that selection and scroll position stay where they are."""
        new = list(vaults)
        same_rows = [v.address for v in new] == [v.address for v in self._vaults]
        if same_rows:
            changed = new != self._vaults or stale != self._stale
            self._vaults, self._stale = new, stale
            if changed and new:
                emit(self.dataChanged, self.index(0, 0), self.index(len(new) - 1, len(VaultColumn) - 1))
            return
        self.beginResetModel()
        self._vaults, self._stale = new, stale
        self.endResetModel()

    @property
    def stale(self) -> bool:
        return self._stale

    def vaults(self) -> list[VaultInfo]:
        return list(self._vaults)

    def row_of(self, address: str) -> int | None:
        wanted = address.lower()
        for row, vault in enumerate(self._vaults):
            if vault.address.lower() == wanted:
                return row
        return None

    # -- QAbstractItemModel ---------------------------------------------------------------------------------
    def row_total(self) -> int:
        return len(self._vaults)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        cell = self.cell(index)
        if cell is None:
            return None
        row, col = cell
        vault = self._vaults[row]
        column = VaultColumn(col)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._display(vault, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(vault, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(column)
        if role == Qt.ItemDataRole.FontRole:
            return self._font(column)
        if role == VAULT_ROLE:
            return vault
        if role == SORT_ROLE:
            return self._sort_key(vault, column)
        return None

    # -- cells ----------------------------------------------------------------------------------------------
    def _balance_text(self, vault: VaultInfo) -> str:
        return f"{format_units(vault.balance, self._decimals)} {self._symbol}".rstrip()

    def _display(self, vault: VaultInfo, column: VaultColumn) -> str:
        match column:
            case VaultColumn.LABEL:
                return reveal_invisible(vault.label)
            case VaultColumn.ADDRESS:
                return vault.address
            case VaultColumn.VERSION:
                return reveal_invisible(vault.version, max_length=20)
            case VaultColumn.THRESHOLD:
                return threshold_text(vault)
            case VaultColumn.NONCE:
                return str(vault.nonce)
            case VaultColumn.BALANCE:
                return self._balance_text(vault)

    def _tooltip(self, vault: VaultInfo, column: VaultColumn) -> str:
        as_of = f"as of block {vault.block_number:,}" + (" (cached)" if self._stale else "")
        match column:
            case VaultColumn.ADDRESS:
                return f"{vault.address}\nRight-click to copy"
            case VaultColumn.THRESHOLD:
                return f"{vault.threshold} of {len(vault.owners)} owners must sign a transaction"
            case VaultColumn.BALANCE:
                exact = format_units(vault.balance, self._decimals, group=False)
                return f"Exactly {exact} {self._symbol} ({vault.balance} base units), {as_of}"
            case _:
                return f"{self._display(vault, column)}, {as_of}"

    def _font(self, column: VaultColumn) -> QFont | None:
        if column != VaultColumn.ADDRESS and not self._stale:
            return None
        if column == VaultColumn.ADDRESS:
            if self._fixed is None:
                self._fixed = fixed_font()
            font = QFont(self._fixed)
        else:
            font = QFont()
        font.setItalic(self._stale)
        return font

    @staticmethod
    def _sort_key(vault: VaultInfo, column: VaultColumn) -> str:
        match column:
            case VaultColumn.LABEL:
                return vault.label.casefold()
            case VaultColumn.ADDRESS:
                return vault.address.lower()
            case VaultColumn.VERSION:
                return _version_key(vault.version)
            case VaultColumn.THRESHOLD:
                return f"{_padded(vault.threshold)}/{_padded(len(vault.owners))}"
            case VaultColumn.NONCE:
                return _padded(vault.nonce)
            case VaultColumn.BALANCE:
                return _padded(vault.balance)
