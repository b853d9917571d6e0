"""The dialogs of an account vault's transfer (a plain account whose approvers and threshold are in the policy, such
as the cold vault), opened from the Approvals page's "Account vaults (cold)" section.

`ApproveAccountDialog`: the transfer in words, its vault, nonce, approvals so far and its whole signing hash, then one
of this profile's approver keys and its password (the unlock pattern of the key dialogs: the password goes from the
field into the command's closure and the field is wiped). `AccountVaultQueue.approve` runs on the SERIAL lane (scrypt,
the policy check at the latest block with this approval counted, the database) while the dialog says it is busy; a
refusal (the proposer approving, a key that is not an approver, a policy that denies it now) is said in the dialog in
the core's words, and nothing is stored.

`AccountRequestDialog`: the cold ceremony's sign request for an approved transfer. Making it checks the policy at the
latest block and records the request (`AccountCeremony.request`: SERIAL lane, with a busy bar); then the request is
shown as an animated QR code (the sign request and the online check, as the Safe "Sign offline…" dialog shows its
own), with the signing hash in exactly the lines `custos cold sign` prints for the officers to compare, and what the
online check decided at which block. "Save as file…" writes the UR lines (as `custos account-vault request --out`
does) to a new file, never over one; "Import the answer…" reads the ceremony's signed transaction (camera, images or
file) and stores it (ui/dialogs/offline_answer.py); an answer to another request is refused before it reaches the
core.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.command_dialog import CommandDialog, address_label, bold
from ui.dialogs.offline_answer import AnswerImport, OfflineSources, imported_text
from ui.dialogs.offline_request_dialog import ask_request_path
from ui.dialogs.offline_request_work import request_file_text
from ui.errors import one_line
from ui.fonts import fixed_font
from ui.new_files import write_new_file
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.tones import DECISION_TONES
from ui.widgets.animated_qr import AnimatedQr
from ui.widgets.error_line import ErrorLine
from ui.widgets.hash_view import HashView
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import SecretField
from ui.widgets.tone_label import ToneLabel
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from ui.models.account_rows import AccountRow

AskPath = Callable[[QWidget, str], str | None]
APPROVE_INTRO = ("Your key signs an EIP-712 approval of this transfer: its signing hash, the vault's nonce and the "
                 "policy in force. Custos first checks the policy at the latest block with your approval counted. It "
                 "counts only if your key is an approver of the vault under that policy, and never the proposer's.")
REQUEST_INTRO = ("The officers' shares rebuild the vault's key on the offline signer only. Show this request to its "
                 "camera, or save it as a file for an SD card; the signer checks the approvals and the policy again, "
                 "and the officers compare the signing hash before they enter their shares.")
COMPARE = ("Compare: the offline signer must print this very signing hash before any share is entered. Then import "
           "the signed transaction it gives back.")
SIGN_HINT = "On the offline signer: custos cold sign REQUEST_FILE --share FILE … --out ANSWER_FILE --confirm {hash}"


class AccountQueueLike(Protocol):
    def approve(self, tx_hash: str, key: str, password: str) -> Any: ...


class AccountCeremonyLike(Protocol):
    def request(self, tx_hash: str) -> Any: ...


def signing_hash_lines(tx_hash: str) -> tuple[str, str]:
    """The signing hash as `custos cold sign` prints it for the officers (wallet_app.cold.review.cold_review_lines)."""
    from wallet_app.domain.hex_text import chunk_hex, hex_text

    return f"{'signing hash':<13} {hex_text(tx_hash)}", f"{'':<13} {chunk_hex(tx_hash)}"


def _wrapped(text: str, *, selectable: bool = True) -> PlainLabel:
    label = PlainLabel(text, selectable=selectable)
    label.setWordWrap(True)
    return label


class ApproveAccountDialog(CommandDialog):
    sig_queue_changed = Signal(str)
    """The approval was stored; carries the transfer's signing hash."""

    def __init__(self, *, runner: TaskRunner, accounts: AccountQueueLike, row: AccountRow,
                 parent: QWidget | None = None) -> None:
        super().__init__(runner=runner, title="Approve a transfer from an account vault", intro=APPROVE_INTRO,
                         submit_text="Sign and approve", parent=parent)
        self.setObjectName("approveAccountDialog")
        self.setMinimumWidth(760)
        self._accounts = accounts
        self._tx_hash = row.tx_hash
        transfer = bold(_wrapped(row.transfer))
        transfer.setObjectName("approveAccountTransfer")
        self.form.addRow(PlainLabel("Transfer:"), transfer)
        self.form.addRow(PlainLabel("Vault:"), _wrapped(f"{row.texts[1]}, nonce {row.nonce}"))
        self.form.addRow(PlainLabel(""), address_label(row.vault))
        self.form.addRow(PlainLabel("Approvals now:"), _wrapped(row.texts[4]))
        self.form.addRow(PlainLabel("Proposed by:"), _wrapped(row.texts[5]))
        digest = HashView(per_line=8)
        digest.set_value(row.tx_hash)
        self.form.addRow(PlainLabel("Signing hash:"), digest)
        self.key_choice = QComboBox()
        self.key_choice.setObjectName("approveAccountKey")
        for address, words in row.candidates:
            self.key_choice.addItem(words, address)
        self.form.addRow(PlainLabel("Approver key:"), self.key_choice)
        self.password = SecretField("The key's password (or PIN)")
        self.password.setObjectName("approveAccountPassword")
        self.form.addRow(PlainLabel("Password:"), self.password)
        self.add_secret(self.password)
        self.busy_label.setText("Unlocking the key, checking the policy and signing…")
        self.sig_succeeded.connect(lambda _entry: emit(self.sig_queue_changed, self._tx_hash))
        self.password.setFocus()
        self.update_ready()

    @property
    def tx_hash(self) -> str:
        return self._tx_hash

    def ready(self) -> bool:
        return self.key_choice.currentData() is not None and bool(self.password.text())

    def make_command(self) -> Callable[[], object]:
        accounts, tx_hash, key = self._accounts, self._tx_hash, str(self.key_choice.currentData())
        password = self.password.text()
        self.password.wipe()  # a retry needs it typed again; it lives only in the closure below
        return lambda: accounts.approve(tx_hash, key, password)

    def failed(self, exc: WalletError) -> None:
        self.password.setFocus()


class AccountRequestDialog(QDialog):
    sig_request_shown = Signal(object)
    """The request was made and is on screen; carries the AccountRequest."""
    sig_queue_changed = Signal(str)
    """The signed transaction was imported; carries the transfer's signing hash."""
    sig_outcome_shown = Signal(str)
    """Making, saving or importing said how it went; carries the words."""

    def __init__(self, *, runner: TaskRunner, ceremony: AccountCeremonyLike, offline: OfflineSources | None,
                 row: AccountRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("accountRequestDialog")
        self.setWindowTitle("Cold ceremony request")
        self._runner, self._ceremony, self._offline = runner, ceremony, offline
        self._tx_hash = row.tx_hash
        self._made: Any = None
        self._busy = False
        self._answered = False
        self.ask_path: AskPath = ask_request_path  # tests replace it
        self.answer: AnswerImport | None = None
        self.heading = bold(_wrapped(f"{row.transfer}\n{row.texts[1]}, nonce {row.nonce}: {row.texts[4]}"))
        self.heading.setObjectName("accountRequestHeading")
        self.intro = _wrapped(REQUEST_INTRO, selectable=False)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_text = _wrapped("Checking the transfer and the policy at the latest block, and making the "
                                  "request…", selectable=False)
        self.error = ErrorLine()
        self.error.setObjectName("accountRequestError")
        self.qr = AnimatedQr()
        self.request_id = _wrapped("")
        self.request_id.setObjectName("accountRequestId")
        self.checked = ToneLabel(bold=True, selectable=True)
        self.checked.setObjectName("accountRequestChecked")
        self.checked.setWordWrap(True)
        self.instruction = ToneLabel(COMPARE, bold=True)
        self.instruction.setObjectName("accountRequestInstruction")
        self.instruction.setWordWrap(True)
        self.hash_text = PlainLabel("\n".join(signing_hash_lines(row.tx_hash)), selectable=True)
        self.hash_text.setObjectName("accountRequestHash")
        self.hash_text.setFont(fixed_font())
        self.hint = _wrapped(SIGN_HINT.format(hash=row.tx_hash))
        self.hint.setObjectName("accountRequestHint")
        self.hint.setFont(fixed_font())
        self.save_button = QPushButton("&Save as file…")
        self.save_button.setObjectName("accountRequestSave")
        self.save_button.setToolTip("Write the request as UR lines, one part a line (for an SD card); never over an "
                                    "existing file")
        self.save_button.clicked.connect(self.save)
        self.import_button = QPushButton("&Import the answer…")
        self.import_button.setObjectName("accountRequestImport")
        self.import_button.setToolTip("Read the signed transaction the offline signer gives back (camera, images or "
                                      "a file) and store it")
        self.import_button.clicked.connect(self.import_answer)
        self.outcome = ToneLabel(selectable=True)
        self.outcome.setObjectName("accountRequestOutcome")
        self.outcome.setWordWrap(True)
        self.request_box = self._build_request_box()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        busy = QHBoxLayout()
        busy.addWidget(self.busy_bar)
        busy.addWidget(self.busy_text, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.intro)
        layout.addLayout(busy)
        layout.addWidget(self.error)
        layout.addWidget(self.request_box, 1)
        layout.addWidget(close)
        self.resize(980, 820)
        self._update_controls()
        self.make()

    def _build_request_box(self) -> QGroupBox:
        box = QGroupBox("The sign request: show it to the offline signer's camera, or save it as a file")
        box.setObjectName("accountRequestBox")
        side = QVBoxLayout()
        side.addWidget(self.request_id)
        side.addWidget(self.checked)
        side.addWidget(self.instruction)
        side.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(self.save_button)
        actions.addWidget(self.import_button)
        actions.addStretch(1)
        side.addLayout(actions)
        side.addWidget(self.outcome)
        top = QHBoxLayout()
        top.addWidget(self.qr, 3)
        top.addLayout(side, 2)
        hashes = QGroupBox("The signing hash: the offline signer must show these very lines")
        hashes.setObjectName("accountRequestHashBox")
        inner = QVBoxLayout(hashes)
        inner.addWidget(self.hash_text)
        inner.addWidget(self.hint)
        layout = QVBoxLayout(box)
        layout.addLayout(top, 1)
        layout.addWidget(hashes)
        box.hide()
        return box

    # -- what tests and the page read -----------------------------------------------------------------------------
    @property
    def made(self) -> Any:
        """The AccountRequest, once made (None before)."""
        return self._made

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def subject_hash(self) -> str:
        return self._tx_hash

    def hash_lines_shown(self) -> list[str]:
        return self.hash_text.text().split("\n")

    # -- making the request ---------------------------------------------------------------------------------------
    def make(self) -> None:
        if self._busy or self._made is not None:
            return
        ceremony, tx_hash = self._ceremony, self._tx_hash
        self.error.clear_error()
        self._set_busy(True)
        (self._runner.command(lambda: ceremony.request(tx_hash)).with_owner(self)
         .on_success(self._made_request).on_failure(self._failed).quietly().run())

    def _made_request(self, made: Any) -> None:
        self._set_busy(False)
        self._made = made
        self.request_id.setText(f"Sign request {made.sign_request.request_id}\nfor the cold vault's key (the "
                                "officers' shares)")
        self.checked.setText(f"checked online at block {made.block_number}: {made.decision}")
        self.checked.set_tone(DECISION_TONES.get(str(made.decision), "plain"))
        self.qr.set_urs(made.urs)
        self.intro.hide()
        self.request_box.show()
        self._update_controls()
        emit(self.sig_request_shown, made)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        text = f"No request was made: {one_line(exc)}"
        self.error.show_error(text)
        emit(self.sig_outcome_shown, text)
        if not isinstance(exc, WalletError):
            self._runner.present(exc, self)
        self._update_controls()

    # -- saving and importing -------------------------------------------------------------------------------------
    def save(self) -> None:
        made = self._made
        if made is None or self._busy:
            return
        answer = self.ask_path(self, f"cold-request-{self._tx_hash[2:10]}.txt")
        if not answer:
            return
        path, data = Path(answer), request_file_text(made.urs)
        (self._runner.command(lambda: write_new_file(path, data)).with_owner(self)
         .on_success(lambda where: self._say(f"Saved the request to {where}", "good"))
         .on_failure(lambda exc: self._say(one_line(exc), "bad")).quietly().run())

    def import_answer(self) -> AnswerImport | None:
        made, offline = self._made, self._offline
        if made is None or offline is None or self._busy or (self.answer is not None and self.answer.running):
            return None
        if self.answer is not None:
            self.answer.deleteLater()  # the previous reading is over
        self.answer = AnswerImport(runner=self._runner, sources=offline, parent=self,
                                   expected_request=made.sign_request.request_id)
        self.answer.sig_imported.connect(self._imported)
        self.answer.sig_refused.connect(lambda text: self._say(text, "bad"))
        self.answer.start()
        return self.answer

    def _imported(self, imported: Any) -> None:
        self._say(imported_text(imported), "good")
        self._answered = True  # a second copy would be refused
        self._update_controls()
        emit(self.sig_queue_changed, self._tx_hash)

    def _say(self, text: str, tone: str) -> None:
        self.outcome.setText(text)
        self.outcome.set_tone(tone)
        emit(self.sig_outcome_shown, text)

    # -- state ----------------------------------------------------------------------------------------------------
    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_bar.setVisible(busy)
        self.busy_text.setVisible(busy)
        self._update_controls()

    def _update_controls(self) -> None:
        made = self._made is not None
        self.save_button.setEnabled(not self._busy and made)
        self.import_button.setEnabled(not self._busy and made and not self._answered and self._offline is not None)
