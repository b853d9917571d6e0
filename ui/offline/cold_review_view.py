"""The review of a cold vault's transfer as this signer worked it out (ui/offline/cold_work.prepare_cold): the vault
and its share set, chain, nonce, what moves to whom, the value and the most it may cost in fees, the approvals
verified here with the approvers' names, the policy, the decision here and the online desktop's, and every rule's
verdict with where it was decided. All plain text."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QGroupBox, QHeaderView, QSizePolicy, QVBoxLayout, QWidget

from ui.offline.cold_work import ShownCold
from ui.offline.verdicts_model import ReviewVerdictColumn, ReviewVerdictsModel
from ui.tones import DECISION_TONES
from ui.widgets.plain_label import PlainLabel
from ui.widgets.policy_active import read_only_text
from ui.widgets.table_layout import build_read_only_table
from ui.widgets.tone_label import ToneLabel

FIELDS = (("vault", "Cold vault:"), ("shares_text", "Shares:"), ("chain", "Chain id:"), ("nonce", "Nonce:"),
          ("to", "To:"), ("value", "Value:"), ("fee_cap", "Fee cap:"), ("data", "Data:"),
          ("approvals", "Approvals:"), ("policy", "Policy:"), ("request_id", "Request id:"))


class ColdReviewView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("coldReview")
        self.values: dict[str, PlainLabel] = {}
        facts = QGroupBox("Cold vault transfer, as this signer reads it")
        form = QFormLayout(facts)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name, title in FIELDS:
            label = PlainLabel(selectable=True)
            label.setObjectName(f"coldReview_{name}")
            label.setWordWrap(True)
            form.addRow(PlainLabel(title), label)
            self.values[name] = label
        self.transfer = read_only_text("coldReviewTransfer")
        self.transfer.setFixedHeight(self.transfer.fontMetrics().lineSpacing() * 4 + 16)
        transfer_box = QGroupBox("Transfer, decoded on this signer")
        QVBoxLayout(transfer_box).addWidget(self.transfer)

        self.decision = ToneLabel(scale=1.3, bold=True, selectable=True)
        self.decision.setObjectName("coldReviewDecision")
        self.decision.setWordWrap(True)
        self.online = PlainLabel(selectable=True)
        self.online.setObjectName("coldReviewOnline")
        self.online.setWordWrap(True)
        self.verdicts_model = ReviewVerdictsModel(self)
        self.verdicts = build_read_only_table(self.verdicts_model, "coldReviewVerdicts")
        header = self.verdicts.horizontalHeader()
        for column in (ReviewVerdictColumn.VERDICT, ReviewVerdictColumn.RULE, ReviewVerdictColumn.WHERE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ReviewVerdictColumn.REASON, QHeaderView.ResizeMode.Stretch)
        self.verdicts.verticalHeader().setDefaultSectionSize(self.verdicts.fontMetrics().height() + 10)
        self.verdicts.setMinimumHeight(140)
        self.verdicts.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        decision_box = QGroupBox("Decision of the policy imported here")
        decision_form = QFormLayout()
        decision_form.addRow(PlainLabel("Here:"), self.decision)
        decision_form.addRow(PlainLabel("Online desktop:"), self.online)
        decision_layout = QVBoxLayout(decision_box)
        decision_layout.addLayout(decision_form)
        decision_layout.addWidget(self.verdicts, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(facts)
        layout.addWidget(transfer_box)
        layout.addWidget(decision_box, 1)

    def show_review(self, shown: ShownCold) -> None:
        for name, label in self.values.items():
            label.setText(str(getattr(shown, name)))
        self.transfer.setPlainText(shown.transfer)
        self.decision.setText(shown.decision_text)
        refused = bool(shown.refusals) and shown.decision != "deny"
        self.decision.set_tone("warn" if refused else DECISION_TONES.get(shown.decision, "plain"))
        self.online.setText(shown.online)
        self.verdicts_model.set_rows(shown.verdicts)

    def clear(self) -> None:
        for label in (*self.values.values(), self.decision, self.online):
            label.clear()
        self.transfer.clear()
        self.verdicts_model.set_rows([])
