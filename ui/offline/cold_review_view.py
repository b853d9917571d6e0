"""The review of a cold vault's transfer as this signer worked it out (ui/offline/cold_work.prepare_cold): the vault
and its share set, chain, nonce, what moves to whom, the value and the most it may cost in fees, the approvals
verified here with the approvers' names, the policy, the decision here and the online desktop's, and every rule's
verdict with where it was decided. All plain text."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QGroupBox, QVBoxLayout, QWidget

from ui.offline.cold_work import ShownCold
from ui.offline.decision_box import DecisionBox
from ui.widgets.plain_label import PlainLabel
from ui.widgets.policy_active import read_only_text

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

        self.decision_box = decision_box = DecisionBox("coldReview", table_height=140)
        self.decision, self.online = decision_box.decision, decision_box.online
        self.decision.setWordWrap(True)
        self.verdicts_model, self.verdicts = decision_box.verdicts_model, decision_box.verdicts

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(facts)
        layout.addWidget(transfer_box)
        layout.addWidget(decision_box, 1)

    def show_review(self, shown: ShownCold) -> None:
        for name, label in self.values.items():
            label.setText(str(getattr(shown, name)))
        self.transfer.setPlainText(shown.transfer)
        self.decision_box.show_decision(shown)

    def clear(self) -> None:
        for label in self.values.values():
            label.clear()
        self.transfer.clear()
        self.decision_box.clear()
