"""Line edits for secrets (passwords, PINs, private keys, mnemonics) and a new-password pair with confirmation.

A secret is read once, straight into the closure of the command that uses it, and the field is wiped with
`setText("")` (unlike `clear()`, this also drops the field's undo history). Nothing secret goes into a window
title, tooltip, accessible text or log.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget

from ui.signals import emit
from ui.widgets.plain_label import PlainLabel

MISMATCH_TEXT = "The two passwords do not match."


class SecretField(QLineEdit):
    """Echo mode Password; no input-method prediction or history; copy and drag are off (Qt does that for
    password fields)."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText
            | Qt.InputMethodHint.ImhSensitiveData
            | Qt.InputMethodHint.ImhNoPredictiveText
            | Qt.InputMethodHint.ImhNoAutoUppercase
        )
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.setPlaceholderText(placeholder)

    def wipe(self) -> None:
        self.setText("")


class NewPasswordFields(QObject):
    """A new password and its confirmation, laid out as two rows of a form. `is_valid()` once both are filled in
    and equal; a line under them says when they differ."""

    sig_validity_changed = Signal(bool)
    """The pair became valid (True) or stopped being valid (False)."""

    def __init__(self, form: QFormLayout, *, what: str = "password", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.password = SecretField(f"New {what}")
        self.confirm = SecretField(f"The same {what} again")
        self.password.setObjectName("newPassword")
        self.confirm.setObjectName("confirmPassword")
        self.mismatch = PlainLabel(MISMATCH_TEXT)
        self.mismatch.setObjectName("passwordMismatch")
        self.mismatch.setVisible(False)
        form.addRow(PlainLabel(f"New {what}:"), self.password)
        form.addRow(PlainLabel("Confirm:"), self.confirm)
        form.addRow("", self.mismatch)
        self._valid = False
        self.password.textChanged.connect(self._changed)
        self.confirm.textChanged.connect(self._changed)

    def is_valid(self) -> bool:
        return self._valid

    def _changed(self) -> None:
        first, second = self.password.text(), self.confirm.text()
        self.mismatch.setVisible(bool(second) and first != second)
        valid = bool(first) and first == second
        if valid != self._valid:
            self._valid = valid
            emit(self.sig_validity_changed, valid)

    def wipe(self) -> None:
        self.password.wipe()
        self.confirm.wipe()
