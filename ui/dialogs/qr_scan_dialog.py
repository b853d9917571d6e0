"""Reading a UR (one, or the frames of an animated QR code) into a collector: from the camera, from image files, or
from a file of UR lines, in any mix, frames in any order, lost or repeated.

Each code read goes to `collector.receive` on the GUI thread; a refused one (a `WalletError`, say a code of another
kind or of another message) is said in the dialog while reading goes on, and the collector keeps nothing of it. The
progress bar follows `collector.progress`; the dialog closes itself, accepted, once `collector.is_complete`. Cancel
closes it rejected: what was collected is the caller's to throw away, nothing is recorded anywhere.

Images and files are read, and camera frames decoded, on a worker lane of the task runner (the caller's, or one of
the dialog's own), so the window never waits on the disk or the decoder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.errors import one_line
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from ui.widgets.qr_camera import CameraView
from ui.widgets.ur_collector import SingleUrCollector, UrCollector
from wallet_app.errors import WalletError

__all__ = ["QrScanDialog", "SingleUrCollector", "UrCollector"]

log = logging.getLogger(__name__)

CAMERA, IMAGE, FILE = "qr", "image", "file"  # the transport a code came by, as the audit log names it
MAX_REMEMBERED = 20_000  # distinct codes remembered, so that a code held before the camera is read once

AskPaths = Callable[[QWidget], list[str]]


def ask_image_paths(parent: QWidget) -> list[str]:
    paths, _filter = QFileDialog.getOpenFileNames(parent, "Read QR codes from images", "",
                                                  "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp);;All files (*)")
    return list(paths)


def ask_text_path(parent: QWidget) -> list[str]:
    path, _filter = QFileDialog.getOpenFileName(parent, "Read UR lines from a file", "",
                                                "UR text (*.txt *.ur *.request *.answer);;All files (*)")
    return [path] if path else []


def read_images(paths: Sequence[Path]) -> tuple[list[str], list[str]]:
    """(texts of every QR code found, problems naming each image that gave none); on a worker lane."""
    from ui.widgets.proof_qr import read_qr_texts

    texts: list[str] = []
    problems: list[str] = []
    for path in paths:
        try:
            found = read_qr_texts(path)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        except OSError as exc:
            problems.append(f"{path.name} could not be read ({exc.strerror or type(exc).__name__})")
            continue
        if not found:
            problems.append(f"No QR code was found in {path.name}")
        texts.extend(found)
    return texts, problems


def read_lines(path: Path) -> list[str]:
    from wallet_app.offline.transport import read_text_file

    return [line.strip() for line in read_text_file(path, "file") if line.strip()]


class QrScanDialog(QDialog):
    def __init__(self, collector: UrCollector, title: str, parent: QWidget | None = None, *,
                 runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qrScanDialog")
        self.setWindowTitle(title)
        self._collector = collector
        self._own_runner = runner is None
        self._runner = runner if runner is not None else TaskRunner(presenter=self._present, parallel_workers=1,
                                                                   parent=self)
        self._seen: set[str] = set()
        self._frames = 0
        self._source = ""
        self._busy = 0
        self._completed = False
        self.ask_images: AskPaths = ask_image_paths  # tests replace them
        self.ask_file: AskPaths = ask_text_path
        self.heading = PlainLabel(title)
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.camera = CameraView(self._runner)
        self.camera.setMinimumSize(420, 300)
        self.camera_button = QPushButton("&Camera")
        self.camera_button.setObjectName("scanCamera")
        self.camera_button.setToolTip("Read the codes with this computer's camera (hold the other screen steady, "
                                      "filling about half of the picture)")
        self.images_button = QPushButton("&Images…")
        self.images_button.setObjectName("scanImages")
        self.images_button.setToolTip("Read the codes from one or more photos or screenshots")
        self.file_button = QPushButton("&File…")
        self.file_button.setObjectName("scanFile")
        self.file_button.setToolTip("Read UR lines from a text file (one part a line), as `custos offline` writes")
        self.progress = QProgressBar()
        self.progress.setObjectName("scanProgress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.count = PlainLabel("0 frames read")
        self.count.setObjectName("scanCount")
        self.problem = ErrorLine()
        self.problem.setObjectName("scanProblem")
        self.note = PlainLabel()
        self.note.setObjectName("scanNote")
        self.note.setWordWrap(True)
        self.note.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        sources = QHBoxLayout()
        sources.addWidget(PlainLabel("Read from:"))
        for button in (self.camera_button, self.images_button, self.file_button):
            sources.addWidget(button)
        sources.addStretch(1)
        progress = QHBoxLayout()
        progress.addWidget(self.progress, 1)
        progress.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(sources)
        layout.addWidget(self.camera, 1)
        layout.addLayout(progress)
        layout.addWidget(self.problem)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.camera_button.clicked.connect(self.toggle_camera)
        self.images_button.clicked.connect(self.read_images)
        self.file_button.clicked.connect(self.read_file)
        self.camera.sig_codes_read.connect(lambda texts: self.take(texts, CAMERA))
        self.camera.sig_problem.connect(self.problem.show_error)
        self.camera.sig_running_changed.connect(
            lambda on: self.camera_button.setText("Stop the &camera" if on else "&Camera"))
        self.finished.connect(self._finished)
        self.resize(560, 520)

    # -- what the caller reads ------------------------------------------------------------------------------------
    @property
    def collector(self) -> UrCollector:
        return self._collector

    @property
    def frames_read(self) -> int:
        """Distinct codes the collector took (refused and repeated ones not counted)."""
        return self._frames

    @property
    def source(self) -> str:
        """How the code that completed the reading came: "qr" (camera), "image" or "file"; "" before."""
        return self._source

    # -- sources --------------------------------------------------------------------------------------------------
    def toggle_camera(self) -> None:
        if self.camera.running:
            self.camera.stop()
            return
        self.problem.clear_error()
        self.camera.start()

    def read_images(self) -> None:
        paths = [Path(p) for p in self.ask_images(self) if p]
        if not paths:
            return
        self.problem.clear_error()
        self._started(f"Reading {len(paths)} image{'s' if len(paths) != 1 else ''}…")
        (self._runner.query(lambda: read_images(paths)).with_owner(self)
         .on_success(self._images_read).on_failure(self._read_failed).quietly().run())

    def read_file(self) -> None:
        paths = [Path(p) for p in self.ask_file(self) if p]
        if not paths:
            return
        self.problem.clear_error()
        path = paths[0]
        self._started(f"Reading {path.name}…")
        (self._runner.query(lambda: read_lines(path)).with_owner(self)
         .on_success(lambda lines: self._file_read(path, lines)).on_failure(self._read_failed).quietly().run())

    def _started(self, text: str) -> None:
        self._busy += 1
        self.note.setText(text)
        self.note.show()

    def _done(self) -> None:
        self._busy = max(0, self._busy - 1)
        if not self._busy:
            self.note.hide()

    def _images_read(self, result: tuple[list[str], list[str]]) -> None:
        self._done()
        texts, problems = result
        refused = self.take(texts, IMAGE)
        if problems or refused:
            self.problem.show_error("; ".join([*problems, *([refused] if refused else [])]))

    def _file_read(self, path: Path, lines: list[str]) -> None:
        self._done()
        if not lines:
            self.problem.show_error(f"{path.name} holds no UR lines")
            return
        self.take(lines, FILE)

    def _read_failed(self, exc: BaseException) -> None:
        self._done()
        self.problem.show_error(one_line(exc))
        if not isinstance(exc, WalletError):
            log.warning("reading codes failed", exc_info=exc)

    # -- codes ----------------------------------------------------------------------------------------------------
    def take(self, texts: Sequence[str], source: str) -> str:
        """Give each code to the collector (once each); a refused one is said (and returned), the rest still read."""
        problem = ""
        for text in texts:
            if self._collector.is_complete:
                break
            text = text.strip()
            if not text or text in self._seen:
                continue
            if len(self._seen) < MAX_REMEMBERED:
                self._seen.add(text)
            try:
                self._collector.receive(text)
            except WalletError as exc:
                problem = exc.user_message
                continue
            self._frames += 1
            self._source = source
        if problem:
            self.problem.show_error(problem)
        self._show_progress()
        if self._collector.is_complete and not self._completed:
            self._completed = True
            self.camera.stop()
            self.done(QDialog.DialogCode.Accepted)
        return problem

    def _show_progress(self) -> None:
        value = 1.0 if self._collector.is_complete else max(0.0, min(1.0, float(self._collector.progress)))
        self.progress.setValue(round(value * 1000))
        self.count.setText(f"{self._frames} frame{'s' if self._frames != 1 else ''} read")

    # -- closing --------------------------------------------------------------------------------------------------
    def _present(self, exc: BaseException, _parent: QWidget | None) -> None:
        self.problem.show_error(one_line(exc))

    def _finished(self, _result: int) -> None:
        self.camera.stop()
        if self._own_runner:
            self._runner.shutdown(timeout=1.0)
