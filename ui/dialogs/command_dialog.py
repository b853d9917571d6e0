"""The frame shared by the key dialogs: a form, an inline error line, a busy row and the buttons.

Pressing the main button reads the inputs into the closure of a command, which runs on the serial lane (scrypt and
HSMs are slow) while the dialog shows that it is busy; the event loop keeps turning. A `WalletError` is shown in the
dialog, which stays open with what was typed, so that the person can correct it and try again; an unexpected error
also goes to the one presenter. Secrets are wiped from their fields when the dialog closes, whichever way.
Open these dialogs with `open()`, never `exec()`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.secrets_dialog import SecretsDialog
from ui.errors import one_line
from ui.fonts import fixed_font
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import NewPasswordFields, SecretField
from wallet_app.errors import UserCancelled, WalletError


def bold(label: PlainLabel) -> PlainLabel:
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


def address_label(address: str) -> PlainLabel:
    label = PlainLabel(address, selectable=True)
    label.setFont(fixed_font())
    return label


def key_name_label(text: str) -> PlainLabel:
    return bold(PlainLabel(reveal_invisible(text, max_length=80), selectable=True))


class CommandDialog(SecretsDialog):
    sig_succeeded = Signal(object)
    """The command succeeded; carries its result. The dialog closes right after."""

    def __init__(
        self, *, runner: TaskRunner, title: str, intro: str, submit_text: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        self._runner = runner
        self._busy = False
        self._secrets: list[SecretField | NewPasswordFields] = []

        self.intro = PlainLabel(intro)
        self.intro.setWordWrap(True)
        self.intro.setVisible(bool(intro))
        self.fields = QWidget()
        self.form = QFormLayout(self.fields)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.error = ErrorLine()
        self.error.setObjectName("dialogError")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # indeterminate: it keeps moving while the command runs
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(self.fontMetrics().height())
        self.busy_label = PlainLabel("Working…")
        self.busy_row = QWidget()
        busy_layout = QHBoxLayout(self.busy_row)
        busy_layout.setContentsMargins(0, 0, 0, 0)
        busy_layout.addWidget(self.busy_label)
        busy_layout.addWidget(self.busy_bar, 1)
        self.busy_row.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.submit_button: QPushButton = self.buttons.addButton(submit_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.submit_button.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.intro)
        layout.addWidget(self.fields)
        layout.addWidget(self.error)
        layout.addWidget(self.busy_row)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    # -- for subclasses -------------------------------------------------------------------------------------
    def add_secret(self, field: SecretField | NewPasswordFields) -> None:
        """Register a field to wipe when the dialog closes, and re-check readiness whenever it changes."""
        self._secrets.append(field)
        if isinstance(field, NewPasswordFields):
            field.sig_validity_changed.connect(self.update_ready)
        else:
            field.textChanged.connect(self.update_ready)

    def ready(self) -> bool:
        """Whether everything needed has been filled in (the main button is enabled only then)."""
        return True

    def make_command(self) -> Callable[[], object] | None:
        """Read the inputs into a closure to run on the serial lane (None: nothing to run)."""
        raise NotImplementedError

    def failed(self, exc: WalletError) -> None:
        """After a `WalletError` has been shown in the dialog."""

    # -- running --------------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._busy

    def update_ready(self) -> None:
        self.submit_button.setEnabled(not self._busy and self.ready())

    def submit(self) -> None:
        if self._busy or not self.ready():
            return
        self.error.clear_error()
        command = self.make_command()
        if command is None:
            return
        self._set_busy(True)
        (
            self._runner.command(command)
            .with_owner(self)
            .on_success(self._succeeded)
            .on_failure(self._failed)
            .quietly()
            .run()
        )

    def _succeeded(self, result: object) -> None:
        self._set_busy(False)
        self.wipe_secrets()
        emit(self.sig_succeeded, result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, UserCancelled):
            return
        self.error.show_error(one_line(exc))
        if isinstance(exc, WalletError):
            self.failed(exc)
        else:
            self._runner.present(exc, self)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.fields.setEnabled(not busy)
        self.busy_row.setVisible(busy)
        self.cancel_button.setEnabled(not busy)
        self.update_ready()

    # -- closing --------------------------------------------------------------------------------------------
    def secret_fields(self) -> Sequence[SecretField | NewPasswordFields]:
        return self._secrets
