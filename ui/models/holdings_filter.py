"""Filters over the holdings model: free-text search, one account, one standard, only rows with a compliance issue.

Filtering reads the precomputed row (casefolded search text, flags), so 50,000 rows filter in tens of
milliseconds. Sorting is forwarded to the source model, which sorts its prepared rows with exact integer keys
(see holdings_model); the proxy keeps the source's order.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt

from ui.models.holdings_model import HoldingsTableModel
from wallet_app.holdings.model import Standard


class HoldingsFilterProxy(QSortFilterProxyModel):
    def __init__(self, model: HoldingsTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._words: tuple[str, ...] = ()
        self._account: str | None = None  # lower-case address
        self._standard: Standard | None = None
        self._issues_only = False
        self.setSourceModel(model)

    # -- filters --------------------------------------------------------------------------------------------
    def set_search(self, text: str) -> None:
        """Rows whose symbol, name, account label or an address contain every word of `text` (any case)."""
        words = tuple(text.casefold().split())
        if words != self._words:
            self._change(lambda: setattr(self, "_words", words))

    def set_account(self, address: str | None) -> None:
        wanted = address.lower() if address else None
        if wanted != self._account:
            self._change(lambda: setattr(self, "_account", wanted))

    def set_standard(self, standard: Standard | None) -> None:
        if standard != self._standard:
            self._change(lambda: setattr(self, "_standard", standard))

    def set_issues_only(self, on: bool) -> None:
        if bool(on) != self._issues_only:
            self._change(lambda: setattr(self, "_issues_only", bool(on)))

    @property
    def filtering(self) -> bool:
        return bool(self._words or self._account or self._standard or self._issues_only)

    def _change(self, apply: object) -> None:
        self.beginFilterChange()
        apply()  # type: ignore[operator]
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        row = self._model.row_at(source_row)
        if self._account is not None and row.key[0] != self._account:
            return False
        if self._standard is not None and row.holding.standard is not self._standard:
            return False
        if self._issues_only and not row.issue:
            return False
        search = row.search
        return all(word in search for word in self._words)

    # -- sorting --------------------------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Let the source model sort (exact and fast); the proxy keeps its order."""
        self._model.sort(column, order)
