"""The policy in force, as the Policy page shows it: name, version, digest (in groups of four, copyable, for comparing
out of band), when it took effect, who approved it and when, how it is governed, and every rule in plain words in the
order the engine tries them, after the built-in checks. A view only: the page fills it."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QPlainTextEdit, QVBoxLayout, QWidget

from ui.fonts import fixed_font
from ui.models.policy_rows import ActiveView
from ui.widgets.hash_view import HashView
from ui.widgets.plain_label import PlainLabel


def read_only_text(name: str, *, fixed: bool = False, wrap: bool = True) -> QPlainTextEdit:
    """A read-only plain-text box (QPlainTextEdit never interprets markup)."""
    box = QPlainTextEdit()
    box.setObjectName(name)
    box.setReadOnly(True)
    box.setUndoRedoEnabled(False)
    box.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth if wrap else QPlainTextEdit.LineWrapMode.NoWrap)
    if fixed:
        box.setFont(fixed_font())
    return box


class ActivePolicyPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activePolicyPanel")
        self.name = PlainLabel(selectable=True)
        self.name.setObjectName("policyName")
        font = QFont(self.name.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.name.setFont(font)
        self.version = PlainLabel(selectable=True)
        self.version.setObjectName("policyVersion")
        self.digest = HashView()
        self.digest.setObjectName("policyDigest")
        self.digest.copy_button.setToolTip("Copy the policy's digest (keccak-256 of its exact text) to compare it "
                                           "with the other approvers' copies")
        self.effective = PlainLabel(selectable=True)
        self.effective.setObjectName("policyEffective")
        self.proposed = PlainLabel(selectable=True)
        self.proposed.setObjectName("policyProposed")
        self.approved = PlainLabel(selectable=True)  # one line per approval, never wrapped (it would be cut)
        self.approved.setObjectName("policyApprovedBy")
        self.governance = PlainLabel(selectable=True)
        self.governance.setObjectName("policyGovernance")
        self.notes = PlainLabel(selectable=True)
        self.notes.setObjectName("policyNotes")
        self.notes.setWordWrap(True)
        self.notes.hide()

        self.details = QWidget()
        form = QFormLayout(self.details)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(PlainLabel("Policy:"), self.name)
        form.addRow(PlainLabel("Version:"), self.version)
        form.addRow(PlainLabel("Digest:"), self.digest)
        form.addRow(PlainLabel("In force since:"), self.effective)
        form.addRow(PlainLabel("Approved by:"), self.approved)
        form.addRow(PlainLabel("Proposed by:"), self.proposed)
        form.addRow(PlainLabel("Governed by:"), self.governance)
        form.addRow(self.notes)

        self.rules = read_only_text("policyRules")
        self.text = read_only_text("policyText", fixed=True, wrap=False)
        rules_box = QGroupBox("Rules, in the order they are applied")
        QVBoxLayout(rules_box).addWidget(self.rules)
        text_box = QGroupBox("The policy file as signed")
        QVBoxLayout(text_box).addWidget(self.text)
        below = QHBoxLayout()
        below.addWidget(rules_box, 3)
        below.addWidget(text_box, 2)

        self.message = PlainLabel()
        self.message.setObjectName("activePolicyMessage")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.details)
        layout.addLayout(below, 1)
        self.show_message("The policy is read once the profile is connected.")

    def show_message(self, text: str) -> None:
        """No policy to show (not read yet, or none in force: the page's red line says why)."""
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.details.setVisible(False)
        self.rules.setPlainText("")
        self.text.setPlainText("")

    def show_active(self, view: ActiveView) -> None:
        self.message.setVisible(False)
        self.details.setVisible(True)
        self.name.setText(view.name)
        self.version.setText(str(view.version) + (f"   ({view.history_note})" if view.history_note else ""))
        self.digest.set_value(view.digest)
        self.effective.setText(view.effective_since)
        self.approved.setText("\n".join([view.approved_summary, *view.approvals]))
        self.proposed.setText(view.proposed)
        self.governance.setText(view.governance)
        self.notes.setText("\n".join(view.notes))
        self.notes.setVisible(bool(view.notes))
        self.rules.setPlainText(view.rules_text)
        self.text.setPlainText(view.text)
