"""A small round indicator for the connection state, readable on light and dark palettes."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from wallet_app.domain.network import ConnectionState

# Mid-lightness colours keep enough contrast against both a light (~#efefef) and a dark (~#2d2d2d) window
# background; the outline below comes from the palette, and the state is always also written out in words.
_STATE_COLOURS = {
    ConnectionState.CONNECTED: QColor(0x2E, 0xA0, 0x43),
    ConnectionState.CONNECTING: QColor(0xD2, 0x99, 0x22),
    ConnectionState.WRONG_CHAIN: QColor(0xDA, 0x36, 0x33),
    ConnectionState.DISCONNECTED: QColor(0xDA, 0x36, 0x33),
}


class ConnectionDot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state: ConnectionState | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    @property
    def state(self) -> ConnectionState | None:
        return self._state

    def set_state(self, state: ConnectionState | None) -> None:
        self._state = state
        self.update()

    def colour(self) -> QColor:
        if self._state is None:  # nothing known yet: a neutral colour from the palette
            return self.palette().color(QPalette.ColorRole.PlaceholderText)
        return _STATE_COLOURS[self._state]

    def sizeHint(self) -> QSize:
        side = max(10, self.fontMetrics().height() * 2 // 3)
        return QSize(side + 2, side + 2)

    def paintEvent(self, _event: object) -> None:
        side = min(self.width(), self.height()) - 2
        rect = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        outline = QColor(self.palette().color(QPalette.ColorRole.WindowText))
        outline.setAlpha(110)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(outline, 1.0))
        painter.setBrush(self.colour())
        painter.drawEllipse(rect)
        painter.end()


def state_text(state: ConnectionState) -> str:
    return {
        ConnectionState.CONNECTING: "Connecting…",
        ConnectionState.CONNECTED: "Connected",
        ConnectionState.DISCONNECTED: "Disconnected",
        ConnectionState.WRONG_CHAIN: "Wrong chain",
    }[state]
