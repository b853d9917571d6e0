"""The sections of the message review dialog, as views only: the vault and who asked, every field of the typed data in
plain words (no blind signing), the SafeMessage hash and the EIP-712 digest in groups of four with Copy buttons, and
the signatures so far with whether each counts and why not. Everything from outside is plain text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHeaderView, QVBoxLayout, QWidget

from ui.fonts import fixed_font
from ui.models.message_rows import MessageReview
from ui.models.queue_model import SignatureColumn, SignaturesTableModel
from ui.widgets.hash_view import HashView
from ui.widgets.plain_label import PlainLabel
from ui.widgets.policy_active import read_only_text
from ui.widgets.table_layout import build_read_only_table
from ui.widgets.tone_label import ToneLabel

WORDS_LINES_SHOWN = 14  # lines of the typed data shown without scrolling its box


def _wrapped(name: str) -> PlainLabel:
    label = PlainLabel(selectable=True)
    label.setObjectName(name)
    label.setWordWrap(True)
    return label


class AboutPanel(QGroupBox):
    """Which vault is asked to sign, what kind of message it is, and who asked for it when."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("The vault and who asked", parent)
        self.setObjectName("messageAbout")
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.vault = _wrapped("messageVault")
        self.kind = _wrapped("messageKind")
        self.proposer = _wrapped("messageProposer")
        form.addRow(PlainLabel("Vault:"), self.vault)
        form.addRow(PlainLabel("Kind:"), self.kind)
        form.addRow(PlainLabel("Asked for by:"), self.proposer)

    def show_view(self, view: MessageReview) -> None:
        self.vault.setText(view.vault_text)
        self.kind.setText(view.kind_text)
        self.proposer.setText(view.proposer_text)


class WordsPanel(QGroupBox):
    """Every field of the EIP-712 typed data, one line each (arrays one line per element), as the core reads them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("What the owners sign, field by field (EIP-712 typed data)", parent)
        self.setObjectName("messageWordsBox")
        self.text = read_only_text("messageWords", fixed=True, wrap=True)
        self.text.setToolTip("Every field of the message the owners vouch for; select and copy to compare")
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)

    def lines(self) -> list[str]:
        return self.text.toPlainText().splitlines()

    def show_view(self, view: MessageReview) -> None:
        self.text.setPlainText("\n".join(view.words))
        wrapped = 0
        width = max(self.text.viewport().width(), 400)
        metrics = self.text.fontMetrics()
        for line in view.words:  # how many screen lines, roughly, once wrapped
            wrapped += max(1, -(-metrics.horizontalAdvance(line) // width))
        shown = min(max(wrapped, 3), WORDS_LINES_SHOWN)
        self.text.setFixedHeight(metrics.lineSpacing() * shown + 2 * self.text.frameWidth() + 10)


class MessageHashesPanel(QGroupBox):
    """The SafeMessage hash (what each owner's key signs) and the EIP-712 digest of the typed data, for comparing
    with the other signers and with a hardware wallet's screen (out of band)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Hashes to compare out of band", parent)
        self.setObjectName("messageHashes")
        form = QFormLayout(self)
        self.message_hash = HashView(per_line=8)
        self.message_hash.setObjectName("messageSafeMessageHash")
        bold = QFont(fixed_font())
        bold.setBold(True)
        self.message_hash.label.setFont(bold)
        self.digest = HashView(per_line=8)
        self.digest.setObjectName("messageDigest")
        caption = PlainLabel("SafeMessage hash:")
        caption.setToolTip("What your key signs: the typed data's digest wrapped for this vault on this chain")
        digest_caption = PlainLabel("EIP-712 digest:")
        digest_caption.setToolTip("The typed data's own hash (domain and message), before the vault wraps it")
        form.addRow(caption, self.message_hash)
        form.addRow(digest_caption, self.digest)

    def show_view(self, view: MessageReview) -> None:
        self.message_hash.set_value(view.message_hash)
        self.digest.set_value(view.digest or None)


class MessageSignaturesPanel(QGroupBox):
    """k of n signatures, who it still waits for, and every stored row: whom it recovers to, whether it counts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Signatures so far", parent)
        self.setObjectName("messageSignatures")
        self.summary = ToneLabel(scale=1.2, bold=True, selectable=True)
        self.summary.setObjectName("messageSignatureSummary")
        self.summary.setWordWrap(True)
        self.waiting = _wrapped("messageWaiting")
        self.model = SignaturesTableModel(self)
        self.table = build_read_only_table(self.model, "messageSignatureRows", elide=Qt.TextElideMode.ElideNone)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        for column in (SignatureColumn.SIGNER, SignatureColumn.KIND, SignatureColumn.COUNTS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.none = PlainLabel("No signature is stored for it yet.")
        self.none.setObjectName("messageNoSignatures")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.waiting)
        layout.addWidget(self.table)
        layout.addWidget(self.none)

    def show_view(self, view: MessageReview) -> None:
        self.summary.setText(view.signatures_summary)
        self.summary.set_tone("good" if view.ready else "plain")
        self.waiting.setText(view.waiting_for)
        self.model.set_rows(view.signatures)
        self.table.setVisible(bool(view.signatures))
        self.none.setVisible(not view.signatures)
        self.table.resizeRowsToContents()
        shown = range(min(len(view.signatures), 6))
        rows = sum(self.table.rowHeight(row) for row in shown) or self.fontMetrics().height() + 8
        self.table.setFixedHeight(rows + self.table.horizontalHeader().sizeHint().height()
                                  + 2 * self.table.frameWidth())
