"""Under the Approvals page's tree: the selected transaction in full — every line of what it does, where it stands,
each warning (quarantine, conflict, gap, flagged signatures, DELEGATECALL) in words and colour, its whole
safeTxHash, and its Travel Rule record. Everything is plain text (it comes from the queue, which is untrusted, and
from labels)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from ui.fonts import fixed_font
from ui.widgets.plain_label import PlainLabel
from ui.widgets.tone_label import ToneLabel

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ui.models.queue_propose import Verdict
    from ui.models.queue_rows import ItemRow

NOTHING_TEXT = "Select a transaction to see it in full; Review… shows every field and the hashes."


class QueueDetails(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("approvalsDetails")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        body = QWidget()
        self._layout = QVBoxLayout(body)
        self.intent = PlainLabel(NOTHING_TEXT, selectable=True)
        self.intent.setObjectName("approvalsDetailsIntent")
        self.intent.setWordWrap(True)
        self.state = ToneLabel(selectable=True, bold=True)
        self.state.setObjectName("approvalsDetailsState")
        self.state.setWordWrap(True)
        self.opening = ToneLabel(selectable=True, bold=True)  # when a recipient in its cooling-off opens
        self.opening.setObjectName("approvalsOpening")
        self.opening.setWordWrap(True)
        self.facts = PlainLabel(selectable=True)
        self.facts.setObjectName("approvalsDetailsFacts")
        self.facts.setFont(fixed_font())
        self.facts.setWordWrap(True)
        self.travel_rule = ToneLabel(selectable=True)  # the Travel Rule record (ui/pages/approvals_travel.py)
        self.travel_rule.setObjectName("approvalsTravelRule")
        self.travel_rule.setFont(fixed_font())
        self.travel_rule.setWordWrap(True)
        self._warnings: list[ToneLabel] = []
        self._layout.addWidget(self.intent)
        self._layout.addWidget(self.state)
        self._layout.addWidget(self.opening)
        self._warning_at = self._layout.count()
        self._layout.addWidget(self.facts)
        self._layout.addWidget(self.travel_rule)
        self._layout.addStretch(1)
        self.setWidget(body)
        self.show_nothing()

    @property
    def warnings(self) -> list[ToneLabel]:
        return list(self._warnings)

    def show_nothing(self) -> None:
        self.intent.setText(NOTHING_TEXT)
        self.state.hide()
        self.opening.hide()
        self.facts.hide()
        self.travel_rule.hide()
        self._set_warnings(())

    def show_item(self, item: ItemRow) -> None:
        self.intent.setText(item.intent)
        self.state.setText(f"{item.texts[1]} — {item.texts[2]}")
        self.state.set_tone(item.tone)
        self.state.show()
        self.facts.setText(f"safeTxHash {item.safe_tx_hash}\nproposed by {item.proposer} at {item.proposed_at}")
        self.facts.show()
        self._set_warnings(item.warnings)

    def show_openings(self, verdicts: Sequence[Verdict]) -> None:
        """When the item's recipients open, one line each (none: hidden)."""
        from ui.models.cooling_off import worst_tone

        self.opening.setText("\n".join(v.text for v in verdicts))
        self.opening.set_tone(worst_tone(verdicts))
        self.opening.setVisible(bool(verdicts))

    def show_travel_rule(self, lines: Sequence[str], tone: str = "plain") -> None:
        """The item's Travel Rule record in lines, plain text (none: hidden); red when it does not hold."""
        self.travel_rule.setText("\n".join(lines))
        self.travel_rule.set_tone(tone)
        self.travel_rule.setVisible(bool(lines))

    def _set_warnings(self, warnings: tuple[tuple[str, str], ...]) -> None:
        for label in self._warnings:
            self._layout.removeWidget(label)
            label.deleteLater()
        self._warnings = []
        for offset, (tone, text) in enumerate(warnings):
            label = ToneLabel(text, selectable=True)
            label.setObjectName("approvalsWarning")
            label.setWordWrap(True)
            label.set_tone(tone)
            self._layout.insertWidget(self._warning_at + offset, label)
            self._warnings.append(label)
