"""The banner that marks a demo profile, in colours derived from the current palette."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QWidget

from ui.widgets.plain_label import PlainLabel

DEMO_TEXT = "Demo profile — demo keys only, password custos-demo; never use for real funds"

_AMBER = QColor(0xE0, 0xA0, 0x00)


def _mix(a: QColor, b: QColor, weight_b: float) -> QColor:
    wa = 1.0 - weight_b
    return QColor(
        round(a.red() * wa + b.red() * weight_b),
        round(a.green() * wa + b.green() * weight_b),
        round(a.blue() * wa + b.blue() * weight_b),
    )


class DemoBanner(QFrame):
    """An amber strip tinted from the window colour, so it reads well in both light and dark palettes. It says
    `text` (the demo warning unless told otherwise)."""

    def __init__(
        self, parent: QWidget | None = None, *, text: str = DEMO_TEXT, accessible_name: str = "", bold: bool = True
    ) -> None:
        super().__init__(parent)
        self.setObjectName("demoBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self._label = PlainLabel(text)
        self._label.setWordWrap(True)
        font = self._label.font()
        font.setBold(bold)
        self._label.setFont(font)
        self._label.setAccessibleName(accessible_name or "Demo profile warning")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self._label, 1)
        self._updating = False
        self._apply_colours()

    def text(self) -> str:
        return str(self._label.text())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ParentChange) and not self._updating:
            self._apply_colours()

    def _apply_colours(self) -> None:
        parent = self.parentWidget()
        base = parent.palette() if parent is not None else QGuiApplication.palette()
        window = base.color(QPalette.ColorRole.Window)
        text = base.color(QPalette.ColorRole.WindowText)
        dark = window.lightness() < 128
        palette = QPalette(base)
        background = _mix(window, _AMBER, 0.35 if dark else 0.45)
        foreground = _mix(text, _AMBER, 0.25) if dark else _mix(text, QColor(0x5A, 0x3A, 0x00), 0.6)
        palette.setColor(QPalette.ColorRole.Window, background)
        palette.setColor(QPalette.ColorRole.WindowText, foreground)
        self._updating = True
        try:
            self.setPalette(palette)
        finally:
            self._updating = False
