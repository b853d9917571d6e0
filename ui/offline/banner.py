"""The strip on every screen of the offline signer saying that this computer never connects to a network, in a blue
tinted from the window colour so that it reads well in light and dark palettes (like the demo banner's amber)."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QWidget

from ui.widgets.plain_label import PlainLabel

OFFLINE_TEXT = "Offline signer — this computer never connects to a network"

_BLUE = QColor(0x2F, 0x7D, 0xD1)


def _mix(a: QColor, b: QColor, weight_b: float) -> QColor:
    wa = 1.0 - weight_b
    return QColor(round(a.red() * wa + b.red() * weight_b), round(a.green() * wa + b.green() * weight_b),
                  round(a.blue() * wa + b.blue() * weight_b))


class OfflineBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.label = PlainLabel(OFFLINE_TEXT)
        self.label.setObjectName("offlineBannerText")
        self.label.setWordWrap(True)
        font = self.label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.label.setFont(font)
        self.label.setAccessibleName("Offline signer")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self.label, 1)
        self._updating = False
        self._apply_colours()

    def text(self) -> str:
        return str(self.label.text())

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
        palette.setColor(QPalette.ColorRole.Window, _mix(window, _BLUE, 0.35 if dark else 0.22))
        ink = _mix(text, QColor(0xCF, 0xE6, 0xFF), 0.5) if dark else _mix(text, QColor(0x0B, 0x2E, 0x5C), 0.7)
        palette.setColor(QPalette.ColorRole.WindowText, ink)
        self._updating = True
        try:
            self.setPalette(palette)
        finally:
            self._updating = False
