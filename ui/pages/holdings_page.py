"""The Holdings page: what every vault and account of the profile holds (watch-only investor accounts included),
with prices, HKD values, compliance state and totals. Read-only: nothing here signs or writes.

`fetch_holdings()` is slow, so it runs on the parallel lane together with `prepare_holdings` (all display strings
are computed off the GUI thread). Every fetch uses the same task key, so a newer refresh supersedes an older one;
refreshes the session asks for on a new block are coalesced: at most one runs, and one more follows if a block
arrived meanwhile.

Its parts: the table's view in `ui.widgets.holdings_table`, the totals under it in `ui.widgets.holdings_totals`,
exporting a holding statement in `ui.pages.holdings_statement`, and the "Storage tiers" tab (the hot/warm/cold split
of client assets at the shown block) in `ui.pages.holdings_storage`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.errors import one_line
from ui.models.holdings_filter import HoldingsFilterProxy
from ui.models.holdings_model import HoldingsTableModel
from ui.models.holdings_rows import STANDARD_TEXT, PreparedHoldings, account_text, prepare_holdings, short_hash
from ui.pages.holdings_statement import AskPath, RecordExport, ask_statement_path, read_and_write_statement
from ui.pages.holdings_storage import FetchReport, StorageTiersTab
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.holdings_table import build_holdings_table, size_holdings_columns
from ui.widgets.holdings_totals import HoldingsTotals
from ui.widgets.plain_label import PlainLabel
from ui.widgets.table_layout import build_message_stack, build_vertical_split
from wallet_app.errors import ChainIdMismatch, NodeUnreachable
from wallet_app.holdings.model import Account, HoldingsSnapshot, Standard

if TYPE_CHECKING:  # the dialog is imported when first opened: start-up stays quick
    from ui.dialogs.tokens_dialog import TokensDialog, TokenServiceLike

WAITING_TEXT = "Holdings are read once the profile is connected."
NO_HOLDINGS_TEXT = "The profile's accounts hold nothing yet."
SEARCH_DELAY_MS = 150


class HoldingsServiceLike(Protocol):
    """The parts of the core's `HoldingsService` the page uses."""

    def fetch_holdings(self, accounts: list[str] | None = None, block: int | None = None) -> HoldingsSnapshot: ...
    def load_accounts(self) -> list[Account]: ...


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
        self.record_export: RecordExport | None = None
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

        self.table = build_holdings_table(self.proxy)
        self.stack, self.message = build_message_stack(self.table, WAITING_TEXT, "holdingsMessage")
        self.totals_box = HoldingsTotals()
        self.totals = self.totals_box.totals
        self.institution_total, self.watched_total = self.totals_box.institution_total, self.totals_box.watched_total
        splitter = build_vertical_split(self.stack, self.totals_box, stretch=(3, 1), sizes=(460, 200))

        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addLayout(heading)
        layout.addWidget(self.inconsistent)
        layout.addWidget(self.notice)
        layout.addWidget(self.export_line)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("holdingsTabs")
        self.tabs.addTab(splitter, "Holdings")
        self.storage_tiers = StorageTiersTab(self.tabs)  # its tab shows once `attach_storage` gives it a reader
        layout.addWidget(self.tabs, 1)
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

    def attach_storage(self, fetch_report: FetchReport) -> None:
        """The storage-tier report of the policy in force at a block (not in the investor view)."""
        if self._runner is not None:
            self.storage_tiers.attach(fetch_report, self._runner)

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
        self.storage_tiers.detach()
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
        self.storage_tiers.refresh()
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
            return read_and_write_statement(service.fetch_holdings, account, path, chain_id=chain_id,
                                            network=network, record=record)

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
        self.totals_box.show_totals(prepared)
        if prepared.rows:
            self.stack.setCurrentWidget(self.table)
            if first:
                size_holdings_columns(self.table, self.model, prepared)
        else:
            self.show_message(NO_HOLDINGS_TEXT)
            self.stack.setCurrentWidget(self.message)
        self._update_count()
        self.storage_tiers.show_block(snap.block_number)
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
