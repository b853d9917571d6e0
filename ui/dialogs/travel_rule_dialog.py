"""The Travel Rule information of a transfer, asked for when proposing it was refused without it.

The core refused the proposal (`TravelRuleMissing`: the value is at or above the threshold, or cannot be priced, or
the stablecoin's issuer is licensed, and no counterparty record holds every beneficiary); the dialog says why in the
core's words. The officer chooses the originator (preselected: the institution's own record) and the beneficiary
(preselected: the record holding the recipient's address), or types the IVMS 101 fields of a beneficiary that has no
record. The resulting payload is checked as the core will check it and shown field by field for review; a field
that does not hold is named inline. Sign and propose hands the payload to the propose dialog, which proposes again
with it (the proposer key's password is asked here: the first attempt wiped it); Cancel closes without queueing
anything, and the propose dialog keeps what was chosen and typed for the next attempt.

The records are read on the PARALLEL lane when the dialog opens; proposing runs on the SERIAL lane in the propose
dialog while this one says it is busy."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.secrets_dialog import SecretsDialog
from ui.errors import one_line
from ui.fonts import fixed_font
from ui.models.tokens_model import plain_tooltip
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.person_form import PersonFields
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import SecretField
from ui.widgets.tone_label import ToneLabel
from wallet_app.errors import WalletError

TYPED = "\x00typed"  # the beneficiary choice "type its details"


class TravelRuleDialog(SecretsDialog):
    sig_loaded = Signal()
    """The counterparty records are on screen (and the preselection made)."""
    sig_propose_requested = Signal(object)
    """Sign and propose was pressed with a payload that holds; carries it (the propose dialog proposes with it)."""

    def __init__(self, *, runner: TaskRunner, load_counterparties: Callable[[], Sequence[Any]], institution: str,
                 vault: str, vault_name: str, beneficiaries: Sequence[str], reason: str, proposer: str,
                 state: Mapping[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("travelRuleDialog")
        self.setWindowTitle("Travel Rule information")
        self.setMinimumSize(980, 640)
        self.resize(1180, 760)
        self._runner = runner
        self._institution, self._vault, self._beneficiaries = institution, vault, tuple(beneficiaries)
        self._state = dict(state or {})
        self._parties: dict[str, Any] = {}
        self._payload: dict[str, Any] | None = None
        self._loaded = False
        self._load_problem = ""  # why the records could not be read
        self._busy = False

        heading = ToneLabel("Travel Rule information is needed to propose this transfer", bold=True)
        heading.set_tone("warn")
        self.reason = PlainLabel(reveal_invisible(reason, max_length=1200), selectable=True)
        self.reason.setObjectName("travelRuleReason")
        self.reason.setWordWrap(True)
        self.originator = QComboBox()
        self.originator.setObjectName("travelRuleOriginator")
        self.beneficiary = QComboBox()
        self.beneficiary.setObjectName("travelRuleBeneficiary")
        self.person = PersonFields("travelRuleBeneficiary")
        self.person.setVisible(False)
        self.record_note = PlainLabel("The record's IVMS 101 fields are in the review. A beneficiary without a "
                                      "record: choose “Not in the records” and type its fields.")
        self.record_note.setWordWrap(True)
        self.record_note.setEnabled(False)  # a hint, in the palette's muted text
        accounts = PlainLabel("\n".join(self._beneficiaries), selectable=True)
        accounts.setFont(fixed_font())
        sender = PlainLabel(f"{reveal_invisible(vault_name, max_length=60)}\n{vault}" if vault_name else vault,
                            selectable=True)
        sender.setFont(fixed_font())
        origin_box = QGroupBox("Originator: who sends")
        origin_form = QFormLayout(origin_box)
        origin_form.addRow(PlainLabel("Record:"), self.originator)
        origin_form.addRow(PlainLabel("Account:"), sender)
        benef_box = QGroupBox("Beneficiary: who receives")
        benef_layout = QVBoxLayout(benef_box)
        benef_form = QFormLayout()
        benef_form.addRow(PlainLabel("Record:"), self.beneficiary)
        benef_form.addRow(PlainLabel("Account:"), accounts)
        benef_layout.addLayout(benef_form)
        benef_layout.addWidget(self.person)
        benef_layout.addWidget(self.record_note)
        benef_layout.addStretch(1)

        self.review = QTreeWidget()
        self.review.setObjectName("travelRuleReview")
        self.review.setColumnCount(2)
        self.review.setHeaderLabels(["IVMS 101 field", "Value"])
        self.review.setRootIsDecorated(False)
        self.review.setUniformRowHeights(True)
        self.review.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.review.header().setStretchLastSection(True)
        review_box = QGroupBox("What the proposal will carry, for review")
        review_layout = QVBoxLayout(review_box)
        review_layout.addWidget(self.review)

        self.error = ErrorLine()
        self.error.setObjectName("travelRuleError")
        self.password = SecretField("The proposer key's password")
        self.password.setObjectName("travelRulePassword")
        self.password.textChanged.connect(lambda _t: self._update())
        self.password.returnPressed.connect(self.submit)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(self.fontMetrics().height())
        self.busy_bar.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.submit_button = self.buttons.addButton("Sign and propose", QDialogButtonBox.ButtonRole.AcceptRole)
        self.submit_button.setObjectName("travelRuleSubmit")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        left = QVBoxLayout()
        left.addWidget(origin_box)
        left.addWidget(benef_box, 1)
        middle = QHBoxLayout()
        middle.addLayout(left, 4)
        middle.addWidget(review_box, 7)
        signing = QFormLayout()
        signing.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        signing.addRow(PlainLabel("Proposer:"), PlainLabel(reveal_invisible(proposer, max_length=120),
                                                           selectable=True))
        signing.addRow(PlainLabel("Password:"), self.password)
        bottom = QHBoxLayout()
        bottom.addWidget(self.busy_bar, 1)
        bottom.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.reason)
        layout.addLayout(middle, 1)
        layout.addWidget(self.error)
        layout.addLayout(signing)
        layout.addLayout(bottom)

        self.originator.currentIndexChanged.connect(lambda _i: self._changed())
        self.beneficiary.currentIndexChanged.connect(lambda _i: self._beneficiary_changed())
        self.person.sig_changed.connect(self._changed)
        self.originator.addItem("Reading the counterparty records…", None)
        self._update()
        (runner.query(lambda: list(load_counterparties())).with_owner(self).on_success(self._parties_arrived)
         .on_failure(self._parties_failed).quietly().run())

    # -- the records ------------------------------------------------------------------------------------------
    def _parties_arrived(self, parties: list[Any]) -> None:
        self._loaded = True
        self._parties = {p.name: p for p in parties}
        self.originator.blockSignals(True)
        self.beneficiary.blockSignals(True)
        self.originator.clear()
        self.originator.addItem("Choose the originator's record…", None)
        for party in parties:
            self.originator.addItem(self._party_text(party), party.name)
        self.beneficiary.addItem("Not in the records: type its details below", TYPED)
        for party in parties:
            self.beneficiary.addItem(self._party_text(party), party.name)
        holder = next((p.name for p in parties for a in p.addresses
                       if self._beneficiaries and a.address == self._beneficiaries[0]), None)
        chosen_originator = self._state.get("originator", self._institution)
        chosen_beneficiary = self._state.get("beneficiary", holder or TYPED)
        self.originator.setCurrentIndex(max(self.originator.findData(chosen_originator), 0))
        self.beneficiary.setCurrentIndex(max(self.beneficiary.findData(chosen_beneficiary), 0))
        if self._state.get("typed"):
            self.person.set_values(self._state["typed"])
        self.originator.blockSignals(False)
        self.beneficiary.blockSignals(False)
        self._beneficiary_changed()
        emit(self.sig_loaded)

    def _parties_failed(self, exc: BaseException) -> None:
        self._loaded = True
        self._load_problem = f"The counterparty records could not be read: {one_line(exc)}"
        self.originator.clear()
        self.originator.addItem("The records could not be read", None)
        self.beneficiary.addItem("Not in the records: type its details below", TYPED)
        self._beneficiary_changed()
        emit(self.sig_loaded)

    @staticmethod
    def _party_text(party: Any) -> str:
        return reveal_invisible(party.full_name, max_length=80)  # its identity is in the review

    # -- the payload ------------------------------------------------------------------------------------------
    def _beneficiary_changed(self) -> None:
        typed = self.beneficiary.currentData() == TYPED
        self.person.setVisible(typed)
        self.record_note.setVisible(not typed)
        self._changed()

    def state(self) -> dict[str, Any]:
        """What was chosen and typed, to open the dialog again with it."""
        out: dict[str, Any] = {"typed": self.person.values()}
        if self.originator.currentData() is not None:
            out["originator"] = self.originator.currentData()
        if self.beneficiary.currentData() is not None:
            out["beneficiary"] = self.beneficiary.currentData()
        return out

    @property
    def payload(self) -> dict[str, Any] | None:
        """The payload on screen, checked; None while something does not hold (said in the error line)."""
        return self._payload

    def _changed(self) -> None:
        from ui.models.travel_rule_form import checked_payload, typed_party

        self._payload = None
        problem = ""
        originator = self._parties.get(self.originator.currentData() or "")
        chosen = self.beneficiary.currentData()
        if not self._loaded or self._load_problem:
            problem = self._load_problem  # still reading, or nothing to choose from
        elif originator is None:
            problem = "Choose the originator's record (the institution sending from the vault)."
        elif chosen == TYPED and self.person.hosting_missing():
            problem = "Name the VASP that hosts the beneficiary's wallets, or choose unhosted."
        elif chosen == TYPED and not self.person.values()["name"].strip():
            problem = "Choose the beneficiary's record, or type its name and identity below."
        else:
            beneficiary = typed_party(self.person.values()) if chosen == TYPED else self._parties.get(chosen or "")
            try:
                self._payload = checked_payload(originator, beneficiary, vault=self._vault,
                                                beneficiaries=self._beneficiaries,
                                                today=datetime.now(UTC).date())
            except WalletError as exc:
                problem = f"The Travel Rule information does not hold: {exc.user_message}"
        self._show_review()
        if problem:
            self.error.show_error(problem)
        elif not self._busy:
            self.error.clear_error()
        self._update()

    def _show_review(self) -> None:
        from ui.models.travel_rule_form import review_sections

        self.review.clear()
        if self._payload is None:
            return
        bold = self.review.font()
        bold.setBold(True)
        for heading, rows in review_sections(self._payload):
            top = QTreeWidgetItem([heading, ""])
            top.setFirstColumnSpanned(True)
            top.setFont(0, bold)
            self.review.addTopLevelItem(top)
            for field, value in rows:
                item = QTreeWidgetItem([field, value])
                item.setToolTip(1, plain_tooltip(value))
                top.addChild(item)
            top.setExpanded(True)
            top.setFirstColumnSpanned(True)

    # -- proposing ----------------------------------------------------------------------------------------------
    def _update(self) -> None:
        ready = not self._busy and self._payload is not None and bool(self.password.text())
        self.submit_button.setEnabled(ready)
        self.submit_button.setToolTip("" if ready else "Choose the records (or type the beneficiary) and type the "
                                                       "password")
        self.cancel_button.setEnabled(not self._busy)
        for widget in (self.originator, self.beneficiary, self.person, self.password):
            widget.setEnabled(not self._busy)

    def submit(self) -> None:
        if self._busy or self._payload is None or not self.password.text():
            return
        self.error.clear_error()
        emit(self.sig_propose_requested, self._payload)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_bar.setVisible(busy)
        self._update()

    @property
    def busy(self) -> bool:
        return self._busy

    def show_refusal(self, text: str) -> None:
        """Proposing with the payload failed: say why, keep everything, ask for the password again."""
        self.set_busy(False)
        self.error.show_error(text)
        self.password.setFocus()

    def secret_fields(self) -> Sequence[SecretField]:
        return (self.password,)
