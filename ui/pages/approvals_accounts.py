"""The Approvals page's account vaults: transfers from plain accounts whose approvers and threshold are in the policy
(such as the cold vault), shown beside the Safe transactions in their own section (ui/widgets/account_panel.py).

`AccountSection` holds the core's account-vault parts (ui/account_sources.py, attached by the wiring); the page reads
them whenever it reads the queue (PARALLEL lane, a newer read superseding an older one). The section's actions take
the page's one dialog slot, as Review… and Approve… do, and the queue is read again after each:
- Propose transfer… opens ui/dialogs/propose_account_dialog.py (the decision is shown before anything is queued).
- Approve… opens the approval dialog (ui/dialogs/account_dialogs.py): one of this profile's approver keys and its
  password; the core approves on the SERIAL lane.
- Cold ceremony request… (an approved transfer) opens the request dialog: an animated QR code or a file of UR lines
  for the offline signer, and the answer taken back there.
- Import signed transaction… reads an answer (camera, images or a file) with the page's offline parts
  (ui/dialogs/offline_answer.py); a cold ceremony's answer goes to the account vaults' ceremony.
- Send (a signed transfer; Follow once sent) broadcasts it after one more policy check and follows it to final, on
  the SERIAL lane, its progress said under the list as it comes (`AccountCeremony.send` with a progress relay); the
  window keeps running throughout.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from ui.errors import one_line
from ui.signals import emit
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from ui.account_sources import AccountSources
    from ui.dialogs.offline_answer import AnswerImport, OfflineSources
    from ui.models.account_rows import AccountRow, AccountState
    from ui.queue_sources import QueueSources
    from ui.tasks import TaskRunner
    from ui.widgets.account_panel import AccountPanel
    from ui.widgets.progress_relay import ProgressRelay

SEND_WAIT_SECONDS = 60.0  # how long one Send follows the transaction; Follow resumes


class AccountSection(QObject):
    sig_accounts_shown = Signal(int)
    """The account-vault transfers were painted; carries how many were read."""
    sig_sent = Signal(object)
    """Send (or Follow) finished; carries the AccountEntry as it stands now, or the exception."""
    sig_outcome_shown = Signal(str)
    """An import or a send said how it went, under the list; carries the words."""

    def __init__(self, page: QWidget, *, opened: Callable[[Any], None], changed: Callable[[str], None]) -> None:
        super().__init__(page)
        self._page = page
        self._opened = opened  # the page's one dialog slot (ApprovalsPage._opened)
        self._changed = changed  # the page says the queue changed and reads it again
        self._accounts: AccountSources | None = None
        self._runner: TaskRunner | None = None
        self._sources: QueueSources | None = None
        self._state: AccountState | None = None
        self._generation = 0
        self._enabled = False
        self._sending = ""
        self._relay: ProgressRelay | None = None
        self.panel: AccountPanel | None = None
        self.answer: AnswerImport | None = None

    @property
    def accounts(self) -> AccountSources | None:
        return self._accounts

    @property
    def state(self) -> AccountState | None:
        return self._state

    @property
    def sending(self) -> bool:
        return bool(self._sending)

    @property
    def offline(self) -> OfflineSources | None:
        """The page's offline parts (attached by the wiring): they take a cold ceremony's answer back too."""
        return getattr(getattr(self._page, "offline", None), "sources", None)

    # -- building and attaching -----------------------------------------------------------------------------
    def build(self) -> AccountPanel:
        from ui.widgets.account_panel import AccountPanel
        from ui.widgets.progress_relay import ProgressRelay

        panel = AccountPanel()
        panel.sig_propose_requested.connect(self.open_propose)
        panel.sig_approve_requested.connect(self.open_approve)
        panel.sig_request_requested.connect(self.open_request)
        panel.sig_import_requested.connect(self.import_answer)
        panel.sig_send_requested.connect(self.send)
        self._relay = ProgressRelay(self)
        self._relay.sig_progress.connect(self._progress)
        self.panel = panel
        panel.setVisible(self._accounts is not None)
        if self._state is not None:
            panel.set_rows(self._state.rows)
        self._refresh_actions()
        return panel

    def attach(self, accounts: AccountSources | None) -> None:
        """The core's account-vault parts (None: detached, or a core without them: the section is hidden)."""
        self._accounts = accounts
        self._generation += 1
        if accounts is None:
            self._runner = self._sources = None
        if self.panel is not None:
            self.panel.setVisible(accounts is not None)
            self._refresh_actions()

    def set_enabled(self, enabled: bool) -> None:
        """Whether the page can open a dialog now (attached, no dialog open)."""
        self._enabled = enabled
        self._refresh_actions()

    def _refresh_actions(self) -> None:
        if self.panel is not None:
            ready = self._enabled and self._accounts is not None and self._runner is not None
            self.panel.set_actions(enabled=ready, can_import=self.offline is not None)

    # -- reading --------------------------------------------------------------------------------------------
    def reload(self, runner: TaskRunner, sources: QueueSources) -> None:
        accounts = self._accounts
        if accounts is None:
            return
        from ui.account_sources import read_accounts

        self._runner, self._sources = runner, sources
        self._refresh_actions()
        self._generation += 1
        generation = self._generation
        if self._state is None and self.panel is not None:
            self.panel.show_message("Reading the account vaults' transfers…")
        (runner.query(lambda: read_accounts(accounts, sources)).with_key((id(self), "accounts")).with_owner(self)
         .on_success(lambda state: self._arrived(generation, state))
         .on_failure(lambda exc: self._failed(generation, exc)).quietly().run())

    def _arrived(self, generation: int, state: AccountState) -> None:
        if generation != self._generation:
            return
        self._state = state
        if self.panel is not None:
            self.panel.set_rows(state.rows)
        emit(self.sig_accounts_shown, len(state.rows))

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation or self.panel is None:
            return
        text = f"The account vaults' transfers could not be read: {one_line(exc)}"
        self.panel.show_message(text)
        self.panel.show_result(text, "bad")

    def row(self, tx_hash: str) -> AccountRow | None:
        rows = self._state.rows if self._state is not None else ()
        return next((r for r in rows if r.tx_hash.lower() == tx_hash.lower()), None)

    def _parts(self) -> tuple[TaskRunner, AccountSources, QueueSources] | None:
        runner, accounts, sources = self._runner, self._accounts, self._sources
        if runner is None or accounts is None or sources is None or getattr(self._page, "dialog", None) is not None:
            return None
        return runner, accounts, sources

    # -- dialogs --------------------------------------------------------------------------------------------
    def open_propose(self) -> Any:
        parts = self._parts()
        if parts is None:
            return None
        from ui.dialogs.propose_account_dialog import ProposeAccountDialog

        runner, accounts, sources = parts
        dialog = ProposeAccountDialog(runner=runner, accounts=accounts, sources=sources, parent=self._page)
        self._opened(dialog)
        return dialog

    def open_approve(self, tx_hash: str) -> Any:
        parts, row = self._parts(), self.row(tx_hash)
        if parts is None or row is None or not row.approvable:
            return None
        from ui.dialogs.account_dialogs import ApproveAccountDialog

        dialog = ApproveAccountDialog(runner=parts[0], accounts=parts[1].queue, row=row, parent=self._page)
        self._opened(dialog)
        return dialog

    def open_request(self, tx_hash: str) -> Any:
        parts, row = self._parts(), self.row(tx_hash)
        if parts is None or row is None or not row.requestable:
            return None
        from ui.dialogs.account_dialogs import AccountRequestDialog

        dialog = AccountRequestDialog(runner=parts[0], ceremony=parts[1].ceremony, offline=self.offline, row=row,
                                      parent=self._page)
        self._opened(dialog)
        return dialog

    # -- taking the signed transaction back -----------------------------------------------------------------
    def import_answer(self) -> AnswerImport | None:
        runner, offline = self._runner, self.offline
        if runner is None or offline is None:
            return None
        from ui.dialogs.offline_answer import restart_import

        started = restart_import(self.answer, runner=runner, sources=offline, parent=self._page, say=self._say,
                                 imported=lambda imported: self._changed(str(imported.subject_hash)))
        self.answer = started or self.answer
        return started

    def _say(self, text: str, tone: str) -> None:
        if self.panel is not None:
            self.panel.show_result(text, tone)
        emit(self.sig_outcome_shown, text)

    # -- sending --------------------------------------------------------------------------------------------
    def send(self, tx_hash: str) -> None:
        runner, accounts, row, relay = self._runner, self._accounts, self.row(tx_hash), self._relay
        if runner is None or accounts is None or row is None or not row.sendable or self._sending:
            return
        ceremony = accounts.ceremony
        self._sending = tx_hash
        if self.panel is not None:
            self.panel.set_busy(True)
            self.panel.show_result("Checking the policy once more and sending…" if row.state == "signed" else
                                   "Following the transaction…", "muted")
        (runner.command(lambda: ceremony.send(tx_hash, wait_seconds=SEND_WAIT_SECONDS, progress=relay))
         .with_owner(self).on_success(self._sent).on_failure(self._send_failed).quietly().run())

    def _progress(self, text: str) -> None:
        if self._sending and self.panel is not None:
            self.panel.show_result(text, "muted")

    def _sent(self, entry: Any) -> None:
        tx_hash, self._sending = self._sending, ""
        if self.panel is not None:
            self.panel.set_busy(False)
        state = str(entry.item.state)
        if state == "final":
            self._say(f"Sent and final: transaction {entry.item.sent_tx_hash}, block {entry.item.mined_block}.",
                      "good")
        elif state == "failed":
            self._say(f"Mined but it failed: {entry.item.state_reason or 'the transaction reverted'}.", "bad")
        else:
            self._say(f"Sent as {entry.item.sent_tx_hash}; not final yet. Follow checks it again.", "warn")
        emit(self.sig_sent, entry)
        self._changed(tx_hash)

    def _send_failed(self, exc: BaseException) -> None:
        tx_hash, self._sending = self._sending, ""
        if self.panel is not None:
            self.panel.set_busy(False)
        self._say(f"Not sent: {one_line(exc)}", "bad")
        if not isinstance(exc, WalletError) and self._runner is not None:
            self._runner.present(exc, self._page)
        emit(self.sig_sent, exc)
        self._changed(tx_hash)
