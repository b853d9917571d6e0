"""Ask for the password (keystore) or PIN (HSM) of one key and unlock it on the serial lane.

The secret is read from the field into the unlock command's closure and the field is wiped at once; the dialog
shows a busy state while scrypt (or the HSM) works, with the event loop turning. A wrong password is said in the
dialog (the core makes each further attempt wait longer) and the person may try again or cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QWidget

from ui.dialogs.command_dialog import CommandDialog, address_label, key_name_label
from ui.key_service import KeyServiceLike, idle_text, kind_text, secret_name
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import SecretField
from wallet_app.errors import KeyringUnavailable, WalletError

if TYPE_CHECKING:
    from wallet_app.keys.views import KeyView

REMEMBER_TEXT = "Remember on this device (OS keyring)"


class UnlockDialog(CommandDialog):
    sig_unlocked = Signal(str)
    """The key was unlocked; carries its address."""

    def __init__(
        self,
        *,
        runner: TaskRunner,
        keys: KeyServiceLike,
        key: KeyView,
        note: str = "",
        parent: QWidget | None = None,
    ) -> None:
        what = secret_name(key)
        super().__init__(
            runner=runner,
            title="Unlock key",
            intro=note or f"Enter the {what} of this key to unlock it for signing.",
            submit_text="Unlock",
            parent=parent,
        )
        self.setObjectName("unlockDialog")
        self._keys = keys
        self._address = key.address
        self.key_name = key_name_label(key.label)
        self.key_address = address_label(key.address)
        self.secret = SecretField(what.capitalize())
        self.secret.setObjectName("unlockSecret")
        self.secret.setAccessibleName(f"{what.capitalize()} of the key")
        self.remember = QCheckBox(REMEMBER_TEXT)
        self.remember.setToolTip(
            f"Keep the {what} in this device's OS keyring (for example GNOME Keyring or the macOS Keychain),\n"
            "so that this key can be unlocked here without typing it. Anyone who can use your desktop session\n"
            "can then unlock it too."
        )
        self.remember.setChecked(bool(key.remembered) and keys.remembering_allowed)
        if not keys.remembering_allowed:
            self.remember.setEnabled(False)
            self.remember.setToolTip(
                "This profile needs two factors to unlock a key: the typed secret and the key itself.\n"
                "A secret remembered by the OS keyring would be a single factor, so it is not offered."
            )
        self.idle_note = PlainLabel(idle_text(keys.idle_timeout_seconds))
        self.idle_note.setWordWrap(True)
        self.form.addRow(PlainLabel("Key:"), self.key_name)
        self.form.addRow(PlainLabel("Address:"), self.key_address)
        self.form.addRow(PlainLabel("Kind:"), PlainLabel(kind_text(key)))
        self.form.addRow(PlainLabel(f"{what.capitalize()}:"), self.secret)
        self.form.addRow("", self.remember)
        self.form.addRow("", self.idle_note)
        self.busy_label.setText("Unlocking…")
        self.add_secret(self.secret)
        self.secret.setFocus()
        self.update_ready()

    @property
    def address(self) -> str:
        return self._address

    def ready(self) -> bool:
        return bool(self.secret.text())

    def make_command(self) -> Callable[[], object]:
        keys, address, remember = self._keys, self._address, self.remember.isChecked()
        secret = self.secret.text()
        self.secret.wipe()  # a retry needs it typed again; it lives only in the closure below

        def unlock() -> str:
            keys.unlock(address, secret, remember=remember)
            return address

        return unlock

    def failed(self, exc: WalletError) -> None:
        if isinstance(exc, KeyringUnavailable):
            self.remember.setChecked(False)  # trying again unlocks without the keyring
        self.secret.setFocus()

    def done(self, result: int) -> None:
        if result == self.DialogCode.Accepted:
            emit(self.sig_unlocked, self._address)
        super().done(result)
