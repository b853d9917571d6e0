"""The Approvals page's "Account vaults (cold)" section, beside the Safe transactions: one row per transfer from an
account vault (a plain account whose approvers and threshold are in the policy, such as the cold vault) and, under
the list, the selected one in words — where it stands, its approvals, each warning (quarantine, an approval that does
not count) — with what can be done with it: Approve… (an approver's key signs an EIP-712 approval), Cold ceremony
request… (for an approved one: the request for the offline signer), Send (for one the ceremony signed: broadcast and
follow to final, its progress said here), and, for any, Propose transfer… and Import signed transaction…. The panel
only shows and asks: the section (ui/pages/approvals_accounts.py) runs the work. Everything from the queue is plain
text."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QProgressBar, QPushButton, QWidget

from ui.models.account_model import AccountsTableModel
from ui.models.account_rows import BROADCAST, AccountColumn, AccountRow, accounts_summary
from ui.signals import emit
from ui.widgets.rows_panel import RowsPanel

TITLE = "Account vaults (cold)"
WAITING_TEXT = "Transfers from account vaults are read with the queue."
NOTHING_TEXT = "Select a transfer to see where it stands and what it waits for."


class AccountPanel(RowsPanel[AccountRow]):
    sig_propose_requested = Signal()
    """Propose transfer… was pressed."""
    sig_approve_requested = Signal(str)
    """Approve… was pressed; carries the signing hash."""
    sig_request_requested = Signal(str)
    """Cold ceremony request… was pressed; carries the signing hash."""
    sig_import_requested = Signal()
    """Import signed transaction… was pressed."""
    sig_send_requested = Signal(str)
    """Send (or Follow) was pressed; carries the signing hash."""

    def __init__(self, parent: QWidget | None = None) -> None:
        widest = {AccountColumn.STATE: "Ready for the cold ceremony", AccountColumn.VAULT: "Harbour cold vault",
                  AccountColumn.NONCE: "Nonce", AccountColumn.APPROVALS: "2 of 2 approvals: Alice Chan (officer)",
                  AccountColumn.PROPOSER: "Dana Ho (operations)", AccountColumn.HASH: "0xe5bb7f…89d6"}
        super().__init__(TITLE, noun="Account", model=AccountsTableModel(), waiting_text=WAITING_TEXT, widest=widest,
                         elide=Qt.TextElideMode.ElideRight, parent=parent)
        self._enabled = False
        self._busy = False
        self._can_import = False
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(AccountColumn.TRANSFER, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight((self.fontMetrics().height() + 8) * 4 + 4)  # the header and three rows

        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("approvalsAccountBusy")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.hide()
        self.propose_button = QPushButton("Propose transfer…")
        self.propose_button.setObjectName("approvalsAccountPropose")
        self.propose_button.setToolTip("Propose a transfer from an account vault: checked under the policy, then "
                                       "queued for its approvers")
        self.import_button = QPushButton("Import signed transaction…")
        self.import_button.setObjectName("approvalsAccountImport")
        self.import_button.setToolTip("Read the cold ceremony's answer (camera, images or a file) and store the "
                                      "signed transaction for the transfer it answers")
        self.approve_button = QPushButton("Approve…")
        self.approve_button.setObjectName("approvalsAccountApprove")
        self.request_button = QPushButton("Cold ceremony request…")
        self.request_button.setObjectName("approvalsAccountRequest")
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("approvalsAccountSend")
        self.propose_button.clicked.connect(lambda: self._ask(self.propose_button, self.sig_propose_requested))
        self.import_button.clicked.connect(lambda: self._ask(self.import_button, self.sig_import_requested))
        self.approve_button.clicked.connect(lambda: self._ask(self.approve_button, self.sig_approve_requested, True))
        self.request_button.clicked.connect(lambda: self._ask(self.request_button, self.sig_request_requested, True))
        self.send_button.clicked.connect(lambda: self._ask(self.send_button, self.sig_send_requested, True))

        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        actions.addWidget(self.propose_button)
        actions.addWidget(self.import_button)
        actions.addWidget(self.busy_bar)
        actions.addWidget(self.result, 1)
        actions.addStretch(0)  # takes the room while nothing is said
        for button in (self.approve_button, self.request_button, self.send_button):
            actions.addWidget(button)
        self.body.addLayout(actions)
        self._selection_changed()

    def set_rows(self, rows: Sequence[AccountRow]) -> None:
        self._rows = tuple(rows)
        self.paint(self._rows, accounts_summary(self._rows), accounts_summary(()))

    # -- the selected transfer ------------------------------------------------------------------------------
    def _selection_changed(self) -> None:
        row = self.selected()
        self.warnings_box.show_warnings(() if row is None else row.warnings)
        self.warnings_box.setVisible(row is not None and bool(row.warnings))
        if row is None:
            self.state.set_tone("muted")
            self.state.setText(NOTHING_TEXT if self._rows else "")
            self.state.setVisible(bool(self._rows))
        else:
            self.state.set_tone(row.tone if row.tone in ("bad", "warn") else "plain")
            self.state.setText(row.detail)
            self.state.show()
        self._update_buttons()

    # -- actions --------------------------------------------------------------------------------------------
    def set_actions(self, *, enabled: bool, can_import: bool) -> None:
        """Whether the page can open a dialog now (attached, no dialog open) and take an answer back."""
        self._enabled, self._can_import = enabled, can_import
        self._update_buttons()

    def set_busy(self, busy: bool) -> None:
        """A send is running: its progress is said in the result line and nothing else is started."""
        self._busy = busy
        self.busy_bar.setVisible(busy)
        self._update_buttons()

    @property
    def busy(self) -> bool:
        return self._busy

    def _update_buttons(self) -> None:
        row = self.selected()
        on = self._enabled and not self._busy
        self.propose_button.setEnabled(on)
        self.import_button.setEnabled(on and self._can_import)
        self.approve_button.setEnabled(on and row is not None and row.approvable)
        self.request_button.setEnabled(on and row is not None and row.requestable)
        self.send_button.setEnabled(on and row is not None and row.sendable)
        following = row is not None and row.state == BROADCAST
        self.send_button.setText("Follow" if following else "Send")
        self.approve_button.setToolTip(_approve_tip(row))
        self.request_button.setToolTip(
            "Show the approved transfer's sign request to the offline signer as an animated QR code, or save it as a "
            "file" if row is None or row.requestable else
            "Only a transfer whose approvals are complete (ready) goes to the cold ceremony")
        self.send_button.setToolTip(
            "Check its receipt and confirmations again, up to final" if following else
            "Broadcast the transaction the ceremony signed (after one more policy check) and follow it to final"
            if row is None or row.sendable else "Only a transfer the cold ceremony signed is sent")

    def _ask(self, button: QPushButton, signal: SignalInstance, with_row: bool = False) -> None:
        if not button.isEnabled():
            return
        if not with_row:
            emit(signal)
            return
        row = self.selected()
        if row is not None:
            emit(signal, row.tx_hash)


def _approve_tip(row: AccountRow | None) -> str:
    if row is None:
        return "Approve the selected transfer with one of your approver keys (an EIP-712 approval of its signing hash)"
    if row.quarantined:
        return "Quarantined: it is never approved"
    if not row.approvable:
        return "It takes no approval now, or none of your keys is an approver that has not approved it"
    return "Approve it with one of your approver keys (an EIP-712 approval of its signing hash)"
