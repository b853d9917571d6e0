"""Pairing: show one key's account to the online desktop. `AccountDialog` asks for the key's password and a name for
this device, and on the serial lane signs the fixed pairing digest to recover the public key (`account_ur`); the key
is locked again if it was locked. `AccountQrDialog` then shows the crypto-hdkey UR as a QR code (public key, key
origin and device name; never a secret), which may also be saved as a file for `custos offline pair FILE`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLineEdit, QVBoxLayout, QWidget

from ui.dialogs.command_dialog import CommandDialog, address_label, key_name_label
from ui.offline import work
from ui.offline.ur_view import UrView
from ui.plain_text import reveal_invisible
from ui.tasks import TaskRunner
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import SecretField

if TYPE_CHECKING:
    from wallet_app.keys.views import KeyView
    from wallet_app.offline.signer import OfflineSigner
    from wallet_app.ur.ur import UR

DEFAULT_DEVICE = "Custos offline signer"
INTRO = ("The online desktop records this key as an owner that signs offline. Enter the key's password (the key "
         "signs a fixed pairing message to show its public key; nothing secret leaves this computer) and a name for "
         "this device, as the online desktop should show it.")
SHOWN_TEXT = ("Save this code as a file and carry it to the online desktop, which records the key as an owner that "
              "signs offline: custos offline pair FILE --label NAME. It holds the public key and this device's name "
              "only.")


class AccountDialog(CommandDialog):
    """sig_succeeded carries (UR, its upper-case text)."""

    def __init__(self, *, runner: TaskRunner, signer: OfflineSigner, key: KeyView,
                 parent: QWidget | None = None) -> None:
        super().__init__(runner=runner, title="Show account for pairing", intro=INTRO, submit_text="&Show account",
                         parent=parent)
        self.setObjectName("accountDialog")
        self._signer = signer
        self._address = key.address
        self.device = QLineEdit(DEFAULT_DEVICE)
        self.device.setObjectName("accountDevice")
        self.device.setMaxLength(64)
        self.device.setToolTip("How the online desktop names this device, e.g. “Ben's signer”")
        self.password = SecretField("Password of the key")
        self.password.setObjectName("accountPassword")
        self.password.setAccessibleName("Password of the key")
        self.form.addRow(PlainLabel("Key:"), key_name_label(key.label))
        self.form.addRow(PlainLabel("Address:"), address_label(key.address))
        self.form.addRow(PlainLabel("Device name:"), self.device)
        self.form.addRow(PlainLabel("Password:"), self.password)
        self.add_secret(self.password)
        self.device.textChanged.connect(self.update_ready)
        self.update_ready()

    @property
    def address(self) -> str:
        return self._address

    def ready(self) -> bool:
        return bool(self.device.text().strip()) and bool(self.password.text())

    def make_command(self) -> Callable[[], object] | None:
        signer, address = self._signer, self._address
        device = " ".join(self.device.text().split())
        password = self.password.text()
        self.password.wipe()
        return lambda: work.account_text(signer, address, password, device)

    def failed(self, exc: object) -> None:
        self.password.setFocus()


class AccountQrDialog(QDialog):
    def __init__(self, *, runner: TaskRunner, ur: UR, text: str, key_label: str, address: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountQrDialog")
        self.setWindowTitle("Account for pairing")
        heading = PlainLabel(f"{reveal_invisible(key_label, max_length=80)}  {address}", selectable=True)
        heading.setWordWrap(True)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        note = PlainLabel(SHOWN_TEXT)
        note.setWordWrap(True)
        self.view = UrView(object_name="accountView", suggested_name=f"account-{address[:10]}.txt")
        self.view.set_runner(runner)
        self.view.show_ur(ur, text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(note)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(600, 700)
