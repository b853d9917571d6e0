"""What the two propose dialogs share (ui/dialogs/propose_tx_dialog.py, a Safe's transaction, and
ui/dialogs/propose_account_dialog.py, an account vault's transfer): "Check with the policy" shows the decision of what
is on screen without recording it (PARALLEL lane; a newer preview or a proposal supersedes an older preview), and
"Sign and propose" reads the proposer key's password into the command's closure, wipes the field and proposes on the
SERIAL lane while the dialog says it is busy: the core decides again and records the decision, which is shown with
the result in words; a denied proposal is not queued. A refusal for want of the Travel Rule information opens the
Travel Rule dialog in the Safe dialog (ui/dialogs/propose_travel.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal

from ui.dialogs.propose_tx_request import amount_verdict, available_amount_text
from ui.dialogs.secrets_dialog import SecretsDialog
from ui.errors import one_line
from ui.models.queue_propose import AssetOption, BookEntry, Verdict, recipient_verdict
from ui.signals import emit
from ui.widgets.secret_field import SecretField
from wallet_app.errors import UserCancelled, WalletError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QComboBox, QProgressBar, QPushButton

    from ui.dialogs.propose_tx_forms import TransferForm
    from ui.dialogs.review_tx_panels import DecisionPanel
    from ui.models.policy_checks import CheckView
    from ui.tasks import TaskRunner
    from ui.widgets.error_line import ErrorLine
    from ui.widgets.tone_label import ToneLabel


class ProposeFlowDialog(SecretsDialog):
    sig_checked = Signal(str)
    """The policy's decision was shown (a preview or the proposal's); carries it."""
    sig_queue_changed = Signal(str)
    """It was queued; carries its hash."""

    # Made by the dialog: the parts the flow reads and writes.
    _runner: TaskRunner
    _busy: bool
    _done: bool
    _check_generation: int
    _context: Any  # what was read of the chosen vault (its `assets`), None before
    _book: list[BookEntry]
    transfer: TransferForm
    decision: DecisionPanel
    proposer: QComboBox
    password: SecretField
    result: ToneLabel
    error: ErrorLine
    busy_bar: QProgressBar
    submit_button: QPushButton
    cancel_button: QPushButton

    # -- the transfer form --------------------------------------------------------------------------------------
    def asset_option(self) -> AssetOption | None:
        context, key = self._context, self.transfer.asset.currentData()
        if context is None or key is None:
            return None
        return next((a for a in context.assets if a.key == key), None)

    def _fill_max(self) -> None:
        text = available_amount_text(self.asset_option(), self.transfer.token_id.text())
        if text:
            self.transfer.amount.setText(text)

    def amount_verdict(self) -> Verdict | None:
        """The amount against what the vault has available (None while nothing is typed)."""
        return amount_verdict(self.asset_option(), self.transfer.amount.text(), self.transfer.token_id.text())

    def recipient_verdict(self) -> Verdict:
        return recipient_verdict(self.transfer.recipient.text(), self._book)

    # -- what each dialog says ------------------------------------------------------------------------------
    def blocking_reason(self) -> str:
        raise NotImplementedError

    def build_request(self) -> Any:
        raise NotImplementedError

    def check_work(self) -> Callable[[], CheckView] | None:
        """The preview of what is on screen, to run off the GUI thread (None: nothing to check, said why)."""
        raise NotImplementedError

    def propose_work(self, request: Any) -> Callable[[str, str], Any] | None:
        """Proposing `request` with (key, password), off the GUI thread; None: nothing to propose."""
        raise NotImplementedError

    def proposal_shown(self, outcome: Any) -> None:
        """After the proposal's decision and result are on screen, before a queued one is said."""

    def queued_hash(self, outcome: Any) -> str:
        raise NotImplementedError

    def proposal_refused(self, exc: WalletError) -> None:
        """After the core's refusal is said in the error line (the Safe dialog then asks for the Travel Rule
        information when that is what was missing)."""

    def _update(self) -> None:
        raise NotImplementedError

    # -- the policy and proposing ---------------------------------------------------------------------------
    def request_or_say(self) -> Any:
        """The request for what is on screen, or None with the reason in the error line."""
        try:
            return self.build_request()
        except (WalletError, ValueError) as exc:
            self.error.show_error(one_line(exc) if isinstance(exc, WalletError) else str(exc))
            return None

    def check(self) -> None:
        work = None if self.blocking_reason() else self.check_work()
        if work is None:
            return
        self.error.clear_error()
        self.decision.show_message("Checking: decoding, reading the chain, simulating…")
        self._check_generation += 1
        generation = self._check_generation
        (self._runner.query(work).with_owner(self)
         .on_success(lambda view: self._checked(generation, view))
         .on_failure(lambda exc: self._check_failed(generation, exc)).quietly().run())

    def _checked(self, generation: int, view: CheckView) -> None:
        if generation == self._check_generation:
            self.decision.show_check(view, "A preview: not recorded; proposing checks again.")
            emit(self.sig_checked, view.decision)

    def _check_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._check_generation:
            self.decision.show_message(f"Not checked: {one_line(exc)}")
            self.decision.headline.set_tone("bad")

    def submit(self) -> None:
        if self._busy or not self.submit_button.isEnabled() or self.blocking_reason():
            return
        request = self.request_or_say()
        propose = None if request is None else self.propose_work(request)
        if propose is None:
            return
        key, password = str(self.proposer.currentData()), self.password.text()
        self.password.wipe()  # it lives only in the command's closure; a retry asks for it again
        self.error.clear_error()
        self.result.hide()
        self._set_busy(True)
        (self._runner.command(lambda: propose(key, password)).with_owner(self)
         .on_success(self._proposed).on_failure(self._propose_failed).quietly().run())

    def _proposed(self, outcome: Any) -> None:
        self._set_busy(False)
        self.decision.show_check(outcome.check, "At proposal (recorded).")
        self.result.setText(outcome.text)
        self.result.set_tone("good" if outcome.queued else "bad")
        self.result.show()
        emit(self.sig_checked, outcome.check.decision)
        self.proposal_shown(outcome)
        if outcome.queued:
            self._done = True
            self.cancel_button.setText("Close")
            emit(self.sig_queue_changed, self.queued_hash(outcome))
        self._update()

    def _propose_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, UserCancelled):
            return
        self.error.show_error(f"Not proposed: {one_line(exc)}")
        if not isinstance(exc, WalletError):
            self._runner.present(exc, self)
        self.password.setFocus()
        if isinstance(exc, WalletError):
            self.proposal_refused(exc)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_bar.setVisible(busy)
        self._update()

    @property
    def busy(self) -> bool:
        return self._busy

    # -- closing --------------------------------------------------------------------------------------------
    def secret_fields(self) -> Sequence[SecretField]:
        return (self.password,)
