"""The Approvals page's list of account-vault transfers: one row per transfer (state, vault, nonce, the transfer in
words, "k of n approvals" with names, proposer, the whole signing hash in monospace). It holds prepared rows
(ui.models.account_rows) and never calls a service. A quarantine colours the state in a warning tone, always with
words; tooltips carry outside text, so they are escaped (`plain_tooltip`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont

from ui.fonts import fixed_font
from ui.models.account_rows import AccountColumn, AccountRow
from ui.models.column_table import AnyIndex, RowsTableModel
from ui.models.tokens_model import plain_tooltip
from ui.tones import tone_color

ACCOUNT_ROLE = Qt.ItemDataRole.UserRole + 1  # the AccountRow of a row


class AccountsTableModel(RowsTableModel[AccountRow]):
    headers = {
        AccountColumn.STATE: ("State", "Where it stands now, from the approvals that verify under the policy in force"),
        AccountColumn.VAULT: ("Vault", "The account vault that sends (its approvers and threshold are in the policy)"),
        AccountColumn.NONCE: ("Nonce", "The vault's account nonce the transaction uses"),
        AccountColumn.TRANSFER: ("Transfer", "What it does, decoded from the transaction's own fields"),
        AccountColumn.APPROVALS: ("Approvals", "Approvals that count now against the vault's threshold, by whom"),
        AccountColumn.PROPOSER: ("Proposer", "Who proposed it (the proposal record is signed by this key)"),
        AccountColumn.HASH: ("Signing hash", "The unsigned transaction's signing hash (in full in the tooltip and "
                                             "the dialogs): the offline signer shows the same"),
    }
    numeric = frozenset({AccountColumn.NONCE})

    def index_of(self, tx_hash: str) -> QModelIndex:
        wanted = tx_hash.lower()
        for row, item in enumerate(self._rows):
            if item.tx_hash.lower() == wanted:
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
        if role == ACCOUNT_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(column)
        if role == Qt.ItemDataRole.ForegroundRole and column == AccountColumn.STATE:
            colour = tone_color(row.tone)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.FontRole:
            if column == AccountColumn.HASH:
                return fixed_font()
            if column == AccountColumn.STATE and row.tone in ("warn", "bad"):
                font = QFont()
                font.setBold(True)
                return font
        return None
