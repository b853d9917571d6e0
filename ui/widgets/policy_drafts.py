"""The drafts of a policy change, as the Policy page shows them: the open proposals with their approvals and when they
would take effect; for the chosen one, what it changes (each change marked loosens, tightens or neutral) and the
policy it would replace next to the draft, as plain text. The buttons are the page's to connect."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.models.policy_models import ChangesTableModel, DraftsTableModel
from ui.models.policy_rows import DraftView
from ui.tones import tone_color
from ui.widgets.error_line import ErrorLine
from ui.widgets.hash_view import HashView
from ui.widgets.plain_label import PlainLabel
from ui.widgets.policy_active import read_only_text
from ui.widgets.table_layout import build_message_stack, build_read_only_table

NO_DRAFTS_TEXT = "No change to the policy is waiting. Propose one from a policy file (.toml)."


def highlight_lines(box: QPlainTextEdit, lines: tuple[int, ...], tone: str) -> None:
    """Tint whole lines of `box` (a translucent tone, so it reads on light and dark palettes) and show the first."""
    colour = QColor(tone_color(tone, box.palette()) or QColor(0x9A, 0x52, 0x00))
    colour.setAlpha(70)
    selections = []
    document = box.document()
    for number in lines:
        block = document.findBlockByNumber(number)
        if not block.isValid():
            continue
        selection = QTextEdit.ExtraSelection()
        fmt = QTextCharFormat()
        fmt.setBackground(colour)
        fmt.setProperty(QTextFormat.Property.FullWidthSelection, True)
        selection.format = fmt
        selection.cursor = QTextCursor(block)
        selections.append(selection)
    box.setExtraSelections(selections)
    if lines:
        first = document.findBlockByNumber(max(lines[0] - 3, 0))
        box.setTextCursor(QTextCursor(first))
        box.verticalScrollBar().setValue(max(lines[0] - 3, 0))


def _table(model: DraftsTableModel | ChangesTableModel, name: str) -> QTableView:
    table = build_read_only_table(model, name)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    return table


class DraftsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policyDraftsPanel")
        self.model = DraftsTableModel(self)
        self.changes_model = ChangesTableModel(self)

        self.propose_button = QPushButton("Propose a change…")
        self.propose_button.setObjectName("proposePolicy")
        self.propose_button.setToolTip("Open a policy file (.toml) and sign it as a proposal with one of your keys")
        self.approve_button = QPushButton("Approve…")
        self.approve_button.setObjectName("approvePolicy")
        self.approve_button.setToolTip("Sign the chosen draft's digest as an approval with one of your keys")
        self.reject_button = QPushButton("Reject…")
        self.reject_button.setObjectName("rejectPolicy")
        self.reject_button.setToolTip("Close the chosen draft with a signed rejection")
        self.status = PlainLabel(selectable=True)
        self.status.setObjectName("draftsStatus")
        self.status.setWordWrap(True)
        self.error = ErrorLine()
        self.error.setObjectName("draftsError")
        buttons = QHBoxLayout()
        buttons.addWidget(self.propose_button)
        buttons.addStretch(1)
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.reject_button)

        self.table = _table(self.model, "draftsTable")
        self.stack, self.message = build_message_stack(self.table, NO_DRAFTS_TEXT, "draftsMessage")
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.status)
        top_layout.addWidget(self.error)
        top_layout.addWidget(self.stack, 1)

        self.summary = PlainLabel(selectable=True)
        self.summary.setObjectName("draftSummary")
        self.summary.setWordWrap(True)
        self.digest = HashView()
        self.digest.setObjectName("draftDigest")
        self.problems = ErrorLine()
        self.problems.setObjectName("draftProblems")
        self.changes = _table(self.changes_model, "draftChanges")
        self.changes.setWordWrap(True)
        self.changes.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.changes.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.base_title = PlainLabel()
        self.base_title.setObjectName("baseTitle")
        self.base_text = read_only_text("baseText", fixed=True, wrap=False)
        self.draft_title = PlainLabel()
        self.draft_title.setObjectName("draftTitle")
        self.draft_text = read_only_text("draftText", fixed=True, wrap=False)
        self.base_text.verticalScrollBar().valueChanged.connect(self.draft_text.verticalScrollBar().setValue)
        self.draft_text.verticalScrollBar().valueChanged.connect(self.base_text.verticalScrollBar().setValue)
        texts = QSplitter(Qt.Orientation.Horizontal)
        texts.setChildrenCollapsible(False)
        for title, box in ((self.base_title, self.base_text), (self.draft_title, self.draft_text)):
            side = QWidget()
            side_layout = QVBoxLayout(side)
            side_layout.setContentsMargins(0, 0, 0, 0)
            side_layout.addWidget(title)
            side_layout.addWidget(box, 1)
            texts.addWidget(side)
            texts.setStretchFactor(texts.count() - 1, 1)
        texts.setSizes([600, 600])  # side by side, the same width
        self.detail_box = QGroupBox("The chosen draft")
        detail = QVBoxLayout(self.detail_box)
        head = QHBoxLayout()
        head.addWidget(self.summary, 1)
        head.addWidget(self.digest)
        detail.addLayout(head)
        detail.addWidget(self.problems)
        lower = QSplitter(Qt.Orientation.Vertical)
        lower.setChildrenCollapsible(False)
        lower.addWidget(self.changes)
        lower.addWidget(texts)
        lower.setSizes([140, 260])
        detail.addWidget(lower, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(top)
        splitter.addWidget(self.detail_box)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([170, 480])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self.show_draft(self.selected_draft()))
        self.show_draft(None)

    def show_drafts(self, drafts: tuple[DraftView, ...], *, problem: str = "") -> None:
        chosen = self.selected_draft()
        self.model.set_rows(drafts)
        self.stack.setCurrentWidget(self.table if drafts else self.message)
        if problem:
            self.error.show_error(f"The drafts could not all be read: {problem}")
        else:
            self.error.clear_error()
        digests = [d.digest for d in drafts]
        if chosen is not None and chosen.digest in digests:
            self.select(chosen.digest)
        elif drafts:
            self.select(drafts[0].digest)
        else:
            self.show_draft(None)

    def select(self, digest: str) -> None:
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).digest == digest:
                self.table.selectRow(row)
                self.show_draft(self.model.row_at(row))  # also when it was selected already
                return

    def selected_draft(self) -> DraftView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def show_draft(self, draft: DraftView | None) -> None:
        self.detail_box.setEnabled(draft is not None)
        if draft is None:
            self.summary.setText("Choose a draft to compare it with the policy it would replace.")
            self.digest.set_value(None)
            self.problems.clear_error()
            self.changes_model.clear()
            self.base_title.setText("The policy it would replace")
            self.draft_title.setText("The draft")
            self.base_text.setPlainText("")
            self.draft_text.setPlainText("")
            return
        self.summary.setText(f"Version {draft.version}: {draft.summary}")
        self.digest.set_value(draft.digest)
        if draft.problems:
            self.problems.show_error("; ".join(draft.problems))
        else:
            self.problems.clear_error()
        self.changes_model.set_rows(draft.changes)
        tint = " (lines that differ are tinted)" if draft.base_changed or draft.draft_changed else ""
        self.base_title.setText(draft.base_title + tint)
        self.draft_title.setText(f"The draft: version {draft.version}{tint}")
        self.base_text.setPlainText(draft.base_text)
        self.draft_text.setPlainText(draft.draft_text)
        highlight_lines(self.base_text, draft.base_changed, "bad")
        highlight_lines(self.draft_text, draft.draft_changed, "good")
