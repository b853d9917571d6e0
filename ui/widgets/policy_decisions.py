"""The recent decisions of the policy (each check is recorded): when, which vault and nonce, what it does, the
decision and the policy version that made it; the chosen one's intent and rule verdicts below. A view only."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QProgressBar, QPushButton, QVBoxLayout, QWidget

from ui.models.policy_checks import DecisionRow
from ui.models.policy_models import DecisionColumn, DecisionsTableModel, VerdictsTableModel
from ui.tones import DECISION_TONES
from ui.widgets.plain_label import PlainLabel
from ui.widgets.policy_active import read_only_text
from ui.widgets.policy_check import build_verdicts_table
from ui.widgets.table_layout import build_message_stack, build_read_only_table, build_vertical_split
from ui.widgets.tone_label import ToneLabel

NO_DECISIONS_TEXT = "No transaction has been checked yet."


class DecisionsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policyDecisionsPanel")
        self.model = DecisionsTableModel(self)
        self.verdicts_model = VerdictsTableModel(self)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("decisionsRefresh")
        self.refresh_button.setToolTip("Read the recent decisions again")
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("decisionsBusy")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.hide()
        self.status = PlainLabel()
        self.status.setObjectName("decisionsStatus")
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.busy_bar)
        row.addWidget(self.refresh_button)

        self.table = build_read_only_table(self.model, "decisionsTable")
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(DecisionColumn.INTENT, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        self.stack, self.message = build_message_stack(self.table, NO_DECISIONS_TEXT, "decisionsMessage")
        self.headline = ToneLabel(scale=1.2, bold=True, selectable=True)
        self.headline.setObjectName("decisionHeadline")
        self.intent = read_only_text("decisionIntent")
        self.intent.setFixedHeight(self.fontMetrics().height() * 4 + 12)
        self.verdicts = build_verdicts_table(self.verdicts_model, "decisionVerdicts")
        below = QWidget()
        below_layout = QVBoxLayout(below)
        below_layout.setContentsMargins(0, 0, 0, 0)
        below_layout.addWidget(self.headline)
        below_layout.addWidget(self.intent)
        below_layout.addWidget(self.verdicts, 1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(row)
        top_layout.addWidget(self.stack, 1)
        splitter = build_vertical_split(top, below, stretch=(1, 1), sizes=(300, 320))
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self.show_decision(self.selected()))
        self.show_decision(None)

    def show_decisions(self, rows: list[DecisionRow]) -> None:
        self.model.set_rows(rows)
        self.stack.setCurrentWidget(self.table if rows else self.message)
        if rows:
            self.table.selectRow(0)  # the newest: usually the check just made
            self.show_decision(self.selected())
        else:
            self.show_decision(None)
        self.status.setText(f"The {len(rows)} most recent decisions, newest first" if rows else "")

    def selected(self) -> DecisionRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def show_decision(self, row: DecisionRow | None) -> None:
        if row is None:
            self.headline.set_tone("plain")
            self.headline.setText("")
            self.intent.setPlainText("")
            self.verdicts_model.clear()
            return
        self.headline.set_tone(DECISION_TONES.get(row.decision, "plain"))
        self.headline.setText(f"{row.headline} — {row.texts[DecisionColumn.VAULT]}, nonce "
                              f"{row.texts[DecisionColumn.NONCE]}, checked {row.texts[DecisionColumn.TIME]}")
        self.intent.setPlainText(row.intent)
        self.verdicts_model.set_rows(row.verdicts)
