"""A hash (policy digest, safeTxHash) shown for comparing out of band: monospace, in groups of four hex digits, with
a Copy button that copies it whole (0x and 64 hex digits, no spaces)."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QWidget

from ui.fonts import fixed_font
from ui.signals import emit
from ui.widgets.plain_label import PlainLabel
from wallet_app.domain.hex_text import chunk_hex, hex_text


class HashView(QWidget):
    sig_hash_copied = Signal(str)
    """The hash was put on the clipboard; carries it (0x and hex digits)."""

    def __init__(self, parent: QWidget | None = None, *, per_line: int = 0) -> None:
        super().__init__(parent)
        self._value = ""
        self._per_line = per_line
        self.label = PlainLabel(selectable=True)
        self.label.setFont(fixed_font())
        self.label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the whole hash (0x and 64 hex digits, no spaces) to the clipboard")
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        self.copy_button.setEnabled(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.copy_button)
        layout.addStretch(1)

    def value(self) -> str:
        return self._value

    def set_value(self, value: bytes | str | None) -> None:
        self._value = hex_text(value)
        self.label.setText(chunk_hex(value, per_line=self._per_line) or "—")
        self.label.setToolTip(self._value)
        self.copy_button.setEnabled(bool(self._value))

    def copy_to_clipboard(self) -> None:
        if not self._value:
            return
        QGuiApplication.clipboard().setText(self._value)
        self.copy_button.setText("Copied")
        QTimer.singleShot(1500, self, lambda: self.copy_button.setText("Copy"))
        emit(self.sig_hash_copied, self._value)
