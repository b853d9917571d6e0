"""A hash (policy digest, safeTxHash) shown for comparing out of band: monospace, in groups of four hex digits, with
a Copy button that copies it whole (0x and 64 hex digits, no spaces)."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QWidget

from ui.fonts import fixed_font
from ui.signals import emit
from ui.widgets.plain_label import PlainLabel


def hex_text(value: bytes | str | None) -> str:
    """'0x' and lowercase hex digits, from bytes or from a hex string (with or without 0x); '' for None."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return "0x" + str(value).strip().removeprefix("0x").removeprefix("0X").lower()


def chunk_hex(value: bytes | str | None, *, group: int = 4, per_line: int = 0) -> str:
    """'0x 1a2b 3c4d …': the digits in groups of `group`, `per_line` groups a line (0: one line)."""
    digits = hex_text(value)[2:]
    if not digits:
        return ""
    groups = [digits[i:i + group] for i in range(0, len(digits), group)]
    if per_line <= 0 or len(groups) <= per_line:
        return "0x " + " ".join(groups)
    lines = [" ".join(groups[i:i + per_line]) for i in range(0, len(groups), per_line)]
    return "0x " + "\n   ".join(lines)


def short_hex(value: bytes | str | None, *, head: int = 6, tail: int = 4) -> str:
    """'0x1a2b3c…9f0e' for tables; the whole value goes in the tooltip."""
    text = hex_text(value)
    digits = text[2:]
    if len(digits) <= head + tail + 1:
        return text
    return f"0x{digits[:head]}…{digits[-tail:]}"


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
