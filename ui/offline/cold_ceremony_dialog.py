"""The guided key ceremony of a new cold vault, in four steps: the vault (label, threshold K, number of shares N); the
holders (each one's name and how they take their share, the share files' folder); the ceremony itself (the key is
made, split K of N and handed out, one holder at a time: words shown full size to that holder only, files written
with progress); and the result (the vault's address and share set). Cancel at any step keeps nothing.

The ceremony runs as one command on the serial lane; how a holder's words reach this dialog and how a cancel reaches
the ceremony is explained in ui/offline/cold_delivery.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.errors import one_line
from ui.fonts import fixed_font
from ui.offline import cold_work
from ui.offline.cold_delivery import FILE, GuidedDeliverer, WordsRelay, WordsTurn
from ui.offline.cold_holders_form import HoldersForm
from ui.offline.cold_words_view import WordsView
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from ui.widgets.tone_label import ToneLabel
from wallet_app.errors import UserCancelled, WalletError

if TYPE_CHECKING:
    from ui.offline import work
    from wallet_app.cold.ceremony import CeremonyResult

MAX_SHARES = 16  # wallet_app.cold.store.MAX_SHARES
STEP_TITLES = ("1 · The vault", "2 · The holders", "3 · The ceremony", "4 · Done")
CANCELLED_TEXT = "The ceremony was cancelled: no vault was kept, and the share files it wrote were removed."
STATE_TEXT = {"writing": "writing the encrypted share file…", "written": "✓ encrypted share file written",
              "shown": "✓ words shown, written down", "waiting": "waiting", "reading": "reading their words now…"}


class ColdCeremonyDialog(QDialog):
    sig_created = Signal(object)
    """The ceremony ended and the vault was kept; carries the CeremonyResult."""
    sig_words_shown = Signal(object)
    """A holder's turn to read their words began (the words still hidden); carries the WordsTurn."""
    sig_finished_ceremony = Signal(str)
    """The ceremony's command ended: "created", "cancelled" or "failed"."""

    def __init__(self, *, runner: TaskRunner, context: work.SignerContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("coldCeremonyDialog")
        self.setWindowTitle("New cold vault: key ceremony")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._runner = runner
        self._context = context
        self._running = False
        self._stopping = False
        self.relay: WordsRelay | None = None
        self.result_value: CeremonyResult | None = None
        self._names: list[str] = []
        self._states: list[str] = []
        self._files: list[bool] = []

        self.step = ToneLabel(bold=True, scale=1.2)
        self.step.setObjectName("coldCeremonyStep")
        self.pages = QStackedWidget()
        self.pages.addWidget(self._vault_page())
        self.holders = HoldersForm()
        self.holders.sig_changed.connect(self._update)
        self.pages.addWidget(self.holders)
        self.pages.addWidget(self._ceremony_page())
        self.pages.addWidget(self._done_page())
        self.error = ErrorLine()
        self.error.setObjectName("coldCeremonyError")
        self.back_button = QPushButton("< &Back")
        self.back_button.setObjectName("coldBack")
        self.back_button.clicked.connect(self._back)
        self.next_button = QPushButton("&Next >")
        self.next_button.setObjectName("coldNext")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self._next)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("coldCancel")
        self.cancel_button.clicked.connect(self.reject)
        self.close_button = QPushButton("&Close")
        self.close_button.setObjectName("coldClose")
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        for button in (self.back_button, self.next_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.step)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.resize(980, 700)
        self._go(0)

    # -- the pages ------------------------------------------------------------------------------------------------
    def _vault_page(self) -> QWidget:
        page = QWidget()
        intro = PlainLabel(
            "A cold vault is a plain account whose key no person or device keeps. Its key is made on this offline "
            "signer from the operating system's random generator, split into N shares (SLIP-39) of which any K "
            "rebuild it, handed to N officers, and wiped. This signer keeps only the address and who holds which "
            "share. Gather the officers before you start: each one takes their share in turn.")
        intro.setWordWrap(True)
        self.label = QLineEdit()
        self.label.setObjectName("coldLabel")
        self.label.setMaxLength(80)
        self.label.setPlaceholderText("A name for the vault on this signer, e.g. Client assets cold")
        self.threshold = QSpinBox()
        self.threshold.setObjectName("coldThreshold")
        self.threshold.setRange(2, MAX_SHARES)
        self.threshold.setValue(2)
        self.share_count = QSpinBox()
        self.share_count.setObjectName("coldShareCount")
        self.share_count.setRange(2, MAX_SHARES)
        self.share_count.setValue(3)
        for box in (self.threshold, self.share_count):
            box.setMaximumWidth(110)
        self.threshold.valueChanged.connect(lambda _v: self._update())
        self.share_count.valueChanged.connect(lambda _v: self._update())
        self.quorum_text = PlainLabel()
        self.quorum_text.setObjectName("coldQuorumText")
        self.quorum_text.setWordWrap(True)
        form = QFormLayout()
        form.addRow(PlainLabel("Label:"), self.label)
        form.addRow(PlainLabel("Shares needed to sign (K):"), self.threshold)
        form.addRow(PlainLabel("Shares made, one per officer (N):"), self.share_count)
        form.addRow("", self.quorum_text)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _ceremony_page(self) -> QWidget:
        page = QWidget()
        self.ceremony_status = PlainLabel()
        self.ceremony_status.setObjectName("coldCeremonyStatus")
        self.ceremony_status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("coldCeremonyProgress")
        self.progress.setFormat("%v of %m shares handed out")
        self.holder_lines = PlainLabel()
        self.holder_lines.setObjectName("coldHolderStates")
        self.words = WordsView()
        self.words.sig_written.connect(self._written)
        layout = QVBoxLayout(page)
        layout.addWidget(self.ceremony_status)
        layout.addWidget(self.progress)
        layout.addWidget(self.holder_lines)
        layout.addWidget(self.words, 1)
        return page

    def _done_page(self) -> QWidget:
        page = QWidget()
        self.done_title = ToneLabel("Cold vault created", bold=True, scale=1.3)
        self.done_title.set_tone("good")
        self.done_text = PlainLabel(selectable=True)
        self.done_text.setObjectName("coldCeremonyResult")
        self.done_text.setWordWrap(True)
        self.done_address = PlainLabel(selectable=True)
        self.done_address.setObjectName("coldCeremonyAddress")
        font = fixed_font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.done_address.setFont(font)
        layout = QVBoxLayout(page)
        layout.addWidget(self.done_title)
        layout.addWidget(self.done_address)
        layout.addWidget(self.done_text)
        layout.addStretch(1)
        return page

    # -- moving between steps -------------------------------------------------------------------------------------
    def _go(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.step.setText(STEP_TITLES[index])
        self.error.clear_error()
        self._update()

    def _update(self) -> None:
        index = self.pages.currentIndex()
        self.threshold.setMaximum(self.share_count.value())
        k, n = self.threshold.value(), self.share_count.value()
        lost = f"{n - k} share{'s' if n - k != 1 else ''}"
        self.quorum_text.setText(f"Any {k} of the {n} officers together can sign for the vault, and fewer cannot; "
                                 f"the vault survives the loss of {lost}.")
        self.back_button.setVisible(index == 1)
        self.next_button.setVisible(index in (0, 1))
        self.next_button.setText("&Start the ceremony" if index == 1 else "&Next >")
        self.next_button.setEnabled(index == 0 or not self.holders.problem())
        self.cancel_button.setVisible(index != 3)
        self.cancel_button.setEnabled(not self._stopping)
        self.cancel_button.setText("Cancel the ceremony" if index == 2 else "Cancel")
        self.cancel_button.setToolTip("Stop: no vault is kept, and the share files already written are removed")
        self.close_button.setVisible(index == 3)
        if index == 1:
            problem = self.holders.problem()
            self.next_button.setToolTip(problem or "Make the key, split it and hand out the shares")

    def _back(self) -> None:
        if self.pages.currentIndex() == 1 and not self._running:
            self._go(0)

    def _next(self) -> None:
        index = self.pages.currentIndex()
        if index == 0:
            from wallet_app.cold.store import ColdVaultError, clean_label

            try:
                clean_label(self.label.text())
            except ColdVaultError as exc:
                self.error.show_error(exc.user_message)
                return
            self.holders.set_count(self.share_count.value(), self.threshold.value())
            self._go(1)
        elif index == 1:
            self.start()

    # -- the ceremony ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Make the key and hand out the shares (serial lane); the holders' words come back to this dialog."""
        problem = self.holders.problem()
        if problem or self._running:
            self.error.show_error(problem)
            return
        from wallet_app.cold.store import ColdVaultError, check_holders

        names = self.holders.names()
        try:
            check_holders(names, self.threshold.value())
        except ColdVaultError as exc:
            self.error.show_error(exc.user_message)
            return
        relay = WordsRelay(self)
        relay.sig_words_wanted.connect(self._words_wanted, Qt.ConnectionType.QueuedConnection)
        relay.sig_progress.connect(self._progress, Qt.ConnectionType.QueuedConnection)
        self.relay = relay
        deliver = GuidedDeliverer(self.holders.plans(), self.holders.directory(), relay)
        self._states = ["waiting"] * len(names)
        self._names = names
        self._files = [p.delivery == FILE for p in self.holders.plans()]
        self.progress.setRange(0, len(names))
        self.progress.setValue(0)
        self._show_states()
        self.ceremony_status.setText("Making the key and splitting it…")
        self.words.hide()
        self._running = True
        self.holders.set_editable(False)
        self._go(2)
        context, label, threshold = self._context, self.label.text(), self.threshold.value()
        (self._runner.command(lambda: cold_work.create_vault(context, label=label, threshold=threshold,
                                                             holders=names, deliver=deliver))
         .with_owner(self).on_success(self._created).on_failure(self._failed).quietly().run())

    def _words_wanted(self, turn: WordsTurn) -> None:
        if self._stopping:
            return
        self._states[turn.number - 1] = "reading"
        self._show_states()
        self.ceremony_status.setText(f"Share {turn.number} of {turn.count} is for "
                                     f"{reveal_invisible(turn.holder, max_length=80)}, as words.")
        self.words.ask_ready(turn)
        self.words.show()
        emit(self.sig_words_shown, turn)

    def _written(self) -> None:
        self.words.hide()
        self.ceremony_status.setText("Handing out the next share…")
        if self.relay is not None:
            self.relay.written()

    def _progress(self, index: int, state: str) -> None:
        if not 0 <= index < len(self._states):
            return
        self._states[index] = state
        done = sum(s in ("written", "shown") for s in self._states)
        self.progress.setValue(done)
        if state == "writing":
            self.ceremony_status.setText(f"Encrypting and writing {reveal_invisible(self._names[index], max_length=80)}"
                                         "'s share file under their passphrase (scrypt, about half a second)…")
        self._show_states()

    def _show_states(self) -> None:
        lines = []
        for i, (name, state) in enumerate(zip(self._names, self._states, strict=True)):
            how = "file" if self._files[i] else "words"
            lines.append(f"Share {i + 1} · {reveal_invisible(name, max_length=80)} ({how}): {STATE_TEXT[state]}")
        self.holder_lines.setText("\n".join(lines))

    def _created(self, result: CeremonyResult) -> None:
        self._running = False
        self._stopping = False  # a cancel that came after the last share was handed out: the vault was kept
        self.result_value = result
        self.holders.wipe()
        self.words.clear_words()
        vault, made = result.vault, result.share_set
        label = reveal_invisible(vault.label, max_length=80)
        self.done_title.setText(f"Cold vault created{': ' + label if label else ''}")
        self.done_address.setText(vault.address)
        lines = [f"Share set {made.identifier}: any {made.threshold} of the {made.share_count} shares sign "
                 f"(chain id {vault.chain_id}).", ""]
        for holder, delivered in zip(made.holders, result.delivered, strict=True):
            how = cold_work.HOW_TEXT.get(holder.delivery, holder.delivery)
            where = f" → {reveal_invisible(str(delivered.path), max_length=200)}" if delivered.path else ""
            lines.append(f"Share {holder.member_index + 1} · {reveal_invisible(holder.name, max_length=80)}: "
                         f"{how}{where}")
        if any(d.path is not None for d in result.delivered):
            lines += ["", "Hand each share file to its holder; nobody should keep more than one."]
        lines += ["", "The key was wiped: this signer keeps only the address and who holds which share. Give the "
                  "address to the online desktop with the policy's [[vaults]] entry that names its approvers."]
        self.done_text.setText("\n".join(lines))
        self._go(3)
        emit(self.sig_created, result)
        emit(self.sig_finished_ceremony, "created")

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        self.words.clear_words()
        self.words.hide()
        if isinstance(exc, UserCancelled) or self._stopping:
            self._stopping = False
            emit(self.sig_finished_ceremony, "cancelled")
            self.holders.wipe()
            super().reject()
            return
        self.holders.set_editable(True)
        self._go(1)
        self.error.show_error(f"The ceremony stopped and nothing was kept. {one_line(exc)}")
        emit(self.sig_finished_ceremony, "failed")
        if not isinstance(exc, WalletError):
            self._runner.present(exc, self)

    # -- closing --------------------------------------------------------------------------------------------------
    def abort(self) -> None:
        """Stop the ceremony if it runs (the window is closing); nothing is kept."""
        if self._running and self.relay is not None:
            self._stopping = True
            self.relay.cancel()

    def reject(self) -> None:
        """Cancel: before the ceremony, close; during it, stop it (the dialog closes once the ceremony has removed
        what it wrote); after it, close."""
        if self._running:
            if not self._stopping:
                self.abort()
                self.words.clear_words()
                self.words.hide()
                self.ceremony_status.setText("Stopping the ceremony; nothing will be kept…")
                self._update()
            return
        self.holders.wipe()
        super().reject()

    def accept(self) -> None:
        if self._running:
            return
        self.holders.wipe()
        super().accept()
