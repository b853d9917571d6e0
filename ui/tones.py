"""Colours that carry meaning (good, warning, bad), readable on a light and on a dark palette.

The Policy page colours decisions (allow, escalate, deny), rule verdicts and policy changes (tightens, loosens). Each
tone has a darker shade for light palettes and a lighter one for dark palettes, as ui/widgets/error_line.py does for
its red; which one applies is read from the palette when the colour is asked for, so a palette change needs only a
repaint. Colour is never the only signal: the words (Allow, Deny, loosens) are always shown too.
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

Tone = Literal["good", "warn", "bad", "muted", "plain"]

_SHADES: dict[str, tuple[QColor, QColor]] = {  # (on a light palette, on a dark palette)
    "good": (QColor(0x1B, 0x6E, 0x2E), QColor(0x7F, 0xD8, 0x8F)),
    "warn": (QColor(0x9A, 0x52, 0x00), QColor(0xFF, 0xC1, 0x4D)),
    "bad": (QColor(0xB3, 0x1D, 0x28), QColor(0xFF, 0x8A, 0x80)),
}

DECISION_TONES: dict[str, Tone] = {"allow": "good", "escalate": "warn", "deny": "bad"}
VERDICT_TONES: dict[str, Tone] = {"deny": "bad", "escalate": "warn", "match": "good", "pass": "plain",
                                  "skip": "muted"}
DIRECTION_TONES: dict[str, Tone] = {"loosens": "warn", "tightens": "good", "neutral": "plain"}


def is_dark(palette: QPalette | None = None) -> bool:
    chosen = palette if palette is not None else QApplication.palette()
    return chosen.color(QPalette.ColorRole.Base).lightness() < 128


def tone_color(tone: str, palette: QPalette | None = None) -> QColor | None:
    """The text colour of `tone` on `palette` (the application's by default); None: the palette's own text colour."""
    chosen = palette if palette is not None else QApplication.palette()
    if tone == "muted":
        return chosen.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    shades = _SHADES.get(tone)
    if shades is None:
        return None
    return shades[1] if is_dark(chosen) else shades[0]
