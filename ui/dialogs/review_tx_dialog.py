"""Review one queued transaction, and approve, reject or execute it.

What it shows, top to bottom: where it stands and every warning (quarantine, conflicting proposals at its nonce,
gaps, flagged signatures, DELEGATECALL, gas refunds, a legacy domain); what it does, decoded from its bytes by the
core; every raw field of the SafeTx; the domain hash, message hash and safeTxHash in groups of four with Copy buttons
for out-of-band comparison; the policy's decision now with the would-be approvers (`QueueService.check_policy`), its
reasons and the simulation; "k valid signatures of threshold n" with each stored row, whether it counts and why not.

Approve… asks for one of this profile's owner keys that has not signed, and its password; `QueueService.approve`
gets the safeTxHash shown in the dialog, recomputes it from the stored fields and refuses a mismatch (A7). Reject…
signs an on-chain rejection at the same nonce. Execute… sends execTransaction from a key of the profile and shows
the core's progress until the transaction is final. Every action runs on the SERIAL lane while the dialog says it
is busy and cannot be closed; an error is shown in the dialog, which stays open with what was chosen (the password
is asked again); the queue is read again after each action.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.review_tx_panels import DecisionPanel, FieldsPanel, HashesPanel, SignaturesPanel
from ui.dialogs.secrets_dialog import SecretsDialog
from ui.errors import one_line
from ui.models.queue_review import ReviewView, prepare_review
from ui.models.queue_rows import name_of, names_from, plain, signatures_text
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from ui.widgets.policy_active import read_only_text
from ui.widgets.progress_relay import ProgressRelay
from ui.widgets.secret_field import SecretField
from ui.widgets.tone_label import ToneLabel
from ui.widgets.warning_list import WarningList
from wallet_app.domain.hex_text import short_hex
from wallet_app.errors import UserCancelled, WalletError

if TYPE_CHECKING:
    from ui.models.policy_checks import CheckView
    from ui.queue_sources import QueueServiceLike, QueueSources
    from wallet_app.keys.views import KeyView

APPROVE, REJECT, EXECUTE = "approve", "reject", "execute"
EXECUTE_WAIT_SECONDS = 60.0
RECHECK_DELAY_MS = 350

ACTION_INTRO = {
    APPROVE: ("Your key signs the safeTxHash shown above. Custos recomputes it from the stored fields and refuses to "
              "sign if it differs; the policy is checked again with your approval first."),
    REJECT: ("Your key signs an on-chain rejection at nonce {nonce}: a transaction to the vault itself that does "
             "nothing. Once the owners have signed and executed it, nonce {nonce} is used and this transaction can "
             "never execute."),
    EXECUTE: ("Custos checks the policy again, simulates, and sends execTransaction from this key with EIP-1559 fees "
              "under the policy's cap, then follows the receipt until the transaction is final (the queue keeps "
              "following it if that takes longer)."),
}
SUBMIT_TEXT = {APPROVE: "Sign and approve", REJECT: "Sign the rejection", EXECUTE: "Execute now"}
BUSY_TEXT = {APPROVE: "Checking the policy and signing…", REJECT: "Proposing and signing the rejection…",
             EXECUTE: "Executing…"}


@dataclass(frozen=True, slots=True)
class ReviewData:
    view: ReviewView
    names: dict[str, str]
    keys: tuple[KeyView, ...]


def load_review(queue: QueueServiceLike, sources: QueueSources, safe_tx_hash: str) -> ReviewData:
    """The item as the core loads and verifies it now, prepared for the dialog (on a worker lane)."""
    entry = queue.entry(safe_tx_hash)
    # The whole vault's queue, so that gaps and conflicts are judged against every item at every nonce.
    same = [e for e in queue.load(entry.item.safe) if e.safe_tx_hash == entry.safe_tx_hash]
    entry = same[0] if same else entry
    keys = tuple(sources.load_keys())
    names = names_from({k.address: k.label for k in keys}, sources.load_names())
    return ReviewData(prepare_review(entry, names, keys, native=sources.native), names, keys)


def check_now(queue: QueueServiceLike, safe_tx_hash: str, approvers: Sequence[str]) -> CheckView:
    from ui.models.policy_checks import prepare_check

    return prepare_check(queue.check_policy(safe_tx_hash, tuple(approvers)))


def execution_text(result: Any) -> str:
    """What `QueueService.execute` returned (an ExecutionResult), in words."""
    state = str(getattr(result, "state", "") or "")
    outcome = getattr(result, "outcome", None)
    chain_tx = str(getattr(result, "chain_tx_hash", "") or "")
    block = getattr(result, "block_number", None)
    parts = [f"Sent as {chain_tx}" if chain_tx else "Sent"]
    if block is not None:
        parts.append(f"mined in block {block:,}")
    if outcome == "success":
        parts.append("ExecutionSuccess")
    elif outcome == "failure":
        parts.append("ExecutionFailure: the Safe ran it and the call failed")
    parts.append(f"state: {state or 'unknown'}")
    notes = [plain(n) for n in getattr(result, "notes", ()) or ()]
    return "; ".join(parts) + "." + ("\n" + "\n".join(notes) if notes else "")


class ReviewTxDialog(SecretsDialog):
    sig_review_shown = Signal(object)
    """The transaction was painted; carries the `ReviewView`."""
    sig_decision_shown = Signal(str)
    """The policy's decision was painted; carries it (allow, escalate, deny)."""
    sig_queue_changed = Signal(str)
    """An approval, rejection or execution went through; carries the safeTxHash reviewed."""
    sig_action_failed = Signal(object)
    """An action failed; carries the exception (shown in the dialog)."""

    def __init__(self, *, runner: TaskRunner, queue: QueueServiceLike, sources: QueueSources, safe_tx_hash: str,
                 action: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("reviewTxDialog")
        self.setWindowTitle("Review a queued transaction")
        self.setMinimumSize(860, 640)
        self.resize(1000, 860)
        self._runner, self._queue, self._sources = runner, queue, sources
        self._requested = safe_tx_hash
        self._pending_action = action
        self._data: ReviewData | None = None
        self._action = ""
        self._busy = False
        self._check_generation = 0
        self._recheck = QTimer(self)
        self._recheck.setSingleShot(True)
        self._recheck.setInterval(RECHECK_DELAY_MS)
        self._recheck.timeout.connect(self.check_policy)
        self._relay = ProgressRelay(self)
        self._relay.sig_progress.connect(self._progress)

        self.title = ToneLabel(scale=1.3, bold=True, selectable=True)
        self.title.setObjectName("reviewTitle")
        self.title.setText("Reading the transaction…")
        self.state = ToneLabel(bold=True, selectable=True)
        self.state.setObjectName("reviewState")
        self.state.setWordWrap(True)
        self.warnings_box = WarningList("reviewWarning")
        self.intent = PlainLabel(selectable=True)
        self.intent.setObjectName("reviewIntent")
        self.intent.setWordWrap(True)
        font = QFont(self.intent.font())
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.intent.setFont(font)
        intent_box = QGroupBox("What it does, decoded from its bytes")
        QVBoxLayout(intent_box).addWidget(self.intent)
        self.fields = FieldsPanel()
        self.hashes = HashesPanel()
        self.decision = DecisionPanel()
        self.signatures = SignaturesPanel()

        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.addWidget(self.state)
        body_layout.addWidget(self.warnings_box)
        body_layout.addWidget(intent_box)
        body_layout.addWidget(self.fields)
        body_layout.addWidget(self.hashes)
        body_layout.addWidget(self.decision)
        body_layout.addWidget(self.signatures)
        body_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("reviewScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(body)

        self._build_action_box()
        self.result = ToneLabel(bold=True, selectable=True)
        self.result.setObjectName("reviewResult")
        self.result.setWordWrap(True)
        self.result.hide()
        self.error = ErrorLine()
        self.error.setObjectName("reviewError")
        self.log = read_only_text("reviewProgress", fixed=True)
        self.log.setFixedHeight(self.fontMetrics().height() * 5 + 12)
        self.log.hide()

        self.approve_button = QPushButton("Approve…")
        self.approve_button.setObjectName("reviewApprove")
        self.reject_button = QPushButton("Reject…")
        self.reject_button.setObjectName("reviewReject")
        self.execute_button = QPushButton("Execute…")
        self.execute_button.setObjectName("reviewExecute")
        self.approve_button.clicked.connect(lambda: self.choose_action(APPROVE))
        self.reject_button.clicked.connect(lambda: self.choose_action(REJECT))
        self.execute_button.clicked.connect(lambda: self.choose_action(EXECUTE))
        self.close_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_buttons.rejected.connect(self.reject)
        self.close_button = self.close_buttons.button(QDialogButtonBox.StandardButton.Close)
        bottom = QHBoxLayout()
        for button in (self.approve_button, self.reject_button, self.execute_button):
            bottom.addWidget(button)
        bottom.addStretch(1)
        bottom.addWidget(self.close_buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.result)
        layout.addWidget(self.error)
        layout.addWidget(self.log)
        layout.addWidget(self.action_box)
        layout.addLayout(bottom)
        self._update_controls()
        self.load()

    def _build_action_box(self) -> None:
        self.action_box = QGroupBox()
        self.action_box.setObjectName("reviewActionBox")
        self.action_intro = PlainLabel()
        self.action_intro.setWordWrap(True)
        self.action_intro.setMinimumHeight(self.fontMetrics().lineSpacing() * 3)  # never squeezed by the scroll area
        self.action_note = ToneLabel(bold=True, selectable=True)  # why no key is offered
        self.action_note.setObjectName("reviewActionNote")
        self.action_note.setWordWrap(True)
        self.action_note.set_tone("warn")
        self.action_note.hide()
        self.key_choice = QComboBox()
        self.key_choice.setObjectName("reviewKey")
        self.key_choice.currentIndexChanged.connect(self._key_changed)
        self.password = SecretField("The key's password (or PIN)")
        self.password.setObjectName("reviewPassword")
        self.password.textChanged.connect(lambda _t: self._update_controls())
        self.password.returnPressed.connect(self.submit)
        self.submit_button = QPushButton("Sign")
        self.submit_button.setObjectName("reviewSubmit")
        self.submit_button.clicked.connect(self.submit)
        self.cancel_action = QPushButton("Cancel")
        self.cancel_action.setObjectName("reviewCancelAction")
        self.cancel_action.clicked.connect(lambda: self.choose_action(""))
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(self.fontMetrics().height())
        self.busy_bar.hide()
        self.key_label = PlainLabel("Sign with:")
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.key_label, 0, 0)
        grid.addWidget(self.key_choice, 0, 1, 1, 3)
        grid.addWidget(PlainLabel("Password:"), 1, 0)
        grid.addWidget(self.password, 1, 1)
        grid.addWidget(self.cancel_action, 1, 2)
        grid.addWidget(self.submit_button, 1, 3)
        grid.setColumnStretch(1, 1)
        box = QVBoxLayout(self.action_box)
        box.addWidget(self.action_intro)
        box.addWidget(self.action_note)
        box.addLayout(grid)
        box.addWidget(self.busy_bar)
        self.action_box.hide()

    # -- reading --------------------------------------------------------------------------------------------
    @property
    def view(self) -> ReviewView | None:
        return None if self._data is None else self._data.view

    @property
    def displayed_hash(self) -> str:
        """The safeTxHash on screen (what approve, reject and execute are given)."""
        return self.hashes.safe_tx_hash.value()

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def action(self) -> str:
        return self._action

    @property
    def warning_labels(self) -> list[ToneLabel]:
        return self.warnings_box.labels

    def load(self) -> None:
        queue, sources, wanted = self._queue, self._sources, self._requested
        (self._runner.query(lambda: load_review(queue, sources, wanted)).with_owner(self)
         .on_success(self._loaded).on_failure(self._load_failed).quietly().run())

    def _loaded(self, data: ReviewData) -> None:
        self._data = data
        self._paint(data.view)
        if self._pending_action:
            action, self._pending_action = self._pending_action, ""
            self.choose_action(action)
        self.check_policy()

    def _load_failed(self, exc: BaseException) -> None:
        self.title.set_tone("bad")
        self.title.setText("The transaction could not be read")
        self.error.show_error(one_line(exc))
        if not isinstance(exc, WalletError):
            self._runner.present(exc, self)

    def _paint(self, view: ReviewView) -> None:
        self.title.set_tone("plain")
        self.title.setText(view.title)
        self.state.setText(f"{view.state_text} — {view.signatures_summary}")
        self.state.set_tone(view.state_tone)
        self.warnings_box.show_warnings(view.warnings)
        self.intent.setText(view.intent)
        self.fields.show_view(view)
        self.hashes.show_view(view)
        self.signatures.show_view(view)
        if self._action:
            self._fill_keys(self._action)
        self._update_controls()
        emit(self.sig_review_shown, view)

    # -- the policy -----------------------------------------------------------------------------------------
    def would_be_approvers(self) -> tuple[str, ...]:
        """The valid signers now, plus the key that would approve (the one chosen, else the first that could)."""
        view = self.view
        if view is None:
            return ()
        extra: str | None = None
        if self._action == APPROVE and self.key_choice.currentData():
            extra = str(self.key_choice.currentData())
        elif view.approve_keys:
            extra = view.approve_keys[0].address
        return tuple(dict.fromkeys([*view.signers, *([extra] if extra else [])]))

    def check_policy(self) -> None:
        view, data = self.view, self._data
        if view is None or data is None:
            return
        approvers = self.would_be_approvers()
        who = ", ".join(name_of(a, data.names) for a in approvers) or "nobody yet"
        text = f"Decided with the approvals of: {who}"
        self.decision.show_message("Checking the policy: decoding, reading the chain, simulating…", text)
        self._check_generation += 1
        generation = self._check_generation
        queue, shown = self._queue, view.safe_tx_hash
        (self._runner.command(lambda: check_now(queue, shown, approvers)).with_owner(self)
         .on_success(lambda check: self._checked(generation, check, text))
         .on_failure(lambda exc: self._check_failed(generation, exc, text)).quietly().run())

    def _checked(self, generation: int, check: CheckView, approvers: str) -> None:
        if generation != self._check_generation:
            return
        self.decision.show_check(check, approvers)
        emit(self.sig_decision_shown, check.decision)

    def _check_failed(self, generation: int, exc: BaseException, approvers: str) -> None:
        if generation != self._check_generation:
            return
        self.decision.show_message(f"The policy could not decide now: {one_line(exc)}", approvers)
        self.decision.headline.set_tone("bad")

    # -- actions --------------------------------------------------------------------------------------------
    def choose_action(self, action: str) -> None:
        """Show the key and password for `action` (approve, reject, execute), or hide them ("")."""
        if self._busy:
            return
        self._action = action if action in (APPROVE, REJECT, EXECUTE) else ""
        self.error.clear_error()
        self.password.wipe()
        if not self._action:
            self.action_box.hide()
            self._update_controls()
            return
        view = self.view
        title = {APPROVE: "Approve", REJECT: "Reject", EXECUTE: "Execute"}[self._action]
        self.action_box.setTitle(title)
        nonce = view.nonce if view is not None else "?"
        self.action_intro.setText(ACTION_INTRO[self._action].format(nonce=nonce))
        self.key_label.setText("Execute from:" if self._action == EXECUTE else "Sign with:")
        self.submit_button.setText(SUBMIT_TEXT[self._action])
        self._fill_keys(self._action)
        self.action_box.show()
        self.password.setFocus()
        self._update_controls()
        if self._action == APPROVE:
            self._recheck.start()

    def _options(self, action: str) -> tuple[Any, ...]:
        view = self.view
        if view is None:
            return ()
        return {APPROVE: view.approve_keys, REJECT: view.reject_keys, EXECUTE: view.execute_keys}.get(action, ())

    def _fill_keys(self, action: str) -> None:
        chosen = self.key_choice.currentData()
        options = self._options(action)
        self.key_choice.blockSignals(True)
        self.key_choice.clear()
        for option in options:
            self.key_choice.addItem(option.text, option.address)
        index = self.key_choice.findData(chosen) if chosen else -1
        self.key_choice.setCurrentIndex(index if index >= 0 else (0 if options else -1))
        self.key_choice.blockSignals(False)
        self.action_note.setText(self._why_not(action) if not options else "")
        self.action_note.setVisible(not options)

    def _why_not(self, action: str) -> str:
        view = self.view
        if view is None:
            return "The transaction is not loaded."
        if action == APPROVE:
            if not view.approvable:
                return "It takes no more signatures now (see its state above)."
            return "None of this profile's keys is an owner that has not signed it yet."
        if action == REJECT:
            return "Only a transaction still gathering signatures can be rejected, and not a rejection itself."
        if getattr(self._queue, "execute", None) is None:
            return "Executing is not available in this version."
        return "It cannot be executed now: the threshold must be met and the vault's nonce must be its nonce."

    def _key_changed(self, _index: int) -> None:
        self._update_controls()
        if self._action == APPROVE:
            self._recheck.start()  # the would-be approvers changed: decide again (coalesced)

    def ready(self) -> bool:
        return (not self._busy and bool(self._action) and self.key_choice.currentData() is not None
                and bool(self.password.text()) and bool(self.displayed_hash)
                and (self._action != EXECUTE or getattr(self._queue, "execute", None) is not None))

    def submit(self) -> None:
        if not self.ready():
            return
        action, shown = self._action, self.displayed_hash
        key, password = str(self.key_choice.currentData()), self.password.text()
        self.password.wipe()  # it lives only in the command's closure; a retry asks for it again
        command = self._command(action, shown, key, password)
        self.error.clear_error()
        self.result.hide()
        if action == EXECUTE:
            self.log.clear()
            self.log.show()
        self._set_busy(True, action)
        (self._runner.command(command).with_owner(self)
         .on_success(lambda outcome: self._succeeded(action, outcome))
         .on_failure(lambda exc: self._failed(action, exc)).quietly().run())

    def _command(self, action: str, shown: str, key: str, password: str) -> Callable[[], tuple[str, ReviewData]]:
        queue, sources, relay = self._queue, self._sources, self._relay
        names = dict(self._data.names) if self._data is not None else {}
        who = name_of(key, names)

        def approve() -> tuple[str, ReviewData]:
            entry = queue.approve(shown, key, password)
            return f"Approved by {who}: {signatures_text(entry)}.", load_review(queue, sources, shown)

        def reject() -> tuple[str, ReviewData]:
            rejection = queue.reject(shown, key, password)
            text = (f"Rejection queued by {who} at nonce {rejection.item.nonce} (safeTxHash "
                    f"{short_hex(rejection.safe_tx_hash)}): {signatures_text(rejection)}. This transaction becomes "
                    "rejected when the rejection is executed.")
            return text, load_review(queue, sources, shown)

        def execute() -> tuple[str, ReviewData]:
            run = getattr(queue, "execute")  # noqa: B009 - optional in the protocol
            result = run(shown, key, password, wait_seconds=EXECUTE_WAIT_SECONDS, progress=relay)
            return execution_text(result), load_review(queue, sources, shown)

        return {APPROVE: approve, REJECT: reject, EXECUTE: execute}[action]

    def _succeeded(self, action: str, outcome: tuple[str, ReviewData]) -> None:
        text, data = outcome
        self._set_busy(False, action)
        self._action = ""
        self.action_box.hide()
        self.result.setText(text)
        self.result.set_tone("good")
        self.result.show()
        self._data = data
        self._paint(data.view)
        emit(self.sig_queue_changed, data.view.safe_tx_hash)
        self.check_policy()

    def _failed(self, action: str, exc: BaseException) -> None:
        self._set_busy(False, action)
        if isinstance(exc, UserCancelled):
            return
        verb = {APPROVE: "Not approved", REJECT: "Not rejected", EXECUTE: "Not executed"}[action]
        self.error.show_error(f"{verb}: {one_line(exc)}")
        emit(self.sig_action_failed, exc)
        if not isinstance(exc, WalletError):
            self._runner.present(exc, self)
        self.password.setFocus()
        self.load()  # the queue may have moved meanwhile (another desktop); show it as it is now

    def _progress(self, text: str) -> None:
        if text:
            self.log.appendPlainText(text)

    def _set_busy(self, busy: bool, action: str = "") -> None:
        self._busy = busy
        self.busy_bar.setVisible(busy)
        if busy:
            self.busy_bar.setToolTip(BUSY_TEXT.get(action, "Working…"))
        self.key_choice.setEnabled(not busy)
        self.password.setEnabled(not busy)
        self._update_controls()

    def _update_controls(self) -> None:
        view, busy = self.view, self._busy
        loaded = view is not None
        self.approve_button.setEnabled(loaded and not busy and bool(view and view.approve_keys))
        self.reject_button.setEnabled(loaded and not busy and bool(view and view.rejectable and view.reject_keys))
        self.execute_button.setEnabled(loaded and not busy and bool(view and view.executable and view.execute_keys)
                                       and getattr(self._queue, "execute", None) is not None)
        if view is not None and not view.approve_keys:
            self.approve_button.setToolTip(self._why_not(APPROVE))
        self.submit_button.setEnabled(self.ready())
        self.cancel_action.setEnabled(not busy)
        self.close_button.setEnabled(not busy)

    # -- closing --------------------------------------------------------------------------------------------
    def secret_fields(self) -> Sequence[SecretField]:
        return (self.password,)

