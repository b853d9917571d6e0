"""The layout every list page shares: a message that stands in for an empty table, and a table over its details."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QStackedWidget, QWidget

from ui.widgets.plain_label import PlainLabel


def build_message_stack(table: QWidget, text: str, name: str) -> tuple[QStackedWidget, PlainLabel]:
    """A stack showing `table`, or a centred plain-text message while there are no rows."""
    message = PlainLabel(text)
    message.setObjectName(name)
    message.setAlignment(Qt.AlignmentFlag.AlignCenter)
    message.setWordWrap(True)
    stack = QStackedWidget()
    stack.addWidget(message)
    stack.addWidget(table)
    return stack, message


def build_vertical_split(
    top: QWidget, bottom: QWidget, *, stretch: tuple[int, int], sizes: tuple[int, int]
) -> QSplitter:
    splitter = QSplitter(Qt.Orientation.Vertical)
    splitter.setChildrenCollapsible(False)
    splitter.addWidget(top)
    splitter.addWidget(bottom)
    splitter.setStretchFactor(0, stretch[0])
    splitter.setStretchFactor(1, stretch[1])
    splitter.setSizes(list(sizes))
    return splitter
