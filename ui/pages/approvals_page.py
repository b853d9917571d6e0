"""The Approvals page: the approval queue grouped by vault and nonce, for the custody officers.

Each transaction shows what it does (decoded from its bytes by the core), where it stands, "k valid signatures of
threshold n" (and "k valid of m rows" when stored rows do not count), and who proposed it when. Two proposals at one
nonce are both shown with a warning and never chosen between (A10); gaps, stale, rejected and quarantined items are
said in words and colour. Propose…, Review…, Approve…, Reject… and Execute… open the dialogs; approving, rejecting and
executing always go through the review dialog, so that what is signed is on screen. Sign offline… and Import offline
signature… make a sign request for an owner whose key is on an offline machine and take its answer back
(ui/pages/approvals_offline.py). Under the transactions, the Safe messages (holding statements a vault's quorum signs;
ui/pages/approvals_messages.py) are read with the queue and approved through their own review dialog, every field of
the typed data on screen. Between them, the account vaults' transfers (a cold vault's: approvals, the cold ceremony's
request and answer, sending) have their own section (ui/pages/approvals_accounts.py). A selected item whose recipient
is a contact still in its cooling-off says when it opens (ui/pages/approvals_cooling.py).

Threads: Refresh first follows the chain (`QueueService.follow`, which moves items the chain executed; it writes, so
SERIAL lane, with its progress shown) and then reads the queue (`load`, PARALLEL lane). The queue notifier
(ui/notifications.py) polls `load` every few seconds and tells the page when something changed. Nothing is read
until the page is on screen, and its widgets are built the first time it is shown: start-up does not pay for it.

Not in the investor view: every action signs with the profile's keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.errors import one_line
from ui.pages.approvals_accounts import AccountSection
from ui.pages.approvals_cooling import CoolingOffNotes
from ui.pages.approvals_offline import OfflineActions
from ui.pages.approvals_travel import TravelRuleNotes
from ui.pages.lazy_page import LazyPage
from ui.queue_sources import QueueNotifierLike, QueueServiceLike, QueueSources
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel

if TYPE_CHECKING:  # built on first show (ensure_built), not at start-up
    from PySide6.QtWidgets import QTreeView

    from ui.dialogs.offline_request_dialog import OfflineRequestDialog
    from ui.dialogs.propose_tx_dialog import ProposeTxDialog
    from ui.dialogs.review_message_dialog import ReviewMessageDialog
    from ui.dialogs.review_tx_dialog import ReviewTxDialog
    from ui.message_sources import MessageQueueLike
    from ui.models.queue_model import QueueTreeModel
    from ui.models.queue_rows import ItemRow, VaultGroup
    from ui.pages.approvals_messages import MessageSection
    from ui.widgets.message_panel import MessagePanel
    from ui.widgets.progress_relay import ProgressRelay
    from ui.widgets.queue_details import QueueDetails
    from wallet_app.keys.views import KeyView

WAITING_TEXT = "The approval queue is read once the profile is connected."
EMPTY_TEXT = "Nothing is queued. Propose… starts a transaction; the owners approve it here."
ALL_VAULTS_TEXT = "All vaults"


@dataclass(frozen=True, slots=True)
class QueueState:
    """One read of the queue, prepared on a worker lane."""

    groups: tuple[VaultGroup, ...]
    names: dict[str, str]
    keys: tuple[KeyView, ...]
    summary: str
    txs: dict[str, Any] = field(default_factory=dict)  # safeTxHash -> SafeTx: its recipients' cooling-off


def read_queue(queue: QueueServiceLike, sources: QueueSources, vaults: Sequence[str]) -> QueueState:
    """Read and prepare everything the page shows (on a worker lane)."""
    from ui.models.queue_rows import group_entries, names_from, summary_line

    entries = list(queue.load())
    keys = tuple(sources.load_keys())
    names = names_from({k.address: k.label for k in keys}, sources.load_names())
    groups = tuple(group_entries(entries, names, keys, vaults))
    return QueueState(groups, names, keys, summary_line(groups), {e.safe_tx_hash: e.item.safe_tx for e in entries})


class ApprovalsPage(LazyPage):
    sig_queue_shown = Signal(int)
    """The queue was painted; carries how many transactions it holds (all vaults, before filtering)."""
    sig_followed = Signal(object)
    """Following the chain finished; carries what the core returned (a list of lines), or the exception."""
    sig_dialog_opened = Signal(object)
    """A review or propose dialog was opened, window-modal; carries it."""
    sig_queue_changed = Signal(str)
    """Something was proposed, approved, rejected or executed from this page; carries its safeTxHash (a Safe message's
    approval: its SafeMessage hash)."""

    # Built on first show (ensure_built):
    status: PlainLabel
    problem: ErrorLine
    busy_bar: QProgressBar
    progress: PlainLabel
    refresh_button: QPushButton
    vault_filter: QComboBox
    show_executed: QCheckBox
    tree: QTreeView
    model: QueueTreeModel
    message: PlainLabel
    details: QueueDetails
    propose_button: QPushButton
    review_button: QPushButton
    approve_button: QPushButton
    reject_button: QPushButton
    execute_button: QPushButton
    messages_panel: MessagePanel  # the Safe messages, under the transactions
    message_section: MessageSection

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("approvalsPage")
        self._queue: QueueServiceLike | None = None
        self._runner: TaskRunner | None = None
        self._sources: QueueSources | None = None
        self._state: QueueState | None = None
        self._vaults: list[tuple[str, str]] = []  # (address, label) as the window last read them
        self._loading = False
        self._load_again = False
        self._following = False
        self._generation = 0
        self._dialog: ReviewTxDialog | ProposeTxDialog | ReviewMessageDialog | OfflineRequestDialog | None = None
        self._message_parts: tuple[MessageQueueLike | None, Any, Any] = (None, None, None)
        self._relay: ProgressRelay | None = None
        self.notifier: QueueNotifierLike | None = None  # set by ui.queue_wiring.attach_queue
        self.offline = OfflineActions(self, context=lambda: (self._runner, self._queue, self._sources),
                                      opened=self._opened, changed=self._changed)  # its parts: attach_queue
        self.accounts = AccountSection(self, opened=self._opened, changed=self._changed)  # account vaults (cold)
        self.cooling = CoolingOffNotes(self, changed=self._selection_changed)  # when recipients' cooling-off ends
        self.travel = TravelRuleNotes(self, context=lambda: (self._runner, self._sources, self.details))  # its record

    # -- building (on first show) ---------------------------------------------------------------------------
    def _build(self) -> None:
        from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView

        from ui.models.queue_model import QueueColumn, QueueTreeModel
        from ui.pages.approvals_messages import MessageSection
        from ui.widgets.message_panel import MessagePanel
        from ui.widgets.progress_relay import ProgressRelay
        from ui.widgets.queue_details import QueueDetails
        from ui.widgets.table_layout import build_message_stack, build_vertical_split

        self._relay = ProgressRelay(self)
        self._relay.sig_progress.connect(self._progress_arrived)
        self.status = PlainLabel(WAITING_TEXT, selectable=True)
        self.status.setObjectName("approvalsStatus")
        self.status.setWordWrap(True)
        self.problem = ErrorLine()
        self.problem.setObjectName("approvalsProblem")
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("approvalsBusy")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.hide()
        self.progress = PlainLabel()
        self.progress.setObjectName("approvalsProgress")
        self.progress.hide()
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("approvalsRefresh")
        self.refresh_button.setToolTip("Follow the chain (executed, mined, final) and read the queue again")
        self.refresh_button.clicked.connect(self.refresh)
        self.vault_filter = QComboBox()
        self.vault_filter.setObjectName("approvalsVaultFilter")
        self.vault_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.vault_filter.addItem(ALL_VAULTS_TEXT, None)
        self.vault_filter.currentIndexChanged.connect(lambda _i: self._paint())
        self.show_executed = QCheckBox("Show executed")
        self.show_executed.setObjectName("approvalsShowExecuted")
        self.show_executed.setToolTip("Also list transactions that were executed and are final. Stale, rejected, "
                                      "failed and quarantined ones are always listed.")
        self.show_executed.toggled.connect(lambda _on: self._paint())

        head = QHBoxLayout()
        head.addWidget(PlainLabel("Vault:"))
        head.addWidget(self.vault_filter)
        head.addWidget(self.show_executed)
        head.addSpacing(12)
        head.addWidget(self.status, 1)
        head.addWidget(self.progress)
        head.addWidget(self.busy_bar)
        head.addWidget(self.refresh_button)

        self.model = QueueTreeModel(self)
        self.tree = QTreeView()
        self.tree.setObjectName("approvalsTree")
        self.tree.setModel(self.model)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAllColumnsShowFocus(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QueueColumn.TRANSACTION, QHeaderView.ResizeMode.Stretch)
        metrics = self.tree.fontMetrics()
        widest = {QueueColumn.STATE: "Signed, waits for nonce 10", QueueColumn.SIGNATURES: "0 valid signatures of "
                  "threshold 2", QueueColumn.FOR_YOU: "Execute ", QueueColumn.PROPOSER: "Dana Ho (operations)",
                  QueueColumn.PROPOSED: "2026-11-26 07:30", QueueColumn.HASH: "0xe5bb7f…89d6"}
        for column, sample in widest.items():  # wide enough for what they usually hold, in the font in use
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 18)
        self.tree.selectionModel().selectionChanged.connect(lambda *_a: self._selection_changed())
        self.tree.doubleClicked.connect(lambda _index: self.review_selected())
        stack, self.message = build_message_stack(self.tree, WAITING_TEXT, "approvalsMessage")
        self._stack = stack
        self.details = QueueDetails()
        self.messages_panel = MessagePanel()
        self.message_section = MessageSection(self.messages_panel, self)
        self.message_section.open_dialog = self._opened  # one dialog at a time; the queue is read again after it
        self.message_section.attach(self._message_parts[0], proofs=self._message_parts[1],
                                    audit=self._message_parts[2])
        self.messages_panel.sig_review_requested.connect(self.open_message_review)

        self.propose_button = QPushButton("Propose…")
        self.propose_button.setObjectName("approvalsPropose")
        self.propose_button.setToolTip("Propose a transfer, a batch or an owner change from one of the vaults")
        self.review_button = QPushButton("Review…")
        self.review_button.setObjectName("approvalsReview")
        self.review_button.setToolTip("Every field, the hashes to compare out of band, the policy's decision and "
                                      "each signature of the selected transaction")
        self.approve_button = QPushButton("Approve…")
        self.approve_button.setObjectName("approvalsApprove")
        self.approve_button.setToolTip("Review the selected transaction and sign it with one of your owner keys")
        self.reject_button = QPushButton("Reject…")
        self.reject_button.setObjectName("approvalsReject")
        self.reject_button.setToolTip("Review it and sign an on-chain rejection at the same nonce")
        self.execute_button = QPushButton("Execute…")
        self.execute_button.setObjectName("approvalsExecute")
        self.execute_button.setToolTip("Review it and send execTransaction from one of your keys")
        self.propose_button.clicked.connect(self.open_propose_dialog)
        self.review_button.clicked.connect(self.review_selected)
        self.approve_button.clicked.connect(lambda: self.review_selected("approve"))
        self.reject_button.clicked.connect(lambda: self.review_selected("reject"))
        self.execute_button.clicked.connect(lambda: self.review_selected("execute"))
        sign_offline, import_offline, offline_outcome = self.offline.build()  # ui/pages/approvals_offline.py
        sign_offline.clicked.connect(lambda: self.review_selected("offline"))
        import_offline.clicked.connect(self.offline.import_answer)
        buttons = QHBoxLayout()
        buttons.addWidget(self.propose_button)
        buttons.addWidget(import_offline)
        buttons.addWidget(offline_outcome, 1)
        buttons.addStretch(0)  # takes the room while no outcome is said
        for button in (self.review_button, self.approve_button, sign_offline, self.reject_button, self.execute_button):
            buttons.addWidget(button)

        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.setContentsMargins(9, 9, 9, 9)
        layout.addLayout(head)
        layout.addWidget(self.problem)
        split = build_vertical_split(stack, self.details, stretch=(3, 1), sizes=(430, 170))
        split.insertWidget(1, self.messages_panel)  # the Safe messages between the transactions and their details
        split.insertWidget(1, self.accounts.build())  # the account vaults' transfers right under the Safe ones
        split.setStretchFactor(1, 2)
        split.setStretchFactor(2, 2)
        split.setSizes([200, 300, 160, 100])
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self._fill_vault_filter()
        if self._state is not None:
            self._paint()
        self._update_buttons()

    # -- what the session tells it --------------------------------------------------------------------------
    def attach(self, queue: QueueServiceLike, runner: TaskRunner, sources: QueueSources) -> None:
        """The services are ready; nothing is read until the page is on screen."""
        self._queue, self._runner, self._sources = queue, runner, sources
        if self._built:
            self.status.setText("Reading the queue…")
            self._update_buttons()
        if self.isVisible():
            self.refresh()

    def attach_messages(self, messages: MessageQueueLike | None, *, proofs: Any = None, audit: Any = None) -> None:
        """The core's Safe messages (`services.messages`), shown and approved beside the transactions; `proofs` (with
        `signed_statement`) and `audit` let a statement signed by the quorum be exported from here."""
        self._message_parts = (messages, proofs, audit)
        if self._built:
            self.message_section.attach(messages, proofs=proofs, audit=audit)
            self._update_buttons()
            self.reload_if_shown()

    def detach(self) -> None:
        """The services are closing: no more reads, and the notifier stops polling."""
        self._queue = self._sources = None
        self._message_parts = (None, None, None)
        self.offline.attach(None)
        self.accounts.attach(None)
        if self._built:
            self.message_section.detach()
        self._generation += 1
        self._loading = self._load_again = self._following = False
        if self.notifier is not None:
            self.notifier.stop()
        if self._built:
            self._set_busy()
            self._update_buttons()

    @property
    def attached(self) -> bool:
        return self._queue is not None

    @property
    def state(self) -> QueueState | None:
        return self._state

    @property
    def dialog(self) -> ReviewTxDialog | ProposeTxDialog | ReviewMessageDialog | OfflineRequestDialog | None:
        return self._dialog

    @property
    def loading(self) -> bool:
        return self._loading or self._following

    def set_vaults(self, vaults: Sequence[Any]) -> None:
        """The profile's vaults as the window last read them (VaultInfo): the filter offers each."""
        self._vaults = [(v.address, v.label) for v in vaults]
        if self._built:
            self._fill_vault_filter()

    def _ready(self) -> bool:
        return self._queue is not None and self._runner is not None and not self._runner.is_shut_down

    # -- reading --------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Follow the chain, then read the queue again (when on screen)."""
        if not self._built or not self.isVisible() or not self._ready():
            return
        queue, runner = self._queue, self._runner
        assert queue is not None and runner is not None
        follow = getattr(queue, "follow", None)
        if follow is None or self._following:
            self.reload()
            return
        self._following = True
        self.problem.clear_error()
        self.progress.setText("Following the chain…")
        self._set_busy()
        relay = self._relay
        (runner.command(lambda: follow(progress=relay)).with_owner(self)
         .on_success(self._followed).on_failure(self._follow_failed).quietly().run())

    def _followed(self, moved: object) -> None:
        self._following = False
        emit(self.sig_followed, moved)
        self.reload()

    def _follow_failed(self, exc: BaseException) -> None:
        self._following = False
        self.problem.show_error(f"The chain could not be followed, so states may be behind: {one_line(exc)}")
        emit(self.sig_followed, exc)
        self.reload()

    def _progress_arrived(self, text: str) -> None:
        if self._built and self._following:
            self.progress.setText(text)

    def reload(self) -> None:
        """Read the queue again (no chain following); several requests while one runs make one more read."""
        if not self._built or not self._ready():
            return
        if self._loading:
            self._load_again = True
            return
        queue, runner, sources = self._queue, self._runner, self._sources
        assert queue is not None and runner is not None and sources is not None
        vaults = [address for address, _label in self._vaults]
        self._generation += 1
        generation = self._generation
        self._loading = True
        self._set_busy()
        self.message_section.reload(runner, sources)  # the Safe messages, read beside the queue
        self.accounts.reload(runner, sources)  # and the account vaults' transfers
        self.cooling.reload(runner, sources)  # and the policy in force, for the cooling-off of new contacts
        (runner.query(lambda: read_queue(queue, sources, vaults)).with_key((id(self), "queue")).with_owner(self)
         .on_success(lambda state: self._arrived(generation, state))
         .on_failure(lambda exc: self._failed(generation, exc)).quietly().run())

    def reload_if_shown(self) -> None:
        if self._built and self.isVisible():
            self.reload()

    def _arrived(self, generation: int, state: QueueState) -> None:
        if generation != self._generation:
            return
        self._done_loading()
        self._state = state
        if not self._following:
            self.problem.clear_error()
        self._paint()
        emit(self.sig_queue_shown, sum(len(g.items) for g in state.groups))

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._done_loading()
        self.problem.show_error(f"The queue could not be read: {one_line(exc)}")
        if self._state is None:
            self.message.setText("The queue could not be read.")
        self.status.setText("")

    def _done_loading(self) -> None:
        self._loading = False
        self._set_busy()
        if self._load_again:
            self._load_again = False
            self.reload()

    # -- painting -------------------------------------------------------------------------------------------
    def _fill_vault_filter(self) -> None:
        known = dict(self._vaults)
        if self._state is not None:
            for group in self._state.groups:
                known.setdefault(group.safe, self._state.names.get(group.safe, ""))
        chosen = self.vault_filter.currentData()
        items = sorted(known.items(), key=lambda item: (item[1].lower() or "~", item[0]))
        current = [self.vault_filter.itemData(i) for i in range(1, self.vault_filter.count())]
        if current == [address for address, _label in items]:
            return
        from ui.models.queue_rows import plain

        self.vault_filter.blockSignals(True)
        while self.vault_filter.count() > 1:
            self.vault_filter.removeItem(1)
        for address, label in items:
            self.vault_filter.addItem(f"{plain(label, 60)}  {address[:6]}…{address[-4:]}" if label else address,
                                      address)
        index = self.vault_filter.findData(chosen) if chosen else 0
        self.vault_filter.setCurrentIndex(max(index, 0))
        self.vault_filter.blockSignals(False)

    def _paint(self) -> None:
        if not self._built or self._state is None:
            return
        from ui.models.queue_rows import VaultGroup, filter_groups, vault_heading

        self._fill_vault_filter()
        chosen = self.selected()
        vault = self.vault_filter.currentData()
        self.messages_panel.set_vault(vault)
        groups = filter_groups(self._state.groups, vault=vault, show_executed=self.show_executed.isChecked())
        if vault is not None and not groups:  # a vault with nothing queued still gets its heading
            groups = [VaultGroup(vault, *vault_heading(vault, None, self._state.names), ())]
        self.model.set_groups(groups)
        self.tree.expandAll()
        for row in range(self.model.rowCount()):  # vault and nonce headings read across the whole row
            vault = self.model.index(row, 0)
            self.tree.setFirstColumnSpanned(row, QModelIndex(), True)
            for nonce in range(self.model.rowCount(vault)):
                self.tree.setFirstColumnSpanned(nonce, vault, True)
        total = sum(len(g.items) for g in groups)
        if total:
            self._stack.setCurrentWidget(self.tree)
        else:
            everything = sum(len(g.items) for g in self._state.groups)
            self.message.setText(EMPTY_TEXT if not everything else
                                 "Nothing to show with this filter (executed transactions are hidden unless "
                                 "“Show executed” is on).")
            self._stack.setCurrentIndex(0)
        self.status.setText(self._state.summary)
        if chosen is not None:
            index = self.model.index_of(chosen.safe_tx_hash)
            if index.isValid():
                self.tree.setCurrentIndex(index)
        self._selection_changed()

    def selected(self) -> ItemRow | None:
        if not self._built:
            return None
        index = self.tree.currentIndex()
        if not index.isValid() or not self.tree.selectionModel().isSelected(index):
            rows = self.tree.selectionModel().selectedRows()
            if not rows:
                return None
            index = rows[0]
        return self.model.item_at(index.siblingAtColumn(0))

    def select(self, safe_tx_hash: str) -> bool:
        index = self.model.index_of(safe_tx_hash)
        if not index.isValid():
            return False
        self.tree.setCurrentIndex(index)
        return True

    def _selection_changed(self) -> None:
        item = self.selected()
        if item is None:
            self.details.show_nothing()
        else:
            self.details.show_item(item)
            self.details.show_openings(self.cooling.openings(item, self._state.txs if self._state else {}))
        self.travel.show(item)  # its Travel Rule record (ui/pages/approvals_travel.py)
        self._update_buttons()

    def _set_busy(self) -> None:
        if not self._built:
            return
        busy = self._loading or self._following
        self.busy_bar.setVisible(busy)
        self.progress.setVisible(self._following)
        self.refresh_button.setEnabled(self._ready() and not self._following)

    def _update_buttons(self) -> None:
        if not self._built:
            return
        ready = self._ready() and self._sources is not None
        item = self.selected()
        free = self._dialog is None
        self.refresh_button.setEnabled(ready and not self._following)
        self.propose_button.setEnabled(ready and free)
        self.review_button.setEnabled(ready and free and item is not None)
        self.approve_button.setEnabled(ready and free and item is not None and bool(item.attention.approvers))
        self.reject_button.setEnabled(ready and free and item is not None and item.rejectable)
        self.execute_button.setEnabled(ready and free and item is not None and item.attention.executable
                                       and getattr(self._queue, "execute", None) is not None)
        self.offline.refresh_buttons(enabled=ready and free, item=item)
        self.accounts.set_enabled(ready and free)
        self.messages_panel.set_actions(enabled=ready and free and self.message_section.messages is not None,
                                        can_export=self.message_section.can_export)

    # -- dialogs --------------------------------------------------------------------------------------------
    def review_selected(self, action: str = "") -> None:
        item = self.selected()
        if item is None:
            return
        if action == "offline":  # a sign request for an owner who signs on an offline machine
            self.offline.open_request(item.safe_tx_hash)
            return
        self.open_review(item.safe_tx_hash, action)

    def open_review(self, safe_tx_hash: str, action: str = "") -> ReviewTxDialog | None:
        queue, runner, sources = self._queue, self._runner, self._sources
        if queue is None or runner is None or sources is None or self._dialog is not None:
            return None
        from ui.dialogs.review_tx_dialog import ReviewTxDialog

        dialog = ReviewTxDialog(runner=runner, queue=queue, sources=sources, safe_tx_hash=safe_tx_hash,
                                action=action, parent=self)
        self._opened(dialog)
        return dialog

    def open_propose_dialog(self) -> ProposeTxDialog | None:
        queue, runner, sources = self._queue, self._runner, self._sources
        if queue is None or runner is None or sources is None or self._dialog is not None:
            return None
        from ui.dialogs.propose_tx_dialog import ProposeTxDialog

        vault = self.vault_filter.currentData() if self._built else None
        dialog = ProposeTxDialog(runner=runner, queue=queue, sources=sources, vault=vault, parent=self)
        self._opened(dialog)
        return dialog

    def open_message_review(self, message_hash: str, approve: bool = False) -> ReviewMessageDialog | None:
        """The review dialog of a Safe message: every field of it, its hashes, its signatures; approving signs."""
        messages, runner, sources = self.message_section.messages if self._built else None, self._runner, self._sources
        if messages is None or runner is None or sources is None or self._dialog is not None:
            return None
        from ui.dialogs.review_message_dialog import ReviewMessageDialog

        dialog = ReviewMessageDialog(runner=runner, messages=messages, sources=sources, message_hash=message_hash,
                                     approve=approve, parent=self)
        self._opened(dialog)
        return dialog

    def _opened(self, dialog: ReviewTxDialog | ProposeTxDialog | ReviewMessageDialog | OfflineRequestDialog) -> None:
        self._dialog = dialog
        dialog.sig_queue_changed.connect(self._changed)
        dialog.finished.connect(self._dialog_finished)
        self._update_buttons()
        dialog.open()
        emit(self.sig_dialog_opened, dialog)

    def _changed(self, safe_tx_hash: str) -> None:
        emit(self.sig_queue_changed, safe_tx_hash)
        self.reload()

    def _dialog_finished(self, _result: int) -> None:
        self._dialog = None
        self._update_buttons()
        self.reload()
