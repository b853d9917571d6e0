"""A dialog that holds secrets while an action may run in the background: Escape and Close do nothing while it is
busy (the action will finish, and its result must reach the dialog), and every secret field is wiped when it
closes, however it closes."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog

from ui.widgets.secret_field import NewPasswordFields, SecretField


class SecretsDialog(QDialog):
    _busy = False  # set while the dialog's action runs

    def secret_fields(self) -> Sequence[SecretField | NewPasswordFields]:
        return ()

    def wipe_secrets(self) -> None:
        for field in self.secret_fields():
            field.wipe()

    def reject(self) -> None:  # QDialog.reject: Escape and Close
        if self._busy:
            return
        super().reject()

    def done(self, result: int) -> None:
        self.wipe_secrets()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:
            event.ignore()
            return
        self.wipe_secrets()
        super().closeEvent(event)
