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

Threads: the vaults, tokens, keys and names are read on the PARALLEL lane when the dialog opens, a vault's balances,
next nonce and queued nonces when it is chosen; the policy's contacts on the SERIAL lane (reading the policy may put
a matured change in force); proposing on the SERIAL lane while the dialog says it is busy and cannot be closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.propose_tx_forms import AddressInput, BatchList, OwnerChangeForm, TransferForm, show_verdict
from ui.dialogs.review_tx_panels import DecisionPanel
from ui.dialogs.secrets_dialog import SecretsDialog
from ui.errors import one_line
from ui.key_service import can_unlock
from ui.models.queue_propose import (
    AssetOption,
    BookEntry,
    Verdict,
    build_asset_options,
    build_book,
    nonce_warning,
    parse_nonce,
    parse_token_id,
    recipient_verdict,
)
from ui.models.queue_rows import label_of, name_of, names_from, plain, signatures_text
from ui.models.tokens_model import plain_tooltip
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import SecretField
from ui.widgets.tone_label import ToneLabel
from wallet_app.domain.hex_text import short_hex
from wallet_app.errors import UserCancelled, WalletError

if TYPE_CHECKING:
    from ui.models.policy_checks import CheckView
    from ui.queue_sources import QueueServiceLike, QueueSources
    from wallet_app.keys.views import KeyView

TRANSFER, BATCH, OWNERS = "transfer", "batch", "owners"
KINDS = ((TRANSFER, "Transfer"), (BATCH, "Batch of transfers"), (OWNERS, "Owner change"))


@dataclass(frozen=True, slots=True)
class Basics:
    vaults: tuple[Any, ...]  # VaultInfo
    tokens: tuple[Any, ...]  # TokenEntry
    keys: tuple[KeyView, ...]
    names: dict[str, str]


@dataclass(frozen=True, slots=True)
class VaultContext:
    safe: str
    next_nonce: int | None
    vault_nonce: int | None
    used: dict[int, list[str]]  # nonce -> what the live proposals there do
    assets: tuple[AssetOption, ...]
    problem: str  # why balances or nonces could not be read ("" when they were)


@dataclass(frozen=True, slots=True)
class Outcome:
    check: CheckView
    queued: bool
    safe_tx_hash: str
    text: str


def load_basics(sources: QueueSources) -> Basics:
    keys = tuple(sources.load_keys())
    names = names_from({k.address: k.label for k in keys}, sources.load_names())
    vaults = tuple(sources.fetch_vaults()) if sources.fetch_vaults is not None else ()
    tokens = tuple(sources.load_tokens()) if sources.load_tokens is not None else ()
    names = {**{v.address: v.label for v in vaults if v.label}, **names}
    return Basics(vaults, tokens, keys, names)


def load_policy_book(sources: QueueSources) -> tuple[list[tuple[str, str, str]], str | None]:
    contacts = list(sources.load_contacts()) if sources.load_contacts is not None else []
    multisend = sources.multisend() if sources.multisend is not None else None
    return contacts, multisend


def load_vault_context(queue: QueueServiceLike, sources: QueueSources, safe: str, tokens: Sequence[Any],
                       vault_nonce: int | None) -> VaultContext:
    problems: list[str] = []
    next_nonce: int | None = None
    used: dict[int, list[str]] = {}
    try:
        next_nonce = queue.next_nonce(safe)
        for entry in queue.load(safe):
            if entry.item.state in ("proposed", "approving", "ready", "claimed", "signed_for_execution",
                                    "broadcast", "mined"):
                first = (entry.intent_text or "a transaction").splitlines()[0]
                used.setdefault(entry.item.nonce, []).append(f"{first}, {short_hex(entry.safe_tx_hash)}")
    except WalletError as exc:
        problems.append(f"the queue could not be read: {exc.user_message}")
    holdings = None
    if sources.fetch_holdings is not None:
        try:
            holdings = list(sources.fetch_holdings(safe))
        except WalletError as exc:
            problems.append(f"the balances could not be read: {exc.user_message}")
    assets = tuple(build_asset_options(tokens, holdings, sources.native))
    return VaultContext(safe, next_nonce, vault_nonce, used, assets, "; ".join(problems))


def run_check(check: Any, request: Any) -> CheckView:
    from ui.models.policy_checks import prepare_check

    return prepare_check(check(request))


def run_propose(queue: QueueServiceLike, request: Any, key: str, password: str) -> Outcome:
    from ui.models.policy_checks import prepare_check

    result = queue.propose(request, key, password)
    view = prepare_check(result.check)
    entry = result.entry
    if entry is None:
        return Outcome(view, False, "", "Denied by the policy: nothing was queued. " + view.detail)
    text = (f"Queued at nonce {entry.item.nonce} as safeTxHash {entry.safe_tx_hash}: {signatures_text(entry)}; "
            f"the policy says {view.headline}. The owners see it on their Approvals page.")
    return Outcome(view, True, entry.safe_tx_hash, text)


class ProposeTxDialog(SecretsDialog):
    sig_loaded = Signal()
    """The vaults, keys and (for the chosen vault) balances and nonces are on screen."""
    sig_checked = Signal(str)
    """The policy's decision was shown (a preview or the proposal's); carries it."""
    sig_proposed = Signal(object)
    """Proposing finished; carries the `Outcome` (queued or denied)."""
    sig_queue_changed = Signal(str)
    """A transaction was queued; carries its safeTxHash."""

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
        self._book: list[BookEntry] = []
        self._batch: list[tuple[str, Any]] = []  # (text, BatchCall)
        self._busy = False
        self._done = False
        self._check_generation = 0

        self.vault = QComboBox()
        self.vault.setObjectName("proposeVault")
        self.vault.currentIndexChanged.connect(lambda _i: self._vault_changed())
        self.vault_note = ToneLabel(selectable=True)
        self.vault_note.setObjectName("proposeVaultNote")
        self.vault_note.setWordWrap(True)
        self.kind = QComboBox()
        self.kind.setObjectName("proposeKind")
        for key, text in KINDS:
            self.kind.addItem(text, key)
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.transfer = TransferForm()
        self.batch = BatchList()
        self.owners = OwnerChangeForm()
        self.nonce = QLineEdit()
        self.nonce.setObjectName("proposeNonce")
        self.nonce.setPlaceholderText("the next free nonce")
        self.nonce_note = ToneLabel(selectable=True)
        self.nonce_note.setObjectName("proposeNonceNote")
        self.nonce_note.setWordWrap(True)
        self.proposer = QComboBox()
        self.proposer.setObjectName("proposeKey")
        self.password = SecretField("The proposer key's password (or PIN)")
        self.password.setObjectName("proposePassword")
        self.decision = DecisionPanel()
        self.decision.setTitle("The policy's decision")
        self.decision.show_message("Not checked yet: “Check with the policy” shows the decision before you sign.")

        top = QFormLayout()
        top.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        top.addRow(PlainLabel("From vault:"), self.vault)
        top.addRow("", self.vault_note)
        top.addRow(PlainLabel("Transaction:"), self.kind)
        common = QFormLayout()
        common.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        nonce_box = QWidget()
        nonce_layout = QVBoxLayout(nonce_box)
        nonce_layout.setContentsMargins(0, 0, 0, 0)
        nonce_layout.addWidget(self.nonce)
        nonce_layout.addWidget(self.nonce_note)
        common.addRow(PlainLabel("Nonce:"), nonce_box)
        common.addRow(PlainLabel("Proposer key:"), self.proposer)
        common.addRow(PlainLabel("Password:"), self.password)

        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.addLayout(top)
        body_layout.addWidget(self.transfer)
        body_layout.addWidget(self.batch)
        body_layout.addWidget(self.owners)
        body_layout.addLayout(common)
        body_layout.addWidget(self.decision)
        body_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("proposeScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(body)

        self.result = ToneLabel(bold=True, selectable=True)
        self.result.setObjectName("proposeResult")
        self.result.setWordWrap(True)
        self.result.hide()
        self.error = ErrorLine()
        self.error.setObjectName("proposeError")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(self.fontMetrics().height())
        self.busy_bar.hide()
        self.check_button = QPushButton("Check with the policy")
        self.check_button.setObjectName("proposeCheck")
        self.submit_button = QPushButton("Sign and propose")
        self.submit_button.setObjectName("proposeSubmit")
        self.submit_button.setDefault(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.check_button)
        row.addWidget(self.busy_bar, 1)
        row.addWidget(self.buttons)
        row.addWidget(self.submit_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.result)
        layout.addWidget(self.error)
        layout.addLayout(row)

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
        self.vault.blockSignals(True)
        self.vault.clear()
        for info in basics.vaults:
            label = plain(info.label, 60)
            self.vault.addItem(f"{label}  {info.address}  ({info.threshold} of {len(info.owners)})" if label
                               else info.address, info.address)
        index = self.vault.findData(self._wanted_vault) if self._wanted_vault else -1
        self.vault.setCurrentIndex(index if index >= 0 else (0 if basics.vaults else -1))
        self.vault.blockSignals(False)
        if not basics.vaults:
            self._note_problem("This profile has no vault to propose from: add one on the Vaults page.")
        self._rebuild_book()
        self._vault_changed()

    def _policy_book_arrived(self, book: tuple[list[tuple[str, str, str]], str | None]) -> None:
        self._contacts, self._multisend = book
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
        chosen = self.proposer.currentData()
        owners = {o.lower() for o in info.owners}
        keys = [k for k in basics.keys if can_unlock(k)]
        keys.sort(key=lambda k: k.address.lower() in owners)  # a proposer who does not also approve, first
        self.proposer.blockSignals(True)
        self.proposer.clear()
        for key in keys:
            note = "owner of this vault" if key.address.lower() in owners else "proposer"
            self.proposer.addItem(f"{plain(key.label, 60)}  {key.address}  ({note})", key.address)
        index = self.proposer.findData(chosen) if chosen else -1
        self.proposer.setCurrentIndex(index if index >= 0 else (0 if keys else -1))
        self.proposer.blockSignals(False)

    # -- the form -------------------------------------------------------------------------------------------
    @property
    def kind_key(self) -> str:
        return str(self.kind.currentData())

    def _kind_changed(self) -> None:
        kind = self.kind_key
        self.transfer.setVisible(kind in (TRANSFER, BATCH))
        self.batch.setVisible(kind == BATCH)
        self.owners.setVisible(kind == OWNERS)
        self.transfer.setTitle("Transfer to add to the batch" if kind == BATCH else "Transfer")
        self._update()

    def asset_option(self) -> AssetOption | None:
        context, key = self._context, self.transfer.asset.currentData()
        if context is None or key is None:
            return None
        return next((a for a in context.assets if a.key == key), None)

    def _asset_changed(self) -> None:
        option = self.asset_option()
        form = self.transfer
        form.set_needs_token_id(bool(option and option.needs_token_id))
        if option is not None and option.standard == "erc721" and not form.amount.text():
            form.amount.setText("1")
        note = option.warning if option is not None else ""
        if option is not None and option.needs_token_id and option.token_ids:
            form.token_id.setPlaceholderText("held: " + ", ".join(str(i) for i in option.token_ids[:8]))
        show_verdict(form.asset_note, Verdict("warn", f"Note: {note}", None) if note else None)
        self._update()

    def _fill_max(self) -> None:
        from wallet_app.domain.units import format_units

        option = self.asset_option()
        if option is None:
            return
        try:
            token_id = parse_token_id(self.transfer.token_id.text())
        except ValueError:
            token_id = None
        available = option.available_for(token_id)
        if available:
            self.transfer.amount.setText(format_units(available, option.decimals, group=False))

    def amount_verdict(self) -> Verdict | None:
        """The amount against what the vault has available (None while nothing is typed)."""
        from wallet_app.queue.builders import check_amount_within_balance, parse_amount

        option, text = self.asset_option(), self.transfer.amount.text()
        if option is None or not text.strip():
            return None
        try:
            amount = parse_amount(text, option.decimals, symbol=option.symbol)
        except WalletError as exc:
            return Verdict("bad", exc.user_message, None, True)
        try:
            token_id = parse_token_id(self.transfer.token_id.text())
        except ValueError as exc:
            return Verdict("bad", str(exc), None, True)
        available = option.available_for(token_id)
        if available is None:
            if option.needs_token_id and token_id is None:
                return Verdict("warn", "Give the token id to check the amount against what the vault holds.", None)
            return Verdict("warn", "The balance could not be read, so the amount is not checked against it.", None)
        verdict = check_amount_within_balance(amount, available, decimals=option.decimals, symbol=option.symbol)
        if not verdict.within:
            return Verdict("bad", verdict.message + ": refused.", None, True)
        from wallet_app.domain.units import format_units

        left = format_units(available - amount, option.decimals)
        return Verdict("good", f"Within what is available; {left} {option.symbol} left after it.", None)

    def recipient_verdict(self) -> Verdict:
        return recipient_verdict(self.transfer.recipient.text(), self._book)

    def _nonce_value(self) -> int | None:
        return parse_nonce(self.nonce.text())

    def build_request(self, *, for_batch_line: bool = False) -> Any:
        """The CheckRequest for what is on screen (WalletError/ValueError with words when it cannot be built)."""
        from wallet_app.queue.builders import (
            BatchCall,
            OwnerChange,
            ProposalInputError,
            build_batch,
            build_owner_change,
            build_transfer,
        )

        info, basics = self.chosen_vault(), self._basics
        if info is None or basics is None:
            raise ProposalInputError("Choose a vault first")
        nonce = None if for_batch_line else self._nonce_value()
        kind = self.kind_key
        if kind in (TRANSFER, BATCH) and (kind == TRANSFER or for_batch_line):
            option = self.asset_option()
            if option is None:
                raise ProposalInputError("Choose an asset (the vault's balances are still being read)")
            tokens = {t.address: t for t in basics.tokens}
            return build_transfer(safe=info.address, asset=option.key, amount=self.transfer.amount.text(),
                                  to=self.transfer.recipient.text(),
                                  token_id=parse_token_id(self.transfer.token_id.text()), tokens=tokens,
                                  native_decimals=self._sources.native[1], nonce=nonce)
        if kind == BATCH:
            if not self._multisend:
                raise ProposalInputError("The policy pins no MultiSendCallOnly contract, so no batch can be built")
            calls: list[BatchCall] = [call for _text, call in self._batch]
            return build_batch(safe=info.address, calls=calls, multisend=self._multisend, nonce=nonce)
        form = self.owners
        change_kind = form.kind.currentData()
        threshold = form.threshold.value()
        if change_kind == "add":
            change = OwnerChange.add(form.new_owner.text(), threshold)
        elif change_kind == "remove":
            change = OwnerChange.remove(str(form.owner.currentData() or ""), threshold)
        elif change_kind == "swap":
            change = OwnerChange.swap(str(form.owner.currentData() or ""), form.new_owner.text())
        else:
            change = OwnerChange.set_threshold(threshold)
        return build_owner_change(vault=info, change=change, nonce=nonce)

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
        self.nonce_note.set_tone(tone)
        self.nonce_note.setText(text)
        font = self.nonce_note.font()
        font.setBold(tone in ("warn", "bad"))
        self.nonce_note.setFont(font)
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
        for widget in (self.vault, self.kind, self.transfer, self.batch, self.owners, self.nonce, self.proposer,
                       self.password):
            widget.setEnabled(enabled)

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
        self.batch.lines.addItem(text)
        self.transfer.amount.clear()
        self.transfer.recipient.edit.clear()
        self._update()

    def _remove_batch_line(self) -> None:
        row = self.batch.lines.currentRow()
        if 0 <= row < len(self._batch):
            del self._batch[row]
            self.batch.lines.takeItem(row)
        self._update()

    # -- the policy and proposing ---------------------------------------------------------------------------
    def check(self) -> None:
        check = self._sources.check
        if check is None or self.blocking_reason():
            return
        try:
            request = self.build_request()
        except (WalletError, ValueError) as exc:
            self.error.show_error(one_line(exc) if isinstance(exc, WalletError) else str(exc))
            return
        from dataclasses import replace

        proposer = self.proposer.currentData()
        request = replace(request, proposer=proposer) if proposer else request
        context = self._context
        if request.nonce is None and context is not None and context.next_nonce is not None:
            request = replace(request, nonce=context.next_nonce)  # as proposing will choose it
        self.error.clear_error()
        self.decision.show_message("Checking: decoding, reading the chain, simulating…")
        self._check_generation += 1
        generation = self._check_generation
        (self._runner.query(lambda: run_check(check, request)).with_owner(self)
         .on_success(lambda view: self._checked(generation, view))
         .on_failure(lambda exc: self._check_failed(generation, exc)).quietly().run())

    def _checked(self, generation: int, view: CheckView) -> None:
        if generation != self._check_generation:
            return
        self.decision.show_check(view, "A preview: not recorded; proposing checks again.")
        emit(self.sig_checked, view.decision)

    def _check_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._check_generation:
            return
        self.decision.show_message(f"Not checked: {one_line(exc)}")
        self.decision.headline.set_tone("bad")

    def submit(self) -> None:
        if self._busy or not self.submit_button.isEnabled() or self.blocking_reason():
            return
        try:
            request = self.build_request()
        except (WalletError, ValueError) as exc:
            self.error.show_error(one_line(exc) if isinstance(exc, WalletError) else str(exc))
            return
        key, password = str(self.proposer.currentData()), self.password.text()
        self.password.wipe()  # it lives only in the command's closure; a retry asks for it again
        queue = self._queue
        self.error.clear_error()
        self.result.hide()
        self._set_busy(True)
        (self._runner.command(lambda: run_propose(queue, request, key, password)).with_owner(self)
         .on_success(self._proposed).on_failure(self._propose_failed).quietly().run())

    def _proposed(self, outcome: Outcome) -> None:
        self._set_busy(False)
        self.decision.show_check(outcome.check, "At proposal (recorded).")
        self.result.setText(outcome.text)
        self.result.set_tone("good" if outcome.queued else "bad")
        self.result.show()
        emit(self.sig_checked, outcome.check.decision)
        emit(self.sig_proposed, outcome)
        if outcome.queued:
            self._done = True
            self.cancel_button.setText("Close")
            emit(self.sig_queue_changed, outcome.safe_tx_hash)
        self._update()

    def _propose_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, UserCancelled):
            return
        self.error.show_error(f"Not proposed: {one_line(exc)}")
        if not isinstance(exc, WalletError):
            self._runner.present(exc, self)
        self.password.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_bar.setVisible(busy)
        self._update()

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def book(self) -> list[BookEntry]:
        return list(self._book)

    def recipient_input(self) -> AddressInput:
        return self.transfer.recipient

    # -- closing --------------------------------------------------------------------------------------------
    def secret_fields(self) -> Sequence[SecretField]:
        return (self.password,)
