"""The propose dialog's Travel Rule step: when proposing was refused for want of the Travel Rule information
(`TravelRuleMissing`, code "travel_rule"), the Travel Rule dialog (ui/dialogs/travel_rule_dialog.py) asks for it, and
its payload is proposed with the same request on the SERIAL lane (`QueueService.propose(..., travel_rule=payload)`),
the core checking it again and binding it to the safeTxHash.

While it proposes both dialogs say they are busy. Queued (or denied by the policy), the Travel Rule dialog closes and
the propose dialog shows the outcome as for any proposal. Refused again (a field the core does not accept, a wrong
password), the Travel Rule dialog says why and keeps everything. Cancelled, nothing is queued and what was chosen and
typed is kept for the next attempt of this dialog (the record choices only while the recipients stay the same)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog

from ui.dialogs.propose_tx_work import Outcome, run_propose
from ui.errors import one_line
from ui.signals import emit
from wallet_app.errors import UserCancelled, WalletError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from ui.dialogs.travel_rule_dialog import TravelRuleDialog
    from ui.queue_sources import QueueServiceLike, QueueSources
    from ui.tasks import TaskRunner

TRAVEL_RULE_CODE = "travel_rule"  # TravelRuleMissing.code (wallet_app.compliance.travel_rule)


def needs_travel_rule(exc: BaseException, sources: QueueSources) -> bool:
    """Whether `exc` refused a proposal for want of Travel Rule information the dialog can give."""
    return getattr(exc, "code", None) == TRAVEL_RULE_CODE and sources.load_counterparties is not None


class TravelRuleStep(QObject):
    sig_opened = Signal(object)
    """The Travel Rule dialog was opened, window-modal over the propose dialog; carries it."""

    def __init__(self, parent: QWidget, *, runner: TaskRunner, queue: QueueServiceLike, sources: QueueSources,
                 busy: Callable[[bool], None], proposed: Callable[[Outcome], None]) -> None:
        super().__init__(parent)
        self._parent = parent
        self._runner, self._queue, self._sources = runner, queue, sources
        self._busy, self._proposed = busy, proposed
        self._state: dict[str, Any] = {}  # what the last dialog held: kept when it was cancelled
        self.dialog: TravelRuleDialog | None = None

    def open(self, *, reason: str, request: Any, key: str, proposer: str, vault: str, vault_name: str,
             beneficiaries: Sequence[str]) -> TravelRuleDialog | None:
        from ui.dialogs.travel_rule_dialog import TravelRuleDialog

        load = self._sources.load_counterparties
        if self.dialog is not None or load is None:
            return None
        wanted = list(beneficiaries)
        state = self._state if self._state.get("for") == wanted else {"typed": self._state.get("typed", {})}
        dialog = TravelRuleDialog(runner=self._runner, load_counterparties=load, institution=self._sources.institution,
                                  vault=vault, vault_name=vault_name, beneficiaries=wanted, reason=reason,
                                  proposer=proposer, state=state, parent=self._parent)
        self.dialog = dialog
        dialog.sig_propose_requested.connect(lambda payload: self._propose(dialog, request, key, payload))
        dialog.finished.connect(lambda result: self._closed(dialog, wanted, result))
        dialog.open()
        emit(self.sig_opened, dialog)
        return dialog

    def _propose(self, dialog: TravelRuleDialog, request: Any, key: str, payload: dict[str, Any]) -> None:
        password = dialog.password.text()
        dialog.password.wipe()  # it lives only in the command's closure; a retry asks for it again
        dialog.set_busy(True)
        self._busy(True)
        queue = self._queue
        (self._runner.command(lambda: run_propose(queue, request, key, password, payload)).with_owner(self)
         .on_success(lambda outcome: self._done(dialog, outcome))
         .on_failure(lambda exc: self._failed(dialog, exc)).quietly().run())

    def _done(self, dialog: TravelRuleDialog, outcome: Outcome) -> None:
        dialog.set_busy(False)
        self._state = {}
        dialog.accept()
        self._proposed(outcome)

    def _failed(self, dialog: TravelRuleDialog, exc: BaseException) -> None:
        self._busy(False)
        if isinstance(exc, UserCancelled):
            dialog.set_busy(False)
            return
        dialog.show_refusal(f"Not proposed: {one_line(exc)}")
        if not isinstance(exc, WalletError):
            self._runner.present(exc, dialog)

    def _closed(self, dialog: TravelRuleDialog, beneficiaries: list[str], result: int) -> None:
        if result != QDialog.DialogCode.Accepted.value:
            self._state = {**dialog.state(), "for": beneficiaries}
        self.dialog = None
