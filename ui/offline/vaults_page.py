"""The Vaults tab of the offline signer: the vaults anchored on this machine (label, address, Safe version, k of n,
fingerprint, when and how anchored) with the selected one's owners, and "Anchor a vault…". This signer reviews
requests only for these vaults, with these owners and this version; it never reads a chain to learn them."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget

from ui.fonts import fixed_font
from ui.models.column_table import AnyIndex
from ui.models.policy_rows import local_time
from ui.offline import work
from ui.offline.anchor_dialog import AnchorVaultDialog
from ui.offline.vault_list import VaultListPage, VaultsTableModel
from ui.plain_text import reveal_invisible
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from wallet_app.vaults.anchors import AnchoredVault

EMPTY_TEXT = ("No vault is anchored on this signer yet. Anchor one (its owners, threshold and version as the online "
              "desktop shows them) before this signer can review a request for it.")
HOW_TEXT = {"typed": "typed, fingerprint compared", "setup-qr": "from the set-up QR code"}


class AnchorColumn(IntEnum):
    LABEL = 0
    ADDRESS = 1
    VERSION = 2
    QUORUM = 3
    FINGERPRINT = 4
    ANCHORED = 5


class AnchorsModel(VaultsTableModel["AnchoredVault"]):
    headers = {
        AnchorColumn.LABEL: ("Vault", "The name given to the vault on this signer"),
        AnchorColumn.ADDRESS: ("Address", "The vault's address"),
        AnchorColumn.VERSION: ("Safe", "The Safe version whose hashes this signer computes for it"),
        AnchorColumn.QUORUM: ("Threshold", "Signatures needed of the owners anchored here"),
        AnchorColumn.FINGERPRINT: ("Fingerprint", "Compare it with `custos offline vault show VAULT` online"),
        AnchorColumn.ANCHORED: ("Anchored", "When, and how, in this computer's time zone"),
    }

    @staticmethod
    def text(vault: AnchoredVault, col: int) -> str:
        facts = vault.facts
        return (reveal_invisible(facts.label, max_length=80) or "—", facts.address,
                reveal_invisible(facts.version, max_length=20), f"{facts.threshold} of {len(facts.owners)}",
                facts.fingerprint_words,
                f"{local_time(vault.anchored_at)} ({HOW_TEXT.get(vault.how, vault.how)})")[col]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        cell = self.cell(index)
        if cell is None:
            return None
        vault, col = self._rows[cell[0]], cell[1]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            return self.text(vault, col)
        if role == Qt.ItemDataRole.FontRole and col in (AnchorColumn.ADDRESS, AnchorColumn.FINGERPRINT):
            return fixed_font()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(col)
        return None


class OfflineVaultsPage(VaultListPage["AnchoredVault"]):
    empty_text = EMPTY_TEXT
    unreadable_text = "The anchored vaults cannot be read."
    load_key = "anchors"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(model=AnchorsModel(), button=(
            "&Anchor a vault…", "anchorVaultButton",
            "Anchor a vault once, after comparing its fingerprint with the online desktop"), names={
            "page": "offlineVaultsPage", "status": "vaultsStatus", "table": "anchorsTable",
            "message": "vaultsMessage", "details": "anchorOwnersShown"},
            details_title="Owners anchored for the selected vault", sizes=(380, 220), parent=parent)
        self.anchor_button = self.action_button
        self.owners = self.details
        self.table.horizontalHeader().setStretchLastSection(True)

    def load_work(self, context: work.SignerContext) -> Callable[[], list[AnchoredVault]]:
        signer = context.signer
        return lambda: work.load_anchors(signer)

    def details_text(self, vault: AnchoredVault | None) -> str:
        return "Select a vault to see its owners." if vault is None else "\n".join(vault.facts.owners)

    def open_anchor_dialog(self) -> None:
        self.open_dialog()

    def make_dialog(self, context: work.SignerContext, runner: TaskRunner) -> QDialog:
        dialog = AnchorVaultDialog(runner=runner, signer=context.signer, chain_id=context.chain_id, parent=self)
        dialog.sig_succeeded.connect(self._anchored)
        return dialog

    def _anchored(self, vault: object) -> None:
        facts = getattr(vault, "facts", None)
        if facts is not None:
            name = reveal_invisible(facts.label, max_length=80) or facts.address
            self.status.setText(f"Anchored {name}: this signer now reviews requests for it.")
        self.reload()
