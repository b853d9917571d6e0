"""Fonts shared by models and widgets."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase


def fixed_font() -> QFont:
    """The system monospace font, for addresses and hashes (every character the same width, 0/O and 1/l apart)."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font
