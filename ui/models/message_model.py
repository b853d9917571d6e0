"""The Approvals page's list of Safe messages: one row per message (state, vault, kind, "k of n signatures", proposer,
when, the whole SafeMessage hash in monospace). It holds prepared rows (ui.models.message_rows) and never calls a
service. Quarantine and flagged signatures colour the state in a warning tone, always with words; tooltips carry
outside text, so they are escaped (`plain_tooltip`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont

from ui.fonts import fixed_font
from ui.models.column_table import AnyIndex, RowsTableModel
from ui.models.message_rows import MessageColumn, MessageRow
from ui.models.tokens_model import plain_tooltip
from ui.tones import tone_color

MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1  # the MessageRow of a row


class MessagesTableModel(RowsTableModel[MessageRow]):
    headers = {
        MessageColumn.STATE: ("State", "Where it stands now, from the owner signatures that verify now"),
        MessageColumn.VAULT: ("Vault", "The vault whose owners are asked to sign it (EIP-1271)"),
        MessageColumn.KIND: ("Kind", "What the message is (a holding statement: an account's holdings at one block)"),
        MessageColumn.SIGNATURES: ("Signatures", "Valid signatures of current owners against the vault's threshold"),
        MessageColumn.PROPOSER: ("Proposer", "Who asked for it, and when (the proposal record is signed by this key)"),
        MessageColumn.HASH: ("SafeMessage hash", "The hash the owners sign, in full"),
    }

    def index_of(self, message_hash: str) -> QModelIndex:
        wanted = message_hash.lower()
        for row, item in enumerate(self._rows):
            if item.message_hash.lower() == wanted:
                return self.index(row, 0)
        return QModelIndex()

    def data(self, index: AnyIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        cell = self.cell(index)
        if cell is None:
            return None
        row, column = self._rows[cell[0]], cell[1]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.texts[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(row.tips[column])
        if role == MESSAGE_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(column)
        if role == Qt.ItemDataRole.ForegroundRole and column == MessageColumn.STATE:
            colour = tone_color(row.tone)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.FontRole:
            if column == MessageColumn.HASH:
                return fixed_font()
            if column == MessageColumn.STATE and row.tone in ("warn", "bad"):
                font = QFont()
                font.setBold(True)
                return font
        return None
