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

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.command_dialog import CommandDialog, address_label, bold
from ui.dialogs.offline_answer import OfflineSources
from ui.dialogs.sign_request_base import SignRequestDialog
from ui.fonts import fixed_font
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.hash_view import HashView
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import SecretField
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from ui.models.account_rows import AccountRow

APPROVE_INTRO = ("Your key signs an EIP-712 approval of this transfer: its signing hash, the vault's nonce and the "
                 "policy in force. Custos first checks the policy at the latest block with your approval counted. It "
                 "counts only if your key is an approver of the vault under that policy, and never the proposer's.")
REQUEST_NAMES = {"error": "accountRequestError", "request_id": "accountRequestId", "checked": "accountRequestChecked",
                 "instruction": "accountRequestInstruction", "hash_text": "accountRequestHash",
                 "save_button": "accountRequestSave", "import_button": "accountRequestImport",
                 "outcome": "accountRequestOutcome", "request_box": "accountRequestBox",
                 "hash_box": "accountRequestHashBox"}
REQUEST_INTRO = ("The officers' shares rebuild the vault's key on the offline signer only. Show this request to its "
                 "camera, or save it as a file for an SD card; the signer checks the approvals and the policy again, "
                 "and the officers compare the signing hash before they enter their shares.")
REQUEST_BUSY = "Checking the transfer and the policy at the latest block, and making the request…"
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


class AccountRequestDialog(SignRequestDialog):
    file_prefix = "cold-request"
    failed_prefix = "No request was made: "

    def __init__(self, *, runner: TaskRunner, ceremony: AccountCeremonyLike, offline: OfflineSources | None,
                 row: AccountRow, parent: QWidget | None = None) -> None:
        super().__init__(runner=runner, offline=offline, subject_hash=row.tx_hash, names=REQUEST_NAMES,
                         hash_title="The signing hash: the offline signer must show these very lines",
                         busy_text=REQUEST_BUSY, parent=parent)
        self.setObjectName("accountRequestDialog")
        self.setWindowTitle("Cold ceremony request")
        self._ceremony = ceremony
        self._tx_hash = row.tx_hash
        self.heading = bold(_wrapped(f"{row.transfer}\n{row.texts[1]}, nonce {row.nonce}: {row.texts[4]}"))
        self.heading.setObjectName("accountRequestHeading")
        self.intro = _wrapped(REQUEST_INTRO, selectable=False)
        self.instruction.setText(COMPARE)
        self.hash_text.setText("\n".join(signing_hash_lines(row.tx_hash)))
        self.hint = _wrapped(SIGN_HINT.format(hash=row.tx_hash))
        self.hint.setObjectName("accountRequestHint")
        self.hint.setFont(fixed_font())
        self.hash_box.layout().addWidget(self.hint)
        self.import_button.setToolTip("Read the signed transaction the offline signer gives back (camera, images or "
                                      "a file) and store it")
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

    def request_urs(self, made: Any) -> Sequence[str]:
        return made.urs

    def request_id_of(self, made: Any) -> Any:
        return made.sign_request.request_id

    # -- making the request ---------------------------------------------------------------------------------------
    def make(self) -> None:
        if self._busy or self._made is not None:
            return
        ceremony, tx_hash = self._ceremony, self._tx_hash
        self._make(lambda: ceremony.request(tx_hash))

    def _made_request(self, made: Any) -> None:
        self._show_request(made, request_line=f"Sign request {made.sign_request.request_id}\nfor the cold vault's key "
                           "(the officers' shares)", checked=f"checked online at block {made.block_number}: "
                           f"{made.decision}", decision=made.decision)
        self.intro.hide()
        self.request_box.show()
        self._update_controls()
        emit(self.sig_request_shown, made)
