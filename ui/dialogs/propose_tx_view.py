"""What the propose dialog shows. Its fields, laid out in its scrolling body: the vault to propose from and its note,
the kind of transaction, the transfer, batch and owner-change parts (only the kind's are shown), the nonce with its
warning, the proposer key, the password, and the policy's decision. Under the body, the result, the error line, a busy
bar and the buttons. They only show and read (filling the vault and key choices, showing a note); the dialog wires
them to the core.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.propose_tx_forms import BatchList, OwnerChangeForm, TransferForm, show_verdict
from ui.dialogs.propose_tx_request import BATCH, KINDS, OWNERS, TRANSFER
from ui.dialogs.review_tx_panels import DecisionPanel
from ui.models.queue_propose import AssetOption, Verdict
from ui.models.queue_rows import plain
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import SecretField
from ui.widgets.tone_label import ToneLabel

if TYPE_CHECKING:
    from wallet_app.keys.views import KeyView


class ProposeTxFields(QWidget):
    """Everything the officer fills in to propose, top to bottom, and the policy's decision under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = QComboBox()
        self.vault.setObjectName("proposeVault")
        self.vault_note = ToneLabel(selectable=True)
        self.vault_note.setObjectName("proposeVaultNote")
        self.vault_note.setWordWrap(True)
        self.kind = QComboBox()
        self.kind.setObjectName("proposeKind")
        for key, text in KINDS:
            self.kind.addItem(text, key)
        self.transfer = TransferForm()
        self.batch = BatchList()
        self.owners = OwnerChangeForm()
        self.nonce = QLineEdit()
        self.nonce.setObjectName("proposeNonce")
        self.nonce.setPlaceholderText("the next free nonce")
        self.nonce_note = ToneLabel(selectable=True)
        self.nonce_note.setObjectName("proposeNonceNote")
        self.nonce_note.setWordWrap(True)
        self.proposer = QComboBox()
        self.proposer.setObjectName("proposeKey")
        self.password = SecretField("The proposer key's password (or PIN)")
        self.password.setObjectName("proposePassword")
        self.decision = DecisionPanel()
        self.decision.setTitle("The policy's decision")
        self.decision.show_message("Not checked yet: “Check with the policy” shows the decision before you sign.")

        top = QFormLayout()
        top.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        top.addRow(PlainLabel("From vault:"), self.vault)
        top.addRow("", self.vault_note)
        top.addRow(PlainLabel("Transaction:"), self.kind)
        common = QFormLayout()
        common.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        nonce_box = QWidget()
        nonce_layout = QVBoxLayout(nonce_box)
        nonce_layout.setContentsMargins(0, 0, 0, 0)
        nonce_layout.addWidget(self.nonce)
        nonce_layout.addWidget(self.nonce_note)
        common.addRow(PlainLabel("Nonce:"), nonce_box)
        common.addRow(PlainLabel("Proposer key:"), self.proposer)
        common.addRow(PlainLabel("Password:"), self.password)

        body_layout = QVBoxLayout(self)
        body_layout.addLayout(top)
        body_layout.addWidget(self.transfer)
        body_layout.addWidget(self.batch)
        body_layout.addWidget(self.owners)
        body_layout.addLayout(common)
        body_layout.addWidget(self.decision)
        body_layout.addStretch(1)

    @property
    def kind_key(self) -> str:
        return str(self.kind.currentData())

    def show_kind(self, kind: str) -> None:
        """Show the parts that `kind` needs (a batch is built from the transfer form, one line at a time)."""
        self.transfer.setVisible(kind in (TRANSFER, BATCH))
        self.batch.setVisible(kind == BATCH)
        self.owners.setVisible(kind == OWNERS)
        self.transfer.setTitle("Transfer to add to the batch" if kind == BATCH else "Transfer")

    def show_asset(self, option: AssetOption | None) -> None:
        """The chosen asset's token id field, note and (for a deed, when nothing is typed) amount of one."""
        form = self.transfer
        form.set_needs_token_id(bool(option and option.needs_token_id))
        if option is not None and option.standard == "erc721" and not form.amount.text():
            form.amount.setText("1")
        note = option.warning if option is not None else ""
        if option is not None and option.needs_token_id and option.token_ids:
            form.token_id.setPlaceholderText("held: " + ", ".join(str(i) for i in option.token_ids[:8]))
        show_verdict(form.asset_note, Verdict("warn", f"Note: {note}", None) if note else None)

    def set_vaults(self, vaults: Sequence[Any], wanted: str | None) -> None:
        """The vaults (VaultInfo) to choose from, without announcing the change; `wanted` is chosen if present."""
        self.vault.blockSignals(True)
        self.vault.clear()
        for info in vaults:
            label = plain(info.label, 60)
            self.vault.addItem(f"{label}  {info.address}  ({info.threshold} of {len(info.owners)})" if label
                               else info.address, info.address)
        index = self.vault.findData(wanted) if wanted else -1
        self.vault.setCurrentIndex(index if index >= 0 else (0 if vaults else -1))
        self.vault.blockSignals(False)

    def set_proposers(self, keys: Sequence[KeyView], owners: Sequence[str]) -> None:
        """The keys that can propose from a vault with these owners, a proposer who does not also approve first;
        the chosen key stays chosen if it is still offered. Does not announce the change."""
        chosen = self.proposer.currentData()
        owned = {o.lower() for o in owners}
        ordered = sorted(keys, key=lambda k: k.address.lower() in owned)
        self.proposer.blockSignals(True)
        self.proposer.clear()
        for key in ordered:
            note = "owner of this vault" if key.address.lower() in owned else "proposer"
            self.proposer.addItem(f"{plain(key.label, 60)}  {key.address}  ({note})", key.address)
        index = self.proposer.findData(chosen) if chosen else -1
        self.proposer.setCurrentIndex(index if index >= 0 else (0 if ordered else -1))
        self.proposer.blockSignals(False)

    def show_nonce_note(self, tone: str, text: str) -> None:
        """The nonce's note, bold when it warns."""
        self.nonce_note.set_tone(tone)
        self.nonce_note.setText(text)
        font = self.nonce_note.font()
        font.setBold(tone in ("warn", "bad"))
        self.nonce_note.setFont(font)

    def set_fields_enabled(self, enabled: bool) -> None:
        for widget in (self.vault, self.kind, self.transfer, self.batch, self.owners, self.nonce, self.proposer,
                       self.password):
            widget.setEnabled(enabled)


class ProposeTxActions:
    """The widgets under the body, made here and laid out by the dialog in its own layout: the result, the error line,
    and the row of the busy bar and the buttons."""

    def __init__(self, line_height: int | None, prefix: str = "propose") -> None:
        """`line_height`: the busy bar's greatest height (None: as tall as it likes); `prefix` names the parts."""
        self.result = ToneLabel(bold=True, selectable=True)
        self.result.setObjectName(f"{prefix}Result")
        self.result.setWordWrap(True)
        self.result.hide()
        self.error = ErrorLine()
        self.error.setObjectName(f"{prefix}Error")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        if line_height is not None:
            self.busy_bar.setMaximumHeight(line_height)
        self.busy_bar.hide()
        self.check_button = QPushButton("Check with the policy")
        self.check_button.setObjectName(f"{prefix}Check")
        self.submit_button = QPushButton("Sign and propose")
        self.submit_button.setObjectName(f"{prefix}Submit")
        self.submit_button.setDefault(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.row = QHBoxLayout()
        self.row.addWidget(self.check_button)
        self.row.addWidget(self.busy_bar, 1)
        self.row.addWidget(self.buttons)
        self.row.addWidget(self.submit_button)
