"""Banners: a strip in a colour tinted from the current palette, so that it reads well in light and dark palettes.
The demo banner (amber) marks a demo profile; the offline signer's (blue) says it never connects to a network."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QWidget

from ui.widgets.plain_label import PlainLabel

DEMO_TEXT = "Demo profile — demo keys only, password custos-demo; never use for real funds"


def _mix(a: QColor, b: QColor, weight_b: float) -> QColor:
    wa = 1.0 - weight_b
    return QColor(round(a.red() * wa + b.red() * weight_b), round(a.green() * wa + b.green() * weight_b),
                  round(a.blue() * wa + b.blue() * weight_b))


@dataclass(frozen=True)
class Tint:
    """The strip's colour, mixed into the window colour, and its text colour, mixed into the window text."""

    colour: QColor
    light_weight: float  # of `colour` in the background in a light palette
    dark_weight: float
    light_ink: QColor  # mixed into the text colour in a light palette
    light_ink_weight: float
    dark_ink: QColor
    dark_ink_weight: float


AMBER = Tint(QColor(0xE0, 0xA0, 0x00), 0.45, 0.35, QColor(0x5A, 0x3A, 0x00), 0.6, QColor(0xE0, 0xA0, 0x00), 0.25)
BLUE = Tint(QColor(0x2F, 0x7D, 0xD1), 0.22, 0.35, QColor(0x0B, 0x2E, 0x5C), 0.7, QColor(0xCF, 0xE6, 0xFF), 0.5)


class TintedBanner(QFrame):
    """A strip saying `text` in the colours of `tint`, recoloured whenever the palette changes."""

    def __init__(self, text: str, tint: Tint, parent: QWidget | None = None, *, accessible_name: str = "",
                 bold: bool = True, scale: float = 1.0, object_name: str = "banner") -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self._tint = tint
        self.label = PlainLabel(text)
        self.label.setObjectName(f"{object_name}Text")
        self.label.setWordWrap(True)
        font = self.label.font()
        font.setBold(bold)
        font.setPointSizeF(font.pointSizeF() * scale)
        self.label.setFont(font)
        self.label.setAccessibleName(accessible_name or text)
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
        tint = self._tint
        dark = window.lightness() < 128
        palette = QPalette(base)
        palette.setColor(QPalette.ColorRole.Window,
                         _mix(window, tint.colour, tint.dark_weight if dark else tint.light_weight))
        ink = _mix(text, tint.dark_ink, tint.dark_ink_weight) if dark else \
            _mix(text, tint.light_ink, tint.light_ink_weight)
        palette.setColor(QPalette.ColorRole.WindowText, ink)
        self._updating = True
        try:
            self.setPalette(palette)
        finally:
            self._updating = False


class DemoBanner(TintedBanner):
    """The amber strip of a demo profile. It says `text` (the demo warning unless told otherwise)."""

    def __init__(self, parent: QWidget | None = None, *, text: str = DEMO_TEXT, accessible_name: str = "",
                 bold: bool = True) -> None:
        super().__init__(text, AMBER, parent, accessible_name=accessible_name or "Demo profile warning", bold=bold,
                         object_name="demoBanner")
