"""A UR for the other side of the air gap: as a QR code (animated when it needs several frames), as its text, and
"Save as file…", which writes the text as a new file (atomic, never over an existing one) on the serial lane."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ui.errors import one_line
from ui.offline.work import write_ur_file
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.animated_qr import AnimatedQr
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from ui.widgets.policy_active import read_only_text
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from wallet_app.ur.ur import UR

AskSavePath = Callable[[QWidget, str], "str | None"]


def ask_ur_path(parent: QWidget, suggested: str) -> str | None:
    """Where to save a UR as text; the dialog never offers to overwrite (the file is never replaced)."""
    path, _filter = QFileDialog.getSaveFileName(parent, "Save as file", suggested, "UR text (*.txt);;All files (*)",
                                                options=QFileDialog.Option.DontConfirmOverwrite)
    return path or None


class UrView(QWidget):
    sig_saved = Signal(str)
    """The UR was written to a new file; carries its path."""

    def __init__(self, *, object_name: str, suggested_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self._suggested = suggested_name
        self._text = ""
        self._runner: TaskRunner | None = None
        self.ask_path: AskSavePath = ask_ur_path  # tests replace it: a file chooser must never block them
        self.qr = AnimatedQr()
        self.text = read_only_text(f"{object_name}Text", fixed=True)
        self.text.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)  # a UR has no spaces to break at
        self.text.setFixedHeight(self.text.fontMetrics().lineSpacing() * 3 + 12)
        self.save_button = QPushButton("&Save as file…")
        self.save_button.setObjectName(f"{object_name}Save")
        self.save_button.setToolTip("Write the code's text to a new file (for a USB stick or SD card); an existing "
                                    "file is never overwritten")
        self.save_button.clicked.connect(self.save)
        self.saved = PlainLabel(selectable=True)
        self.saved.setObjectName(f"{object_name}Saved")
        self.saved.setWordWrap(True)
        self.problem = ErrorLine()
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.saved, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.qr, 1)
        layout.addWidget(self.text)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        self.save_button.setEnabled(False)

    def set_runner(self, runner: TaskRunner) -> None:
        self._runner = runner

    def show_ur(self, ur: UR, text: str) -> None:
        """Show `ur` (its upper-case text is `text`)."""
        self._text = text
        self.text.setPlainText(text)
        self.saved.clear()
        self.problem.clear_error()
        self.qr.set_urs([ur])
        self.save_button.setEnabled(self._runner is not None)

    def clear(self) -> None:
        self._text = ""
        self.text.clear()
        self.saved.clear()
        self.problem.clear_error()
        self.qr.set_urs([])
        self.save_button.setEnabled(False)

    def ur_text(self) -> str:
        return self._text

    def save(self) -> None:
        runner, text = self._runner, self._text
        if runner is None or not text:
            return
        answer = self.ask_path(self, self._suggested)
        if not answer:
            return
        path = Path(answer)
        self.save_button.setEnabled(False)
        self.problem.clear_error()

        def written(where: str) -> None:
            self.save_button.setEnabled(True)
            self.saved.setText(f"Saved to {reveal_invisible(where, max_length=300)}")
            emit(self.sig_saved, where)

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.problem.show_error(one_line(exc))
            if not isinstance(exc, WalletError):
                runner.present(exc, self)

        (runner.command(lambda: write_ur_file(path, text)).with_owner(self).on_success(written).on_failure(failed)
         .quietly().run())
