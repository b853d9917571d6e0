"""A sign request for an owner who signs on an offline machine, for one pending transaction of the queue or one queued
Safe message (a holding statement a vault's quorum signs): the desktop twin of `custos offline request`.

The officer picks the owner (the vault's owners who have not signed; paired offline signers first, with their
device's name). Making the request checks the item as an approval would, at the latest block, and records the
request (`OfflineRequests.create`: it reads the chain and writes, so SERIAL lane, with a busy bar). Then the dialog
shows the request as an animated QR code, the domain hash, message hash and safeTxHash in exactly the lines the
offline signer shows (`wallet_app.offline.rendering.hash_lines`, SECURITY K6) with the instruction to compare them,
and what the online check decided at which block. "Save as file…" writes the UR lines (as `--out` does) to a new
file, never over one. "Import the answer…" reads the signer's eth-signature (camera, images or file) and stores it
(`ui/dialogs/offline_answer.py`): an answer to another request is refused, nothing is stored.

For a Safe message (`message_hash`, with the message queue) the dialog lists the owners who have not signed it and
shows the statement in words (every field of its typed data, as the core reads it) where a transaction's intent
would be; the request carries no chain facts, so there is no "checked online at block" line, and the hash lines are
the domain hash, struct hash and SafeMessage hash with the instruction to compare the SafeMessage hash, as the
offline signer prints them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QSpacerItem,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.offline_answer import OfflineSources
from ui.dialogs.offline_request_work import (
    MadeRequest,
    RequestSetup,
    load_message_setup,
    load_setup,
    make_request,
)
from ui.dialogs.sign_request_base import SignRequestDialog
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.plain_label import PlainLabel
from ui.widgets.policy_active import read_only_text

if TYPE_CHECKING:
    from ui.message_sources import MessageQueueLike
    from ui.queue_sources import QueueServiceLike, QueueSources

INTRO = ("Pick the owner whose key is on an offline machine. Custos checks the transaction and the policy at the "
         "latest block, records the request and shows it as an animated QR code for that machine's camera, or saves "
         "it as a file. The answer it gives back is imported here.")
BUSY_TEXT = "Checking the transaction and the policy at the latest block, and making the request…"
MESSAGE_INTRO = ("Pick the owner whose key is on an offline machine. Custos records a request for this Safe message's "
                 "SafeMessage hash and shows it as an animated QR code for that machine's camera, or saves it as a "
                 "file; the offline signer shows the statement below, field by field. The answer it gives back is "
                 "imported here.")
MESSAGE_BUSY_TEXT = "Checking the message and its vault's owners, and making the request…"
STATEMENT_LINES_SHOWN = 8  # lines of the statement shown without scrolling its box
OFFLINE_NAMES = {"error": "offlineError", "request_id": "offlineRequestId", "checked": "offlineChecked",
                 "instruction": "offlineInstruction", "hash_text": "offlineHashes", "save_button": "offlineSave",
                 "import_button": "offlineImport", "outcome": "offlineOutcome", "request_box": "offlineRequestBox",
                 "hash_box": "offlineHashBox"}


class OfflineRequestDialog(SignRequestDialog):
    """sig_request_shown carries the SentRequest; sig_queue_changed the safeTxHash (or the SafeMessage hash)."""

    file_prefix = "sign-request"

    def __init__(self, *, runner: TaskRunner, queue: QueueServiceLike | None = None, sources: QueueSources,
                 offline: OfflineSources, safe_tx_hash: str = "", messages: MessageQueueLike | None = None,
                 message_hash: str = "", parent: QWidget | None = None) -> None:
        """For a queued transaction: `queue` and `safe_tx_hash`; for a Safe message: `messages` and `message_hash`."""
        if (queue is None or not safe_tx_hash) == (messages is None or not message_hash):
            raise ValueError("a sign request is for a transaction (queue, safe_tx_hash) or a message (messages, "
                             "message_hash)")
        for_message = bool(message_hash) and messages is not None
        super().__init__(runner=runner, offline=offline, subject_hash=message_hash if for_message else safe_tx_hash,
                         names=OFFLINE_NAMES, hash_title="The hashes: the offline signer must show these very lines",
                         parent=parent)
        self.setObjectName("offlineRequestDialog")
        self.setWindowTitle("Sign on an offline machine")
        self._queue, self._sources, self._messages, self._message = queue, sources, messages, for_message
        self._requests = offline
        self.heading = PlainLabel("Reading the message…" if self._message else "Reading the transaction…",
                                  selectable=True)
        self.heading.setObjectName("offlineHeading")
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.intro = PlainLabel(MESSAGE_INTRO if self._message else INTRO)
        self.intro.setWordWrap(True)
        self.statement = read_only_text("offlineStatement", fixed=True, wrap=True)
        self.statement.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)  # long hex too
        self.statement.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.statement.setToolTip("Every field of the statement the owner signs, as the core reads it; the offline "
                                  "signer shows the same fields")
        self.statement_box = QGroupBox("The statement the owner signs, field by field")
        self.statement_box.setObjectName("offlineStatementBox")
        QVBoxLayout(self.statement_box).addWidget(self.statement)
        self.statement_box.hide()  # a Safe message's, once read
        self.owner = QComboBox()
        self.owner.setObjectName("offlineOwner")
        self.owner.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.owner.setMinimumContentsLength(40)
        self.make_button = QPushButton("&Make the request")
        self.make_button.setObjectName("offlineMake")
        self.make_button.setToolTip("Make a sign request of the SafeMessage hash for this owner" if self._message
                                    else "Check the transaction and the policy now and make a sign request for this "
                                    "owner")
        self.make_button.clicked.connect(self.make)
        self.busy_bar.hide()
        self.busy_text.hide()
        self.import_button.setToolTip("Read the offline signer's answer (camera, images or a file) and store it")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        picker = QHBoxLayout()
        picker.addWidget(PlainLabel("Owner who signs offline:"))
        picker.addWidget(self.owner, 1)
        picker.addWidget(self.make_button)
        busy = QHBoxLayout()
        busy.addWidget(self.busy_bar)
        busy.addWidget(self.busy_text, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.intro)
        layout.addWidget(self.statement_box)
        layout.addLayout(picker)
        layout.addLayout(busy)
        layout.addWidget(self.error)
        layout.addWidget(self.request_box, 1)
        self._filler = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)
        layout.addItem(self._filler)  # keeps the picker at the top until the request is shown
        layout.addWidget(close)
        self._update_controls()
        width, height = (860, 480) if self._message else (780, 300)  # a message shows its statement too
        self.resize(width, height)
        self.load()

    # -- what tests and the page read -----------------------------------------------------------------------------
    @property
    def for_message(self) -> bool:
        """A Safe message's request, not a transaction's."""
        return self._message

    @property
    def _busy_text(self) -> str:
        return MESSAGE_BUSY_TEXT if self._message else BUSY_TEXT

    def statement_lines(self) -> list[str]:
        return self.statement.toPlainText().splitlines() if self.statement_box.isVisibleTo(self) else []

    # -- reading the owners ---------------------------------------------------------------------------------------
    def load(self) -> None:
        sources, offline, wanted = self._sources, self._requests, self._hash
        work: Callable[[], RequestSetup]
        if self._message:
            messages = self._messages
            assert messages is not None
            self._set_busy(True, "Reading the message and its vault's owners…")
            work = partial(load_message_setup, messages, sources, offline, wanted)
        else:
            queue = self._queue
            assert queue is not None
            self._set_busy(True, "Reading the transaction and its owners…")
            work = partial(load_setup, queue, sources, offline, wanted)
        (self._runner.query(work).with_owner(self)
         .on_success(self._loaded).on_failure(self._failed).quietly().run())

    def _loaded(self, setup: RequestSetup) -> None:
        self._set_busy(False)
        self.heading.setText(setup.heading)
        if setup.statement:
            self._show_statement(setup.statement)
        self.owner.clear()
        for choice in setup.choices:
            self.owner.addItem(choice.text, choice.address)
        if not setup.choices:
            what = "message" if self._message else "transaction"
            self.error.show_error(f"Every owner has signed this {what} already: no sign request is needed.")
        self._update_controls()

    def _show_statement(self, lines: tuple[str, ...]) -> None:
        self.statement.setPlainText("\n".join(lines))
        metrics = self.statement.fontMetrics()
        shown = min(max(len(lines), 3), STATEMENT_LINES_SHOWN)
        self.statement.setFixedHeight(metrics.lineSpacing() * shown + 2 * self.statement.frameWidth() + 10)
        self.statement_box.show()

    # -- making the request ---------------------------------------------------------------------------------------
    def make(self) -> None:
        owner = self.owner.currentData()
        if self._busy or self._made is not None or not owner:
            return
        offline, wanted = self._requests, self._hash
        self._make(lambda: make_request(offline, wanted, owner), self._busy_text)

    def request_urs(self, made: MadeRequest) -> Sequence[str]:
        return made.sent.urs

    def request_id_of(self, made: MadeRequest) -> Any:
        return made.sent.sign_request.request_id

    def _made_request(self, made: MadeRequest) -> None:
        sent = made.sent
        self._show_request(made, request_line=f"Sign request {sent.sign_request.request_id}\nfor "
                           f"{self.owner.currentText()}", checked=made.checked, decision=sent.decision)
        self.checked.setVisible(bool(made.checked))  # a Safe message carries no chain facts
        self.hash_text.setText("\n".join(made.lines))
        self.instruction.setText(made.instruction)
        self.intro.hide()
        self._filler.changeSize(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.request_box.show()
        self.layout().invalidate()
        self.resize(max(self.width(), 960), max(self.height(), 820))
        self._update_controls()
        emit(self.sig_request_shown, sent)

    # -- state ----------------------------------------------------------------------------------------------------
    def _update_controls(self) -> None:
        super()._update_controls()
        ready = not self._busy and self._made is None
        self.owner.setEnabled(ready and self.owner.count() > 0)
        self.make_button.setEnabled(ready and self.owner.count() > 0)
