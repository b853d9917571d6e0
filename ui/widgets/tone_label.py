"""A plain-text label in a tone (ui/tones.py) that follows the palette: light or dark, it stays readable."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from ui.tones import tone_color
from ui.widgets.plain_label import PlainLabel


class ToneLabel(PlainLabel):
    """A plain-text label in a tone, optionally larger and bold (the decision of a check)."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, scale: float = 1.0, bold: bool = False,
                 selectable: bool = False) -> None:
        super().__init__(text, parent, selectable=selectable)
        self._tone: str = "plain"
        self._updating = False
        if scale != 1.0 or bold:
            font = QFont(self.font())
            if scale != 1.0:
                font.setPointSizeF(font.pointSizeF() * scale)
            font.setBold(bold)
            self.setFont(font)
        self._apply()

    @property
    def tone(self) -> str:
        return self._tone

    def set_tone(self, tone: str) -> None:
        self._tone = tone
        self._apply()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ParentChange) and not self._updating:
            self._apply()

    def _apply(self) -> None:
        parent = self.parentWidget()
        base = QPalette(parent.palette() if parent is not None else QApplication.palette())
        colour = tone_color(self._tone, base)
        if colour is not None:
            base.setColor(QPalette.ColorRole.WindowText, colour)
        self._updating = True
        try:
            self.setPalette(base)
        finally:
            self._updating = False
