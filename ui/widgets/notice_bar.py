"""An in-window notice (where the desktop has no system tray): a line of plain text with "Open Approvals" and
"Dismiss", above the tabs. The newest notice replaces the one shown; several in a row are counted."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QWidget

from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.widgets.tone_label import ToneLabel


class NoticeBar(QFrame):
    sig_opened = Signal()
    """The person pressed "Open Approvals"."""

    def __init__(self, parent: QWidget | None = None, *, on_open: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueNotice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        palette = QPalette(self.palette())
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.AlternateBase))
        self.setPalette(palette)
        self._count = 0
        self.text = ToneLabel(bold=True, selectable=True)
        self.text.setObjectName("queueNoticeText")
        self.text.setWordWrap(True)
        self.text.set_tone("warn")
        self.open_button = QPushButton("Open Approvals")
        self.open_button.setObjectName("queueNoticeOpen")
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setObjectName("queueNoticeDismiss")
        self.open_button.clicked.connect(self._open)
        self.dismiss_button.clicked.connect(self.dismiss)
        if on_open is not None:
            self.sig_opened.connect(on_open)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.open_button)
        layout.addWidget(self.dismiss_button)
        self.hide()

    @property
    def count(self) -> int:
        return self._count

    def show_notice(self, title: str, text: str) -> None:
        self._count += 1
        more = f"  (+{self._count - 1} earlier)" if self._count > 1 else ""
        self.text.setText(reveal_invisible(f"{title}: {text}", max_length=400) + more)
        self.show()

    def dismiss(self) -> None:
        self._count = 0
        self.hide()

    def _open(self) -> None:
        emit(self.sig_opened)
        self.dismiss()
