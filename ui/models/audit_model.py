"""The Audit page's table: one row per audit entry, prepared off the GUI thread (`prepare_audit_rows`), and a proxy
that filters by action, actor and text. The model holds rows and never calls a service.

Every text of an entry can come from outside (token names and symbols in details, labels, host names), so rows carry
it with invisible and direction-changing characters made visible; tooltips are escaped (`plain_tooltip`). The first
bad entry found by a verification is shown in red, in words too ("BAD").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any, Protocol

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QFont

from ui.fonts import fixed_font
from ui.models.column_table import AnyIndex, ColumnTableModel
from ui.models.tokens_model import plain_tooltip
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.tones import tone_color

ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""Data role returning the `AuditRow`."""


class AuditEntryLike(Protocol):
    """The parts of `wallet_app.audit.entry.AuditEntry` the page shows."""

    @property
    def seq(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def host(self) -> str: ...
    @property
    def actor(self) -> str: ...
    @property
    def actor_label(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def entry_hash(self) -> str: ...
    @property
    def signature(self) -> str | None: ...
    def details(self) -> dict[str, Any]: ...
    def to_json(self) -> dict[str, Any]: ...


class AuditColumn(IntEnum):
    SEQ = 0
    TIME = 1
    ACTOR = 2
    ROLE = 3
    ACTION = 4
    SUBJECT = 5
    DETAIL = 6


_HEADERS: dict[AuditColumn, tuple[str, str]] = {
    AuditColumn.SEQ: ("#", "The entry's place in the hash chain (1, 2, 3 … without gaps)"),
    AuditColumn.TIME: ("Time", "When it happened, in this computer's time zone"),
    AuditColumn.ACTOR: ("Actor", "Who did it: a key of the profile (its label and address), the operator at a "
                                 "desktop (its user name), or Custos itself (system)"),
    AuditColumn.ROLE: ("Role", "The actor's roles in the policy in force and the vaults it owned, when it acted"),
    AuditColumn.ACTION: ("Action", "What was done; ✎ marks an entry signed by its actor"),
    AuditColumn.SUBJECT: ("Subject", "What it was about: a key, token or feed address, a policy digest, a SafeTx "
                                     "hash, a file"),
    AuditColumn.DETAIL: ("Detail", "The entry's detail in one line (select the entry for all of it)"),
}


@dataclass(frozen=True, slots=True)
class AuditRow:
    seq: int
    actor: str  # as recorded (an address, "operator" or "system"): what the actor filter matches
    action: str
    signed: bool
    texts: tuple[str, ...]  # display text per AuditColumn, hidden characters made visible
    full: str  # every field of the entry, one per line, for the detail box
    search: str  # lower-case text the search box matches


def prepare_audit_rows(entries: Iterable[AuditEntryLike]) -> list[AuditRow]:
    """Rows for the table, newest first as given; run on a worker lane (it imports the core's formatting)."""
    from wallet_app.audit.entry import summarize_detail

    rows = []
    for entry in entries:
        label = reveal_invisible(entry.actor_label, max_length=60)
        actor = f"{label} · {_short(entry.actor)}" if label else entry.actor
        detail = reveal_invisible(summarize_detail(entry.details()), max_length=240)
        texts = (str(entry.seq), entry.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), actor,
                 reveal_invisible(entry.role, max_length=120), ("✎ " if entry.signature else "") + entry.action,
                 reveal_invisible(entry.subject, max_length=80), detail)
        full = "\n".join(f"{key}: {_field_text(value)}" for key, value in entry.to_json().items())
        search = " ".join((*texts, entry.actor, entry.host, entry.entry_hash)).casefold()
        rows.append(AuditRow(entry.seq, entry.actor, entry.action, entry.signature is not None, texts, full, search))
    return rows


def _short(actor: str) -> str:
    """An address as 0x1234…abcd beside its label (the whole address is in the entry's detail box)."""
    return f"{actor[:6]}…{actor[-4:]}" if actor.startswith("0x") and len(actor) == 42 else actor


def _field_text(value: object) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": ")) if isinstance(value, dict) else str(value)
    return reveal_invisible(text, max_length=4000)


class AuditTableModel(ColumnTableModel):
    headers = _HEADERS
    numeric = frozenset({AuditColumn.SEQ})

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[AuditRow] = []
        self._bad_seq: int | None = None
        self._fixed: QFont | None = None
        self._bold: QFont | None = None

    def set_rows(self, rows: Sequence[AuditRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[AuditRow]:
        return list(self._rows)

    def row_at(self, row: int) -> AuditRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, seq: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.seq == seq), None)

    @property
    def bad_seq(self) -> int | None:
        return self._bad_seq

    def set_bad_seq(self, seq: int | None) -> None:
        """Mark the first bad entry a verification named (None: nothing is marked)."""
        self._bad_seq = seq
        if self._rows:
            emit(self.dataChanged, self.index(0, 0), self.index(len(self._rows) - 1, len(AuditColumn) - 1))

    def row_total(self) -> int:
        return len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        cell = self.cell(index)
        if cell is None:
            return None
        r, col = cell
        row = self._rows[r]
        bad = self._bad_seq is not None and row.seq == self._bad_seq
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            text = row.texts[col]
            return f"BAD {text}" if bad and col == AuditColumn.SEQ else text
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(row.texts[col])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(col)
        if role == Qt.ItemDataRole.ForegroundRole and bad:
            return tone_color("bad")
        if role == Qt.ItemDataRole.FontRole:
            return self._font(col, bad)
        if role == ROW_ROLE:
            return row
        return None

    def _font(self, col: int, bad: bool) -> QFont | None:
        if bad:
            if self._bold is None:
                self._bold = QFont()
                self._bold.setBold(True)
            return self._bold
        if col == AuditColumn.SUBJECT:
            if self._fixed is None:
                self._fixed = fixed_font()
            return self._fixed
        return None


class AuditFilterProxy(QSortFilterProxyModel):
    """Rows of one action, of one actor, mentioning a text (any combination; empty means any)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._action = ""
        self._actor = ""
        self._text = ""

    def set_filters(self, *, action: str | None = None, actor: str | None = None, text: str | None = None) -> None:
        self.beginFilterChange()
        if action is not None:
            self._action = action
        if actor is not None:
            self._actor = actor
        if text is not None:
            self._text = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        model = self.sourceModel()
        if not isinstance(model, AuditTableModel):
            return True
        row = model.row_at(source_row)
        if row is None:
            return False
        if self._action and row.action != self._action:
            return False
        if self._actor and row.actor.lower() != self._actor.lower():
            return False
        return not self._text or self._text in row.search
