"""The History tab: one account's token transfers in and out, newest first. Read-only for the person: nothing here
signs. Reading the history syncs the profile's history index (a database write), so each read runs on the SERIAL
lane; choosing another account supersedes a read still running (its result is dropped when it arrives).

The read waits until the tab is on screen, so a slow index sync never holds up key commands at start-up.

Above the transfers, "Value over time" charts the institution's total HKD value (its vaults and keys; in the
investor view, the accounts shown) at evenly spaced blocks. Each point is a full holdings snapshot at its block, so
the chart is read once, when the tab is first shown, on the PARALLEL lane (read-only), with its progress shown block
by block; "Read again" reads it anew.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
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
from ui.widgets.table_layout import build_message_stack, build_read_only_table, build_vertical_split
from ui.widgets.value_chart import ValueChart, ValuePointLike
from wallet_app.errors import ChainIdMismatch, NodeUnreachable
from wallet_app.holdings.model import Account

WAITING_TEXT = "The history is read once the profile is connected."
CHOOSE_TEXT = "Choose an account to see its transfers."
NO_TRANSFERS_TEXT = "No token transfers for this account yet."
CHART_POINTS = 12
CHART_WAITING_TEXT = "The value over time is read once the profile is connected and this tab is shown."
CHART_TITLE = "Value over time: the institution's vaults and keys (HKD)"
CHART_TITLE_SHOWN = "Value over time: the accounts shown (HKD)"


class HistoryServiceLike(Protocol):
    """The parts of the core's `HistoryService` the tab uses."""

    def fetch_history(self, account: str) -> Sequence[TransferLike]: ...


class ValueHistoryLike(Protocol):
    """The parts of the core's `ValueHistory` (wallet_app.holdings.value_history) the chart uses."""

    def sample(self, points: int = ..., progress: Callable[[int, int], None] | None = None,
               accounts: list[str] | None = None) -> Sequence[ValuePointLike]: ...


class _ProgressRelay(QObject):
    """Lives on the GUI thread; the chart's worker emits on it, so progress arrives queued on the GUI thread."""

    sig_chart_progressed = Signal(int, int, int)
    """A chart read progressed; carries its generation, the points read so far and the points in all."""


class HistoryPage(QWidget):
    sig_history_shown = Signal(str, int)
    """An account's history was painted; carries the account and how many transfers."""
    sig_busy_changed = Signal(bool)
    """A read started (True) or the latest one ended (False)."""
    sig_chart_shown = Signal(int)
    """The value over time was painted; carries how many points."""

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
        self._values: ValueHistoryLike | None = None
        self._chart_generation = 0  # bumped for every chart read; older results and progress are dropped
        self._chart_wanted = True  # read the chart the next time the tab is on screen
        self._chart_busy = False
        self._chart_accounts: list[str] | None = None
        self._accounts_known = False  # the account choice was filled at least once
        self._relay = _ProgressRelay(self)
        self._relay.sig_chart_progressed.connect(self._chart_progressed)
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
        transfers = QWidget()
        below = QVBoxLayout(transfers)
        below.setContentsMargins(0, 0, 0, 0)
        below.addLayout(row)
        below.addWidget(self.header_line)
        below.addWidget(self.stack, 1)
        self.chart_box = self._build_chart_box()
        self.splitter = build_vertical_split(self.chart_box, transfers, stretch=(2, 3), sizes=(260, 420))
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter, 1)
        self._update_buttons()

    def _build_chart_box(self) -> QGroupBox:
        box = QGroupBox(CHART_TITLE)
        box.setObjectName("valueOverTime")
        self.chart = ValueChart()
        self.chart.set_message(CHART_WAITING_TEXT)
        self.chart_status = PlainLabel()
        self.chart_status.setObjectName("chartStatus")
        self.chart_progress = QProgressBar()
        self.chart_progress.setObjectName("chartProgress")
        self.chart_progress.setMaximumWidth(160)
        self.chart_progress.setTextVisible(False)
        self.chart_progress.hide()
        self.chart_button = QPushButton("Read again")
        self.chart_button.setObjectName("chartRefresh")
        self.chart_button.setToolTip(
            f"Read the total value again at {CHART_POINTS} evenly spaced blocks, from the first transfer to the "
            "latest block (a full holdings read at each)"
        )
        self.chart_button.clicked.connect(self.refresh_chart)
        top = QHBoxLayout()
        top.addWidget(self.chart_status, 1)
        top.addWidget(self.chart_progress)
        top.addWidget(self.chart_button)
        layout = QVBoxLayout(box)
        layout.addLayout(top)
        layout.addWidget(self.chart, 1)
        return box

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
        self._chart_accounts = list(accounts) if accounts else None
        self.chart_box.setTitle(CHART_TITLE_SHOWN if accounts else CHART_TITLE)

    def attach(
        self,
        history: HistoryServiceLike,
        runner: TaskRunner,
        load_accounts: Callable[[], Sequence[Account]] | None = None,
        value_history: ValueHistoryLike | None = None,
    ) -> None:
        """The services are ready; `load_accounts` (read on the parallel lane) fills the account choice;
        `value_history` draws the value over time (none: the chart says it is not available)."""
        self._history, self._runner = history, runner
        self._values = value_history
        self._chart_wanted = True
        if value_history is None:
            self.chart.set_message("The value over time is not available here.")
        self._update_buttons()
        self._chart_if_shown()
        if load_accounts is not None and not runner.is_shut_down:
            runner.query(load_accounts).with_key((id(self), "accounts")).with_owner(self).on_success(
                self.set_accounts
            ).run()

    def detach(self) -> None:
        self._history = None
        self._values = None
        self._generation += 1
        self._chart_generation += 1
        self._set_busy(False)
        self._set_chart_busy(False)
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
        first_time, self._accounts_known = not self._accounts_known, True
        if first_time and not wanted:
            self._chart_if_shown()  # no history to read first
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
        self._chart_if_shown()

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
        if not busy:
            self._chart_if_shown()

    def _update_buttons(self) -> None:
        self.refresh_button.setEnabled(self._history is not None)
        self.chart_button.setEnabled(self._values is not None and not self._chart_busy)

    # -- value over time ------------------------------------------------------------------------------------
    @property
    def chart_busy(self) -> bool:
        return self._chart_busy

    def refresh_chart(self) -> None:
        """Read the value over time again (once the tab is on screen)."""
        self._chart_wanted = True
        self._chart_if_shown()

    def _chart_if_shown(self) -> None:
        """Read the chart if wanted and on screen, after the account's history (which brings the history index up
        to date, and so tells where the first transfer is) has been read."""
        if not self._chart_wanted or self._chart_busy or not self.isVisible():
            return
        if not self._accounts_known or self._busy or (self._pending and self.current_account() is not None):
            return
        service, runner = self._values, self._runner
        if service is None or runner is None or runner.is_shut_down:
            return
        self._chart_wanted = False
        self._chart_generation += 1
        generation, accounts, relay = self._chart_generation, self._chart_accounts, self._relay

        def progress(done: int, total: int) -> None:  # on the worker thread
            try:
                emit(relay.sig_chart_progressed, generation, done, total)
            except RuntimeError:  # the page is gone: nobody to tell
                pass

        def sample() -> list[ValuePointLike]:
            return list(service.sample(CHART_POINTS, progress, accounts))

        self._set_chart_busy(True)
        self.chart_status.setText("Reading the value over time…")
        if not self.chart.points:  # a chart already drawn stays until the new one arrives
            self.chart.set_message("Reading the value over time in the background…")
        (
            runner.query(sample)
            .with_key((id(self), "value-chart"))
            .with_owner(self)
            .on_success(lambda points: self._chart_arrived(generation, points))
            .on_failure(lambda exc: self._chart_failed(generation, exc))
            .quietly()
            .run()
        )

    def _chart_progressed(self, generation: int, done: int, total: int) -> None:
        if generation != self._chart_generation or not self._chart_busy:
            return
        self.chart_progress.setRange(0, max(total, 1))
        self.chart_progress.setValue(done)
        if done < total:
            self.chart_status.setText(f"Reading value at block {done + 1} of {total}…")

    def _chart_arrived(self, generation: int, points: list[ValuePointLike]) -> None:
        if generation != self._chart_generation:
            return
        self._set_chart_busy(False)
        self.chart.set_points(points)
        readable = [p for p in points if p.value_hkd is not None]
        if readable:
            first, last = readable[0], readable[-1]
            skipped = len(points) - len(readable)
            unpriced = last.unpriced_count
            self.chart_status.setText(
                f"{len(readable)} points from block {first.block_number:,} to {last.block_number:,}"
                + (f"; {skipped} block{'s' if skipped != 1 else ''} could not be read" if skipped else "")
                + (f". Holdings without a usable price then are not counted ({unpriced:,} at the last point)."
                   if unpriced else ".")
            )
        else:
            self.chart_status.setText("")
        emit(self.sig_chart_shown, len(points))

    def _chart_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._chart_generation:
            return
        self._set_chart_busy(False)
        self._chart_wanted = False
        self.chart_status.setText("")
        self.chart.set_message(f"The value over time could not be read. {one_line(exc)}")

    def _set_chart_busy(self, busy: bool) -> None:
        self._chart_busy = busy
        self.chart_progress.setVisible(busy)
        if busy:
            self.chart_progress.setRange(0, 0)
        self._update_buttons()
