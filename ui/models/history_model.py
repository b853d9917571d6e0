"""Table model of an account's token transfers: one row per transfer, every display string computed off the GUI
thread by `prepare_history`. The model holds rows only; the History page reads and supersedes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt

from ui.models.column_table import AnyIndex, ColumnTableModel
from ui.models.holdings_rows import hkd_text, price_tooltip, short_address
from ui.plain_text import reveal_invisible
from wallet_app.domain.units import format_units
from wallet_app.holdings.model import Price


class TransferLike(Protocol):
    """The parts of the core's `TransferView` (wallet_app.holdings.history) the History tab shows."""

    @property
    def direction(self) -> str: ...
    @property
    def counterparty(self) -> str: ...
    @property
    def counterparty_label(self) -> str: ...
    @property
    def token(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def token_id(self) -> int | None: ...
    @property
    def amount(self) -> int: ...
    @property
    def decimals(self) -> int: ...
    @property
    def block_number(self) -> int: ...
    @property
    def block_time(self) -> datetime: ...
    @property
    def tx_hash(self) -> bytes: ...
    @property
    def log_index(self) -> int: ...
    @property
    def verified_source(self) -> bool: ...
    @property
    def value_hkd(self) -> int | None: ...
    @property
    def price_then(self) -> Price | None: ...


class HistoryColumn(IntEnum):
    TIME = 0
    BLOCK = 1
    DIRECTION = 2
    AMOUNT = 3
    ASSET = 4
    VALUE = 5
    COUNTERPARTY = 6
    TX = 7


_HEADERS: dict[HistoryColumn, tuple[str, str]] = {
    HistoryColumn.TIME: ("Time", "Time of the block, in this computer's time zone"),
    HistoryColumn.BLOCK: ("Block", "Block number of the transfer"),
    HistoryColumn.DIRECTION: ("Direction", "In: received; Out: sent; Self: sent to itself"),
    HistoryColumn.AMOUNT: ("Amount", "Amount transferred, exact"),
    HistoryColumn.ASSET: ("Asset", "Symbol as the token states it, and the token id for NFTs"),
    HistoryColumn.VALUE: ("Value then (HKD)", "What the transfer was worth in HKD at its own block, from the prices "
                          "and FX rates the chain gave then; empty when there was no usable price then"),
    HistoryColumn.COUNTERPARTY: ("Counterparty", "Who sent or received it; the full address is in the tooltip"),
    HistoryColumn.TX: ("Transaction", "Transaction hash; the full hash is in the tooltip"),
}
DIRECTION_TEXT = {"in": "In", "out": "Out", "self": "Self"}
UNREVIEWED = "(unreviewed) "
_NUMERIC = frozenset({HistoryColumn.BLOCK, HistoryColumn.AMOUNT, HistoryColumn.VALUE})
NO_VALUE_TEXT = "—"


@dataclass(frozen=True, slots=True)
class HistoryRow:
    transfer: TransferLike
    texts: tuple[str, ...]  # one per HistoryColumn
    tips: tuple[str, ...]


def _short_tx(tx_hash: bytes) -> str:
    hexed = tx_hash.hex()
    return f"0x{hexed[:8]}…{hexed[-6:]}" if len(hexed) > 14 else f"0x{hexed}"


def _value_tip(t: TransferLike) -> str:
    price = t.price_then
    if t.value_hkd is None:
        if price is None:
            return f"No usable price for this asset at block {t.block_number:,}: no value then"
        why = price.note or ("the price was stale then" if price.stale else "no usable HKD price then")
        return f"No value at block {t.block_number:,}: {reveal_invisible(why, max_length=300)}\n\n" + price_tooltip(
            price, t.block_time)
    lines = f"Exactly {hkd_text(t.value_hkd)} HKD at block {t.block_number:,}"
    return lines if price is None else f"{lines}\n\n{price_tooltip(price, t.block_time)}"


def prepare_row(t: TransferLike) -> HistoryRow:
    symbol = reveal_invisible(t.symbol, max_length=24) or "?"
    token_id = "" if t.token_id is None else str(t.token_id)
    shown_id = token_id if len(token_id) <= 12 else token_id[:11] + "…"
    asset = symbol + (f" #{shown_id}" if token_id else "")
    if not t.verified_source:
        asset = UNREVIEWED + asset
    label = reveal_invisible(t.counterparty_label, max_length=60)
    when = t.block_time.astimezone()
    full_tx = "0x" + t.tx_hash.hex()
    texts = (
        when.strftime("%Y-%m-%d %H:%M:%S"),
        f"{t.block_number:,}",
        DIRECTION_TEXT.get(t.direction, reveal_invisible(t.direction, max_length=8)),
        format_units(t.amount, t.decimals),
        asset,
        hkd_text(t.value_hkd) if t.value_hkd is not None else NO_VALUE_TEXT,
        label or short_address(t.counterparty),
        _short_tx(t.tx_hash),
    )
    asset_tip = f"Token {t.token}" + (f"\nToken id {token_id}" if token_id else "")
    if not t.verified_source:
        asset_tip += "\nThis token is not approved in this profile's token registry: treat its symbol with care"
    tips = (
        when.strftime("%Y-%m-%d %H:%M:%S %Z") + f" ({t.block_time.isoformat()})",
        f"Block {t.block_number}",
        texts[2],
        f"{format_units(t.amount, t.decimals)} ({t.amount} base units, {t.decimals} decimals)",
        asset_tip,
        _value_tip(t),
        f"{label}\n{t.counterparty}" if label else t.counterparty,
        f"{full_tx}\nlog index {t.log_index}",
    )
    return HistoryRow(t, texts, tips)


def prepare_history(transfers: Sequence[TransferLike]) -> list[HistoryRow]:
    """Display strings for every transfer (call on a worker thread)."""
    return [prepare_row(t) for t in transfers]


class HistoryTableModel(ColumnTableModel):
    """Rows of one account's history, in the order given (the core gives newest first). Read-only."""
    headers = _HEADERS
    numeric = _NUMERIC


    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[HistoryRow] = []

    def set_rows(self, rows: Sequence[HistoryRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def row_at(self, row: int) -> HistoryRow:
        return self._rows[row]

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
        if role == Qt.ItemDataRole.ToolTipRole:
            return entry.tips[col]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(col)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
