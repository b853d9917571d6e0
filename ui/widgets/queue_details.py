"""Under the Approvals page's tree: the selected transaction in full — every line of what it does, where it stands,
each warning (quarantine, conflict, gap, flagged signatures, DELEGATECALL) in words and colour, and its whole
safeTxHash. Everything is plain text (it comes from the queue, which is untrusted, and from labels)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from ui.fonts import fixed_font
from ui.widgets.plain_label import PlainLabel
from ui.widgets.tone_label import ToneLabel

if TYPE_CHECKING:
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
        self.facts = PlainLabel(selectable=True)
        self.facts.setObjectName("approvalsDetailsFacts")
        self.facts.setFont(fixed_font())
        self.facts.setWordWrap(True)
        self._warnings: list[ToneLabel] = []
        self._layout.addWidget(self.intent)
        self._layout.addWidget(self.state)
        self._warning_at = self._layout.count()
        self._layout.addWidget(self.facts)
        self._layout.addStretch(1)
        self.setWidget(body)
        self.show_nothing()

    @property
    def warnings(self) -> list[ToneLabel]:
        return list(self._warnings)

    def show_nothing(self) -> None:
        self.intent.setText(NOTHING_TEXT)
        self.state.hide()
        self.facts.hide()
        self._set_warnings(())

    def show_item(self, item: ItemRow) -> None:
        self.intent.setText(item.intent)
        self.state.setText(f"{item.texts[1]} — {item.texts[2]}")
        self.state.set_tone(item.tone)
        self.state.show()
        self.facts.setText(f"safeTxHash {item.safe_tx_hash}\nproposed by {item.proposer} at {item.proposed_at}")
        self.facts.show()
        self._set_warnings(item.warnings)

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
