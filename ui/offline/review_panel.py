"""The review of one sign request, as this signer worked it out: the vault as anchored here, chain, nonce, signer and
policy; the intent decoded here; the three hashes exactly as `hash_lines` writes them (monospaced and selectable, to
compare with the online screen character for character); the decision, the online desktop's decision, and every
rule's verdict with where it was decided. A Safe message shows the statement's every field instead of an intent,
and has no policy decision. All of it plain text: nothing from the request is ever read as markup."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QGroupBox, QPlainTextEdit, QVBoxLayout, QWidget

from ui.offline.decision_box import DecisionBox
from ui.offline.review_rows import ShownReview
from ui.widgets.plain_label import PlainLabel
from ui.widgets.policy_active import read_only_text


def _fit_lines(box: QPlainTextEdit, lines: int) -> None:
    """A fixed height showing `lines` lines (and a horizontal scroll bar's room)."""
    metrics = box.fontMetrics()
    frame = box.frameWidth() * 2 + int(box.document().documentMargin() * 2)
    scroll = box.horizontalScrollBar().sizeHint().height()
    box.setFixedHeight(metrics.lineSpacing() * lines + frame + scroll + 2)


class ReviewPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineReview")
        self.vault = self._value("reviewVault")
        self.chain = self._value("reviewChain")
        self.nonce = self._value("reviewNonce")
        self.signer = self._value("reviewSigner")
        self.policy = self._value("reviewPolicy")
        self.request_id = self._value("reviewRequestId")
        facts = QGroupBox("Request, as this signer reads it")
        self.facts_form = form = QFormLayout(facts)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for title, label in (("Vault:", self.vault), ("Chain id:", self.chain), ("Nonce:", self.nonce),
                             ("Signer:", self.signer), ("Policy:", self.policy), ("Request id:", self.request_id)):
            form.addRow(PlainLabel(title), label)

        self.intent = read_only_text("reviewIntent")
        self.intent.setPlaceholderText("(nothing decoded)")
        _fit_lines(self.intent, 4)
        self.intent_box = QGroupBox("Intent, decoded on this signer")
        QVBoxLayout(self.intent_box).addWidget(self.intent)

        self.hashes = read_only_text("reviewHashes", fixed=True, wrap=False)
        self.hashes.setToolTip("The hashes as this signer computed them from the request's fields: compare the "
                               "safeTxHash with the online screen, character for character")
        _fit_lines(self.hashes, 6)
        # Placed by the page across its whole width, so that every line shows in full.
        self.hashes_box = QGroupBox("Hashes, computed on this signer")
        QVBoxLayout(self.hashes_box).addWidget(self.hashes)

        self.decision_box = decision_box = DecisionBox("review", table_height=160)
        self.decision, self.online = decision_box.decision, decision_box.online
        self.verdicts_model, self.verdicts = decision_box.verdicts_model, decision_box.verdicts

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(facts)
        layout.addWidget(self.intent_box)
        layout.addWidget(decision_box, 1)

    @staticmethod
    def _value(name: str) -> PlainLabel:
        label = PlainLabel(selectable=True)
        label.setObjectName(name)
        label.setWordWrap(True)
        return label

    def show_review(self, shown: ShownReview) -> None:
        self.vault.setText(shown.vault)
        self.chain.setText(shown.chain)
        self.nonce.setText(shown.nonce)
        self.signer.setText(shown.signer)
        self.policy.setText(shown.policy)
        self.request_id.setText(shown.request_id)
        for label in (self.nonce, self.policy):
            self.facts_form.setRowVisible(label, not shown.is_message)
        self.decision_box.setVisible(not shown.is_message)
        self.intent_box.setTitle(shown.intent_title)
        _fit_lines(self.intent, 8 if shown.is_message else 4)
        self.intent.setPlainText(shown.intent)
        self.hashes.setPlainText("\n".join(shown.hash_lines))
        self.decision_box.show_decision(shown)

    def clear(self) -> None:
        for label in (self.vault, self.chain, self.nonce, self.signer, self.policy, self.request_id):
            label.clear()
        self.intent.clear()
        self.hashes.clear()
        self.decision_box.clear()

    def hash_text_lines(self) -> list[str]:
        """The hash lines as shown (for tests and for copying)."""
        return self.hashes.toPlainText().split("\n") if self.hashes.toPlainText() else []
