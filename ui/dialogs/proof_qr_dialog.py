"""A proof bundle as QR codes, one part at a time ("part i of n", Previous/Next), each drawn from its module matrix;
"Save images…" writes every part as a PNG next to a chosen name, never over an existing file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from ui.widgets.proof_qr import qr_image

AskImagePath = Callable[[QWidget, str], str | None]


def ask_image_path(parent: QWidget, suggested: str) -> str | None:
    path, _filter = QFileDialog.getSaveFileName(parent, "Save the QR codes", suggested, "PNG images (*.png)",
                                                options=QFileDialog.Option.DontConfirmOverwrite)
    return path or None


def part_paths(base: Path, count: int) -> list[Path]:
    stem = base.stem if base.suffix.lower() == ".png" else base.name
    if count == 1:
        return [base.with_name(f"{stem}.png")]
    return [base.with_name(f"{stem}-part-{i}-of-{count}.png") for i in range(1, count + 1)]


class ProofQrDialog(QDialog):
    def __init__(self, parts: Sequence[str], title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("proofQrDialog")
        self.setWindowTitle("Proof as QR codes")
        self._parts = list(parts)
        self._images: dict[int, QImage] = {}
        self._index = 0
        self.ask_path: AskImagePath = ask_image_path  # tests replace it
        self.heading = PlainLabel(title)
        self.heading.setWordWrap(True)
        self.code = QLabel()
        self.code.setTextFormat(Qt.TextFormat.PlainText)  # it shows only an image
        self.code.setObjectName("proofQrCode")
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setStyleSheet("background: white;")  # a code must stay dark on light to be read
        self.position = PlainLabel()
        self.position.setObjectName("proofQrPosition")
        self.position.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.problem = ErrorLine()
        self.saved = PlainLabel(selectable=True)
        self.saved.setWordWrap(True)
        self.previous_button = QPushButton("&Previous")
        self.next_button = QPushButton("&Next")
        self.save_button = QPushButton("&Save images…")
        self.save_button.setToolTip("Write every part as a PNG image")
        close = QPushButton("Close")
        buttons = QHBoxLayout()
        buttons.addWidget(self.previous_button)
        buttons.addWidget(self.position, 1)
        buttons.addWidget(self.next_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_button)
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.code, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.problem)
        layout.addWidget(self.saved)
        layout.addLayout(bottom)
        self.previous_button.clicked.connect(lambda: self.show_part(self._index - 1))
        self.next_button.clicked.connect(lambda: self.show_part(self._index + 1))
        self.save_button.clicked.connect(self.save_images)
        close.clicked.connect(self.accept)
        self.show_part(0)

    @property
    def index(self) -> int:
        return self._index

    @property
    def count(self) -> int:
        return len(self._parts)

    def image(self, index: int) -> QImage:
        if index not in self._images:
            self._images[index] = qr_image(self._parts[index])
        return self._images[index]

    def show_part(self, index: int) -> None:
        if not 0 <= index < len(self._parts):
            return
        self._index = index
        self.code.setPixmap(QPixmap.fromImage(self.image(index)))
        self.position.setText(f"Part {index + 1} of {len(self._parts)}")
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(self._parts) - 1)

    def save_images(self) -> None:
        answer = self.ask_path(self, "proof-qr.png")
        if not answer:
            return
        paths = part_paths(Path(answer), len(self._parts))
        taken = [p.name for p in paths if p.exists()]
        if taken:
            self.problem.show_error(f"Not written: {', '.join(taken[:3])} already exists. Images are never "
                                    "overwritten.")
            return
        for index, path in enumerate(paths):
            if not self.image(index).save(str(path)):
                self.problem.show_error(f"{path.name} could not be written.")
                return
        self.problem.clear_error()
        self.saved.setText(f"Saved {len(paths)} image{'s' if len(paths) != 1 else ''}: {paths[0].parent}")
