"""An inline error line for dialogs, in a red readable on light and dark palettes."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from ui.plain_text import reveal_invisible
from ui.widgets.plain_label import PlainLabel

_RED_ON_LIGHT = QColor(0xB3, 0x1D, 0x28)
_RED_ON_DARK = QColor(0xFF, 0x8A, 0x80)


class ErrorLine(PlainLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setWordWrap(True)
        self.setVisible(False)
        self._updating = False
        self._apply_colour()

    def show_error(self, text: str) -> None:
        self.setText(reveal_invisible(text, max_length=400))
        self.setVisible(bool(text))

    def clear_error(self) -> None:
        self.setText("")
        self.setVisible(False)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ParentChange) and not self._updating:
            self._apply_colour()

    def _apply_colour(self) -> None:
        parent = self.parentWidget()
        palette = QPalette(parent.palette() if parent is not None else self.palette())
        dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
        palette.setColor(QPalette.ColorRole.WindowText, _RED_ON_DARK if dark else _RED_ON_LIGHT)
        self._updating = True
        try:
            self.setPalette(palette)
        finally:
            self._updating = False
