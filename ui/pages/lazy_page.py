"""A tab whose content is built the first time it is shown, so that opening the window pays only for the tabs a
person looks at (the cold-start benchmark's budget). Subclasses build their widgets in `_build` and read their data in
`refresh`, which every show calls."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget


class LazyPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._built = False
        QVBoxLayout(self).setContentsMargins(0, 0, 0, 0)

    @property
    def built(self) -> bool:
        return self._built

    def ensure_built(self) -> None:
        if self._built:
            return
        self._built = True
        self._build()

    def _build(self) -> None:
        raise NotImplementedError

    def refresh(self) -> None:
        raise NotImplementedError

    def showEvent(self, event: QShowEvent) -> None:
        self.ensure_built()
        super().showEvent(event)
        self.refresh()
