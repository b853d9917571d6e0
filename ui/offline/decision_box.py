"""The "Decision of the policy imported here" box of the offline signer's reviews (a Safe request's,
ui/offline/review_panel.py, and a cold vault transfer's, ui/offline/cold_review_view.py): the decision here, in its
tone (a warning when the signer refuses what the policy allows), the online desktop's decision, and every rule's
verdict with where it was decided. All plain text."""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtWidgets import QFormLayout, QGroupBox, QHeaderView, QSizePolicy, QVBoxLayout, QWidget

from ui.offline.verdicts_model import ReviewVerdictColumn, ReviewVerdictsModel
from ui.tones import DECISION_TONES
from ui.widgets.plain_label import PlainLabel
from ui.widgets.table_layout import build_read_only_table
from ui.widgets.tone_label import ToneLabel


class ShownDecision(Protocol):
    @property
    def decision(self) -> str: ...
    @property
    def decision_text(self) -> str: ...
    @property
    def refusals(self) -> Any: ...
    @property
    def online(self) -> str: ...
    @property
    def verdicts(self) -> Any: ...


class DecisionBox(QGroupBox):
    def __init__(self, prefix: str, *, table_height: int, parent: QWidget | None = None) -> None:
        """`prefix` names the parts (prefix + Decision, Online, Verdicts); the verdicts take at least `table_height`."""
        super().__init__("Decision of the policy imported here", parent)
        self.decision = ToneLabel(scale=1.3, bold=True, selectable=True)
        self.decision.setObjectName(f"{prefix}Decision")
        self.online = PlainLabel(selectable=True)
        self.online.setObjectName(f"{prefix}Online")
        self.online.setWordWrap(True)
        self.verdicts_model = ReviewVerdictsModel(self)
        self.verdicts = build_read_only_table(self.verdicts_model, f"{prefix}Verdicts")
        header = self.verdicts.horizontalHeader()
        for column in (ReviewVerdictColumn.VERDICT, ReviewVerdictColumn.RULE, ReviewVerdictColumn.WHERE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ReviewVerdictColumn.REASON, QHeaderView.ResizeMode.Stretch)
        self.verdicts.verticalHeader().setDefaultSectionSize(self.verdicts.fontMetrics().height() + 10)
        self.verdicts.setMinimumHeight(table_height)
        self.verdicts.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        form = QFormLayout()
        form.addRow(PlainLabel("Here:"), self.decision)
        form.addRow(PlainLabel("Online desktop:"), self.online)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.verdicts, 1)

    def show_decision(self, shown: ShownDecision) -> None:
        self.decision.setText(shown.decision_text)
        refused = bool(shown.refusals) and shown.decision != "deny"
        self.decision.set_tone("warn" if refused else DECISION_TONES.get(shown.decision, "plain"))
        self.online.setText(shown.online)
        self.verdicts_model.set_rows(shown.verdicts)

    def clear(self) -> None:
        self.decision.clear()
        self.online.clear()
        self.verdicts_model.set_rows([])
