"""The Holdings page: what every vault and account of the profile holds (watch-only investor accounts included),
with prices, HKD values, compliance state and totals. Read-only: nothing here signs or writes.

`fetch_holdings()` is slow, so it runs on the parallel lane together with `prepare_holdings` (all display strings
are computed off the GUI thread). Every fetch uses the same task key, so a newer refresh supersedes an older one;
refreshes the session asks for on a new block are coalesced: at most one runs, and one more follows if a block
arrived meanwhile.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.errors import one_line
from ui.models.holdings_filter import HoldingsFilterProxy
from ui.models.holdings_model import HoldingsTableModel
from ui.models.holdings_rows import (
    KIND_TEXT,
    STANDARD_TEXT,
    HoldingColumn,
    PreparedHoldings,
    account_text,
    hkd_text,
    prepare_holdings,
    short_hash,
)
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from ui.widgets.table_layout import build_message_stack, build_read_only_table, build_vertical_split
from wallet_app.errors import ChainIdMismatch, NodeUnreachable
from wallet_app.holdings.model import Account, HoldingsSnapshot, Standard

if TYPE_CHECKING:  # the dialog is imported when first opened: start-up stays quick
    from ui.dialogs.tokens_dialog import TokensDialog, TokenServiceLike

WAITING_TEXT = "Holdings are read once the profile is connected."
NO_HOLDINGS_TEXT = "The profile's accounts hold nothing yet."
SEARCH_DELAY_MS = 150
STATEMENT_FILTERS = "CSV statement (*.csv);;PDF statement (*.pdf)"

AskPath = Callable[[QWidget, str], str | None]
"""Asks where to write a statement: (parent, suggested file name) -> chosen path, or None if cancelled."""


def ask_statement_path(parent: QWidget, suggested: str) -> str | None:
    """The save dialog. It does not offer to overwrite: the page refuses existing files itself."""
    path, chosen_filter = QFileDialog.getSaveFileName(
        parent,
        "Export holding statement",
        suggested,
        STATEMENT_FILTERS,
        options=QFileDialog.Option.DontConfirmOverwrite,
    )
    if not path:
        return None
    if Path(path).suffix.lower() not in (".csv", ".pdf"):
        path += ".pdf" if "pdf" in chosen_filter.lower() else ".csv"
    return path


def write_statement_file(write: Callable[[Path], object], path: Path) -> Path:
    """Refuse an existing file; otherwise let `write` write `path`."""
    if path.exists():
        raise FileExistsError(f"{path} already exists; choose another file name (statements are never overwritten)")
    write(path)
    return path


class HoldingsServiceLike(Protocol):
    """The parts of the core's `HoldingsService` the page uses."""

    def fetch_holdings(self, accounts: list[str] | None = None, block: int | None = None) -> HoldingsSnapshot: ...
    def load_accounts(self) -> list[Account]: ...


def _unpriced(count: int) -> str:
    return f"; {count:,} holding{'s' if count != 1 else ''} without a price not counted" if count else ""


class HoldingsPage(QWidget):
    sig_holdings_shown = Signal(int)
    """A holdings snapshot was painted; carries its block number."""
    sig_busy_changed = Signal(bool)
    """A fetch started (True) or the latest one ended (False)."""
    sig_accounts_shown = Signal(object)
    """A snapshot was painted; carries its accounts (a list of `Account`)."""
    sig_statement_written = Signal(str)
    """A holding statement was written; carries its path."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("holdingsPage")
        self._holdings: HoldingsServiceLike | None = None
        self._only_accounts: list[str] | None = None  # the investor view reads only these
        self._runner: TaskRunner | None = None
        self._busy = False
        self._again = False  # a block arrived while a fetch ran: fetch once more when it ends
        self._latest_block: int | None = None
        self._failing = False
        self._chain_id: int | None = None
        self._network = ""
        self._exporting = False
        self._token_service: TokenServiceLike | None = None  # not in the investor view
        self.tokens_dialog: TokensDialog | None = None
        self.ask_path: AskPath = ask_statement_path  # tests replace it: a dialog must never block them
        # Records a written statement in the audit log (account, "csv"/"pdf", path, block), on the serial lane.
        self.record_export: Callable[[str, str, Path, int], object] | None = None
        self.model = HoldingsTableModel(self)
        self.proxy = HoldingsFilterProxy(self.model, self)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_search)

        toolbar = self._build_toolbar()
        self.header_line = PlainLabel(selectable=True)
        self.header_line.setObjectName("holdingsHeader")
        self.count_line = PlainLabel()
        self.count_line.setObjectName("holdingsCount")
        self.notice = PlainLabel()
        self.notice.setObjectName("holdingsNotice")
        self.notice.setWordWrap(True)
        font = self.notice.font()
        font.setItalic(True)
        self.notice.setFont(font)
        self.notice.hide()
        self.inconsistent = ErrorLine()
        self.inconsistent.setObjectName("holdingsInconsistent")
        self.export_line = PlainLabel(selectable=True)
        self.export_line.setObjectName("statementResult")
        self.export_line.setWordWrap(True)
        self.export_line.hide()
        heading = QHBoxLayout()
        heading.addWidget(self.header_line, 1)
        heading.addWidget(self.count_line)

        self.table = self._build_table()
        self.stack, self.message = build_message_stack(self.table, WAITING_TEXT, "holdingsMessage")
        self.totals_box = self._build_totals()
        splitter = build_vertical_split(self.stack, self.totals_box, stretch=(3, 1), sizes=(460, 200))

        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addLayout(heading)
        layout.addWidget(self.inconsistent)
        layout.addWidget(self.notice)
        layout.addWidget(self.export_line)
        layout.addWidget(splitter, 1)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        self._update_buttons()

    # -- construction ---------------------------------------------------------------------------------------
    def _build_toolbar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.account_filter = QComboBox()
        self.account_filter.setObjectName("accountFilter")
        self.account_filter.setToolTip("Show one account only")
        self.account_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.account_filter.addItem("All accounts", None)
        self.account_filter.currentIndexChanged.connect(self._account_chosen)
        self.standard_filter = QComboBox()
        self.standard_filter.setObjectName("standardFilter")
        self.standard_filter.setToolTip("Show one kind of asset only")
        self.standard_filter.addItem("All standards", None)
        for standard, text in STANDARD_TEXT.items():
            self.standard_filter.addItem(text, standard.value)
        self.standard_filter.currentIndexChanged.connect(self._standard_chosen)
        self.search = QLineEdit()
        self.search.setObjectName("holdingsSearch")
        self.search.setPlaceholderText("Search symbol, name, account or address")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.issues_only = QCheckBox("Only with a compliance issue")
        self.issues_only.setObjectName("issuesOnly")
        self.issues_only.setToolTip("Paused tokens, frozen balances or accounts, holders not verified")
        self.issues_only.toggled.connect(self.proxy.set_issues_only)
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("holdingsBusy")
        self.busy_bar.setRange(0, 0)  # indeterminate: the core does not report partial progress
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setToolTip("Reading the holdings in the background")
        self.busy_bar.hide()
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("holdingsRefresh")
        self.refresh_button.setToolTip("Read every account's holdings again at the latest block")
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QPushButton("Export statement…")
        self.export_button.setObjectName("exportStatement")
        self.export_button.setToolTip(
            "Write a holding statement of the chosen account at the latest block, as CSV or PDF "
            "(by the file name's suffix). Choose one account in the account filter first."
        )
        self.export_button.clicked.connect(self.export_statement)
        for widget in (self.account_filter, self.standard_filter, self.search, self.issues_only):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.busy_bar)
        row.addWidget(self.refresh_button)
        row.addWidget(self.export_button)
        self.tokens_button = QPushButton("Tokens…")
        self.tokens_button.setObjectName("openTokens")
        self.tokens_button.setToolTip("The profile's tokens: add one by address, discover, approve, remove")
        self.tokens_button.clicked.connect(self.open_tokens)
        self.tokens_button.hide()  # shown by attach_tokens
        row.addWidget(self.tokens_button)
        return row

    def _build_table(self) -> QTableView:
        table = build_read_only_table(self.proxy, "holdingsTable")
        vertical = table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # uniform rows: scrolling stays cheap
        vertical.setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(200)  # measure a sample of rows, never all 50,000
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the snapshot's order until a click
        table.setSortingEnabled(True)
        return table

    def _build_totals(self) -> QGroupBox:
        box = QGroupBox("Totals")
        box.setObjectName("holdingsTotals")
        self.totals = QTableWidget(0, 4)
        self.totals.setObjectName("accountTotals")
        self.totals.setHorizontalHeaderLabels(["Account", "Kind", "Holdings", "Value (HKD)"])
        self.totals.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.totals.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.totals.setAlternatingRowColors(True)
        self.totals.setWordWrap(False)
        self.totals.verticalHeader().hide()
        self.totals.verticalHeader().setDefaultSectionSize(self.totals.fontMetrics().height() + 8)
        header = self.totals.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.institution_total = PlainLabel(selectable=True)
        self.institution_total.setObjectName("institutionTotal")
        font = self.institution_total.font()
        font.setBold(True)
        self.institution_total.setFont(font)
        self.watched_total = PlainLabel(selectable=True)
        self.watched_total.setObjectName("watchedTotal")
        self.watched_total.setWordWrap(True)
        side = QVBoxLayout()
        side.addWidget(self.institution_total)
        side.addWidget(self.watched_total)
        side.addStretch(1)
        layout = QHBoxLayout(box)
        layout.addWidget(self.totals, 3)
        layout.addLayout(side, 2)
        return box

    # -- what the session tells it --------------------------------------------------------------------------
    def show_only_accounts(self, accounts: list[str] | None) -> None:
        """Read and show only these accounts (the investor view); None shows every account of the profile."""
        self._only_accounts = list(accounts) if accounts else None

    def attach(
        self,
        holdings: HoldingsServiceLike,
        runner: TaskRunner,
        *,
        chain_id: int | None = None,
        network: str = "",
    ) -> None:
        """The services are ready. Nothing is read until the session has a good status (`follow_block`).
        `chain_id` and `network` (the profile's, as shown) go into exported statements; without a chain id there
        is no export."""
        self._holdings, self._runner = holdings, runner
        self._chain_id, self._network = chain_id, network
        self._update_buttons()

    def attach_tokens(self, tokens: TokenServiceLike) -> None:
        """The token registry's service (never in the investor view: approving signs with a key)."""
        self._token_service = tokens
        self.tokens_button.show()

    def open_tokens(self) -> None:
        if self._token_service is None or self._runner is None or self._runner.is_shut_down:
            return
        if self.tokens_dialog is not None:
            self.tokens_dialog.raise_()
            return
        from ui.dialogs.tokens_dialog import open_tokens_dialog

        self.tokens_dialog = open_tokens_dialog(self, self._runner, self._token_service, self.refresh)
        self.tokens_dialog.finished.connect(self._tokens_closed)

    def _tokens_closed(self, _result: int) -> None:
        self.tokens_dialog = None

    def detach(self) -> None:
        self._holdings = None
        self._set_busy(False)
        self._update_buttons()

    @property
    def attached(self) -> bool:
        return self._holdings is not None

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def shown_block(self) -> int | None:
        prepared = self.model.prepared
        return prepared.snapshot.block_number if prepared is not None else None

    def follow_block(self, block: int | None) -> None:
        """The chain is at `block`: read the holdings if they are older (one fetch at a time)."""
        if block is not None:
            self._latest_block = max(block, self._latest_block or 0)
        shown = self.shown_block
        if shown is not None and (block is None or block <= shown):
            return
        if self._busy:
            self._again = True
            return
        self._fetch()

    def refresh(self) -> None:
        """Read again now; a fetch already running is superseded (its result is dropped)."""
        self._again = False
        self._fetch()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        if self.model.rowCount() == 0:
            self.stack.setCurrentWidget(self.message)

    def show_not_refreshed(self, reason: str) -> None:
        """The node is not usable: keep what is shown and say it is not being refreshed."""
        if self.model.rowCount() == 0:
            self.show_message(f"No holdings to show. {reason}")
        else:
            self.set_notice(f"Not refreshed: {reason}")

    def set_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    # -- reading --------------------------------------------------------------------------------------------
    def _fetch(self) -> None:
        if self._holdings is None or self._runner is None or self._runner.is_shut_down:
            return
        service, chosen = self._holdings, self._only_accounts

        def fetch_and_prepare() -> PreparedHoldings:
            return prepare_holdings(service.fetch_holdings(chosen))

        self._set_busy(True)
        (
            self._runner.query(fetch_and_prepare)
            .with_key((id(self), "holdings"))
            .with_owner(self)
            .on_success(self._arrived)
            .on_failure(self._failed)
            .quietly()
            .run()
        )

    def _arrived(self, prepared: PreparedHoldings) -> None:
        self._set_busy(False)
        self._failing = False
        self.show_prepared(prepared)
        block = prepared.snapshot.block_number
        if self._again or (self._latest_block is not None and self._latest_block > block):
            self._again = False
            if self._latest_block is None or self._latest_block > block:
                self._fetch()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self._again = False
        self.show_not_refreshed(one_line(exc))
        connectivity = isinstance(exc, NodeUnreachable | ChainIdMismatch)  # the status poll reports those
        if not connectivity and not self._failing and self._runner is not None:
            self._failing = True
            self._runner.present(exc, self)

    def _set_busy(self, busy: bool) -> None:
        if busy == self._busy:
            return
        self._busy = busy
        self.busy_bar.setVisible(busy)
        emit(self.sig_busy_changed, busy)

    def _update_buttons(self) -> None:
        self.refresh_button.setEnabled(self._holdings is not None)
        can_export = (
            self._holdings is not None
            and self._chain_id is not None
            and self.account_filter.currentData() is not None
            and not self._exporting
        )
        self.export_button.setEnabled(can_export)

    def _account_chosen(self, _index: int) -> None:
        self.proxy.set_account(self.account_filter.currentData())
        self._update_buttons()

    # -- exporting a statement ------------------------------------------------------------------------------
    def export_statement(self) -> None:
        """Ask for a file name, then on the serial lane read the chosen account at the latest block and write its
        statement: CSV or PDF by the suffix. An existing file is never overwritten."""
        account = self.account_filter.currentData()
        service, runner, chain_id, network = self._holdings, self._runner, self._chain_id, self._network
        record = self.record_export
        if account is None or service is None or runner is None or chain_id is None or runner.is_shut_down:
            return
        answer = self.ask_path(self, f"statement-{account[:10]}.csv")
        if not answer:
            return
        path = Path(answer)
        kind = path.suffix.lower()
        if kind not in (".csv", ".pdf"):
            self._show_export("Choose a file name ending in .csv or .pdf.")
            return
        if path.exists():
            self._show_export(f"Not written: {path} already exists. Statements are never overwritten.")
            return

        def read_and_write() -> str:
            from ui.statement_pdf import render_statement_pdf
            from wallet_app.holdings.statement import build_statement, render_csv

            statement = build_statement(service.fetch_holdings([account]), account, chain_id=chain_id, network=network)
            if kind == ".csv":
                with open(path, "x", encoding="utf-8", newline="") as out:  # "x": refuses an existing file
                    out.write(render_csv(statement))
            else:
                write_statement_file(lambda p: render_statement_pdf(statement, p), path)
            if record is not None:
                record(account, kind[1:], path, statement.block_number)
            return os.fspath(path)

        self._exporting = True
        self._update_buttons()
        self._show_export(f"Writing the statement to {path}…")
        runner.command(read_and_write).with_owner(self).on_success(self._exported).on_failure(
            self._export_failed
        ).quietly().run()

    def _exported(self, path: str) -> None:
        self._exporting = False
        self._update_buttons()
        self._show_export(f"Statement written to {path}")
        emit(self.sig_statement_written, path)

    def _export_failed(self, exc: BaseException) -> None:
        self._exporting = False
        self._update_buttons()
        if isinstance(exc, FileExistsError):
            self._show_export(f"Not written: {exc.filename or 'the file'} already exists. Statements are never "
                              "overwritten.")
            return
        self._show_export(f"The statement was not written: {one_line(exc)}")
        if self._runner is not None:
            self._runner.present(exc, self)

    def _show_export(self, text: str) -> None:
        self.export_line.setText(text)
        self.export_line.setVisible(bool(text))

    # -- painting -------------------------------------------------------------------------------------------
    def show_prepared(self, prepared: PreparedHoldings) -> None:
        first = self.model.prepared is None
        self.model.set_prepared(prepared)
        snap = prepared.snapshot
        when = snap.read_at.astimezone().strftime("%H:%M:%S")
        self.header_line.setText(f"Block {snap.block_number:,} (hash {short_hash(snap.block_hash)}) read at {when}")
        self.set_notice("")
        self._show_inconsistencies(snap)
        self._fill_accounts(prepared)
        self._fill_totals(prepared)
        if prepared.rows:
            self.stack.setCurrentWidget(self.table)
            if first:
                self._size_columns(prepared)
        else:
            self.show_message(NO_HOLDINGS_TEXT)
            self.stack.setCurrentWidget(self.message)
        self._update_count()
        emit(self.sig_accounts_shown, list(snap.accounts))
        emit(self.sig_holdings_shown, snap.block_number)

    def _show_inconsistencies(self, snap: HoldingsSnapshot) -> None:
        """F2: the providers disagreed about this block; the lower values are what the table shows."""
        notes = snap.inconsistencies
        if not notes:
            self.inconsistent.clear_error()
            return
        more = f" (and {len(notes) - 1:,} more)" if len(notes) > 1 else ""
        self.inconsistent.show_error(f"Inconsistent data: the providers disagree at this block; the lower values are "
                                     f"shown. {notes[0]}{more}")
        self.inconsistent.setToolTip("\n".join(notes[:50]))

    def _size_columns(self, prepared: PreparedHoldings) -> None:
        """Fit the columns to the header and a sample of rows. (resizeColumnsToContents asks `data()` for every
        role of hundreds of rows: 160 ms on the GUI thread for a large register.)"""
        metrics = self.table.fontMetrics()
        sample = prepared.rows[:60]
        for col in HoldingColumn:
            title = str(self.model.headerData(col, Qt.Orientation.Horizontal))
            widest = max(
                [metrics.horizontalAdvance(title) + 16] + [metrics.horizontalAdvance(r.texts[col]) for r in sample]
            )
            # Names are long and the full text is in the tooltip; amounts are never elided, so they may take room.
            cap = 200 if col in (HoldingColumn.ASSET, HoldingColumn.NAME) else 320
            self.table.setColumnWidth(col, min(widest + 12, cap))

    def show_snapshot(self, snapshot: HoldingsSnapshot) -> None:
        self.show_prepared(prepare_holdings(snapshot))

    def _fill_accounts(self, prepared: PreparedHoldings) -> None:
        wanted = [(t.account.address, f"{account_text(t.account)} ({t.account.kind})") for t in prepared.totals]
        current = [
            (self.account_filter.itemData(i), self.account_filter.itemText(i))
            for i in range(1, self.account_filter.count())
        ]
        if wanted == current:
            return
        chosen = self.account_filter.currentData()
        self.account_filter.blockSignals(True)
        while self.account_filter.count() > 1:
            self.account_filter.removeItem(1)
        for address, text in wanted:
            self.account_filter.addItem(text, address)
            self.account_filter.setItemData(self.account_filter.count() - 1, address, Qt.ItemDataRole.ToolTipRole)
        index = self.account_filter.findData(chosen) if chosen is not None else 0
        self.account_filter.setCurrentIndex(max(index, 0))
        self.account_filter.blockSignals(False)
        self.proxy.set_account(self.account_filter.currentData())
        self._update_buttons()

    def _fill_totals(self, prepared: PreparedHoldings) -> None:
        self.totals.setRowCount(len(prepared.totals))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, total in enumerate(prepared.totals):
            value = hkd_text(total.value_hkd) + (f" (+{total.unpriced:,} unpriced)" if total.unpriced else "")
            cells = (
                account_text(total.account),
                KIND_TEXT.get(total.account.kind, total.account.kind),
                f"{total.holdings:,}",
                value,
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col >= 2:
                    item.setTextAlignment(right)
                if col == 0:
                    item.setToolTip(total.account.address)
                self.totals.setItem(row, col, item)
        self.institution_total.setText(
            f"Institution total: {hkd_text(prepared.institution_hkd)} HKD{_unpriced(prepared.institution_unpriced)}"
        )
        self.institution_total.setToolTip(
            "Vaults and the institution's own accounts; investor and watch-only "
            "accounts are followed but not owned, so they are totalled apart"
        )
        has_watched = any(t.watched for t in prepared.totals)
        self.watched_total.setVisible(has_watched)
        self.watched_total.setText(
            f"Investor and watch-only accounts (not in the institution total): {hkd_text(prepared.watched_hkd)} HKD"
            f"{_unpriced(prepared.watched_unpriced)}"
        )

    # -- filters --------------------------------------------------------------------------------------------
    def _standard_chosen(self, _index: int) -> None:
        value = self.standard_filter.currentData()
        self.proxy.set_standard(Standard(value) if value else None)

    def _apply_search(self) -> None:
        self.proxy.set_search(self.search.text())

    def apply_search_now(self) -> None:
        """Apply the search box without waiting for typing to pause (tests, Enter)."""
        self._search_timer.stop()
        self._apply_search()

    def _update_count(self, *_args: object) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        self.count_line.setText(f"{shown:,} of {total:,} holdings shown" if shown != total else f"{total:,} holdings")
