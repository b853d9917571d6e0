"""The Policy page: the policy in force (or, loudly, that there is none and every transaction is denied), the drafts
of a change side by side with the policy they would replace, checking a transaction against the policy, and the
recent decisions. The core decides everything (`PolicyService`, `PolicyChecker`); this page only shows it.

Threads: reading the policy may put a change whose cooling-off has passed in force and repair the on-disk copy (both
writes), so it runs on the SERIAL lane, as do checks (each decision is recorded), proposals, approvals and
rejections. Recent decisions and the profile's keys are read on the PARALLEL lane. Nothing is read until the page is
on screen, and its widgets are built the first time it is shown: the window's start-up does not pay for it.

Not in the investor view: proposing and approving sign with the profile's keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QTabWidget, QVBoxLayout, QWidget

from ui.errors import one_line
from ui.key_service import can_unlock
from ui.pages.lazy_page import LazyPage
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from wallet_app.errors import WalletError

if TYPE_CHECKING:  # the page's modules are imported when it is first shown (ensure_built), not at start-up
    from ui.dialogs.command_dialog import CommandDialog
    from ui.models.policy_checks import CheckResultLike, CheckView, DecisionRow, RecordedDecisionLike
    from ui.models.policy_form import CheckFields
    from ui.models.policy_rows import PolicyState
    from ui.widgets.policy_active import ActivePolicyPanel
    from ui.widgets.policy_check import CheckPanel
    from ui.widgets.policy_decisions import DecisionsPanel
    from ui.widgets.policy_drafts import DraftsPanel
    from wallet_app.domain.vaults import VaultInfo
    from wallet_app.keys.views import KeyView
    from wallet_app.policy.compare import PolicyChange
    from wallet_app.policy.views import ActivePolicy, PolicyDraft, PolicyHistoryEntry

WAITING_TEXT = "The policy is read once the profile is connected."
NOT_AVAILABLE_TEXT = "This profile's policy is not available here."
RECENT_LIMIT = 50
NOT_IN_FORCE = "No policy in force: every transaction is denied — "


class PolicyServiceLike(Protocol):
    """The parts of the core's `PolicyService` the page uses; every call may block (database, chain)."""

    def propose(self, text: str, proposer_key: str, password: str, *, now: Any = None) -> Any: ...
    def approve(self, digest: str, key: str, password: str, *, now: Any = None) -> Any: ...
    def reject(self, digest: str, key: str, password: str, *, reason: str = "", now: Any = None) -> Any: ...
    def active(self, now: Any = None) -> ActivePolicy: ...
    def drafts(self, now: Any = None) -> list[PolicyDraft]: ...
    def history(self) -> list[PolicyHistoryEntry]: ...
    def compare(self, draft_digest: str) -> list[PolicyChange]: ...


class PolicyCheckerLike(Protocol):
    """The parts of the core's `PolicyChecker` (wallet_app.policy.checker) the page uses."""

    def check(self, request: Any, *, record: bool = True) -> CheckResultLike: ...
    def recent_decisions(self, limit: int = 50) -> Sequence[RecordedDecisionLike]: ...


MakeRequest = Callable[["CheckFields"], Any]
AskPolicyFile = Callable[[QWidget], "str | None"]
"""Asks which policy file to propose: (parent) -> chosen path, or None if cancelled."""


def ask_policy_file(parent: QWidget) -> str | None:
    from ui.dialogs.policy_dialogs import ask_policy_file as ask

    return ask(parent)


def build_check_request(fields: CheckFields) -> Any:
    """The core's `CheckRequest` for the form's fields (imported here, on the worker: it loads the engine)."""
    from wallet_app.policy.checker import CheckRequest

    return CheckRequest(
        safe=fields.safe, to=fields.to, value=fields.value, data=fields.data, operation=fields.operation,
        safe_tx_gas=fields.safe_tx_gas, base_gas=fields.base_gas, gas_price=fields.gas_price,
        gas_token=fields.gas_token, refund_receiver=fields.refund_receiver, nonce=fields.nonce,
        proposer=fields.proposer,
    )


def load_policy_state(policy: PolicyServiceLike, names: Mapping[str, str]) -> PolicyState:
    """Everything the page shows of the policy, read and prepared on a worker lane."""
    from ui.models.policy_rows import prepare_policy_state
    from wallet_app.policy.engine import HARD_BLOCKS
    from wallet_app.policy.governance import PolicyNotInForce

    active, problem, code = None, "", ""
    try:
        active = policy.active()
    except PolicyNotInForce as exc:  # none, tampered with, or unverifiable: said loudly, in red
        problem, code = exc.user_message, str(exc.code)
    drafts: list[PolicyDraft] = []
    drafts_problem = ""
    try:
        drafts = list(policy.drafts())
    except WalletError as exc:
        drafts_problem = exc.user_message
    history = list(policy.history())
    changes: dict[str, Sequence[PolicyChange] | str] = {}
    for draft in drafts:
        try:
            changes[draft.digest] = list(policy.compare(draft.digest))
        except WalletError as exc:
            changes[draft.digest] = exc.user_message
    return prepare_policy_state(active=active, problem=problem, problem_code=code, drafts=drafts,
                                drafts_problem=drafts_problem, history=history, changes=changes, names=names,
                                hard_blocks=[block for block, _check in HARD_BLOCKS])


def run_check(checker: PolicyCheckerLike, make_request: MakeRequest, fields: CheckFields) -> CheckView:
    """Check and record (on the serial lane). With no policy in force the checker decides a deny (rule `policy`)
    with the reason; it raises only when there is nothing to decide on (a field it refuses, a vault it cannot read)."""
    from ui.models.policy_checks import prepare_check

    return prepare_check(checker.check(make_request(fields), record=True))


class PolicyPage(LazyPage):
    sig_policy_shown = Signal(object)
    """The policy state was painted; carries the `PolicyState`."""
    sig_check_shown = Signal(str)
    """A check's result was painted; carries its decision (allow, escalate, deny)."""
    sig_decisions_shown = Signal(int)
    """The recent decisions were painted; carries how many."""
    sig_dialog_opened = Signal(object)
    """A signing dialog (propose, approve, reject) was opened, window-modal; carries it."""
    sig_policy_changed = Signal(str)
    """A proposal, approval or rejection went through; carries the line that says where the draft stands."""

    # Built on first show (ensure_built):
    problem: ErrorLine
    status: PlainLabel
    busy_bar: QProgressBar
    refresh_button: QPushButton
    sections: QTabWidget
    active_panel: ActivePolicyPanel
    drafts_panel: DraftsPanel
    check_panel: CheckPanel
    decisions_panel: DecisionsPanel

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policyPage")
        self._policy: PolicyServiceLike | None = None
        self._checker: PolicyCheckerLike | None = None
        self._runner: TaskRunner | None = None
        self._load_keys: Callable[[], Sequence[KeyView]] | None = None
        self._names: dict[str, str] = {}
        self._vaults: list[tuple[str, str]] = []
        self._key_labels: dict[str, str] = {}
        self._state: PolicyState | None = None
        self._state_generation = 0
        self._state_busy = False
        self._state_again = False
        self._check_generation = 0
        self._checking = False
        self._failing = False
        self._dialog: CommandDialog | None = None
        self.ask_file: AskPolicyFile = ask_policy_file  # tests replace it: a file chooser must never block them
        self.make_request: MakeRequest = build_check_request

    # -- building (on first show) ---------------------------------------------------------------------------
    def _build(self) -> None:
        from ui.widgets.policy_active import ActivePolicyPanel
        from ui.widgets.policy_check import CheckPanel
        from ui.widgets.policy_decisions import DecisionsPanel
        from ui.widgets.policy_drafts import DraftsPanel

        self.problem = ErrorLine()
        self.problem.setObjectName("policyNotInForce")
        font = QFont(self.problem.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.problem.setFont(font)
        self.status = PlainLabel(WAITING_TEXT, selectable=True)
        self.status.setObjectName("policyStatus")
        self.status.setWordWrap(True)
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("policyBusy")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.hide()
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("policyRefresh")
        self.refresh_button.setToolTip("Read the policy, its drafts and the recent decisions again")
        self.refresh_button.clicked.connect(self.refresh)
        head = QHBoxLayout()
        head.addWidget(self.status, 1)
        head.addWidget(self.busy_bar)
        head.addWidget(self.refresh_button)

        self.active_panel = ActivePolicyPanel()
        self.drafts_panel = DraftsPanel()
        self.check_panel = CheckPanel()
        self.decisions_panel = DecisionsPanel()
        self.sections = QTabWidget()
        self.sections.setObjectName("policySections")
        self.sections.addTab(self.active_panel, "Policy in force")
        self.sections.addTab(self.drafts_panel, "Drafts")
        self.sections.addTab(self.check_panel, "Check a transaction")
        self.sections.addTab(self.decisions_panel, "Recent decisions")
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.setContentsMargins(9, 9, 9, 9)
        layout.addWidget(self.problem)
        layout.addLayout(head)
        layout.addWidget(self.sections, 1)

        drafts = self.drafts_panel
        drafts.propose_button.clicked.connect(self.propose_change)
        drafts.approve_button.clicked.connect(self.approve_selected)
        drafts.reject_button.clicked.connect(self.reject_selected)
        drafts.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.check_panel.form.check_button.clicked.connect(self.check)
        self.check_panel.form.to.returnPressed.connect(self.check)
        self.decisions_panel.refresh_button.clicked.connect(self.load_decisions)
        self.check_panel.form.set_vaults(self._vaults)
        self.check_panel.form.set_proposers(sorted(self._key_labels.items(), key=lambda item: item[1]))
        if self._state is not None:
            self._paint_state(self._state)
        self._update_buttons()

    # -- what the session tells it --------------------------------------------------------------------------
    def attach(self, policy: PolicyServiceLike, checker: PolicyCheckerLike | None, runner: TaskRunner, *,
               load_keys: Callable[[], Sequence[KeyView]] | None = None) -> None:
        """The services are ready; nothing is read until the page is on screen."""
        self._policy, self._checker, self._runner, self._load_keys = policy, checker, runner, load_keys
        self._failing = False
        if self._built:
            self.status.setText("Reading the policy…")
            self._update_buttons()
        if self.isVisible():
            self.refresh()

    def detach(self) -> None:
        self._policy = self._checker = None
        self._load_keys = None
        self._state_generation += 1
        self._check_generation += 1
        self._state_busy = self._state_again = self._checking = False
        if self._built:
            self._set_busy()
            self.check_panel.form.busy_bar.hide()
            self._update_buttons()

    @property
    def attached(self) -> bool:
        return self._policy is not None

    @property
    def state(self) -> PolicyState | None:
        return self._state

    @property
    def dialog(self) -> CommandDialog | None:
        return self._dialog

    @property
    def checking(self) -> bool:
        return self._checking

    def set_address_names(self, names: Mapping[str, str]) -> None:
        """The profile's address book (address -> label): approvers and vaults are named with it."""
        self._names = dict(names)

    def set_vaults(self, vaults: Sequence[VaultInfo]) -> None:
        """The profile's vaults, as last read: the vault choice of a check, and their names."""
        self._vaults = [(v.address, v.label) for v in vaults]
        if self._built:
            self.check_panel.form.set_vaults(self._vaults)
            self._update_buttons()

    def names(self) -> dict[str, str]:
        """Who is who: key labels, then vault labels, then the address book, which has the last word."""
        return {**self._key_labels, **{a: label for a, label in self._vaults if label}, **self._names}

    def refresh(self) -> None:
        """Read the policy and its drafts, the recent decisions and the keys again (when on screen)."""
        if not self._built or not self.isVisible() or not self._ready():
            return
        self._load_state()
        self.load_decisions()
        self._load_key_list()

    def _ready(self) -> bool:
        return self._policy is not None and self._runner is not None and not self._runner.is_shut_down

    # -- the policy and its drafts --------------------------------------------------------------------------
    def _load_state(self) -> None:
        if not self._ready():
            return
        if self._state_busy:
            self._state_again = True
            return
        policy, runner, names = self._policy, self._runner, self.names()
        assert policy is not None and runner is not None
        self._state_generation += 1
        generation = self._state_generation
        self._state_busy = True
        self._set_busy()
        (runner.command(lambda: load_policy_state(policy, names)).with_owner(self)
         .on_success(lambda state: self._state_arrived(generation, state))
         .on_failure(lambda exc: self._state_failed(generation, exc)).quietly().run())

    def _state_arrived(self, generation: int, state: PolicyState) -> None:
        if generation != self._state_generation:
            return
        self._state_done()
        self._failing = False
        self._state = state
        self._paint_state(state)
        emit(self.sig_policy_shown, state)

    def _state_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._state_generation:
            return
        self._state_done()
        self.problem.show_error(f"The policy could not be read, so nothing can be allowed: {one_line(exc)}")
        self.status.setText("")
        if not self._failing and self._runner is not None:
            self._failing = True
            self._runner.present(exc, self)

    def _state_done(self) -> None:
        self._state_busy = False
        self._set_busy()
        if self._state_again:
            self._state_again = False
            self._load_state()

    def _paint_state(self, state: PolicyState) -> None:
        if not self._built:
            return
        active = state.active
        if active is None:
            self.problem.show_error(NOT_IN_FORCE + (state.problem or "the reason is not known"))
            self.active_panel.show_message("No policy is in force. Until a policy is approved by the governance "
                                           "quorum, every transaction is denied.")
            waiting = len(state.drafts)
            self.status.setText("Every check is a deny until a verified policy is in force"
                                + (f"; {waiting} draft{'s' if waiting != 1 else ''} waiting." if waiting else "."))
        else:
            self.problem.clear_error()
            self.active_panel.show_active(active)
            waiting = len(state.drafts)
            drafts = f"; {waiting} draft{'s' if waiting != 1 else ''} waiting" if waiting else ""
            self.status.setText(f"{active.name}, version {active.version}, in force since "
                                f"{active.effective_since}{drafts}.")
        self.drafts_panel.show_drafts(state.drafts, problem=state.drafts_problem)
        self.sections.setTabText(1, f"Drafts ({len(state.drafts)})" if state.drafts else "Drafts")
        self._update_buttons()

    # -- checking a transaction -----------------------------------------------------------------------------
    def check(self) -> None:
        """Read the form, then check (and record) the transaction on the serial lane."""
        if not self._built or self._checking:
            return
        from ui.models.policy_form import FormError, parse_check_form

        form = self.check_panel.form
        form.error.clear_error()
        try:
            fields = parse_check_form(form.texts())
        except FormError as exc:
            form.show_field_error(exc.field, exc.message)
            return
        checker, runner, make = self._checker, self._runner, self.make_request
        if checker is None or runner is None or runner.is_shut_down:
            form.error.show_error("Checking transactions is not available until the profile is connected.")
            return
        self._check_generation += 1
        generation = self._check_generation
        self._set_checking(True)
        self.check_panel.result.show_message("Checking: decoding the transaction, reading the chain and "
                                             "simulating it…")
        (runner.command(lambda: run_check(checker, make, fields)).with_owner(self)
         .on_success(lambda view: self._check_arrived(generation, view))
         .on_failure(lambda exc: self._check_failed(generation, exc)).quietly().run())

    def _check_arrived(self, generation: int, view: CheckView) -> None:
        if generation != self._check_generation:
            return
        self._set_checking(False)
        self.check_panel.result.show_result(view)
        emit(self.sig_check_shown, view.decision)
        self.load_decisions()

    def _check_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._check_generation:
            return
        self._set_checking(False)
        self.check_panel.result.show_message("The transaction was not checked.")
        self.check_panel.form.error.show_error(f"Not checked: {one_line(exc)}")
        if not isinstance(exc, WalletError) and self._runner is not None:
            self._runner.present(exc, self)

    def _set_checking(self, checking: bool) -> None:
        self._checking = checking
        form = self.check_panel.form
        form.busy_bar.setVisible(checking)
        self._update_buttons()

    # -- recent decisions -----------------------------------------------------------------------------------
    def load_decisions(self) -> None:
        checker, runner = self._checker, self._runner
        if not self._built or checker is None or runner is None or runner.is_shut_down:
            return
        names = self.names()
        self.decisions_panel.busy_bar.show()

        def read() -> list[DecisionRow]:
            from ui.models.policy_checks import prepare_decisions

            return prepare_decisions(list(checker.recent_decisions(RECENT_LIMIT)), names)

        (runner.query(read).with_key((id(self), "decisions")).with_owner(self)
         .on_success(self._decisions_arrived).on_failure(self._decisions_failed).quietly().run())

    def _decisions_arrived(self, rows: list[DecisionRow]) -> None:
        self.decisions_panel.busy_bar.hide()
        self.decisions_panel.show_decisions(rows)
        emit(self.sig_decisions_shown, len(rows))

    def _decisions_failed(self, exc: BaseException) -> None:
        self.decisions_panel.busy_bar.hide()
        self.decisions_panel.status.setText(f"The recent decisions could not be read: {one_line(exc)}")

    # -- keys -----------------------------------------------------------------------------------------------
    def _load_key_list(self) -> None:
        load, runner = self._load_keys, self._runner
        if load is None or runner is None or runner.is_shut_down:
            return
        (runner.query(lambda: list(load())).with_key((id(self), "keys")).with_owner(self)
         .on_success(self._keys_arrived).on_failure(lambda _exc: None).quietly().run())

    def _keys_arrived(self, keys: list[KeyView]) -> None:
        self._key_labels = {k.address: k.label for k in keys}
        if self._built:
            self.check_panel.form.set_proposers([(k.address, k.label) for k in keys])

    # -- proposing, approving, rejecting --------------------------------------------------------------------
    def approve_selected(self) -> None:
        self._vote(reject=False)

    def reject_selected(self) -> None:
        self._vote(reject=True)

    def _vote(self, *, reject: bool) -> None:
        draft = self.drafts_panel.selected_draft() if self._built else None
        if draft is None or not (draft.is_open if reject else draft.can_approve):
            return
        policy, runner = self._policy, self._runner
        if policy is None or runner is None or self._dialog is not None:
            return
        from ui.dialogs.policy_dialogs import PolicyVoteDialog

        self._with_signing_keys(lambda keys: PolicyVoteDialog(runner=runner, policy=policy, draft=draft, keys=keys,
                                                              reject=reject, parent=self),
                                "rejected" if reject else "approved")

    def propose_change(self) -> None:
        """Choose a policy file, read it (parallel lane), then ask for a key and its password."""
        policy, runner = self._policy, self._runner
        if policy is None or runner is None or runner.is_shut_down or self._dialog is not None:
            return
        chosen = self.ask_file(self)
        if not chosen:
            return
        from ui.dialogs.policy_dialogs import ProposePolicyDialog, read_policy_file

        path = Path(chosen)
        self.drafts_panel.error.clear_error()
        (runner.query(lambda: read_policy_file(path)).with_owner(self)
         .on_success(lambda text: self._with_signing_keys(
             lambda keys: ProposePolicyDialog(runner=runner, policy=policy, path=str(path), text=text, keys=keys,
                                              parent=self), "proposed"))
         .on_failure(lambda exc: self.drafts_panel.error.show_error(f"Not proposed: {one_line(exc)}"))
         .quietly().run())

    def _with_signing_keys(self, make: Callable[[list[KeyView]], CommandDialog], verb: str) -> None:
        load, runner = self._load_keys, self._runner
        if load is None or runner is None or runner.is_shut_down:
            self.drafts_panel.error.show_error("The profile's keys are not available here.")
            return

        def signing_keys() -> list[KeyView]:
            return [k for k in load() if can_unlock(k)]

        def open_dialog(keys: list[KeyView]) -> None:
            if not keys:
                self.drafts_panel.error.show_error("This profile has no key that can sign: add or import one on the "
                                                   "Keys page.")
                return
            if self._dialog is not None:
                return
            dialog = make(keys)
            self._dialog = dialog
            dialog.sig_succeeded.connect(lambda draft: self._voted(draft, verb))
            dialog.finished.connect(self._dialog_finished)
            dialog.open()
            emit(self.sig_dialog_opened, dialog)

        (runner.query(signing_keys).with_owner(self).on_success(open_dialog)
         .on_failure(lambda exc: self.drafts_panel.error.show_error(one_line(exc))).quietly().run())

    def _voted(self, result: object, verb: str) -> None:
        from ui.models.policy_rows import outcome_text

        line = outcome_text(cast("PolicyDraft", result), verb)  # propose, approve and reject return a PolicyDraft
        self.drafts_panel.status.setText(line)
        self.drafts_panel.error.clear_error()
        emit(self.sig_policy_changed, line)
        self._load_state()

    def _dialog_finished(self, _result: int) -> None:
        self._dialog = None
        self._update_buttons()

    # -- state of the controls ------------------------------------------------------------------------------
    def _set_busy(self) -> None:
        if self._built:
            self.busy_bar.setVisible(self._state_busy)

    def _update_buttons(self) -> None:
        if not self._built:
            return
        attached = self._ready()
        draft = self.drafts_panel.selected_draft()
        self.refresh_button.setEnabled(attached)
        self.drafts_panel.propose_button.setEnabled(attached and self._load_keys is not None)
        self.drafts_panel.approve_button.setEnabled(attached and draft is not None and draft.can_approve)
        self.drafts_panel.reject_button.setEnabled(attached and draft is not None and draft.is_open)
        form = self.check_panel.form
        form.check_button.setEnabled(self._checker is not None and not self._checking and form.vault.count() > 0)
        self.decisions_panel.refresh_button.setEnabled(self._checker is not None)
