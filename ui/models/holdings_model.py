"""Table model of holdings: one row per `HoldingRow` (see holdings_rows), display strings precomputed.

The model sorts itself. A QSortFilterProxyModel sorting 50,000 rows asks Python's `data()` for a sort value about
two million times (seconds on the GUI thread); sorting the prepared rows with Python's `sorted` on exact integer
keys takes milliseconds. The proxy (holdings_filter) only filters and forwards `sort()` here.

`SORT_ROLE` gives each cell's rank in ascending order of its exact value (an int that always fits a Qt integer:
balances are uint256 and do not). `sort_value(row, column)` gives the exact Python value itself.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from ui.models.column_table import AnyIndex, ColumnTableModel
from ui.models.holdings_rows import (
    NO_PRICE_TEXT,
    NUMERIC_COLUMNS,
    UNREVIEWED,
    HoldingColumn,
    HoldingRow,
    PreparedHoldings,
    compliance_tooltip,
    prepare_holdings,
    price_tooltip,
    value_in_currency_text,
)
from ui.plain_text import reveal_invisible
from ui.signals import emit
from wallet_app.domain.units import format_units
from wallet_app.holdings.model import HoldingsSnapshot

HOLDING_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""Data role returning the row's `Holding`."""
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 2
"""Data role returning the cell's rank in ascending order of its exact value (0 = smallest)."""
ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 3
"""Data role returning the `HoldingRow`."""


_HEADERS: dict[HoldingColumn, tuple[str, str]] = {
    HoldingColumn.ACCOUNT: ("Account", "The vault or account holding the asset"),
    HoldingColumn.ASSET: ("Asset", "Symbol as the token states it, and the token id for NFTs"),
    HoldingColumn.NAME: ("Name", "Name as the token states it (untrusted text)"),
    HoldingColumn.STANDARD: ("Standard", "Native coin or token standard"),
    HoldingColumn.BALANCE: ("Balance", "Whole balance, exact"),
    HoldingColumn.FREE: ("Free", "Balance that is not frozen"),
    HoldingColumn.FROZEN: ("Frozen", "Balance frozen by the issuer (ERC-3643)"),
    HoldingColumn.PRICE: ("Price / NAV", "Price or NAV of one unit; source and age in the cell's tooltip"),
    HoldingColumn.VALUE: ("Value (HKD)", "Balance times price, in HKD, exact"),
    HoldingColumn.COMPLIANCE: ("Compliance", "Paused, frozen, holder verified; reasons in the cell's tooltip"),
}


class HoldingsTableModel(ColumnTableModel):
    """Rows of one `HoldingsSnapshot`, in the snapshot's order until `sort()` is called."""
    headers = _HEADERS
    numeric = NUMERIC_COLUMNS


    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._prepared: PreparedHoldings | None = None
        self._rows: list[HoldingRow] = []
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._ranks: dict[int, list[int]] = {}  # column -> rank per uid, computed when first asked for
        self._italic: QFont | None = None

    # -- updating -------------------------------------------------------------------------------------------
    def set_snapshot(self, snapshot: HoldingsSnapshot) -> None:
        self.set_prepared(prepare_holdings(snapshot))

    def set_prepared(self, prepared: PreparedHoldings) -> None:
        """Show `prepared`. When the same holdings come back (a new block), the rows are kept and only the cells
        that changed are announced, so selection and scroll position stay; otherwise the model is reset."""
        rows = self._ordered(list(prepared.rows))
        old = self._rows
        self._ranks = {}
        if [r.key for r in rows] == [r.key for r in old]:
            self._prepared, self._rows = prepared, rows
            self._announce_changes(old, rows)
            return
        self.beginResetModel()
        self._prepared, self._rows = prepared, rows
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._prepared, self._rows, self._ranks = None, [], {}
        self.endResetModel()

    def _announce_changes(self, old: list[HoldingRow], new: list[HoldingRow]) -> None:
        last = len(HoldingColumn) - 1
        start: int | None = None
        for row, (a, b) in enumerate(zip(old, new, strict=True)):
            same = a.texts == b.texts and a.holding == b.holding
            if not same and start is None:
                start = row
            elif same and start is not None:
                emit(self.dataChanged, self.index(start, 0), self.index(row - 1, last))
                start = None
        if start is not None:
            emit(self.dataChanged, self.index(start, 0), self.index(len(new) - 1, last))

    @property
    def prepared(self) -> PreparedHoldings | None:
        return self._prepared

    def row_at(self, row: int) -> HoldingRow:
        return self._rows[row]

    def rows(self) -> list[HoldingRow]:
        return list(self._rows)

    def row_of(self, key: tuple[str, str, int | None]) -> int | None:
        for row, entry in enumerate(self._rows):
            if entry.key == key:
                return row
        return None

    def sort_value(self, row: int, column: int) -> object:
        """The exact value the column sorts by (Python ints for amounts and values)."""
        return self._rows[row].sort_keys[column]

    # -- sorting --------------------------------------------------------------------------------------------
    def _ordered(self, rows: list[HoldingRow]) -> list[HoldingRow]:
        column = self._sort_column
        if not 0 <= column < len(HoldingColumn):
            return sorted(rows, key=lambda r: r.uid)
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        return sorted(rows, key=lambda r: (r.sort_keys[column], r.uid), reverse=descending)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by `column`'s exact values (-1: the snapshot's order). Persistent indexes follow their rows."""
        self._sort_column, self._sort_order = column, Qt.SortOrder(order)
        if not self._rows:
            return
        emit(self.layoutAboutToBeChanged)
        persistent = self.persistentIndexList()
        uids = [self._rows[index.row()].uid for index in persistent]
        self._rows = self._ordered(self._rows)
        now = {r.uid: i for i, r in enumerate(self._rows)}
        moved = [self.index(now[uid], index.column()) for uid, index in zip(uids, persistent, strict=True)]
        self.changePersistentIndexList(persistent, moved)
        emit(self.layoutChanged)

    def _rank(self, column: int, uid: int) -> int:
        ranks = self._ranks.get(column)
        if ranks is None:
            ranks = [0] * len(self._rows)
            ordered = sorted(self._rows, key=lambda r: r.sort_keys[column])
            previous: object = object()
            rank = -1
            for r in ordered:
                if r.sort_keys[column] != previous:
                    rank += 1
                    previous = r.sort_keys[column]
                ranks[r.uid] = rank
            self._ranks[column] = ranks
        return ranks[uid]

    # -- QAbstractItemModel ---------------------------------------------------------------------------------
    def row_total(self) -> int:
        return len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        cell = self.cell(index)
        if cell is None:
            return None
        row, col = cell
        entry = self._rows[row]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return entry.texts[col]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(entry, HoldingColumn(col))
        if role == Qt.ItemDataRole.FontRole:
            return self._font(entry, col)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(entry, col)
        if role == SORT_ROLE:
            return self._rank(col, entry.uid)
        if role == HOLDING_ROLE:
            return entry.holding
        if role == ROW_ROLE:
            return entry
        return None

    # -- cells ----------------------------------------------------------------------------------------------
    def _tooltip(self, entry: HoldingRow, column: HoldingColumn) -> str:
        h = entry.holding
        match column:
            case HoldingColumn.ACCOUNT:
                return f"{entry.texts[0]} ({entry.account.kind})\n{entry.account.address}"
            case HoldingColumn.ASSET | HoldingColumn.NAME:
                lines = [
                    f"Symbol: {reveal_invisible(h.symbol, max_length=80)}",
                    f"Name: {reveal_invisible(h.name, max_length=160)}",
                    f"Contract: {h.asset}",
                ]
                if h.token_id is not None:
                    lines.append(f"Token id: {h.token_id}")
                if not h.verified_token:
                    lines.append(
                        f"{UNREVIEWED.capitalize()}: not approved in this profile's token registry. The symbol and "
                        "name are whatever the contract says; check the contract address."
                    )
                lines += [f"Warning: {warning}" for warning in h.warnings]
                return "\n".join(lines)
            case HoldingColumn.BALANCE | HoldingColumn.FREE | HoldingColumn.FROZEN:
                amount = {HoldingColumn.BALANCE: h.balance, HoldingColumn.FREE: h.free}.get(column, h.frozen)
                exact = format_units(amount, h.decimals, group=False)
                return f"Exactly {exact} ({amount} base units, {h.decimals} decimals)"
            case HoldingColumn.PRICE:
                read_at = self._prepared.snapshot.read_at if self._prepared is not None else None
                return price_tooltip(h.price, read_at) if read_at is not None else entry.texts[column]
            case HoldingColumn.VALUE:
                if h.value_hkd is None:
                    why = h.price.note if h.price is not None and h.price.note else "No usable price"
                    return f"{reveal_invisible(why, max_length=300)}: not counted in the totals"
                return f"Exactly {entry.texts[column]} HKD" + value_in_currency_text(h)
            case HoldingColumn.COMPLIANCE:
                return compliance_tooltip(h)
            case _:
                return entry.texts[column]

    def _font(self, entry: HoldingRow, column: int) -> QFont | None:
        holding = entry.holding
        unreviewed = column == HoldingColumn.ASSET and (not holding.verified_token or bool(holding.warnings))
        no_price = column in (HoldingColumn.PRICE, HoldingColumn.VALUE) and entry.holding.price is None
        if not (unreviewed or no_price):
            return None
        if self._italic is None:
            self._italic = QFont()
            self._italic.setItalic(True)
        return self._italic

    @staticmethod
    def _foreground(entry: HoldingRow, column: int) -> Any:
        if column == HoldingColumn.COMPLIANCE and entry.issue:
            return QApplication.palette().color(QPalette.ColorRole.BrightText) if _dark() else _ISSUE_LIGHT
        if column == HoldingColumn.PRICE and entry.texts[column] == NO_PRICE_TEXT:
            return QApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        return None


def _dark() -> bool:
    return QApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128


_ISSUE_LIGHT = QColor("#a01818")
