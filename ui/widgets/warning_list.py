"""A column of warnings, each a selectable plain-text line in its tone ("bad" ones bold), replaced as a whole."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.widgets.tone_label import ToneLabel


class WarningList(QWidget):
    def __init__(self, object_name: str, parent: QWidget | None = None, *, spacing: int | None = None) -> None:
        super().__init__(parent)
        self._object_name = object_name  # of each line, for tests and style sheets
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        if spacing is not None:
            self._layout.setSpacing(spacing)
        self.labels: list[ToneLabel] = []

    def show_warnings(self, warnings: Sequence[tuple[str, str]]) -> None:
        """Replace the lines by `warnings`, each (tone, text)."""
        for label in self.labels:
            self._layout.removeWidget(label)
            label.deleteLater()
        self.labels = []
        for tone, text in warnings:
            label = ToneLabel(text, bold=tone == "bad", selectable=True)
            label.setObjectName(self._object_name)
            label.setWordWrap(True)
            label.set_tone(tone)
            self._layout.addWidget(label)
            self.labels.append(label)
