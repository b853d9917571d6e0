"""The one place where exceptions become something a person sees.

- `WalletError`: its `user_message` as plain text, with its stable `code` (and `detail`, if any, folded away);
- `UserCancelled`: nothing, the person chose to stop;
- anything else: a generic "unexpected error" naming only the exception type; the traceback goes to the log,
  never into the dialog (it may hold data that does not belong on screen).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from wallet_app.errors import UserCancelled, WalletError

log = logging.getLogger(__name__)

_CODE_CHARS = re.compile(r"[^a-z0-9_.-]")


@dataclass(frozen=True, slots=True)
class ErrorReport:
    """What the dialog shows; `describe_error` builds it, so it can be tested without a dialog."""

    title: str
    text: str
    code: str
    detail: str
    unexpected: bool


def describe_error(exc: BaseException) -> ErrorReport | None:
    """The report for `exc`, or None when there is nothing to show (the person cancelled)."""
    if isinstance(exc, UserCancelled):
        return None
    if isinstance(exc, WalletError):
        code = _CODE_CHARS.sub("", str(getattr(exc, "code", "") or "wallet_error").lower())[:64]
        message = str(getattr(exc, "user_message", "") or "").strip() or "The operation failed."
        detail = str(getattr(exc, "detail", "") or "")
        return ErrorReport("Custos", message, code, detail, unexpected=False)
    name = type(exc).__name__
    text = (
        f"Custos ran into an unexpected error ({name}). The operation did not complete.\n\n"
        "The technical details were written to the log."
    )
    return ErrorReport("Custos: unexpected error", text, "unexpected", "", unexpected=True)


def one_line(exc: BaseException) -> str:
    """A short description for a status line (never a traceback or a raw exception message)."""
    if isinstance(exc, UserCancelled):
        return "Cancelled."
    if isinstance(exc, WalletError):
        return str(getattr(exc, "user_message", "") or "").strip() or "The operation failed."
    return f"Unexpected error ({type(exc).__name__})."


ShowReport = Callable[[ErrorReport, "QWidget | None"], None]


class ErrorPresenter:
    """Presents every exception. `show` is injectable so tests (and headless runs) never block on a dialog."""

    def __init__(self, *, show: ShowReport | None = None) -> None:
        self._show = show if show is not None else self._show_message_box
        self._open: dict[tuple[str, str], QMessageBox] = {}

    def __call__(self, exc: BaseException, parent: QWidget | None = None) -> None:
        self.present(exc, parent)

    def present(self, exc: BaseException, parent: QWidget | None = None) -> None:
        report = describe_error(exc)
        if report is None:
            return
        if report.unexpected:
            log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
        else:
            log.warning("%s: %s", report.code, report.text)
        self._show(report, parent)

    def _show_message_box(self, report: ErrorReport, parent: QWidget | None) -> None:
        key = (report.code, report.text)
        if key in self._open:  # the same problem is already on screen (for example from a polling retry)
            self._open[key].raise_()
            return
        box = QMessageBox(parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setIcon(QMessageBox.Icon.Critical if report.unexpected else QMessageBox.Icon.Warning)
        box.setWindowTitle(report.title)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(report.text)
        box.setInformativeText(f"Error code: {report.code}")
        informative = box.findChild(QLabel, "qt_msgbox_informativelabel")
        if informative is not None:
            informative.setTextFormat(Qt.TextFormat.PlainText)
        if report.detail:
            box.setDetailedText(report.detail)  # shown in a plain-text view
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        self._open[key] = box
        box.finished.connect(lambda _result, key=key: self._open.pop(key, None))
        box.open()  # window-modal without a nested event loop: the UI keeps running
