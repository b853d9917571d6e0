"""The Approvals page's "Safe messages" section, beside the transactions: one row per queued message (a holding
statement a vault's quorum signs) and, under the list, the selected one — where it stands, who it still waits for,
each warning (quarantine, flagged signatures) in words and colour, its whole SafeMessage hash with a Copy button,
and, once the quorum has signed a statement, the command that writes it. Review… and Approve… ask the page to open
the review dialog, Sign offline… the sign request for an owner whose key is on an offline machine; nothing is signed
here. Everything from the queue is plain text."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from ui.fonts import fixed_font
from ui.models.message_model import MessagesTableModel
from ui.models.message_rows import PROPOSED, MessageColumn, MessageRow, filter_rows, messages_summary
from ui.signals import emit
from ui.widgets.hash_view import HashView
from ui.widgets.plain_label import PlainLabel
from ui.widgets.rows_panel import RowsPanel

WAITING_TEXT = "Safe messages are read with the queue."
EMPTY_TEXT = ("No Safe message is queued. A holding statement for a vault's owners to sign is asked for with "
              "custos statement --sign-by VAULT.")
FILTERED_TEXT = "No Safe message is queued for this vault."
OFFLINE_TIP = ("Make a sign request of the selected message for an owner whose key is on an offline machine: an "
               "animated QR code or a file, then import the answer")
NOTHING_TEXT = "Select a message; Approve… opens its review: every field of what is signed, the hashes, the signatures."


class MessagePanel(RowsPanel[MessageRow]):
    sig_review_requested = Signal(str, bool)
    """Review… (False) or Approve… (True) was asked for; carries the SafeMessage hash."""
    sig_export_requested = Signal(str)
    """Export signed statement… was pressed; carries the SafeMessage hash."""
    sig_offline_requested = Signal(str)
    """Sign offline… was pressed; carries the SafeMessage hash."""
    sig_selection_changed = Signal()
    """Another message (or none) was selected."""

    def __init__(self, parent: QWidget | None = None) -> None:
        widest = {MessageColumn.STATE: "Signed by the quorum", MessageColumn.VAULT: "Harbour client vault",
                  MessageColumn.KIND: "Holding statement", MessageColumn.SIGNATURES: "0 of 2 signatures",
                  MessageColumn.PROPOSER: "Dana Ho (operations)"}
        # Middle elision: a hash cut by a narrow window keeps its head and tail (the whole one is under the list).
        super().__init__("Safe messages", noun="Message", model=MessagesTableModel(), waiting_text=WAITING_TEXT,
                         widest=widest, elide=Qt.TextElideMode.ElideMiddle, parent=parent)
        self._vault: str | None = None
        self._enabled = False
        self._can_export = False
        self._can_sign_offline = False
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _index: self._request(False))

        self.hash_view = HashView()
        self.hash_view.setObjectName("approvalsMessageHash")
        self.hash_caption = PlainLabel("SafeMessage hash:")
        self.hint = PlainLabel(selectable=True)
        self.hint.setObjectName("approvalsMessageHint")
        self.hint.setFont(fixed_font())
        self.hint.setWordWrap(True)
        self.hint.setToolTip("A terminal command: it writes the statement with the vault's signatures, verified")
        self.review_button = QPushButton("Review…")
        self.review_button.setObjectName("approvalsMessageReview")
        self.review_button.setToolTip("Every field of the selected message, its hashes and each signature")
        self.approve_button = QPushButton("Approve…")
        self.approve_button.setObjectName("approvalsMessageApprove")
        self.approve_button.setToolTip("Review the selected message and sign its SafeMessage hash with one of your "
                                       "owner keys")
        self.export_button = QPushButton("Export signed statement…")
        self.export_button.setObjectName("approvalsMessageExport")
        self.export_button.setToolTip("Write the statement with the vault's signatures as JSON (verified first; "
                                      "never over an existing file)")
        self.offline_button = QPushButton("Sign offline…")
        self.offline_button.setObjectName("approvalsMessageSignOffline")
        self.offline_button.setToolTip(OFFLINE_TIP)
        self.offline_button.setVisible(False)  # offered when the core makes offline sign requests
        self.review_button.clicked.connect(lambda: self._request(False))
        self.approve_button.clicked.connect(lambda: self._request(True))
        self.export_button.clicked.connect(self._export)
        self.offline_button.clicked.connect(self._sign_offline)

        hash_row = QHBoxLayout()
        hash_row.setContentsMargins(0, 0, 0, 0)
        hash_row.addWidget(self.hash_caption)
        hash_row.addWidget(self.hash_view)
        hash_row.addStretch(1)
        actions = QHBoxLayout()  # a row of their own: beside the hash they would squeeze it out of sight
        actions.setContentsMargins(0, 0, 0, 0)
        actions.addWidget(self.result, 1)
        actions.addStretch(0)  # takes the room while no result is said
        for button in (self.review_button, self.approve_button, self.offline_button, self.export_button):
            actions.addWidget(button)
        self.body.addWidget(self.hint)
        self.body.addLayout(hash_row)
        self.body.addLayout(actions)
        self._show_selected()

    # -- rows -----------------------------------------------------------------------------------------------
    @property
    def rows(self) -> tuple[MessageRow, ...]:
        """Every message read (all vaults)."""
        return self._rows

    def set_rows(self, rows: Sequence[MessageRow]) -> None:
        self._rows = tuple(rows)
        self._paint()

    def set_vault(self, vault: str | None) -> None:
        if vault != self._vault:
            self._vault = vault
            self._paint()

    def _paint(self) -> None:
        shown = filter_rows(self._rows, self._vault)
        self.paint(shown, messages_summary(shown), FILTERED_TEXT if self._rows else EMPTY_TEXT)

    # -- the selected message -------------------------------------------------------------------------------
    def _selection_changed(self) -> None:
        self._show_selected()
        self._update_buttons()
        emit(self.sig_selection_changed)

    def _show_selected(self) -> None:
        row = self.selected()
        self.warnings_box.show_warnings(() if row is None else row.warnings)
        if row is None:
            self.state.set_tone("muted")
            self.state.setText(NOTHING_TEXT)
            self.hash_view.set_value(None)
            self.hint.hide()
            self.warnings_box.hide()
            return
        self.state.set_tone(row.tone)
        self.state.setText(row.detail)
        self.hash_view.set_value(row.message_hash)
        self.warnings_box.setVisible(bool(row.warnings))
        self.hint.setText(row.hint)
        self.hint.setVisible(bool(row.hint))

    # -- actions --------------------------------------------------------------------------------------------
    def set_actions(self, *, enabled: bool, can_export: bool) -> None:
        """Whether the page can open a dialog now (attached, no dialog open) and write a statement."""
        self._enabled, self._can_export = enabled, can_export
        self._update_buttons()

    def set_offline(self, available: bool) -> None:
        """Whether the core makes offline sign requests here (Sign offline… is shown only then)."""
        self._can_sign_offline = available
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.selected()
        self.review_button.setEnabled(self._enabled and row is not None)
        self.approve_button.setEnabled(self._enabled and row is not None and not row.quarantined
                                       and bool(row.approvers))
        if row is not None and row.quarantined:
            self.approve_button.setToolTip("Quarantined: it can be neither approved nor exported")
        elif row is not None and not row.approvers:
            self.approve_button.setToolTip("None of your keys can sign it now. " + row.waiting_for)
        else:
            self.approve_button.setToolTip("Review the selected message and sign its SafeMessage hash with one of "
                                           "your owner keys")
        self.offline_button.setVisible(self._can_sign_offline)
        self.offline_button.setEnabled(self._enabled and self._can_sign_offline and row is not None
                                       and row.state == PROPOSED and not row.quarantined)
        if row is not None and row.quarantined:
            self.offline_button.setToolTip("Quarantined: no sign request is made for it")
        elif row is not None and row.state != PROPOSED:
            self.offline_button.setToolTip("Signed by the quorum: it takes no more signatures")
        else:
            self.offline_button.setToolTip(OFFLINE_TIP)
        self.export_button.setVisible(self._can_export)
        self.export_button.setEnabled(self._enabled and self._can_export and row is not None and row.ready
                                      and not row.quarantined and bool(row.hint))

    def _request(self, approve: bool) -> None:
        row = self.selected()
        if row is None or not self._enabled or (approve and not self.approve_button.isEnabled()):
            return
        emit(self.sig_review_requested, row.message_hash, approve)

    def _sign_offline(self) -> None:
        row = self.selected()
        if row is not None and self.offline_button.isEnabled():
            emit(self.sig_offline_requested, row.message_hash)

    def _export(self) -> None:
        row = self.selected()
        if row is not None and self.export_button.isEnabled():
            emit(self.sig_export_requested, row.message_hash)
