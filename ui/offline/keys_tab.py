"""The Keys tab of the offline signer: the Keys page the online desktop uses (keys need no chain: create, import,
unlock, lock, back up), and "Show account for pairing…" for the selected key that can sign."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ui.key_service import can_unlock
from ui.offline import work
from ui.offline.account_dialog import AccountDialog, AccountQrDialog
from ui.pages.keys_page import KeysPage
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.plain_label import PlainLabel

PAIRING_NOTE = "Pair a key once: the online desktop then sends its sign requests to this signer."


class OfflineKeysTab(QWidget):
    sig_dialog_opened = Signal(object)
    """A pairing dialog was opened (window-modal); carries it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineKeysTab")
        self._context: work.SignerContext | None = None
        self._runner: TaskRunner | None = None
        self.dialog: AccountDialog | AccountQrDialog | None = None
        self.keys_page = KeysPage(offer_pairing=False)  # this is the signer: it shows its account, pairs none
        self.pair_button = QPushButton("Show account for &pairing…")
        self.pair_button.setObjectName("showAccountButton")
        self.pair_button.setToolTip("Show the selected key's account (public key, device name) as a QR code for the "
                                    "online desktop")
        self.pair_button.clicked.connect(self.show_account)
        note = PlainLabel(PAIRING_NOTE)
        note.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(9, 6, 9, 0)
        row.addWidget(self.pair_button)
        row.addSpacing(12)
        row.addWidget(note, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(row)
        layout.addWidget(self.keys_page, 1)
        self.keys_page.table.selectionModel().selectionChanged.connect(lambda *_a: self._update())
        self.keys_page.sig_keys_shown.connect(lambda _n: self._update())
        self._update()

    def attach(self, context: work.SignerContext, runner: TaskRunner) -> None:
        self._context, self._runner = context, runner
        self.keys_page.set_quorum_allowed(False)  # an offline signer holds one officer's key, never a quorum
        self.keys_page.attach(context.signer.keys, runner)
        self._update()

    def detach(self) -> None:
        self._context = None
        self.keys_page.detach()
        self._update()

    def show_account(self) -> None:
        key = self.keys_page.selected_key()
        if key is None or not can_unlock(key) or self._context is None or self._runner is None:
            return
        if self.dialog is not None:
            return
        dialog = AccountDialog(runner=self._runner, signer=self._context.signer, key=key, parent=self)
        runner, label, address = self._runner, key.label, key.address

        def shown(result: object) -> None:
            ur, text = result  # type: ignore[misc]  # (UR, str) from work.account_text
            self._open(AccountQrDialog(runner=runner, ur=ur, text=text, key_label=label, address=address,
                                       parent=self))

        dialog.sig_succeeded.connect(shown)
        self._open(dialog)

    def _open(self, dialog: AccountDialog | AccountQrDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self._closed(dialog))
        dialog.open()
        emit(self.sig_dialog_opened, dialog)

    def _closed(self, dialog: AccountDialog | AccountQrDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        self.keys_page.reload()

    def _update(self) -> None:
        key = self.keys_page.selected_key()
        self.pair_button.setEnabled(self._context is not None and key is not None and can_unlock(key))
