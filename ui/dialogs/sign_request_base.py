"""What the two sign-request dialogs share (ui/dialogs/offline_request_dialog.py, a Safe owner's request, and
ui/dialogs/account_dialogs.py `AccountRequestDialog`, the cold ceremony's): making the request on the SERIAL lane with
a busy bar, then the request box — the animated QR code, the request's id, what the online check decided, the
instruction to compare, the hash lines the offline signer must show — with "Save as file…" (the UR lines, to a new
file, never over one) and "Import the answer…" (ui/dialogs/offline_answer.py: an answer to another request is refused
before it reaches the core, and one answer is taken once). Each dialog says what it asks first and how it shows
what was made."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.offline_answer import AnswerImport, OfflineSources, restart_import
from ui.dialogs.offline_request_work import request_file_text
from ui.errors import one_line
from ui.fonts import fixed_font
from ui.new_files import write_new_file
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.tones import DECISION_TONES
from ui.widgets.animated_qr import AnimatedQr
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from ui.widgets.tone_label import ToneLabel
from wallet_app.errors import WalletError

AskPath = Callable[[QWidget, str], str | None]
NAMED = ("error", "request_id", "checked", "instruction", "hash_text", "save_button", "import_button", "outcome",
         "request_box", "hash_box")


def ask_request_path(parent: QWidget, suggested: str) -> str | None:
    path, _filter = QFileDialog.getSaveFileName(parent, "Save the sign request", suggested,
                                                "UR lines (*.txt);;All files (*)",
                                                options=QFileDialog.Option.DontConfirmOverwrite)
    return path or None


class SignRequestDialog(QDialog):
    sig_request_shown = Signal(object)
    """The request was made and is on screen; carries it."""
    sig_queue_changed = Signal(str)
    """An answer was imported; carries the hash the request is for."""
    sig_outcome_shown = Signal(str)
    """Making, saving or importing said how it went; carries the words."""

    file_prefix: ClassVar[str]  # of the file name suggested by "Save as file…"
    failed_prefix: ClassVar[str] = ""  # before the words of a reading or making that failed

    def __init__(self, *, runner: TaskRunner, offline: OfflineSources | None, subject_hash: str,
                 names: Mapping[str, str], hash_title: str, busy_text: str = "", parent: QWidget | None = None) -> None:
        """`names`: the object names of the parts in NAMED; `hash_title`: the title of the hash lines' box."""
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._runner, self._offline = runner, offline
        self._hash = subject_hash
        self._made: Any = None
        self._busy = False
        self._answered = False
        self.ask_path: AskPath = ask_request_path  # tests replace it
        self.answer: AnswerImport | None = None
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_text = PlainLabel(busy_text)
        self.busy_text.setWordWrap(True)
        self.error = ErrorLine()
        self.qr = AnimatedQr()
        self.request_id = PlainLabel(selectable=True)
        self.request_id.setWordWrap(True)
        self.checked = ToneLabel(bold=True, selectable=True)
        self.checked.setWordWrap(True)
        self.instruction = ToneLabel(bold=True)
        self.instruction.setWordWrap(True)
        self.hash_text = PlainLabel(selectable=True)
        self.hash_text.setFont(fixed_font())
        self.save_button = QPushButton("&Save as file…")
        self.save_button.setToolTip("Write the request as UR lines, one part a line (for an SD card); never over an "
                                    "existing file")
        self.save_button.clicked.connect(self.save)
        self.import_button = QPushButton("&Import the answer…")
        self.import_button.clicked.connect(self.import_answer)
        self.outcome = ToneLabel(selectable=True)
        self.outcome.setWordWrap(True)
        self.hash_box = QGroupBox(hash_title)
        self.request_box = self._build_request_box()
        for part in NAMED:
            getattr(self, part).setObjectName(names[part])

    def _build_request_box(self) -> QGroupBox:
        box = QGroupBox("The sign request: show it to the offline signer's camera, or save it as a file")
        side = QVBoxLayout()
        side.addWidget(self.request_id)
        side.addWidget(self.checked)
        side.addWidget(self.instruction)
        side.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(self.save_button)
        actions.addWidget(self.import_button)
        actions.addStretch(1)
        side.addLayout(actions)
        side.addWidget(self.outcome)
        top = QHBoxLayout()
        top.addWidget(self.qr, 3)
        top.addLayout(side, 2)
        QVBoxLayout(self.hash_box).addWidget(self.hash_text)
        layout = QVBoxLayout(box)
        layout.addLayout(top, 1)
        layout.addWidget(self.hash_box)
        box.hide()
        return box

    # -- what tests and the page read -----------------------------------------------------------------------------
    @property
    def made(self) -> Any:
        """What was made, once made (None before)."""
        return self._made

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def subject_hash(self) -> str:
        """The hash the request is for."""
        return self._hash

    def hash_lines_shown(self) -> list[str]:
        return self.hash_text.text().split("\n") if self.hash_text.text() else []

    # -- what each dialog says of what it made --------------------------------------------------------------------
    def request_urs(self, made: Any) -> Sequence[str]:
        raise NotImplementedError

    def request_id_of(self, made: Any) -> Any:
        raise NotImplementedError

    def _made_request(self, made: Any) -> None:
        raise NotImplementedError

    # -- making the request ---------------------------------------------------------------------------------------
    def _make(self, work: Callable[[], Any], busy_text: str | None = None) -> None:
        """Make the request on the SERIAL lane (it checks and records) with the busy bar shown."""
        self.error.clear_error()
        self._set_busy(True, busy_text)
        (self._runner.command(work).with_owner(self)
         .on_success(self._made_request).on_failure(self._failed).quietly().run())

    def _show_request(self, made: Any, *, request_line: str, checked: str, decision: Any) -> None:
        self._set_busy(False)
        self._made = made
        self.request_id.setText(request_line)
        self.checked.setText(checked)
        self.checked.set_tone(DECISION_TONES.get(str(decision), "plain"))
        self.qr.set_urs(self.request_urs(made))

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        text = f"{self.failed_prefix}{one_line(exc)}"
        self.error.show_error(text)
        emit(self.sig_outcome_shown, text)
        if not isinstance(exc, WalletError):
            self._runner.present(exc, self)
        self._update_controls()

    # -- saving and importing -------------------------------------------------------------------------------------
    def save(self) -> None:
        made = self._made
        if made is None or self._busy:
            return
        answer = self.ask_path(self, f"{self.file_prefix}-{self._hash[2:10]}.txt")
        if not answer:
            return
        path, data = Path(answer), request_file_text(self.request_urs(made))
        (self._runner.command(lambda: write_new_file(path, data)).with_owner(self)
         .on_success(lambda where: self._say(f"Saved the request to {where}", "good"))
         .on_failure(lambda exc: self._say(one_line(exc), "bad")).quietly().run())

    def import_answer(self) -> AnswerImport | None:
        made, offline = self._made, self._offline
        if made is None or offline is None or self._busy:
            return None
        started = restart_import(self.answer, runner=self._runner, sources=offline, parent=self, say=self._say,
                                 imported=self._imported, expected_request=self.request_id_of(made))
        self.answer = started or self.answer
        return started

    def _imported(self, _imported: Any) -> None:
        self._answered = True  # a second copy would be refused (K3)
        self._update_controls()
        emit(self.sig_queue_changed, self._hash)

    def _say(self, text: str, tone: str) -> None:
        self.outcome.setText(text)
        self.outcome.set_tone(tone)
        emit(self.sig_outcome_shown, text)

    # -- state ----------------------------------------------------------------------------------------------------
    def _set_busy(self, busy: bool, text: str | None = None) -> None:
        self._busy = busy
        self.busy_bar.setVisible(busy)
        if text is not None:
            self.busy_text.setText(text)
        self.busy_text.setVisible(busy)
        self._update_controls()

    def _update_controls(self) -> None:
        made = self._made is not None
        self.save_button.setEnabled(not self._busy and made)
        self.import_button.setEnabled(not self._busy and made and not self._answered and self._offline is not None)
