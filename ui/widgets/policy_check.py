"""Check a transaction against the policy: the form (vault, to, value, data, operation, nonce, proposer, and the gas
and refund fields under Advanced) and the result (the decoded intent, the decision big and coloured, the Safe hashes
in groups of four, the simulation, and every rule's verdict). A view only: the page runs the check."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.fonts import fixed_font
from ui.models.policy_checks import CheckView
from ui.models.policy_form import ZERO_ADDRESS
from ui.models.policy_models import VerdictColumn, VerdictsTableModel
from ui.plain_text import reveal_invisible
from ui.tones import DECISION_TONES
from ui.widgets.error_line import ErrorLine
from ui.widgets.hash_view import HashView
from ui.widgets.plain_label import PlainLabel
from ui.widgets.policy_active import read_only_text
from ui.widgets.table_layout import build_read_only_table
from ui.widgets.tone_label import ToneLabel

NO_RESULT_TEXT = "Fill in the transaction and press Check: the policy's decision and every rule's verdict show here."


def _line(name: str, placeholder: str, *, fixed: bool = True) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    edit.setClearButtonEnabled(True)
    if fixed:
        edit.setFont(fixed_font())
    return edit


def build_verdicts_table(model: VerdictsTableModel, name: str) -> QWidget:
    """The reasons are what a person reads: they wrap rather than being cut (a decision has a few dozen rows)."""
    table = build_read_only_table(model, name, elide=Qt.TextElideMode.ElideNone)
    table.setWordWrap(True)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header = table.horizontalHeader()
    for column in (VerdictColumn.STEP, VerdictColumn.RULE, VerdictColumn.VERDICT):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    return table


class CheckForm(QWidget):
    """The fields; `texts()` gives what was typed, by the keys `parse_check_form` reads."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checkForm")
        self.vault = QComboBox()
        self.vault.setObjectName("checkVault")
        self.vault.setToolTip("The vault that would send the transaction")
        self.to = _line("checkTo", "0x… the address called or paid")
        self.value = _line("checkValue", "0 (native coin, in wei)")
        self.value.setToolTip("Native coin sent along, in wei (base units): 1 ETH is 1000000000000000000")
        self.data = QPlainTextEdit()
        self.data.setObjectName("checkData")
        self.data.setPlaceholderText("0x… call data in hex (empty for a plain payment)")
        self.data.setFont(fixed_font())
        self.data.setTabChangesFocus(True)
        self.data.setFixedHeight(self.fontMetrics().height() * 5)
        self.operation = QComboBox()
        self.operation.setObjectName("checkOperation")
        self.operation.addItem("Call", "0")
        self.operation.addItem("DelegateCall (runs the target's code as the vault)", "1")
        self.nonce = _line("checkNonce", "blank: the vault's next nonce")
        self.proposer = QComboBox()
        self.proposer.setObjectName("checkProposer")
        self.proposer.setToolTip("Who proposes it: the proposer's own approval never counts")
        self.proposer.addItem("None (not known yet)", "")
        self.advanced_button = QToolButton()
        self.advanced_button.setObjectName("checkAdvancedToggle")
        self.advanced_button.setText("Advanced: gas and refund fields")
        self.advanced_button.setCheckable(True)
        self.advanced_button.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_button.toggled.connect(self._toggle_advanced)
        self.safe_tx_gas = _line("checkSafeTxGas", "0")
        self.base_gas = _line("checkBaseGas", "0")
        self.gas_price = _line("checkGasPrice", "0 (wei)")
        self.gas_token = _line("checkGasToken", ZERO_ADDRESS)
        self.refund_receiver = _line("checkRefundReceiver", ZERO_ADDRESS)
        self.advanced = QWidget()
        advanced = QFormLayout(self.advanced)
        advanced.setContentsMargins(0, 0, 0, 0)
        for title, field in (("safeTxGas:", self.safe_tx_gas), ("baseGas:", self.base_gas),
                             ("gasPrice:", self.gas_price), ("gasToken:", self.gas_token),
                             ("refundReceiver:", self.refund_receiver)):
            advanced.addRow(PlainLabel(title), field)
        self.advanced.setVisible(False)

        self.error = ErrorLine()
        self.error.setObjectName("checkError")
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("checkBusy")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(self.fontMetrics().height())
        self.busy_bar.hide()
        self.check_button = QPushButton("Check")
        self.check_button.setObjectName("checkButton")
        self.check_button.setDefault(True)
        self.check_button.setToolTip("Decode the transaction and ask the policy; the decision is recorded")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("checkClear")
        self.clear_button.clicked.connect(self.clear)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(PlainLabel("Vault:"), self.vault)
        form.addRow(PlainLabel("To:"), self.to)
        form.addRow(PlainLabel("Value (wei):"), self.value)
        form.addRow(PlainLabel("Data:"), self.data)
        form.addRow(PlainLabel("Operation:"), self.operation)
        form.addRow(PlainLabel("Nonce:"), self.nonce)
        form.addRow(PlainLabel("Proposer:"), self.proposer)
        buttons = QHBoxLayout()
        buttons.addWidget(self.busy_bar, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.check_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.advanced_button)
        layout.addWidget(self.advanced)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.fields: dict[str, QWidget] = {
            "safe": self.vault, "to": self.to, "value": self.value, "data": self.data, "operation": self.operation,
            "nonce": self.nonce, "proposer": self.proposer, "safe_tx_gas": self.safe_tx_gas,
            "base_gas": self.base_gas, "gas_price": self.gas_price, "gas_token": self.gas_token,
            "refund_receiver": self.refund_receiver,
        }

    def _toggle_advanced(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def texts(self) -> dict[str, str]:
        return {
            "safe": str(self.vault.currentData() or ""), "to": self.to.text(), "value": self.value.text(),
            "data": self.data.toPlainText(), "operation": str(self.operation.currentData() or "0"),
            "nonce": self.nonce.text(), "proposer": str(self.proposer.currentData() or ""),
            "safe_tx_gas": self.safe_tx_gas.text(), "base_gas": self.base_gas.text(),
            "gas_price": self.gas_price.text(), "gas_token": self.gas_token.text(),
            "refund_receiver": self.refund_receiver.text(),
        }

    def show_field_error(self, field: str, message: str) -> None:
        self.error.show_error(message)
        widget = self.fields.get(field)
        if widget is not None:
            if widget in (self.safe_tx_gas, self.base_gas, self.gas_price, self.gas_token, self.refund_receiver):
                self.advanced_button.setChecked(True)
            widget.setFocus()

    def clear(self) -> None:
        for edit in (self.to, self.value, self.nonce, self.safe_tx_gas, self.base_gas, self.gas_price,
                     self.gas_token, self.refund_receiver):
            edit.clear()
        self.data.clear()
        self.operation.setCurrentIndex(0)
        self.proposer.setCurrentIndex(0)
        self.error.clear_error()

    def set_vaults(self, vaults: Sequence[tuple[str, str]]) -> None:
        """(address, label) of each of the profile's vaults; the chosen one stays chosen."""
        self._fill(self.vault, [(a, f"{reveal_invisible(label, max_length=50)}  {a}" if label else a)
                                for a, label in vaults], keep_first=0)

    def set_proposers(self, keys: Sequence[tuple[str, str]]) -> None:
        """(address, label) of each of the profile's keys, after "None"."""
        self._fill(self.proposer, [(a, f"{reveal_invisible(label, max_length=50)}  {a}" if label else a)
                                   for a, label in keys], keep_first=1)

    @staticmethod
    def _fill(combo: QComboBox, items: list[tuple[str, str]], *, keep_first: int) -> None:
        current = [(combo.itemData(i), combo.itemText(i)) for i in range(keep_first, combo.count())]
        if current == [(a, t) for a, t in items]:
            return
        chosen = combo.currentData()
        combo.blockSignals(True)
        while combo.count() > keep_first:
            combo.removeItem(keep_first)
        for address, text in items:
            combo.addItem(text, address)
            combo.setItemData(combo.count() - 1, address, Qt.ItemDataRole.ToolTipRole)
        index = combo.findData(chosen) if chosen else -1
        combo.setCurrentIndex(index if index >= 0 else (0 if combo.count() else -1))
        combo.blockSignals(False)


class CheckResultView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checkResult")
        self.model = VerdictsTableModel(self)
        self.decision = ToneLabel(scale=1.8, bold=True, selectable=True)
        self.decision.setObjectName("checkDecision")
        self.decision.setWordWrap(True)
        self.detail = ToneLabel(selectable=True)
        self.detail.setObjectName("checkDecisionDetail")
        self.detail.setWordWrap(True)
        self.intent = read_only_text("checkIntent")
        self.intent.setFixedHeight(self.fontMetrics().height() * 4 + 12)
        self.safe_tx_hash = HashView(per_line=8)
        self.safe_tx_hash.setObjectName("checkSafeTxHash")
        self.domain_hash = HashView(per_line=8)
        self.domain_hash.setObjectName("checkDomainHash")
        self.message_hash = HashView(per_line=8)
        self.message_hash.setObjectName("checkMessageHash")
        self.simulation = PlainLabel(selectable=True)
        self.simulation.setObjectName("checkSimulation")
        self.simulation.setWordWrap(True)
        self.policy = PlainLabel(selectable=True)
        self.policy.setObjectName("checkPolicy")
        self.policy.setWordWrap(True)
        self.table = build_verdicts_table(self.model, "checkVerdicts")
        self.message = PlainLabel(NO_RESULT_TEXT)
        self.message.setObjectName("checkResultMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.body = QWidget()
        hashes = QFormLayout()
        hashes.setContentsMargins(0, 0, 0, 0)
        hashes.addRow(PlainLabel("safeTxHash:"), self.safe_tx_hash)
        hashes.addRow(PlainLabel("Domain hash:"), self.domain_hash)
        hashes.addRow(PlainLabel("Message hash:"), self.message_hash)
        hashes.addRow(PlainLabel("Simulation:"), self.simulation)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.decision)
        body.addWidget(self.detail)
        body.addWidget(PlainLabel("What it does, decoded from its bytes:"))
        body.addWidget(self.intent)
        body.addLayout(hashes)
        body.addWidget(self.policy)
        body.addWidget(self.table, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.body, 1)
        self.body.hide()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        self.body.hide()

    def show_result(self, view: CheckView) -> None:
        self.message.hide()
        self.body.show()
        tone = DECISION_TONES.get(view.decision, "plain")
        self.decision.set_tone(tone)
        self.decision.setText(view.headline)
        self.detail.set_tone(tone)
        self.detail.setText(view.detail)
        self.intent.setPlainText(view.intent)
        self.safe_tx_hash.set_value(view.safe_tx_hash)
        self.domain_hash.set_value(view.domain_hash)
        self.message_hash.set_value(view.message_hash)
        self.simulation.setText(view.simulation)
        self.policy.setText(view.policy)
        self.model.set_rows(view.verdicts)


class CheckPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policyCheckPanel")
        self.form = CheckForm()
        self.result = CheckResultView()
        scroll = QScrollArea()
        scroll.setMinimumWidth(440)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        left = QGroupBox("The transaction")
        QVBoxLayout(left).addWidget(scroll)
        right = QGroupBox("The policy's decision")
        QVBoxLayout(right).addWidget(self.result)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([470, 730])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
