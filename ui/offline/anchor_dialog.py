"""Anchor a vault on the offline signer, once: its address, Safe version, owners and threshold as the officer types
them, or as the online desktop's set-up code gives them, with the fingerprint of those facts computed live. The officer
types the fingerprint the online desktop shows (`custos offline vault show VAULT`); Anchor is enabled only when the two
are the same, so a mistyped owner, a threshold that differs or a set-up code swapped on the way can never be anchored.
Problems are said in words under the fields.

"Read the set-up code…" opens the scan dialog (camera, images, file) for one `custos-vault` UR, as `custos offline
vault show VAULT --qr FILE.png | --out FILE` writes it online. A code of another type is refused there; one for another
chain, or one that does not decode, is refused here; either way nothing is filled. The facts read fill the fields,
read-only while they come from the code ("Clear and type instead" empties them), and the vault is anchored as
"setup-qr" instead of "typed"."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ui.dialogs.command_dialog import CommandDialog
from ui.errors import one_line
from ui.fonts import fixed_font
from ui.offline import work
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.plain_label import PlainLabel
from ui.widgets.tone_label import ToneLabel
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from ui.dialogs.qr_scan_dialog import QrScanDialog
    from ui.widgets.ur_collector import SingleUrCollector
    from wallet_app.offline.signer import OfflineSigner
    from wallet_app.vaults.anchors import VaultFacts

MAX_OWNERS = 50
SETUP_TYPE = "custos-vault"  # wallet_app.vaults.anchor_setup.UR_TYPE, named here so the core loads only when used
INTRO = ("Read the vault's set-up code from the online desktop (custos offline vault show VAULT --qr FILE.png or "
         "--out FILE), or type its address, Safe version, owners and threshold as the online desktop shows them "
         "(custos offline vault show VAULT). Then type the fingerprint the online desktop shows: the vault is "
         "anchored only if the fingerprint computed here is the same, and from then on this signer reviews requests "
         "for it. A vault is anchored once; its owners change later only by a bundle its quorum signed.")
SCAN_TITLE = "Read the vault's set-up code from the online desktop (a custos-vault)"
NO_CODE_TEXT = "No set-up code read: type the vault's facts, or read its set-up code."
SOURCE_WORDS = {"qr": "with the camera", "image": "from an image", "file": "from a file"}


def squash(text: str) -> str:
    return "".join(text.split()).upper()


def chain_words(chain_id: int) -> str:
    from wallet_app.domain.network import PRESETS

    name = next((p.name for p in PRESETS.values() if p.chain_id == chain_id and p.chain_id), "")
    return f"chain {chain_id} ({name})" if name else f"chain {chain_id}"


class AnchorVaultDialog(CommandDialog):
    sig_scan_opened = Signal(object)
    """The scan dialog for the set-up code was opened (window-modal); carries it."""
    sig_setup_read = Signal(object)
    """A set-up code was read and its facts fill the fields; carries the VaultFacts."""
    sig_setup_refused = Signal(str)
    """A set-up code was read but refused (another chain, or it does not decode); carries why. Nothing was filled."""

    def __init__(self, *, runner: TaskRunner, signer: OfflineSigner, chain_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(runner=runner, title="Anchor a vault", intro=INTRO, submit_text="&Anchor", parent=parent)
        self.setObjectName("anchorVaultDialog")
        self.setMinimumWidth(640)
        self._signer = signer
        self._chain_id = chain_id
        self._facts: VaultFacts | None = None
        self._setup: VaultFacts | None = None  # the facts of the set-up code read, while the fields show them
        self.scan_dialog: QrScanDialog | None = None
        self.read_setup_button = QPushButton("&Read the set-up code…")
        self.read_setup_button.setObjectName("anchorReadSetup")
        self.read_setup_button.setToolTip("Read the vault's facts from the set-up code the online desktop shows "
                                          "(camera, image or file); the fingerprint is still compared")
        self.read_setup_button.clicked.connect(self.read_setup)
        self.clear_setup_button = QPushButton("C&lear and type instead")
        self.clear_setup_button.setObjectName("anchorClearSetup")
        self.clear_setup_button.setToolTip("Forget the set-up code read and empty the fields, to type the facts")
        self.clear_setup_button.clicked.connect(self.clear_setup)
        self.setup_note = ToneLabel(NO_CODE_TEXT, selectable=True)
        self.setup_note.setObjectName("anchorSetupNote")
        self.setup_note.setWordWrap(True)
        self.setup_note.set_tone("muted")
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
        setup_row = QWidget()
        setup_layout = QHBoxLayout(setup_row)
        setup_layout.setContentsMargins(0, 0, 0, 0)
        setup_layout.addWidget(self.read_setup_button)
        setup_layout.addWidget(self.clear_setup_button)
        setup_layout.addStretch(1)
        self.form.addRow(PlainLabel("Set-up code:"), setup_row)
        self.form.addRow("", self.setup_note)
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
        self._tips = {field.objectName(): field.toolTip() for field in self._fact_fields()}
        self._lock_fields(False)
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

    @property
    def from_setup(self) -> bool:
        """Whether the fields show a set-up code's facts (read-only); the anchoring is then recorded as setup-qr."""
        return self._setup is not None

    # -- the set-up code ------------------------------------------------------------------------------------------
    def read_setup(self) -> None:
        """Open the scan dialog for one custos-vault UR; the fields are filled when it has it."""
        if self.busy or self.scan_dialog is not None:
            return
        from ui.dialogs.qr_scan_dialog import QrScanDialog
        from ui.widgets.ur_collector import SingleUrCollector

        collector = SingleUrCollector(SETUP_TYPE)
        dialog = QrScanDialog(collector, SCAN_TITLE, self, runner=self._runner)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._scanned(collector, dialog.source))
        dialog.finished.connect(self._scan_closed)
        self.scan_dialog = dialog
        dialog.open()
        emit(self.sig_scan_opened, dialog)

    def _scan_closed(self, _result: int) -> None:
        self.scan_dialog = None

    def _scanned(self, collector: SingleUrCollector, source: str) -> None:
        from wallet_app.vaults.anchor_setup import facts_from_setup

        try:
            facts = facts_from_setup(collector.result())
        except (WalletError, ValueError) as exc:
            self._refuse_setup(f"The set-up code cannot be read: {one_line(exc)} Nothing was filled.")
            return
        if facts.chain_id != self._chain_id:
            self._refuse_setup(f"This set-up code is for a vault on {chain_words(facts.chain_id)}; this signer signs "
                               f"for {chain_words(self._chain_id)}. Nothing was filled.")
            return
        self.show_setup(facts, source)

    def _refuse_setup(self, text: str) -> None:
        self.setup_note.setText(text)
        self.setup_note.set_tone("bad")
        emit(self.sig_setup_refused, text)

    def show_setup(self, facts: VaultFacts, source: str = "") -> None:
        """Fill the fields with a set-up code's facts (for this signer's chain), read-only until cleared."""
        if facts.chain_id != self._chain_id:
            return
        self._setup = None  # the fields change below; the facts count only once they all show the code's
        self.address.setText(facts.address)
        self.version.setText(facts.version)
        self.owners.setPlainText("\n".join(facts.owners))
        self.threshold.setValue(facts.threshold)
        self.label.setText(facts.label)
        self._setup = facts
        self._lock_fields(True)
        how = SOURCE_WORDS.get(source, "")
        self.setup_note.setText(f"Filled from the set-up code read {how}".rstrip() + ": these fields cannot be "
                                "edited. Still compare the fingerprint with the online desktop's (the code could "
                                "have been swapped on the way).")
        self.setup_note.set_tone("plain")
        self._changed()
        emit(self.sig_setup_read, facts)

    def clear_setup(self) -> None:
        """Forget the set-up code read: the fields are emptied and can be typed in."""
        if self.busy:
            return
        self._setup = None
        self._lock_fields(False)
        self.address.clear()
        self.version.setText("1.4.1")
        self.owners.clear()
        self.threshold.setValue(1)
        self.label.clear()
        self.setup_note.setText(NO_CODE_TEXT)
        self.setup_note.set_tone("muted")
        self._changed()
        self.address.setFocus()

    def _fact_fields(self) -> tuple[QLineEdit | QPlainTextEdit | QSpinBox, ...]:
        return self.address, self.version, self.owners, self.threshold, self.label

    def _lock_fields(self, locked: bool) -> None:
        for field in self._fact_fields():
            field.setReadOnly(locked)
            field.setToolTip("From the set-up code: Clear and type instead to edit" if locked else
                             self._tips.get(field.objectName(), ""))
        self.threshold.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons if locked else
                                        QAbstractSpinBox.ButtonSymbols.UpDownArrows)
        self.clear_setup_button.setVisible(locked)
        self._paint_locked()

    def _paint_locked(self) -> None:
        """Read-only fields take the window's colour as their background, so that they look not to be typed in."""
        window = self.palette().color(QPalette.ColorRole.Window)
        for field in self._fact_fields():
            palette = QPalette()
            if field.isReadOnly():
                palette.setColor(QPalette.ColorRole.Base, window)
            field.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._setup is not None:
            self._paint_locked()

    def owner_lines(self) -> list[str]:
        return [line.strip() for line in self.owners.toPlainText().splitlines() if line.strip()]

    def _compute(self) -> tuple[VaultFacts | None, str]:
        from wallet_app.vaults.anchors import vault_facts

        if self._setup is not None:
            return self._setup, ""
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
        facts, signer, from_setup = self._facts, self._signer, self._setup is not None
        if facts is None or not self.ready():
            return None
        return lambda: work.anchor(signer, facts, from_setup=from_setup)

