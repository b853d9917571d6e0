"""Table models of the Policy page: drafts, the changes of a draft, rule verdicts and recent decisions. They hold
rows prepared off the GUI thread (ui/models/policy_rows.py, policy_checks.py) and never call a service. Meaningful
rows are coloured in tones that read on light and dark palettes (ui/tones.py); the words say it too.
Tooltips carry outside text, so they are escaped (`plain_tooltip`)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont

from ui.models.column_table import AnyIndex, ColumnTableModel
from ui.models.policy_checks import DECISION_WORD, DecisionRow, VerdictRow
from ui.models.policy_rows import ChangeLine, DraftView
from ui.models.tokens_model import plain_tooltip
from ui.tones import DECISION_TONES, DIRECTION_TONES, VERDICT_TONES, tone_color

R = TypeVar("R")
ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""Data role returning the row object itself."""


class DraftColumn(IntEnum):
    VERSION = 0
    DIGEST = 1
    STATE = 2
    APPROVALS = 3
    DIRECTION = 4
    EFFECT = 5
    PROPOSER = 6
    PROPOSED = 7


class ChangeColumn(IntEnum):
    DIRECTION = 0
    CHANGE = 1


class VerdictColumn(IntEnum):
    STEP = 0
    RULE = 1
    VERDICT = 2
    REASON = 3


class DecisionColumn(IntEnum):
    TIME = 0
    VAULT = 1
    NONCE = 2
    INTENT = 3
    DECISION = 4
    POLICY = 5


class _RowsModel(ColumnTableModel, Generic[R]):
    """Rows of one kind, read-only, selectable whole."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[R] = []
        self._bold: QFont | None = None

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def row_at(self, row: int) -> R:
        return self._rows[row]

    def rows(self) -> list[R]:
        return list(self._rows)

    def row_total(self) -> int:
        return len(self._rows)

    def text(self, row: R, col: int) -> str:
        raise NotImplementedError

    def tip(self, row: R, col: int) -> str:
        return self.text(row, col)

    def tone(self, row: R, col: int) -> str:
        return "plain"

    def bold(self, row: R, col: int) -> bool:
        return False

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        cell = self.cell(index)
        if cell is None:
            return None
        row, col = cell
        entry = self._rows[row]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(entry, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(self.tip(entry, col))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(col)
        if role == Qt.ItemDataRole.ForegroundRole:
            return tone_color(self.tone(entry, col))
        if role == Qt.ItemDataRole.FontRole and self.bold(entry, col):
            if self._bold is None:
                self._bold = QFont()
                self._bold.setBold(True)
            return self._bold
        if role == ROW_ROLE:
            return entry
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class DraftsTableModel(_RowsModel[DraftView]):
    headers = {
        DraftColumn.VERSION: ("Version", "The draft's version number"),
        DraftColumn.DIGEST: ("Digest", "keccak-256 of the draft's exact text: what the approvers sign"),
        DraftColumn.STATE: ("State", "Proposed (collecting approvals), approved (waiting its cooling-off) or stale"),
        DraftColumn.APPROVALS: ("Approvals", "Approvals of current owners of the governance vault that count, of "
                                "the quorum it needs"),
        DraftColumn.DIRECTION: ("Change", "Whether it loosens the policy (then it waits the cooling-off after its "
                                "quorum) or only tightens it (in force at its quorum)"),
        DraftColumn.EFFECT: ("Takes effect", "When it takes effect once its quorum is reached"),
        DraftColumn.PROPOSER: ("Proposed by", "Who proposed it"),
        DraftColumn.PROPOSED: ("Proposed", "When it was proposed"),
    }
    numeric = frozenset({DraftColumn.VERSION})

    def text(self, row: DraftView, col: int) -> str:
        return row.texts[col]

    def tip(self, row: DraftView, col: int) -> str:
        tip = row.tips[col]
        if row.problems:
            tip += "\n\nProblems:\n" + "\n".join(row.problems)
        return tip

    def tone(self, row: DraftView, col: int) -> str:
        if col == DraftColumn.DIRECTION:
            return "warn" if row.texts[col] == "loosens" else ("good" if row.texts[col] == "tightens only" else "plain")
        if col == DraftColumn.STATE and (row.problems or not row.can_approve):
            return "bad"
        return "plain"


class ChangesTableModel(_RowsModel[ChangeLine]):
    headers = {
        ChangeColumn.DIRECTION: ("Direction", "Loosens: more is allowed than before (waits the cooling-off). "
                                 "Tightens: less is allowed. Neutral: no effect on what is allowed."),
        ChangeColumn.CHANGE: ("Change", "What changes from the policy it would replace"),
    }

    def text(self, row: ChangeLine, col: int) -> str:
        return row.direction if col == ChangeColumn.DIRECTION else row.text

    def tone(self, row: ChangeLine, col: int) -> str:
        return DIRECTION_TONES.get(row.direction, "plain")

    def bold(self, row: ChangeLine, col: int) -> bool:
        return col == ChangeColumn.DIRECTION and row.direction == "loosens"


class VerdictsTableModel(_RowsModel[VerdictRow]):
    """Every check and rule the engine ran, the decisive ones first; denies and escalations stand out in colour and
    bold."""

    headers = {
        VerdictColumn.STEP: ("#", "When the engine ran it: the built-in checks first, then the rules from the top"),
        VerdictColumn.RULE: ("Rule", "The built-in check or the policy rule (by its id)"),
        VerdictColumn.VERDICT: ("Verdict", "deny, escalate, match (this rule decided), pass (a check found "
                                "nothing wrong) or skip (the rule does not apply)"),
        VerdictColumn.REASON: ("Reason", "Why, in the engine's words"),
    }

    numeric = frozenset({VerdictColumn.STEP})

    def text(self, row: VerdictRow, col: int) -> str:
        return (str(row.step), row.rule, row.verdict, row.reason)[col]

    def tone(self, row: VerdictRow, col: int) -> str:
        return VERDICT_TONES.get(row.verdict, "plain")

    def bold(self, row: VerdictRow, col: int) -> bool:
        return row.verdict in ("deny", "escalate")


class DecisionsTableModel(_RowsModel[DecisionRow]):
    headers = {
        DecisionColumn.TIME: ("Checked", "When the transaction was checked, in this computer's time zone"),
        DecisionColumn.VAULT: ("Vault", "The vault the transaction is for"),
        DecisionColumn.NONCE: ("Nonce", "The vault nonce the transaction was checked with"),
        DecisionColumn.INTENT: ("Intent", "What the transaction does, decoded from its bytes (first line)"),
        DecisionColumn.DECISION: ("Decision", "Allow, Escalate (needs more approvals) or Deny"),
        DecisionColumn.POLICY: ("Policy", "The version of the policy that decided"),
    }
    numeric = frozenset({DecisionColumn.NONCE, DecisionColumn.POLICY})

    def text(self, row: DecisionRow, col: int) -> str:
        return row.texts[col]

    def tip(self, row: DecisionRow, col: int) -> str:
        return row.tips[col]

    def tone(self, row: DecisionRow, col: int) -> str:
        return DECISION_TONES.get(row.decision, "plain") if col == DecisionColumn.DECISION else "plain"

    def bold(self, row: DecisionRow, col: int) -> bool:
        return col == DecisionColumn.DECISION and row.decision in DECISION_WORD
