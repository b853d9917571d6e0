"""The Vaults tab of the offline signer: the vaults anchored on this machine (label, address, Safe version, k of n,
fingerprint, when and how anchored) with the selected one's owners, and "Anchor a vault…". This signer reviews
requests only for these vaults, with these owners and this version; it never reads a chain to learn them."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QHeaderView, QPushButton, QVBoxLayout, QWidget

from ui.errors import one_line
from ui.fonts import fixed_font
from ui.models.column_table import AnyIndex, ColumnTableModel
from ui.models.policy_rows import local_time
from ui.offline import work
from ui.offline.anchor_dialog import AnchorVaultDialog
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.plain_label import PlainLabel
from ui.widgets.table_layout import build_message_stack, build_read_only_table, build_vertical_split

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


class AnchorsModel(ColumnTableModel):
    headers = {
        AnchorColumn.LABEL: ("Vault", "The name given to the vault on this signer"),
        AnchorColumn.ADDRESS: ("Address", "The vault's address"),
        AnchorColumn.VERSION: ("Safe", "The Safe version whose hashes this signer computes for it"),
        AnchorColumn.QUORUM: ("Threshold", "Signatures needed of the owners anchored here"),
        AnchorColumn.FINGERPRINT: ("Fingerprint", "Compare it with `custos offline vault show VAULT` online"),
        AnchorColumn.ANCHORED: ("Anchored", "When, and how, in this computer's time zone"),
    }

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[AnchoredVault] = []

    def row_total(self) -> int:
        return len(self._rows)

    def set_rows(self, rows: Sequence[AnchoredVault]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def vault_at(self, row: int) -> AnchoredVault | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

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

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class OfflineVaultsPage(QWidget):
    sig_vaults_shown = Signal(int)
    """The anchored vaults were read and painted; carries how many."""
    sig_dialog_opened = Signal(object)
    """The anchor dialog was opened (window-modal); carries it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineVaultsPage")
        self._context: work.SignerContext | None = None
        self._runner: TaskRunner | None = None
        self.dialog: AnchorVaultDialog | None = None
        self.anchor_button = QPushButton("&Anchor a vault…")
        self.anchor_button.setObjectName("anchorVaultButton")
        self.anchor_button.setToolTip("Anchor a vault once, after comparing its fingerprint with the online desktop")
        self.anchor_button.clicked.connect(self.open_anchor_dialog)
        self.status = PlainLabel(selectable=True)
        self.status.setObjectName("vaultsStatus")
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.anchor_button)
        top.addWidget(self.status, 1)
        self.model = AnchorsModel(self)
        self.table = build_read_only_table(self.model, "anchorsTable")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._show_selected())
        self.stack, self.message = build_message_stack(self.table, "Opening the offline signer…", "vaultsMessage")
        self.owners = PlainLabel(selectable=True)
        self.owners.setObjectName("anchorOwnersShown")
        self.owners.setFont(fixed_font())
        self.owners.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        details = QGroupBox("Owners anchored for the selected vault")
        QVBoxLayout(details).addWidget(self.owners, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(build_vertical_split(self.stack, details, stretch=(3, 2), sizes=(380, 220)), 1)
        self._update()

    def attach(self, context: work.SignerContext, runner: TaskRunner) -> None:
        self._context, self._runner = context, runner
        self._update()
        self.reload()

    def detach(self) -> None:
        self._context = None
        self._update()

    def reload(self) -> None:
        if self._context is None or self._runner is None or self._runner.is_shut_down:
            return
        signer = self._context.signer
        (self._runner.query(lambda: work.load_anchors(signer)).with_key((id(self), "anchors")).with_owner(self)
         .on_success(self._loaded).on_failure(self._load_failed).quietly().run())

    def _loaded(self, vaults: list[AnchoredVault]) -> None:
        self.model.set_rows(vaults)
        if vaults:
            self.stack.setCurrentWidget(self.table)
            self.table.selectRow(0)
        else:
            self.message.setText(EMPTY_TEXT)
            self.stack.setCurrentWidget(self.message)
        self._show_selected()
        emit(self.sig_vaults_shown, len(vaults))

    def _load_failed(self, exc: BaseException) -> None:
        self.message.setText(f"The anchored vaults cannot be read. {one_line(exc)}")
        self.stack.setCurrentWidget(self.message)
        if self._runner is not None:
            self._runner.present(exc, self)

    def _show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        vault = self.model.vault_at(rows[0].row()) if rows else None
        if vault is None:
            self.owners.setText("Select a vault to see its owners.")
            return
        self.owners.setText("\n".join(vault.facts.owners))

    def open_anchor_dialog(self) -> None:
        if self._context is None or self._runner is None or self.dialog is not None:
            return
        dialog = AnchorVaultDialog(runner=self._runner, signer=self._context.signer, chain_id=self._context.chain_id,
                                   parent=self)
        dialog.sig_succeeded.connect(self._anchored)
        dialog.finished.connect(self._dialog_closed)
        self.dialog = dialog
        dialog.open()
        emit(self.sig_dialog_opened, dialog)

    def _dialog_closed(self, _result: int) -> None:
        self.dialog = None

    def _anchored(self, vault: object) -> None:
        facts = getattr(vault, "facts", None)
        if facts is not None:
            name = reveal_invisible(facts.label, max_length=80) or facts.address
            self.status.setText(f"Anchored {name}: this signer now reviews requests for it.")
        self.reload()

    def _update(self) -> None:
        self.anchor_button.setEnabled(self._context is not None)
