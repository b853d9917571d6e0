"""Propose a transaction from one of the profile's vaults: a transfer of the native coin or a registry token (ERC-20,
ERC-3643, ERC-721, ERC-1155), a batch of transfers (one DELEGATECALL to the policy's pinned MultiSendCallOnly), or an
owner change (add, remove or replace an owner; change the threshold).

The transaction is built by the core's pure builders (`wallet_app.queue.builders`) from what is typed; the amount is
checked against what the vault has available, the recipient is picked from the address book (labels, vaults, keys,
the policy's contacts) or typed, and a lookalike of a known address (same first and last characters, another middle:
address poisoning, B1) blocks proposing until it is corrected. The nonce defaults to the vault's next free one; a
chosen nonce that already has a proposal is a conflict, said loudly (A10). "Check with the policy" shows the
decision without recording it; "Sign and propose" asks the proposer's key and password and calls
`QueueService.propose`, which checks the policy again: a denied transaction is not queued and its reasons are shown.
When the Travel Rule applies and the counterparty records cannot supply its information, the Travel Rule dialog asks
for it and the transfer is proposed again with it (`propose_travel`).

Threads: the vaults, tokens, keys and names are read on the PARALLEL lane when the dialog opens, a vault's balances,
next nonce and queued nonces when it is chosen; the policy's contacts on the SERIAL lane (reading the policy may put
a matured change in force); proposing on the SERIAL lane while the dialog says it is busy and cannot be closed.

Its parts: the widgets in `propose_tx_view` (and `propose_tx_forms`), the requests and verdicts in `propose_tx_request`,
the work off the GUI thread in `propose_tx_work`; this module wires them together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from ui.dialogs.propose_flow import ProposeFlowDialog
from ui.dialogs.propose_travel import TravelRuleStep, needs_travel_rule
from ui.dialogs.propose_tx_forms import AddressInput, show_verdict
from ui.dialogs.propose_tx_request import (
    BATCH,
    OWNERS,
    TRANSFER,
    build_proposal_request,
    preview_request,
)
from ui.dialogs.propose_tx_view import ProposeTxActions, ProposeTxFields
from ui.dialogs.propose_tx_work import (
    Basics,
    Outcome,
    VaultContext,
    load_basics,
    load_policy_book,
    load_vault_context,
    run_check,
    run_propose,
)
from ui.errors import one_line
from ui.key_service import can_unlock
from ui.models.cooling_off import recipient_opening
from ui.models.queue_propose import (
    BookEntry,
    Verdict,
    build_book,
    nonce_warning,
    parse_nonce,
    recipient_verdict,
)
from ui.models.queue_rows import label_of, name_of
from ui.models.tokens_model import plain_tooltip
from ui.signals import emit
from ui.tasks import TaskRunner
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from ui.models.policy_checks import CheckView
    from ui.queue_sources import QueueServiceLike, QueueSources


class ProposeTxDialog(ProposeFlowDialog):
    sig_loaded = Signal()
    """The vaults, keys and (for the chosen vault) balances and nonces are on screen."""
    sig_proposed = Signal(object)
    """Proposing finished; carries the `Outcome` (queued or denied)."""

    def __init__(self, *, runner: TaskRunner, queue: QueueServiceLike, sources: QueueSources,
                 vault: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("proposeTxDialog")
        self.setWindowTitle("Propose a transaction")
        self.setMinimumSize(760, 600)
        self.resize(900, 860)
        self._runner, self._queue, self._sources = runner, queue, sources
        self._wanted_vault = vault
        self._basics: Basics | None = None
        self._context: VaultContext | None = None
        self._contacts: list[tuple[str, str, str]] = []
        self._multisend: str | None = None
        self._policy: Any = None  # the PolicyDocument in force, for the recipient's cooling-off
        self._book: list[BookEntry] = []
        self._batch: list[tuple[str, Any]] = []  # (text, BatchCall)
        self._batch_to: list[str] = []  # each batch line's recipient: the Travel Rule's beneficiaries
        self._busy = False
        self._done = False
        self._check_generation = 0

        self.fields = fields = ProposeTxFields()
        self.vault, self.vault_note, self.kind = fields.vault, fields.vault_note, fields.kind
        self.transfer, self.batch, self.owners = fields.transfer, fields.batch, fields.owners
        self.nonce, self.nonce_note, self.proposer = fields.nonce, fields.nonce_note, fields.proposer
        self.password, self.decision = fields.password, fields.decision
        self.vault.currentIndexChanged.connect(lambda _i: self._vault_changed())
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.scroll = QScrollArea()
        self.scroll.setObjectName("proposeScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(fields)

        actions = ProposeTxActions(self.fontMetrics().height())
        self.result, self.error, self.busy_bar = actions.result, actions.error, actions.busy_bar
        self.check_button, self.submit_button = actions.check_button, actions.submit_button
        self.buttons, self.cancel_button = actions.buttons, actions.cancel_button
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.result)
        layout.addWidget(self.error)
        layout.addLayout(actions.row)

        form = self.transfer
        form.asset.currentIndexChanged.connect(lambda _i: self._asset_changed())
        form.amount.textChanged.connect(lambda _t: self._update())
        form.token_id.textChanged.connect(lambda _t: self._update())
        form.max_button.clicked.connect(self._fill_max)
        form.recipient.sig_changed.connect(lambda _t: self._update())
        self.owners.new_owner.sig_changed.connect(lambda _t: self._update())
        self.owners.kind.currentIndexChanged.connect(lambda _i: self._update())
        self.owners.owner.currentIndexChanged.connect(lambda _i: self._update())
        self.owners.threshold.valueChanged.connect(lambda _v: self._update())
        self.batch.add_button.clicked.connect(self.add_to_batch)
        self.batch.remove_button.clicked.connect(self._remove_batch_line)
        self.nonce.textChanged.connect(lambda _t: self._update())
        self.proposer.currentIndexChanged.connect(lambda _i: self._update())
        self.password.textChanged.connect(lambda _t: self._update())
        self.password.returnPressed.connect(self.submit)
        self.check_button.clicked.connect(self.check)
        self.submit_button.clicked.connect(self.submit)
        self.travel_rule = TravelRuleStep(self, runner=runner, queue=queue, sources=sources, busy=self._set_busy,
                                          proposed=self._proposed)  # when the core asks for the Travel Rule data
        self._kind_changed()
        self.vault_note.setText("Reading the vaults, tokens and keys…")
        self._load()

    # -- reading --------------------------------------------------------------------------------------------
    def _load(self) -> None:
        sources = self._sources
        (self._runner.query(lambda: load_basics(sources)).with_owner(self)
         .on_success(self._basics_arrived).on_failure(self._load_failed).quietly().run())
        if sources.load_contacts is not None or sources.multisend is not None:
            (self._runner.command(lambda: load_policy_book(sources)).with_owner(self)
             .on_success(self._policy_book_arrived)
             .on_failure(lambda exc: self._note_problem(f"The policy's contacts could not be read: {one_line(exc)}"))
             .quietly().run())

    def _load_failed(self, exc: BaseException) -> None:
        self.error.show_error(f"The vaults could not be read: {one_line(exc)}")
        self.vault_note.set_tone("bad")
        self.vault_note.setText("Nothing can be proposed until the vaults are read.")

    def _note_problem(self, text: str) -> None:
        self.vault_note.set_tone("warn")
        self.vault_note.setText(text)

    def _basics_arrived(self, basics: Basics) -> None:
        self._basics = basics
        self.fields.set_vaults(basics.vaults, self._wanted_vault)
        if not basics.vaults:
            self._note_problem("This profile has no vault to propose from: add one on the Vaults page.")
        self._rebuild_book()
        self._vault_changed()

    def _policy_book_arrived(self, book: tuple[list[tuple[str, str, str]], str | None, Any]) -> None:
        self._contacts, self._multisend, self._policy = book
        self._rebuild_book()
        self._update()

    def _rebuild_book(self) -> None:
        basics = self._basics
        if basics is None:
            return
        self._book = build_book(basics.names, self._contacts, [v.address for v in basics.vaults],
                                [k.address for k in basics.keys])
        self.transfer.recipient.set_book(self._book)
        self.owners.new_owner.set_book(self._book)

    def chosen_vault(self) -> Any:
        address = self.vault.currentData()
        basics = self._basics
        if basics is None or not address:
            return None
        return next((v for v in basics.vaults if v.address == address), None)

    def _vault_changed(self) -> None:
        info, basics = self.chosen_vault(), self._basics
        self._context = None
        self._batch.clear()
        self._batch_to.clear()
        self.batch.lines.clear()
        if info is None or basics is None:
            self._update()
            return
        self.vault_note.set_tone("muted")
        self.vault_note.setText("Reading its balances, next nonce and queue…")
        owners = [(o, name_of(o, basics.names)) for o in info.owners]
        self.owners.set_owners(owners, info.threshold)
        self._fill_proposers(info)
        queue, sources, tokens = self._queue, self._sources, basics.tokens
        safe, vault_nonce = info.address, info.nonce
        (self._runner.query(lambda: load_vault_context(queue, sources, safe, tokens, vault_nonce))
         .with_key((id(self), "vault")).with_owner(self)
         .on_success(self._context_arrived).on_failure(self._context_failed).quietly().run())
        self._update()

    def _context_arrived(self, context: VaultContext) -> None:
        if context.safe != self.vault.currentData():
            return
        self._context = context
        self.transfer.set_assets(context.assets)
        if context.problem:
            self._note_problem(context.problem[:400])
        else:
            self.vault_note.set_tone("plain")
            self.vault_note.setText(f"Vault nonce {context.vault_nonce}; next free nonce {context.next_nonce}.")
        self.nonce.setPlaceholderText(f"{context.next_nonce}: the next free nonce" if context.next_nonce is not None
                                      else "the next free nonce")
        self._asset_changed()
        emit(self.sig_loaded)

    def _context_failed(self, exc: BaseException) -> None:
        self._note_problem(f"The vault could not be read: {one_line(exc)}")

    def _fill_proposers(self, info: Any) -> None:
        basics = self._basics
        if basics is None:
            return
        self.fields.set_proposers([k for k in basics.keys if can_unlock(k)], info.owners)

    # -- the form -------------------------------------------------------------------------------------------
    @property
    def kind_key(self) -> str:
        return self.fields.kind_key

    def _kind_changed(self) -> None:
        self.fields.show_kind(self.kind_key)
        self._update()

    def _asset_changed(self) -> None:
        self.fields.show_asset(self.asset_option())
        self._update()

    def _nonce_value(self) -> int | None:
        return parse_nonce(self.nonce.text())

    def build_request(self, *, for_batch_line: bool = False) -> Any:
        """The CheckRequest for what is on screen (WalletError/ValueError with words when it cannot be built)."""
        from wallet_app.queue.builders import ProposalInputError

        info, basics = self.chosen_vault(), self._basics
        if info is None or basics is None:
            raise ProposalInputError("Choose a vault first")
        nonce = None if for_batch_line else self._nonce_value()
        return build_proposal_request(self.kind_key, info=info, tokens=basics.tokens, option=self.asset_option(),
                                      transfer=self.transfer, owners=self.owners,
                                      calls=[call for _text, call in self._batch], multisend=self._multisend,
                                      native_decimals=self._sources.native[1], nonce=nonce,
                                      for_batch_line=for_batch_line)

    def cooling_verdict(self, recipient: Verdict | None) -> Verdict | None:
        """When the recipient opens, if a contact's cooling-off holds it back (the policy decides; this says it
        before anyone signs)."""
        if self.kind_key not in (TRANSFER, BATCH) or recipient is None or recipient.blocking:
            return None
        option, info = self.asset_option(), self.chosen_vault()
        return recipient_opening(self._policy, info.address if info else None, recipient.address,
                                 asset=option.key if option else None, standard=option.standard if option else "")

    def blocking_reason(self) -> str:
        """Why proposing is not possible now ("" when it is)."""
        if self._busy:
            return "Working…"
        if self._done:
            return "Proposed; close the dialog or propose another from the Approvals page."
        if self.chosen_vault() is None:
            return "Choose a vault."
        kind = self.kind_key
        if kind == TRANSFER:
            amount = self.amount_verdict()
            if amount is None:
                return "Give the amount."
            if amount.blocking:
                return amount.text
            recipient = self.recipient_verdict()
            if recipient.blocking:
                return recipient.text
        elif kind == BATCH and not self._batch:
            return "Add at least one transfer to the batch."
        elif kind == OWNERS and self.owners.kind.currentData() in ("add", "swap"):
            verdict = recipient_verdict(self.owners.new_owner.text(), self._book)
            if verdict.blocking:
                return verdict.text
        try:
            self._nonce_value()
        except ValueError as exc:
            return str(exc)
        return ""

    def _update(self) -> None:
        form = self.transfer
        show_verdict(form.amount_verdict, self.amount_verdict())
        recipient = self.recipient_verdict() if form.recipient.text().strip() else None
        show_verdict(form.recipient.verdict, recipient)
        show_verdict(form.cooling, self.cooling_verdict(recipient))
        if self.kind_key == OWNERS and self.owners.new_owner.text().strip():
            show_verdict(self.owners.new_owner.verdict, recipient_verdict(self.owners.new_owner.text(), self._book))
        else:
            show_verdict(self.owners.new_owner.verdict, None)
        context = self._context
        try:
            nonce = self._nonce_value()
            tone, text = nonce_warning(nonce, next_nonce=context.next_nonce if context else None,
                                       vault_nonce=context.vault_nonce if context else None,
                                       used=context.used if context else {})
        except ValueError as exc:
            tone, text = "bad", str(exc)
        self.fields.show_nonce_note(tone, text)
        self.batch.note.setText("" if self._multisend or self.kind_key != BATCH else
                                "The policy pins no MultiSendCallOnly contract: batches cannot be proposed.")
        reason = self.blocking_reason()
        can_build = not reason
        self.check_button.setEnabled(can_build and self._sources.check is not None)
        ready = can_build and self.proposer.currentData() is not None and bool(self.password.text())
        self.submit_button.setEnabled(ready)
        hint = "Type the proposer key's password" if not self.password.text() else "Sign the proposal and queue it"
        self.submit_button.setToolTip(plain_tooltip(reason) if reason else hint)
        self.batch.add_button.setEnabled(not self._busy and self.kind_key == BATCH)
        self.batch.remove_button.setEnabled(not self._busy and bool(self.batch.lines.selectedItems()))
        self.cancel_button.setEnabled(not self._busy)
        self.fields_enabled(not self._busy and not self._done)

    def fields_enabled(self, enabled: bool) -> None:
        self.fields.set_fields_enabled(enabled)

    # -- a batch --------------------------------------------------------------------------------------------
    def add_to_batch(self) -> None:
        from wallet_app.queue.builders import BatchCall

        self.error.clear_error()
        amount, recipient = self.amount_verdict(), self.recipient_verdict()
        for verdict in (amount, recipient):
            if verdict is None or verdict.blocking:
                self.error.show_error("Not added: " + (verdict.text if verdict else "give the amount"))
                return
        try:
            request = self.build_request(for_batch_line=True)
        except (WalletError, ValueError) as exc:
            self.error.show_error(f"Not added: {one_line(exc) if isinstance(exc, WalletError) else exc}")
            return
        option = self.asset_option()
        who = label_of(recipient.address, {e.address: e.label for e in self._book}) or str(recipient.address)
        text = f"{self.transfer.amount.text().strip()} {option.symbol if option else ''} to {who}"
        self._batch.append((text, BatchCall(request.to, request.value, request.data)))
        self._batch_to.append(str(recipient.address))
        self.batch.lines.addItem(text)
        self.transfer.amount.clear()
        self.transfer.recipient.edit.clear()
        self._update()

    def _remove_batch_line(self) -> None:
        row = self.batch.lines.currentRow()
        if 0 <= row < len(self._batch):
            del self._batch[row]
            del self._batch_to[row]
            self.batch.lines.takeItem(row)
        self._update()

    # -- the policy and proposing ---------------------------------------------------------------------------
    def check_work(self) -> Callable[[], CheckView] | None:
        check = self._sources.check
        request = None if check is None else self.request_or_say()
        if check is None or request is None:
            return None
        context = self._context
        request = preview_request(request, self.proposer.currentData(),
                                  context.next_nonce if context is not None else None)
        return lambda: run_check(check, request)

    def propose_work(self, request: Any) -> Callable[[str, str], Outcome]:
        queue = self._queue
        return lambda key, password: run_propose(queue, request, key, password)

    def proposal_shown(self, outcome: Outcome) -> None:
        emit(self.sig_proposed, outcome)

    def queued_hash(self, outcome: Outcome) -> str:
        return outcome.safe_tx_hash

    def proposal_refused(self, exc: WalletError) -> None:
        """The Travel Rule applies and its information was missing or wrong: ask for it (ui/dialogs/propose_travel.py),
        then propose again with it."""
        if not needs_travel_rule(exc, self._sources) or self.kind_key not in (TRANSFER, BATCH):
            return
        info, key, request = self.chosen_vault(), self.proposer.currentData(), self.request_or_say()
        if info is None or key is None or request is None:
            return
        recipients = [str(self.recipient_verdict().address)] if self.kind_key == TRANSFER else self._batch_to
        self.travel_rule.open(reason=exc.user_message, request=request, key=str(key),
                              proposer=self.proposer.currentText(), vault=info.address, vault_name=info.label,
                              beneficiaries=list(dict.fromkeys(recipients)))

    @property
    def book(self) -> list[BookEntry]:
        return list(self._book)

    def recipient_input(self) -> AddressInput:
        return self.transfer.recipient
