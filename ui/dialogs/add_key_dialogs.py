"""Dialogs that add a key to the profile: create, import a private key or a BIP-39 mnemonic, add an HSM key,
add a watch-only address. Each runs one `KeyService` method on the serial lane; the new `KeyView` is the result."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from ui.dialogs.command_dialog import CommandDialog
from ui.fonts import fixed_font
from ui.key_service import DEFAULT_DERIVATION_PATH, KeyServiceLike
from ui.tasks import TaskRunner
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import NewPasswordFields, SecretField

LABEL_MAX = 80


def label_field(placeholder: str = "For example: Alice (treasury officer)") -> QLineEdit:
    field = QLineEdit()
    field.setObjectName("keyLabel")
    field.setMaxLength(LABEL_MAX)
    field.setPlaceholderText(placeholder)
    return field


class _KeystoreDialog(CommandDialog):
    """A new keystore key: a label and a new password (with confirmation), after what the subclass asks."""

    def __init__(self, *, runner: TaskRunner, keys: KeyServiceLike, title: str, intro: str, submit_text: str,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(runner=runner, title=title, intro=intro, submit_text=submit_text, parent=parent)
        self._keys = keys
        self.add_inputs()
        self.label = label_field()
        self.label.textChanged.connect(self.update_ready)
        self.form.addRow(PlainLabel("Label:"), self.label)
        self.passwords = NewPasswordFields(self.form, parent=self)
        self.add_secret(self.passwords)
        self.busy_label.setText("Encrypting the key…")
        self.update_ready()

    def add_inputs(self) -> None:
        """Rows before the label (the secret being imported)."""

    def ready(self) -> bool:
        return bool(self.label.text().strip()) and self.passwords.is_valid()


class CreateKeyDialog(_KeystoreDialog):
    def __init__(self, *, runner: TaskRunner, keys: KeyServiceLike, parent: QWidget | None = None) -> None:
        super().__init__(
            runner=runner,
            keys=keys,
            title="Create a key",
            intro="Custos makes a new private key and keeps it in this profile, encrypted with the password you "
            "choose. You need that password to unlock it and to export a backup; export one once the key exists.",
            submit_text="Create key",
            parent=parent,
        )
        self.setObjectName("createKeyDialog")

    def make_command(self) -> Callable[[], object]:
        keys, label, password = self._keys, self.label.text().strip(), self.passwords.password.text()
        return lambda: keys.create_key(label, password)


class ImportPrivateKeyDialog(_KeystoreDialog):
    def __init__(self, *, runner: TaskRunner, keys: KeyServiceLike, parent: QWidget | None = None) -> None:
        super().__init__(
            runner=runner,
            keys=keys,
            title="Import a private key",
            intro="Paste the private key (64 hex digits, with or without 0x). It is encrypted with the new "
            "password and kept in this profile; the text you paste is not kept anywhere else.",
            submit_text="Import",
            parent=parent,
        )
        self.setObjectName("importPrivateKeyDialog")

    def add_inputs(self) -> None:
        self.private_key = SecretField("64 hex digits")
        self.private_key.setObjectName("privateKey")
        self.private_key.setFont(fixed_font())
        self.form.addRow(PlainLabel("Private key:"), self.private_key)
        self.add_secret(self.private_key)

    def ready(self) -> bool:
        return bool(self.private_key.text().strip()) and super().ready()

    def make_command(self) -> Callable[[], object]:
        keys, label, password = self._keys, self.label.text().strip(), self.passwords.password.text()
        private_key = self.private_key.text()
        return lambda: keys.import_private_key(private_key, label, password)


class ImportMnemonicDialog(_KeystoreDialog):
    def __init__(self, *, runner: TaskRunner, keys: KeyServiceLike, parent: QWidget | None = None) -> None:
        super().__init__(
            runner=runner,
            keys=keys,
            title="Import from a recovery phrase",
            intro="Type the BIP-39 recovery phrase (12 to 24 words, separated by spaces) and the derivation path "
            "of the account. The derived key is encrypted with the new password; the phrase is not kept.",
            submit_text="Import",
            parent=parent,
        )
        self.setObjectName("importMnemonicDialog")

    def add_inputs(self) -> None:
        self.mnemonic = SecretField("Recovery phrase")
        self.mnemonic.setObjectName("mnemonic")
        self.words = PlainLabel("No words yet")
        self.words.setObjectName("mnemonicWordCount")
        self.mnemonic.textChanged.connect(self._count_words)
        self.path = QLineEdit(DEFAULT_DERIVATION_PATH)
        self.path.setObjectName("derivationPath")
        self.path.setFont(fixed_font())
        self.path.setToolTip(f"BIP-32 path of the account; {DEFAULT_DERIVATION_PATH} is the first Ethereum account")
        self.path.textChanged.connect(self.update_ready)
        self.form.addRow(PlainLabel("Recovery phrase:"), self.mnemonic)
        self.form.addRow("", self.words)
        self.form.addRow(PlainLabel("Derivation path:"), self.path)
        self.add_secret(self.mnemonic)

    def _count_words(self, text: str) -> None:
        count = len(text.split())
        self.words.setText(f"{count} word{'s' if count != 1 else ''}" if count else "No words yet")

    def ready(self) -> bool:
        return bool(self.mnemonic.text().strip()) and bool(self.path.text().strip()) and super().ready()

    def make_command(self) -> Callable[[], object]:
        keys, label, password = self._keys, self.label.text().strip(), self.passwords.password.text()
        mnemonic, path = " ".join(self.mnemonic.text().split()), self.path.text().strip()
        return lambda: keys.import_mnemonic(mnemonic, path, label, password)


class AddWatchDialog(CommandDialog):
    def __init__(self, *, runner: TaskRunner, keys: KeyServiceLike, parent: QWidget | None = None) -> None:
        super().__init__(
            runner=runner,
            title="Add a watch-only address",
            intro="A watch-only address is followed (its vaults, its approvals) but cannot sign: no secret is kept.",
            submit_text="Add address",
            parent=parent,
        )
        self.setObjectName("addWatchDialog")
        self._keys = keys
        self.address = QLineEdit()
        self.address.setObjectName("watchAddress")
        self.address.setFont(fixed_font())
        self.address.setPlaceholderText("0x followed by 40 hex digits")
        self.address.setMaxLength(120)
        self.label = label_field("For example: Bob (co-signer at the partner firm)")
        self.form.addRow(PlainLabel("Address:"), self.address)
        self.form.addRow(PlainLabel("Label:"), self.label)
        self.address.textChanged.connect(self.update_ready)
        self.label.textChanged.connect(self.update_ready)
        self.update_ready()

    def ready(self) -> bool:
        return bool(self.address.text().strip()) and bool(self.label.text().strip())

    def make_command(self) -> Callable[[], object]:
        keys, address, label = self._keys, self.address.text().strip(), self.label.text().strip()
        return lambda: keys.add_watch(address, label)


class AddHsmKeyDialog(CommandDialog):
    def __init__(self, *, runner: TaskRunner, keys: KeyServiceLike, parent: QWidget | None = None) -> None:
        super().__init__(
            runner=runner,
            title="Add an HSM key",
            intro="The key stays inside the hardware security module (PKCS#11); Custos keeps only where to find "
            "it. The PIN is used now to reach the token and is not stored.",
            submit_text="Add HSM key",
            parent=parent,
        )
        self.setObjectName("addHsmKeyDialog")
        self._keys = keys
        self.module = QLineEdit()
        self.module.setObjectName("hsmModule")
        self.module.setPlaceholderText("Path of the PKCS#11 library (.so, .dylib or .dll)")
        self.module.setToolTip("For example /usr/lib/softhsm/libsofthsm2.so")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose_module)
        module_row = QWidget()
        row = QHBoxLayout(module_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.module, 1)
        row.addWidget(choose)
        self.token = QLineEdit()
        self.token.setObjectName("hsmToken")
        self.token.setPlaceholderText("Token label")
        self.key_label = QLineEdit()
        self.key_label.setObjectName("hsmKeyLabel")
        self.key_label.setPlaceholderText("Label of the key pair on the token")
        self.pin = SecretField("Token PIN")
        self.pin.setObjectName("hsmPin")
        self.use_existing = QRadioButton("Use the key pair with this label")
        self.generate = QRadioButton("Generate a new key pair on the token")
        self.use_existing.setChecked(True)
        self._mode = QButtonGroup(self)
        self._mode.addButton(self.use_existing)
        self._mode.addButton(self.generate)
        self.label = label_field()
        self.form.addRow(PlainLabel("PKCS#11 module:"), module_row)
        self.form.addRow(PlainLabel("Token:"), self.token)
        self.form.addRow(PlainLabel("Key pair:"), self.key_label)
        self.form.addRow("", self.use_existing)
        self.form.addRow("", self.generate)
        self.form.addRow(PlainLabel("PIN:"), self.pin)
        self.form.addRow(PlainLabel("Label:"), self.label)
        for field in (self.module, self.token, self.key_label, self.label):
            field.textChanged.connect(self.update_ready)
        self.add_secret(self.pin)
        self.busy_label.setText("Talking to the token…")
        self.update_ready()

    def _choose_module(self) -> None:
        chooser = QFileDialog(self, "PKCS#11 module")
        chooser.setFileMode(QFileDialog.FileMode.ExistingFile)
        chooser.setNameFilters(["Shared libraries (*.so *.dylib *.dll)", "All files (*)"])
        chooser.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        chooser.fileSelected.connect(self.module.setText)
        chooser.open()

    def ready(self) -> bool:
        required = (self.module, self.token, self.key_label, self.label)
        return all(field.text().strip() for field in required) and bool(self.pin.text())

    def make_command(self) -> Callable[[], object]:
        keys = self._keys
        module, token, key_label = self.module.text().strip(), self.token.text().strip(), self.key_label.text()
        label, generate, pin = self.label.text().strip(), self.generate.isChecked(), self.pin.text()
        return lambda: keys.add_hsm_key(module, token, key_label, pin, label, generate)
