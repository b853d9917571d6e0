"""Dialogs acting on one existing key: export an encrypted backup, change its password, delete it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget

from ui.dialogs.command_dialog import CommandDialog, address_label, key_name_label
from ui.fonts import fixed_font
from ui.key_service import HSM, KEYSTORE, KeyServiceLike, kind_of, kind_text
from ui.models.keys_model import owns_text
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import NewPasswordFields, SecretField

if TYPE_CHECKING:
    from wallet_app.keys.views import KeyView

CONFIRM_CHARS = 6


def default_backup_path(address: str) -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    base = Path(folder) if folder else Path.home()
    return base / f"custos-backup-{address}.json"


def _key_rows(dialog: CommandDialog, key: KeyView) -> None:
    dialog.form.addRow(PlainLabel("Key:"), key_name_label(key.label))
    dialog.form.addRow(PlainLabel("Address:"), address_label(key.address))


class ExportBackupDialog(CommandDialog):
    def __init__(
        self, *, runner: TaskRunner, keys: KeyServiceLike, key: KeyView, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            runner=runner,
            title="Export an encrypted backup",
            intro="Writes the key to a file in the standard encrypted keystore format (V3), encrypted with the "
            "key's own password. Keep the file and the password in different places.",
            submit_text="Export",
            parent=parent,
        )
        self.setObjectName("exportBackupDialog")
        self._keys = keys
        self._address = key.address
        _key_rows(self, key)
        self.password = SecretField("The key's password")
        self.password.setObjectName("keyPassword")
        self.out = QLineEdit(str(default_backup_path(key.address)))
        self.out.setObjectName("backupPath")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose)
        out_row = QWidget()
        row = QHBoxLayout(out_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.out, 1)
        row.addWidget(choose)
        self.form.addRow(PlainLabel("Password:"), self.password)
        self.form.addRow(PlainLabel("Save to:"), out_row)
        self.add_secret(self.password)
        self.out.textChanged.connect(self.update_ready)
        self.busy_label.setText("Encrypting the backup…")
        self.update_ready()

    def _choose(self) -> None:
        chooser = QFileDialog(self, "Save the backup as", self.out.text())
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setNameFilters(["Keystore files (*.json)", "All files (*)"])
        chooser.setDefaultSuffix("json")
        chooser.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        chooser.fileSelected.connect(self.out.setText)
        chooser.open()

    def ready(self) -> bool:
        return bool(self.password.text()) and bool(self.out.text().strip())

    def make_command(self) -> Callable[[], object]:
        keys, address, out = self._keys, self._address, Path(self.out.text().strip()).expanduser()
        password = self.password.text()
        return lambda: keys.export_backup(address, out, password)


class ChangePasswordDialog(CommandDialog):
    def __init__(
        self, *, runner: TaskRunner, keys: KeyServiceLike, key: KeyView, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            runner=runner,
            title="Change the key's password",
            intro="The keystore is encrypted again with the new password. A password remembered on this device "
            "is forgotten. Backups exported earlier keep the old password.",
            submit_text="Change password",
            parent=parent,
        )
        self.setObjectName("changePasswordDialog")
        self._keys = keys
        self._address = key.address
        _key_rows(self, key)
        self.old = SecretField("Current password")
        self.old.setObjectName("oldPassword")
        self.form.addRow(PlainLabel("Current password:"), self.old)
        self.passwords = NewPasswordFields(self.form, parent=self)
        self.add_secret(self.old)
        self.add_secret(self.passwords)
        self.busy_label.setText("Encrypting the key again…")
        self.update_ready()

    def ready(self) -> bool:
        return bool(self.old.text()) and self.passwords.is_valid()

    def make_command(self) -> Callable[[], object]:
        keys, address = self._keys, self._address
        old, new = self.old.text(), self.passwords.password.text()
        return lambda: keys.change_password(address, old, new)


class DeleteKeyDialog(CommandDialog):
    """Deleting needs the last characters of the address typed out; the core records the deletion."""

    def __init__(
        self, *, runner: TaskRunner, keys: KeyServiceLike, key: KeyView, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            runner=runner,
            title="Delete a key",
            intro="",
            submit_text="Delete key",
            parent=parent,
        )
        self.setObjectName("deleteKeyDialog")
        self._keys = keys
        self._address = key.address
        self.expected = key.address[-CONFIRM_CHARS:]
        _key_rows(self, key)
        self.form.addRow(PlainLabel("Kind:"), PlainLabel(kind_text(key)))
        self.consequences = PlainLabel(self._consequences(key))
        self.consequences.setObjectName("deleteConsequences")
        self.consequences.setWordWrap(True)
        self.consequences.setContentsMargins(0, 6, 0, 0)
        self.form.addRow(self.consequences)
        self.owner_warning = ErrorLine()
        self.owner_warning.setObjectName("deleteOwnerWarning")
        if key.vaults:
            self.owner_warning.show_error(
                f"It is an owner of {owns_text(key)}. Deleting it here does not remove it from those vaults: "
                "make sure enough other owners can still sign."
            )
        self.form.addRow(self.owner_warning)
        self.confirmation = QLineEdit()
        self.confirmation.setObjectName("deleteConfirmation")
        self.confirmation.setFont(fixed_font())
        self.confirmation.setMaxLength(CONFIRM_CHARS + 4)
        self.confirmation.setPlaceholderText(f"the last {CONFIRM_CHARS} characters of the address")
        self.confirmation.textChanged.connect(self.update_ready)
        prompt = PlainLabel(f"To delete it, type the last {CONFIRM_CHARS} characters of its address: …{self.expected}")
        prompt.setWordWrap(True)
        prompt.setContentsMargins(0, 6, 0, 0)
        self.form.addRow(prompt)
        self.form.addRow(PlainLabel("Confirmation:"), self.confirmation)
        self.busy_label.setText("Deleting…")
        self.update_ready()

    @staticmethod
    def _consequences(key: KeyView) -> str:
        kind = kind_of(key)
        if kind == KEYSTORE:
            what = (
                "Its encrypted keystore file is removed from this profile. Unless you exported a backup, "
                "the key cannot be brought back."
            )
        elif kind == HSM:
            what = "The key pair stays on the token; only this profile's record of it is removed."
        else:
            what = "Only the address is removed from this profile; nothing secret was kept for it."
        return f"{what} The deletion is recorded in the profile's key log."

    def ready(self) -> bool:
        return self.confirmation.text().strip().lower() == self.expected.lower()

    def make_command(self) -> Callable[[], object]:
        keys, address = self._keys, self._address
        return lambda: keys.delete_key(address)
