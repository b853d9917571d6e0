"""The History tab: one account's token transfers in and out, newest first. Read-only for the person: nothing here
signs. Reading the history syncs the profile's history index (a database write), so each read runs on the SERIAL
lane; choosing another account supersedes a read still running (its result is dropped when it arrives).

The read waits until the tab is on screen, so a slow index sync never holds up key commands at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.errors import one_line
from ui.models.history_model import HistoryColumn, HistoryRow, HistoryTableModel, TransferLike, prepare_history
from ui.models.holdings_rows import account_text
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.plain_label import PlainLabel
from ui.widgets.table_layout import build_message_stack, build_read_only_table
from wallet_app.errors import ChainIdMismatch, NodeUnreachable
from wallet_app.holdings.model import Account

WAITING_TEXT = "The history is read once the profile is connected."
CHOOSE_TEXT = "Choose an account to see its transfers."
NO_TRANSFERS_TEXT = "No token transfers for this account yet."


class HistoryServiceLike(Protocol):
    """The parts of the core's `HistoryService` the tab uses."""

    def fetch_history(self, account: str) -> Sequence[TransferLike]: ...


class HistoryPage(QWidget):
    sig_history_shown = Signal(str, int)
    """An account's history was painted; carries the account and how many transfers."""
    sig_busy_changed = Signal(bool)
    """A read started (True) or the latest one ended (False)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyPage")
        self._history: HistoryServiceLike | None = None
        self._runner: TaskRunner | None = None
        self._only_accounts: set[str] | None = None
        self._generation = 0  # bumped for every read; a result from an older read is dropped
        self._busy = False
        self._pending = False  # a read is wanted once the tab is on screen
        self._shown_account: str | None = None
        self._failing = False
        self.model = HistoryTableModel(self)

        row = QHBoxLayout()
        self.account_choice = QComboBox()
        self.account_choice.setObjectName("historyAccount")
        self.account_choice.setToolTip("The account whose transfers are shown")
        self.account_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.account_choice.currentIndexChanged.connect(self._account_changed)
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("historyBusy")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setToolTip("Reading the history in the background")
        self.busy_bar.hide()
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("historyRefresh")
        self.refresh_button.setToolTip("Read this account's transfers again, up to the latest block")
        self.refresh_button.clicked.connect(self.refresh)
        row.addWidget(self.account_choice)
        row.addStretch(1)
        row.addWidget(self.busy_bar)
        row.addWidget(self.refresh_button)
        self.header_line = PlainLabel(selectable=True)
        self.header_line.setObjectName("historyHeader")

        self.table = self._build_table()
        self.stack, self.message = build_message_stack(self.table, WAITING_TEXT, "historyMessage")
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.header_line)
        layout.addWidget(self.stack, 1)
        self._update_buttons()

    def _build_table(self) -> QTableView:
        table = build_read_only_table(self.model, "historyTable")
        vertical = table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        return table

    # -- what the session tells it --------------------------------------------------------------------------
    def show_only_accounts(self, accounts: list[str] | None) -> None:
        """Offer only these accounts (the investor view); None offers every account of the profile."""
        self._only_accounts = {a.lower() for a in accounts} if accounts else None

    def attach(
        self,
        history: HistoryServiceLike,
        runner: TaskRunner,
        load_accounts: Callable[[], Sequence[Account]] | None = None,
    ) -> None:
        """The services are ready; `load_accounts` (read on the parallel lane) fills the account choice."""
        self._history, self._runner = history, runner
        self._update_buttons()
        if load_accounts is not None and not runner.is_shut_down:
            runner.query(load_accounts).with_key((id(self), "accounts")).with_owner(self).on_success(
                self.set_accounts
            ).run()

    def detach(self) -> None:
        self._history = None
        self._generation += 1
        self._set_busy(False)
        self._update_buttons()

    @property
    def attached(self) -> bool:
        return self._history is not None

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def shown_account(self) -> str | None:
        return self._shown_account

    def set_accounts(self, accounts: Sequence[Account]) -> None:
        """Offer these accounts (for example the holdings snapshot's); the chosen one is kept if still offered."""
        wanted = [
            (a.address, f"{account_text(a)} ({a.kind})")
            for a in accounts
            if self._only_accounts is None or a.address.lower() in self._only_accounts
        ]
        choice = self.account_choice
        current = [(choice.itemData(i), choice.itemText(i)) for i in range(choice.count())]
        if wanted == current:
            return
        chosen = self.current_account()
        self.account_choice.blockSignals(True)
        self.account_choice.clear()
        for address, text in wanted:
            self.account_choice.addItem(text, address)
            self.account_choice.setItemData(self.account_choice.count() - 1, address, Qt.ItemDataRole.ToolTipRole)
        index = self.account_choice.findData(chosen) if chosen is not None else -1
        self.account_choice.setCurrentIndex(max(index, 0) if wanted else -1)
        self.account_choice.blockSignals(False)
        if self.current_account() != chosen or self._shown_account is None:
            self._account_changed()

    def current_account(self) -> str | None:
        data = self.account_choice.currentData()
        return data if isinstance(data, str) else None

    def choose_account(self, address: str) -> None:
        self.account_choice.setCurrentIndex(self.account_choice.findData(address))

    def refresh(self) -> None:
        self._pending = True
        self._read_if_shown()

    # -- reading --------------------------------------------------------------------------------------------
    def _account_changed(self, _index: int = -1) -> None:
        self._generation += 1  # whatever is running now is for another account
        self._shown_account = None
        self.model.clear()
        self.header_line.setText("")
        if self.current_account() is None:
            self._set_busy(False)
            self._show_message(CHOOSE_TEXT if self.attached else WAITING_TEXT)
            return
        self._pending = True
        self._read_if_shown()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._read_if_shown()

    def _read_if_shown(self) -> None:
        account = self.current_account()
        if not self._pending or account is None or not self.isVisible():
            return
        if self._history is None or self._runner is None or self._runner.is_shut_down:
            return
        self._pending = False
        self._generation += 1
        generation, service = self._generation, self._history

        def fetch_and_prepare() -> list[HistoryRow]:
            return prepare_history(service.fetch_history(account))

        self._set_busy(True)
        if self.model.rowCount() == 0:
            self._show_message(f"Reading the transfers of {self.account_choice.currentText()}…")
        (
            self._runner.command(fetch_and_prepare)  # it syncs (writes) the history index
            .with_owner(self)
            .on_success(lambda rows: self._arrived(generation, account, rows))
            .on_failure(lambda exc: self._failed(generation, exc))
            .quietly()
            .run()
        )

    def _arrived(self, generation: int, account: str, rows: list[HistoryRow]) -> None:
        if generation != self._generation:
            return  # superseded by another account or a newer read
        self._set_busy(False)
        self._failing = False
        self._shown_account = account
        self.model.set_rows(rows)
        if rows:
            self.stack.setCurrentWidget(self.table)
            self._size_columns()
            newest = rows[0].transfer.block_number
            self.header_line.setText(
                f"{len(rows):,} transfer{'s' if len(rows) != 1 else ''}, newest in block {newest:,}"
            )
        else:
            self.header_line.setText("")
            self._show_message(NO_TRANSFERS_TEXT)
        emit(self.sig_history_shown, account, len(rows))

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._set_busy(False)
        reason = one_line(exc)
        if self.model.rowCount() == 0:
            self._show_message(f"No history to show. {reason}")
        else:
            self.header_line.setText(f"Not refreshed: {reason}")
        connectivity = isinstance(exc, NodeUnreachable | ChainIdMismatch)  # the status poll reports those
        if not connectivity and not self._failing and self._runner is not None:
            self._failing = True
            self._runner.present(exc, self)

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def _size_columns(self) -> None:
        metrics = self.table.fontMetrics()
        sample = [self.model.row_at(r) for r in range(min(60, self.model.rowCount()))]
        for col in HistoryColumn:
            title = str(self.model.headerData(col, Qt.Orientation.Horizontal))
            widths = [metrics.horizontalAdvance(r.texts[col]) for r in sample]
            widest = max([metrics.horizontalAdvance(title) + 16, *widths])
            self.table.setColumnWidth(col, min(widest + 12, 320))

    def _set_busy(self, busy: bool) -> None:
        if busy == self._busy:
            return
        self._busy = busy
        self.busy_bar.setVisible(busy)
        emit(self.sig_busy_changed, busy)

    def _update_buttons(self) -> None:
        self.refresh_button.setEnabled(self._history is not None)
