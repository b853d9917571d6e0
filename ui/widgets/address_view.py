"""A full, selectable, monospace address with a Copy button."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QWidget

from ui.fonts import fixed_font
from ui.signals import emit
from ui.widgets.plain_label import PlainLabel


class AddressView(QWidget):
    sig_address_copied = Signal(str)
    """The address was put on the clipboard."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._address = ""
        self._label = PlainLabel(selectable=True)
        self._label.setFont(fixed_font())
        self._label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._copy = QPushButton("Copy")
        self._copy.setToolTip("Copy the full address to the clipboard")
        self._copy.clicked.connect(self.copy_to_clipboard)
        self._copy.setEnabled(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._label)
        layout.addWidget(self._copy)
        layout.addStretch(1)

    def address(self) -> str:
        return self._address

    def set_address(self, address: str) -> None:
        self._address = address
        self._label.setText(address)
        self._label.setToolTip(address)
        self._copy.setEnabled(bool(address))

    def copy_to_clipboard(self) -> None:
        if not self._address:
            return
        QGuiApplication.clipboard().setText(self._address)
        self._copy.setText("Copied")
        QTimer.singleShot(1500, self, lambda: self._copy.setText("Copy"))
        emit(self.sig_address_copied, self._address)
