"""The parts of the propose dialog, as widgets that only show and read: a transfer (asset with what is available,
amount checked against it, recipient from the address book or typed with its verdict, token id for NFTs), the lines
of a batch, and an owner change (add, remove, swap an owner; change the threshold). The dialog wires them to the core.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.fonts import fixed_font
from ui.models.queue_propose import AssetOption, BookEntry, Verdict
from ui.signals import emit
from ui.widgets.plain_label import PlainLabel
from ui.widgets.tone_label import ToneLabel

PICK_TEXT = "Pick from the address book…"


def verdict_label(name: str) -> ToneLabel:
    label = ToneLabel(selectable=True)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.hide()
    return label


def show_verdict(label: ToneLabel, verdict: Verdict | None) -> None:
    if verdict is None or not verdict.text:
        label.hide()
        return
    label.set_tone(verdict.tone)
    font = label.font()
    font.setBold(verdict.tone == "bad")
    label.setFont(font)
    label.setText(verdict.text)
    label.show()


class AddressInput(QWidget):
    """A typed address (monospace) with a choice from the address book that fills it, and its verdict below."""

    sig_changed = Signal(str)
    """The address text changed (typed or picked); carries it."""

    def __init__(self, name: str, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.book = QComboBox()
        self.book.setObjectName(f"{name}Book")
        self.book.addItem(PICK_TEXT, None)
        self.book.activated.connect(self._picked)
        self.edit = QLineEdit()
        self.edit.setObjectName(name)
        self.edit.setFont(fixed_font())
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.edit.setMaxLength(120)
        self.edit.textChanged.connect(lambda text: emit(self.sig_changed, text))
        self.verdict = verdict_label(f"{name}Verdict")
        self._layout = layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.book)
        layout.addWidget(self.edit)
        layout.addWidget(self.verdict)

    def add_below(self, widget: QWidget) -> None:
        """Another line under the verdict (the recipient's cooling-off)."""
        self._layout.addWidget(widget)

    def set_book(self, entries: Sequence[BookEntry]) -> None:
        self.book.blockSignals(True)
        while self.book.count() > 1:
            self.book.removeItem(1)
        for entry in entries:
            self.book.addItem(entry.text, entry.address)
        self.book.setCurrentIndex(0)
        self.book.blockSignals(False)

    def _picked(self, index: int) -> None:
        address = self.book.itemData(index)
        if address:
            self.edit.setText(str(address))
        self.book.setCurrentIndex(0)

    def text(self) -> str:
        return self.edit.text()


class TransferForm(QGroupBox):
    """Asset, amount, recipient and (for NFTs) the token id."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Transfer", parent)
        self.setObjectName("proposeTransfer")
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.asset = QComboBox()
        self.asset.setObjectName("proposeAsset")
        self.asset_note = verdict_label("proposeAssetNote")
        asset_box = QWidget()
        asset_layout = QVBoxLayout(asset_box)
        asset_layout.setContentsMargins(0, 0, 0, 0)
        asset_layout.addWidget(self.asset)
        asset_layout.addWidget(self.asset_note)
        form.addRow(PlainLabel("Asset:"), asset_box)
        self.token_id = QLineEdit()
        self.token_id.setObjectName("proposeTokenId")
        self.token_id.setPlaceholderText("The id of the token to send")
        self.token_id_label = PlainLabel("Token id:")
        form.addRow(self.token_id_label, self.token_id)
        self.amount = QLineEdit()
        self.amount.setObjectName("proposeAmount")
        self.amount.setPlaceholderText("Decimal amount in the asset's units, such as 1250.50")
        self.max_button = QPushButton("All available")
        self.max_button.setObjectName("proposeMax")
        amount_row = QHBoxLayout()
        amount_row.setContentsMargins(0, 0, 0, 0)
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(self.max_button)
        self.amount_verdict = verdict_label("proposeAmountVerdict")
        amount_box = QWidget()
        amount_layout = QVBoxLayout(amount_box)
        amount_layout.setContentsMargins(0, 0, 0, 0)
        amount_layout.addLayout(amount_row)
        amount_layout.addWidget(self.amount_verdict)
        form.addRow(PlainLabel("Amount:"), amount_box)
        self.recipient = AddressInput("proposeRecipient", "0x… the recipient's address")
        self.cooling = verdict_label("proposeCoolingOff")  # when a contact's cooling-off lets the recipient open
        self.recipient.add_below(self.cooling)
        form.addRow(PlainLabel("Recipient:"), self.recipient)
        self.set_needs_token_id(False)

    def set_assets(self, options: Sequence[AssetOption]) -> None:
        chosen = self.asset.currentData()
        self.asset.blockSignals(True)
        self.asset.clear()
        for option in options:
            self.asset.addItem(option.text, option.key)
        index = self.asset.findData(chosen) if chosen else -1
        self.asset.setCurrentIndex(index if index >= 0 else 0)
        self.asset.blockSignals(False)

    def set_needs_token_id(self, needed: bool) -> None:
        self.token_id.setVisible(needed)
        self.token_id_label.setVisible(needed)


class BatchList(QGroupBox):
    """The transfers of a batch so far; the transfer above is added with "Add to batch"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Batch (one transaction through MultiSendCallOnly)", parent)
        self.setObjectName("proposeBatch")
        self.lines = QListWidget()
        self.lines.setObjectName("proposeBatchLines")
        self.lines.setMaximumHeight(self.fontMetrics().height() * 6 + 12)
        self.add_button = QPushButton("Add the transfer above")
        self.add_button.setObjectName("proposeBatchAdd")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("proposeBatchRemove")
        self.note = PlainLabel(selectable=True)
        self.note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.lines)
        layout.addLayout(buttons)
        layout.addWidget(self.note)


OWNER_CHANGES = (("add", "Add an owner"), ("remove", "Remove an owner"), ("swap", "Replace an owner"),
                 ("threshold", "Change the threshold"))


class OwnerChangeForm(QGroupBox):
    """A change of the vault's owners or threshold (a call of the vault to itself)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Owner change", parent)
        self.setObjectName("proposeOwnerChange")
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.kind = QComboBox()
        self.kind.setObjectName("proposeOwnerKind")
        for key, text in OWNER_CHANGES:
            self.kind.addItem(text, key)
        form.addRow(PlainLabel("Change:"), self.kind)
        self.owner = QComboBox()
        self.owner.setObjectName("proposeOwner")
        self.owner.setFont(fixed_font())
        self.owner_label = PlainLabel("Owner:")
        form.addRow(self.owner_label, self.owner)
        self.new_owner = AddressInput("proposeNewOwner", "0x… the new owner's address")
        self.new_owner_label = PlainLabel("New owner:")
        form.addRow(self.new_owner_label, self.new_owner)
        self.threshold = QSpinBox()
        self.threshold.setObjectName("proposeThreshold")
        self.threshold.setRange(1, 1)
        self.threshold_label = PlainLabel("Threshold after:")
        form.addRow(self.threshold_label, self.threshold)
        self.current = PlainLabel(selectable=True)
        self.current.setObjectName("proposeOwnersNow")
        self.current.setWordWrap(True)
        form.addRow(PlainLabel("Now:"), self.current)
        self.kind.currentIndexChanged.connect(lambda _i: self.update_rows(self._owner_count))
        self._owner_count = 1
        self.update_rows(1)

    def set_owners(self, owners: Sequence[tuple[str, str]], threshold: int) -> None:
        """(address, text) of the vault's owners, and its threshold now."""
        self.owner.clear()
        for address, text in owners:
            self.owner.addItem(text, address)
        self.current.setText(f"{threshold} of {len(owners)} owners")
        self.update_rows(len(owners))
        self.threshold.setValue(threshold)

    def update_rows(self, owners: int) -> None:
        self._owner_count = max(owners, 1)
        kind = self.kind.currentData()
        self.owner.setVisible(kind in ("remove", "swap"))
        self.owner_label.setVisible(kind in ("remove", "swap"))
        self.owner_label.setText("Owner to replace:" if kind == "swap" else "Owner to remove:")
        self.new_owner.setVisible(kind in ("add", "swap"))
        self.new_owner_label.setVisible(kind in ("add", "swap"))
        self.threshold.setVisible(kind != "swap")
        self.threshold_label.setVisible(kind != "swap")
        after = {"add": self._owner_count + 1, "remove": self._owner_count - 1}.get(str(kind), self._owner_count)
        self.threshold.setRange(1, max(after, 1))
