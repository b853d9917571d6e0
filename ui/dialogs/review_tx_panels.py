"""The sections of the review dialog, as views only: the transaction field by field (data wrapped and selectable, a
loud warning for DELEGATECALL), the three hashes in groups of four with Copy buttons, the policy's decision with its
reasons and the simulation, and the signatures with whether each counts and why not. Everything from outside is
plain text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextOption
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHeaderView, QVBoxLayout, QWidget

from ui.fonts import fixed_font
from ui.models.policy_checks import CheckView
from ui.models.policy_models import VerdictsTableModel
from ui.models.queue_model import SignatureColumn, SignaturesTableModel
from ui.models.queue_review import DELEGATECALL_WARNING, ReviewView
from ui.tones import DECISION_TONES
from ui.widgets.hash_view import HashView
from ui.widgets.plain_label import PlainLabel
from ui.widgets.policy_active import read_only_text
from ui.widgets.policy_check import build_verdicts_table
from ui.widgets.table_layout import build_read_only_table
from ui.widgets.tone_label import ToneLabel

FIELD_TIPS = {
    "to": "The address the vault calls (for a token transfer: the token contract; the recipient is in data)",
    "value": "Native coin the vault sends with the call, in wei",
    "operation": "0 CALL; 1 DELEGATECALL runs the target's code as the vault itself",
    "safeTxGas": "Gas reserved for the call (0: all available)",
    "baseGas": "Gas paid for besides the call, when a refund is paid",
    "gasPrice": "The refund's gas price (0: no refund)",
    "gasToken": "The token the refund is paid in (zero address: the native coin)",
    "refundReceiver": "Who receives the refund (zero address: whoever executes it)",
    "nonce": "The vault nonce this transaction uses; only one transaction can ever use it",
}


def _wrapped(label: PlainLabel) -> PlainLabel:
    label.setWordWrap(True)
    return label


class FieldsPanel(QGroupBox):
    """The SafeTx as it will be signed, every raw field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("The transaction, field by field", parent)
        self.setObjectName("reviewFields")
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.vault = _wrapped(PlainLabel(selectable=True))
        self.vault.setObjectName("reviewVault")
        self.form.addRow(PlainLabel("Vault:"), self.vault)
        self.values: dict[str, ToneLabel] = {}
        for name in ("to", "value", "operation"):
            self._add(name)
        self.delegatecall = ToneLabel(DELEGATECALL_WARNING, scale=1.2, bold=True, selectable=True)
        self.delegatecall.setObjectName("reviewDelegatecall")
        self.delegatecall.setWordWrap(True)
        self.delegatecall.set_tone("bad")
        self.delegatecall.hide()
        self.form.addRow(self.delegatecall)
        self.data = read_only_text("reviewData", fixed=True, wrap=True)
        self.data.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        self.data.setFixedHeight(self.fontMetrics().height() * 4 + 14)
        self.data.setToolTip("The call data, whole; select and copy it to decode it elsewhere")
        self.data_size = PlainLabel(selectable=True)
        self.data_size.setObjectName("reviewDataSize")
        data_box = QWidget()
        data_layout = QVBoxLayout(data_box)
        data_layout.setContentsMargins(0, 0, 0, 0)
        data_layout.setSpacing(2)
        data_layout.addWidget(self.data)
        data_layout.addWidget(self.data_size)
        self.form.addRow(PlainLabel("data:"), data_box)
        for name in ("safeTxGas", "baseGas", "gasPrice", "gasToken", "refundReceiver", "nonce"):
            self._add(name)

    def _add(self, name: str) -> None:
        value = ToneLabel(selectable=True)
        value.setObjectName(f"reviewField_{name}")
        value.setFont(fixed_font())
        value.setWordWrap(True)
        label = PlainLabel(f"{name}:")
        label.setToolTip(FIELD_TIPS.get(name, ""))
        self.values[name] = value
        self.form.addRow(label, value)

    def show_view(self, view: ReviewView) -> None:
        self.vault.setText(view.vault_text)
        for field in view.fields:
            label = self.values[field.name]
            label.setText(field.text)
            label.setToolTip(field.tip)
            label.set_tone(field.tone)
            font = fixed_font()
            font.setBold(field.tone == "bad")
            label.setFont(font)
        self.delegatecall.setVisible(view.delegatecall)
        self.data.setPlainText(view.data_hex if view.data_hex != "0x" else "0x (empty)")
        self.data_size.setText(view.data_size)


class HashesPanel(QGroupBox):
    """Domain hash, message hash and safeTxHash in groups of four, for comparing with the other signers and with a
    hardware wallet's screen (out of band)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Hashes to compare out of band", parent)
        self.setObjectName("reviewHashes")
        form = QFormLayout(self)
        self.domain_hash = HashView(per_line=8)
        self.domain_hash.setObjectName("reviewDomainHash")
        self.message_hash = HashView(per_line=8)
        self.message_hash.setObjectName("reviewMessageHash")
        self.safe_tx_hash = HashView(per_line=8)
        self.safe_tx_hash.setObjectName("reviewSafeTxHash")
        bold = QFont(fixed_font())
        bold.setBold(True)
        self.safe_tx_hash.label.setFont(bold)
        form.addRow(PlainLabel("Domain hash:"), self.domain_hash)
        form.addRow(PlainLabel("Message hash:"), self.message_hash)
        form.addRow(PlainLabel("safeTxHash:"), self.safe_tx_hash)

    def show_view(self, view: ReviewView) -> None:
        self.domain_hash.set_value(view.domain_hash)
        self.message_hash.set_value(view.message_hash)
        self.safe_tx_hash.set_value(view.safe_tx_hash)


class DecisionPanel(QGroupBox):
    """The policy's decision on this transaction now, with the would-be approvers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("The policy's decision now", parent)
        self.setObjectName("reviewDecision")
        self.approvers = _wrapped(PlainLabel(selectable=True))
        self.approvers.setObjectName("reviewApprovers")
        self.headline = ToneLabel(scale=1.4, bold=True, selectable=True)
        self.headline.setObjectName("reviewDecisionHeadline")
        self.headline.setWordWrap(True)
        self.detail = ToneLabel(selectable=True)
        self.detail.setObjectName("reviewDecisionDetail")
        self.detail.setWordWrap(True)
        self.simulation = _wrapped(PlainLabel(selectable=True))
        self.simulation.setObjectName("reviewSimulation")
        self.policy = _wrapped(PlainLabel(selectable=True))
        self.policy.setObjectName("reviewPolicy")
        self.model = VerdictsTableModel(self)
        self.table = build_verdicts_table(self.model, "reviewVerdicts")
        self.table.setMinimumHeight(self.fontMetrics().height() * 9)
        layout = QVBoxLayout(self)
        layout.addWidget(self.approvers)
        layout.addWidget(self.headline)
        layout.addWidget(self.detail)
        sim = QFormLayout()
        sim.setContentsMargins(0, 0, 0, 0)
        sim.addRow(PlainLabel("Simulation:"), self.simulation)
        layout.addLayout(sim)
        layout.addWidget(self.policy)
        layout.addWidget(self.table)
        self.show_message("The policy's decision is read after the transaction.")

    def show_message(self, text: str, approvers: str = "") -> None:
        self.approvers.setText(approvers)
        self.approvers.setVisible(bool(approvers))
        self.headline.set_tone("muted")
        self.headline.setText(text)
        self.detail.hide()
        self.simulation.setText("—")
        self.policy.hide()
        self.table.hide()

    def show_check(self, view: CheckView, approvers: str) -> None:
        tone = DECISION_TONES.get(view.decision, "plain")
        self.approvers.setText(approvers)
        self.approvers.setVisible(bool(approvers))
        self.headline.set_tone(tone)
        self.headline.setText(view.headline)
        self.detail.set_tone(tone)
        self.detail.setText(view.detail)
        self.detail.show()
        self.simulation.setText(view.simulation)
        self.policy.setText(view.policy)
        self.policy.show()
        self.model.set_rows(view.verdicts)
        self.table.show()


class SignaturesPanel(QGroupBox):
    """k valid signatures of threshold n, and every stored row: whom it recovers to, whether it counts, why not."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Signatures", parent)
        self.setObjectName("reviewSignatures")
        self.summary = ToneLabel(scale=1.2, bold=True, selectable=True)
        self.summary.setObjectName("reviewSignatureSummary")
        self.summary.setWordWrap(True)
        self.waiting = _wrapped(PlainLabel(selectable=True))
        self.waiting.setObjectName("reviewWaiting")
        self.model = SignaturesTableModel(self)
        self.table = build_read_only_table(self.model, "reviewSignatureRows", elide=Qt.TextElideMode.ElideNone)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        for column in (SignatureColumn.SIGNER, SignatureColumn.KIND, SignatureColumn.COUNTS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.none = PlainLabel("No signature is stored for it yet.")
        self.none.setObjectName("reviewNoSignatures")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.waiting)
        layout.addWidget(self.table)
        layout.addWidget(self.none)

    def show_view(self, view: ReviewView) -> None:
        self.summary.setText(view.signatures_summary)
        met = view.state_text.startswith("Ready") or "threshold is met" in view.waiting_for
        self.summary.set_tone("good" if met else "plain")
        self.waiting.setText(f"Waiting for: {view.waiting_for}")
        self.model.set_rows(view.signatures)
        self.table.setVisible(bool(view.signatures))
        self.none.setVisible(not view.signatures)
        self.table.resizeRowsToContents()
        shown = range(min(len(view.signatures), 6))
        rows = sum(self.table.rowHeight(row) for row in shown) or self.fontMetrics().height() + 8
        self.table.setFixedHeight(rows + self.table.horizontalHeader().sizeHint().height()
                                  + 2 * self.table.frameWidth())
