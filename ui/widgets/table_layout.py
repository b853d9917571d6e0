"""The layout every list page shares: a message that stands in for an empty table, and a table over its details."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QSplitter, QStackedWidget, QTableView, QWidget

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


def build_read_only_table(
    model: QAbstractItemModel, name: str, *, elide: Qt.TextElideMode = Qt.TextElideMode.ElideRight
) -> QTableView:
    """A table of whole rows, one selected at a time, never edited in place, without row numbers."""
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setTextElideMode(elide)
    table.verticalHeader().hide()
    return table
