"""Table model of the profile's token registry for the Tokens dialog: one row per `TokenEntry`.

Symbols and names come from the tokens: cells show them with invisible and direction-changing characters made visible,
and tooltips are escaped (Qt guesses rich text for tooltips, so an unescaped name could render or fetch).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont

from ui.fonts import fixed_font
from ui.models.column_table import AnyIndex, ColumnTableModel
from ui.models.holdings_rows import STANDARD_TEXT
from ui.plain_text import reveal_invisible

if TYPE_CHECKING:
    from wallet_app.holdings.registry import TokenEntry

SOURCE_TEXT = {"registry": "Registry", "added": "Added by address", "discovered": "Discovered"}
TOKEN_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""Data role returning the row's `TokenEntry`."""


def plain_tooltip(text: str) -> str:
    """A tooltip that shows `text` literally: Qt guesses rich text for tooltips, so it is escaped and marked rich."""
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>"


def review_text(token: TokenEntry) -> str:
    if not token.verified:
        return "Unreviewed"
    return f"Approved by {token.reviewed_by}" if token.reviewed_by else "Reviewed"


def symbol_text(token: TokenEntry) -> str:
    return reveal_invisible(token.symbol, max_length=24) or "(no symbol)"


class TokenColumn(IntEnum):
    SYMBOL = 0
    NAME = 1
    STANDARD = 2
    ADDRESS = 3
    SOURCE = 4
    REVIEW = 5
    SPAM = 6


_HEADERS: dict[TokenColumn, tuple[str, str]] = {
    TokenColumn.SYMBOL: ("Symbol", "As the token says it (untrusted: check the address)"),
    TokenColumn.NAME: ("Name", "As the token says it (untrusted: check the address)"),
    TokenColumn.STANDARD: ("Standard", "ERC-20, ERC-721, ERC-1155 or ERC-3643, as Custos detected it"),
    TokenColumn.ADDRESS: ("Address", "The token's contract: its identity, never its symbol"),
    TokenColumn.SOURCE: ("Source", "Entered in the registry, added by address, or discovered from transfers"),
    TokenColumn.REVIEW: ("Review", "Reviewed tokens are approved; unreviewed ones are shown apart and never priced"),
    TokenColumn.SPAM: ("Flags", "Why Custos takes it for spam or a lookalike"),
}


class TokensTableModel(ColumnTableModel):
    headers = _HEADERS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tokens: list[TokenEntry] = []
        self._fixed: QFont | None = None
        self._italic: QFont | None = None

    def set_tokens(self, tokens: Sequence[TokenEntry]) -> None:
        self.beginResetModel()
        self._tokens = list(tokens)
        self.endResetModel()

    def tokens(self) -> list[TokenEntry]:
        return list(self._tokens)

    def token_at(self, row: int) -> TokenEntry | None:
        return self._tokens[row] if 0 <= row < len(self._tokens) else None

    def row_of(self, address: str) -> int | None:
        wanted = address.lower()
        return next((row for row, t in enumerate(self._tokens) if t.address.lower() == wanted), None)

    def row_total(self) -> int:
        return len(self._tokens)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        cell = self.cell(index)
        if cell is None:
            return None
        row, col = cell
        token, column = self._tokens[row], TokenColumn(col)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._display(token, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(self._tooltip(token, column))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(col)
        if role == Qt.ItemDataRole.FontRole:
            return self._font(token, column)
        if role == TOKEN_ROLE:
            return token
        return None

    @staticmethod
    def _display(token: TokenEntry, column: TokenColumn) -> str:
        match column:
            case TokenColumn.SYMBOL:
                return symbol_text(token)
            case TokenColumn.NAME:
                return reveal_invisible(token.name, max_length=60)
            case TokenColumn.STANDARD:
                return STANDARD_TEXT.get(token.standard, token.standard.value)
            case TokenColumn.ADDRESS:
                return token.address
            case TokenColumn.SOURCE:
                return SOURCE_TEXT.get(token.source, token.source)
            case TokenColumn.REVIEW:
                return review_text(token)
            case TokenColumn.SPAM:
                return ("⚠ " + reveal_invisible(token.spam_reason, max_length=160)) if token.spam_reason else ""

    @staticmethod
    def _tooltip(token: TokenEntry, column: TokenColumn) -> str:
        lines = [f"Symbol: {reveal_invisible(token.symbol, max_length=80)}",
                 f"Name: {reveal_invisible(token.name, max_length=200)}",
                 f"Contract: {token.address}", f"Decimals: {token.decimals}"]
        if column is TokenColumn.REVIEW and token.reviewed_at is not None:
            lines.append(f"Approved {token.reviewed_at:%Y-%m-%d %H:%M} UTC by {token.reviewed_by}")
        if token.spam_reason:
            lines.append("Flagged: " + reveal_invisible(token.spam_reason, max_length=600))
        return "\n".join(lines)

    def _font(self, token: TokenEntry, column: TokenColumn) -> QFont | None:
        if column is TokenColumn.ADDRESS:
            if self._fixed is None:
                self._fixed = fixed_font()
            return self._fixed
        if not token.verified and column in (TokenColumn.SYMBOL, TokenColumn.REVIEW):
            if self._italic is None:
                self._italic = QFont()
                self._italic.setItalic(True)
            return self._italic
        return None
