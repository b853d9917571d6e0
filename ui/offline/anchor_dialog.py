"""Anchor a vault on the offline signer, once: its address, Safe version, owners and threshold as the officer types
them, with the fingerprint of those facts computed live. The officer types the fingerprint the online desktop shows
(`custos offline vault show VAULT`); Anchor is enabled only when the two are the same, so a mistyped owner or a
threshold that differs can never be anchored. Problems are said in words under the fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QSpinBox, QWidget

from ui.dialogs.command_dialog import CommandDialog
from ui.fonts import fixed_font
from ui.offline import work
from ui.tasks import TaskRunner
from ui.widgets.plain_label import PlainLabel
from ui.widgets.tone_label import ToneLabel
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from wallet_app.offline.signer import OfflineSigner
    from wallet_app.vaults.anchors import VaultFacts

MAX_OWNERS = 50
INTRO = ("Type the vault's address, Safe version, owners and threshold as the online desktop shows them (custos "
         "offline vault show VAULT), then the fingerprint it shows. The vault is anchored only if the fingerprint "
         "computed here is the same: from then on this signer reviews requests for it. A vault is anchored once; "
         "its owners change later only by a bundle its quorum signed.")


def squash(text: str) -> str:
    return "".join(text.split()).upper()


class AnchorVaultDialog(CommandDialog):
    def __init__(self, *, runner: TaskRunner, signer: OfflineSigner, chain_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(runner=runner, title="Anchor a vault", intro=INTRO, submit_text="&Anchor", parent=parent)
        self.setObjectName("anchorVaultDialog")
        self.setMinimumWidth(640)
        self._signer = signer
        self._chain_id = chain_id
        self._facts: VaultFacts | None = None
        self.address = QLineEdit()
        self.address.setObjectName("anchorAddress")
        self.address.setFont(fixed_font())
        self.address.setPlaceholderText("0x… the vault's address")
        self.version = QLineEdit("1.4.1")
        self.version.setObjectName("anchorVersion")
        self.version.setToolTip("The vault's Safe version, as the online desktop shows it (e.g. 1.4.1)")
        self.owners = QPlainTextEdit()
        self.owners.setObjectName("anchorOwners")
        self.owners.setFont(fixed_font())
        self.owners.setPlaceholderText("One owner address a line")
        self.owners.setTabChangesFocus(True)
        self.owners.setFixedHeight(self.owners.fontMetrics().lineSpacing() * 5 + 12)
        self.threshold = QSpinBox()
        self.threshold.setObjectName("anchorThreshold")
        self.threshold.setRange(1, MAX_OWNERS)
        self.threshold.setToolTip("How many owners' signatures the vault needs")
        self.label = QLineEdit()
        self.label.setObjectName("anchorLabel")
        self.label.setMaxLength(80)
        self.label.setPlaceholderText("A name for the vault on this signer (not part of the fingerprint)")
        self.computed = ToneLabel(scale=1.2, bold=True, selectable=True)
        self.computed.setObjectName("anchorComputed")
        self.computed.setFont(self._fixed_bold())
        self.problem = ToneLabel(selectable=True)
        self.problem.setObjectName("anchorProblem")
        self.problem.setWordWrap(True)
        self.problem.set_tone("bad")
        self.typed = QLineEdit()
        self.typed.setObjectName("anchorFingerprint")
        self.typed.setFont(fixed_font())
        self.typed.setPlaceholderText("XXXX XXXX XXXX XXXX XXXX, as the online desktop shows it")
        self.match = ToneLabel(selectable=True)
        self.match.setObjectName("anchorMatch")
        self.match.setWordWrap(True)
        for title, field in (("Vault address:", self.address), ("Safe version:", self.version),
                             ("Owners:", self.owners), ("Threshold:", self.threshold), ("Label:", self.label)):
            self.form.addRow(PlainLabel(title), field)
        self.form.addRow(PlainLabel("Fingerprint computed here:"), self.computed)
        self.form.addRow("", self.problem)
        self.form.addRow(PlainLabel("Fingerprint on the online desktop:"), self.typed)
        self.form.addRow("", self.match)
        for line in (self.address, self.version, self.label, self.typed):
            line.textChanged.connect(self._changed)
        self.owners.textChanged.connect(self._changed)
        self.threshold.valueChanged.connect(self._changed)
        self._changed()

    @staticmethod
    def _fixed_bold() -> QFont:
        font = fixed_font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        return font

    @property
    def facts(self) -> VaultFacts | None:
        return self._facts

    def owner_lines(self) -> list[str]:
        return [line.strip() for line in self.owners.toPlainText().splitlines() if line.strip()]

    def _compute(self) -> tuple[VaultFacts | None, str]:
        from wallet_app.vaults.anchors import vault_facts

        address, owners = self.address.text().strip(), self.owner_lines()
        if not address:
            return None, "Type the vault's address."
        if not owners:
            return None, "Type the owners, one address a line."
        if not self.version.text().strip():
            return None, "Type the vault's Safe version."
        try:
            facts = vault_facts(self._chain_id, address, self.version.text().strip(), owners,
                                self.threshold.value(), self.label.text())
        except (WalletError, ValueError) as exc:
            text = getattr(exc, "user_message", "") or str(exc)
            return None, str(text)
        return facts, ""

    def _changed(self) -> None:
        self._facts, problem = self._compute()
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.computed.setText(self._facts.fingerprint_words if self._facts is not None else "—")
        typed = squash(self.typed.text())
        if self._facts is None or not typed:
            self.match.clear()
        elif typed == squash(self._facts.fingerprint_words):
            self.match.setText("✓ The same fingerprint: these are the facts the online desktop read from the chain")
            self.match.set_tone("good")
        elif len(typed) >= 20:
            self.match.setText("✗ Not the same fingerprint: an owner, the threshold, the version or the address "
                               "differs from the online desktop's. Nothing can be anchored")
            self.match.set_tone("bad")
        else:
            self.match.setText(f"{len(typed)} of 20 characters typed")
            self.match.set_tone("muted")
        self.update_ready()

    def ready(self) -> bool:
        return self._facts is not None and squash(self.typed.text()) == squash(self._facts.fingerprint_words)

    def make_command(self) -> Callable[[], object] | None:
        facts, signer = self._facts, self._signer
        if facts is None or not self.ready():
            return None
        return lambda: work.anchor(signer, facts)
