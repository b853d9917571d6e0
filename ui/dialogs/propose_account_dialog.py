"""Propose a transfer from an account vault (a plain account whose approvers and threshold are in the policy, such as
the cold vault): the vault, the asset with what it has available, the amount, the recipient from the address book or
typed (a lookalike of a known address blocks proposing, B1), the proposer key and its password.

"Check with the policy" shows the decision before anything is queued (`AccountVaultQueue.preview`: the transaction
built as proposing builds it, decided without being recorded); "Sign and propose" calls `AccountVaultQueue.propose`,
which decides again and records the decision: a denied transfer is not queued and its reasons are shown. The proposer
signs the proposal record only; a proposer never approves the transfer (segregation of duties), so the vault's
approvers are offered last, said so.

Threads: the keys, names and tokens are read on the PARALLEL lane when the dialog opens, the account vaults and the
policy's contacts on the SERIAL lane (reading the policy may put a matured change in force), a vault's balances and
next nonce on the PARALLEL lane when it is chosen, the preview on the PARALLEL lane, proposing on the SERIAL lane while
the dialog says it is busy and cannot be closed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.propose_flow import ProposeFlowDialog
from ui.dialogs.propose_tx_forms import TransferForm, show_verdict
from ui.dialogs.propose_tx_view import ProposeTxActions
from ui.dialogs.propose_tx_work import Basics, load_basics, read_holdings
from ui.dialogs.review_tx_panels import DecisionPanel
from ui.errors import one_line
from ui.models.queue_propose import AssetOption, BookEntry, Verdict, build_asset_options, build_book
from ui.models.queue_rows import label_of, plain, signing_keys
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import SecretField
from ui.widgets.tone_label import ToneLabel
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from ui.account_sources import AccountSources, AccountVaultsLike
    from ui.models.policy_checks import CheckView
    from ui.queue_sources import QueueSources


@dataclass(frozen=True, slots=True)
class AccountContext:
    vault: str
    next_nonce: int | None
    assets: tuple[AssetOption, ...]
    problem: str


@dataclass(frozen=True, slots=True)
class AccountOutcome:
    check: CheckView
    queued: bool
    tx_hash: str
    text: str


def load_account_book(accounts: AccountSources, sources: QueueSources) -> tuple[list[Any], list[tuple[str, str, str]]]:
    """The account vaults of the policy in force and its contacts (SERIAL lane: reading the policy may write)."""
    contacts = list(sources.load_contacts()) if sources.load_contacts is not None else []
    return list(accounts.load_vaults()), contacts


def load_account_context(accounts: AccountVaultsLike, sources: QueueSources, vault: str,
                         tokens: Sequence[Any]) -> AccountContext:
    problems: list[str] = []
    next_nonce = None
    try:
        next_nonce = accounts.next_nonce(vault)
    except WalletError as exc:
        problems.append(f"the next nonce could not be read: {exc.user_message}")
    holdings = read_holdings(sources, vault, problems)
    return AccountContext(vault, next_nonce, tuple(build_asset_options(tokens, holdings, sources.native)),
                          "; ".join(problems))


def run_account_check(accounts: AccountVaultsLike, vault: str, request: Any, proposer: str | None) -> CheckView:
    from ui.models.policy_checks import prepare_check

    return prepare_check(accounts.preview(vault, request.to, request.value, request.data, proposer=proposer))


def run_account_propose(accounts: AccountVaultsLike, vault: str, request: Any, key: str,
                        password: str) -> AccountOutcome:
    from ui.models.account_rows import approvals_text
    from ui.models.policy_checks import prepare_check

    proposal = accounts.propose(vault, request.to, request.value, request.data, key, password)
    view = prepare_check(proposal.result)
    entry = proposal.entry
    if entry is None:
        return AccountOutcome(view, False, "", "Denied by the policy: nothing was queued. " + view.detail)
    text = (f"Queued at nonce {entry.item.nonce} with signing hash {entry.tx_hash}: {approvals_text(entry, {})}; "
            f"the policy says {view.headline}. Its approvers see it on their Approvals page.")
    return AccountOutcome(view, True, entry.tx_hash, text)


class ProposeAccountDialog(ProposeFlowDialog):
    sig_loaded = Signal()
    """The vaults and keys and (for the chosen vault) its balances and next nonce are on screen."""

    def __init__(self, *, runner: TaskRunner, accounts: AccountSources, sources: QueueSources,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("proposeAccountDialog")
        self.setWindowTitle("Propose a transfer from an account vault")
        self.setMinimumSize(720, 560)
        self.resize(880, 860)
        self._runner, self._accounts, self._sources = runner, accounts, sources
        self._basics: Basics | None = None
        self._vaults: list[Any] = []
        self._contacts: list[tuple[str, str, str]] = []
        self._context: AccountContext | None = None
        self._book: list[BookEntry] = []
        self._busy = False
        self._done = False
        self._check_generation = 0

        self.vault = QComboBox()
        self.vault.setObjectName("proposeAccountVault")
        self.vault_note = ToneLabel("Reading the account vaults, tokens and keys…", selectable=True)
        self.vault_note.setObjectName("proposeAccountVaultNote")
        self.vault_note.setWordWrap(True)
        self.transfer = TransferForm()
        self.proposer = QComboBox()
        self.proposer.setObjectName("proposeAccountKey")
        self.password = SecretField("The proposer key's password (or PIN)")
        self.password.setObjectName("proposeAccountPassword")
        self.decision = DecisionPanel()
        self.decision.setTitle("The policy's decision")
        self.decision.show_message("Not checked yet: “Check with the policy” shows the decision before you sign.")
        actions = ProposeTxActions(None, "proposeAccount")
        self.result, self.error, self.busy_bar = actions.result, actions.error, actions.busy_bar
        self.check_button, self.submit_button = actions.check_button, actions.submit_button
        self.buttons, self.cancel_button = actions.buttons, actions.cancel_button
        self.buttons.rejected.connect(self.reject)

        top = QFormLayout()
        top.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        top.addRow(PlainLabel("From account vault:"), self.vault)
        keys = QFormLayout()
        keys.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        keys.addRow(PlainLabel("Proposer key:"), self.proposer)
        keys.addRow(PlainLabel("Password:"), self.password)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.vault_note)
        layout.addWidget(self.transfer)
        layout.addLayout(keys)
        layout.addWidget(self.decision, 1)
        layout.addWidget(self.result)
        layout.addWidget(self.error)
        layout.addLayout(actions.row)

        self.vault.currentIndexChanged.connect(lambda _i: self._vault_changed())
        form = self.transfer
        form.asset.currentIndexChanged.connect(lambda _i: self._asset_changed())
        form.amount.textChanged.connect(lambda _t: self._update())
        form.token_id.textChanged.connect(lambda _t: self._update())
        form.max_button.clicked.connect(self._fill_max)
        form.recipient.sig_changed.connect(lambda _t: self._update())
        self.proposer.currentIndexChanged.connect(lambda _i: self._update())
        self.password.textChanged.connect(lambda _t: self._update())
        self.password.returnPressed.connect(self.submit)
        self.check_button.clicked.connect(self.check)
        self.submit_button.clicked.connect(self.submit)
        self._update()
        self._load()

    # -- reading --------------------------------------------------------------------------------------------
    def _load(self) -> None:
        sources, accounts = self._sources, self._accounts
        (self._runner.query(lambda: load_basics(sources)).with_owner(self)
         .on_success(self._basics_arrived).on_failure(self._load_failed).quietly().run())
        (self._runner.command(lambda: load_account_book(accounts, sources)).with_owner(self)
         .on_success(self._book_arrived).on_failure(self._load_failed).quietly().run())

    def _load_failed(self, exc: BaseException) -> None:
        self.error.show_error(f"Not read: {one_line(exc)}")
        self._note("bad", "Nothing can be proposed until the account vaults and keys are read.")

    def _note(self, tone: str, text: str) -> None:
        self.vault_note.set_tone(tone)
        self.vault_note.setText(text)

    def _basics_arrived(self, basics: Basics) -> None:
        self._basics = basics
        self._fill_vaults()

    def _book_arrived(self, book: tuple[list[Any], list[tuple[str, str, str]]]) -> None:
        self._vaults, self._contacts = book
        self._fill_vaults()

    def _fill_vaults(self) -> None:
        basics = self._basics
        if basics is None:
            return
        names = {**basics.names, **{v.address: v.label for v in self._vaults if v.label}}
        self._book = build_book(names, self._contacts, [v.address for v in (*basics.vaults, *self._vaults)],
                                [k.address for k in basics.keys])
        self.transfer.recipient.set_book(self._book)
        self.vault.blockSignals(True)
        self.vault.clear()
        for info in self._vaults:
            self.vault.addItem(f"{plain(info.label, 60)}  {info.address}  ({info.threshold} of "
                               f"{len(info.approvers)} approvers, {info.storage})", info.address)
        self.vault.blockSignals(False)
        if not self._vaults:
            self._note("warn", "The policy in force names no account vault: add one in its [[vaults]] section.")
        self._vault_changed()

    def chosen_vault(self) -> Any:
        address = self.vault.currentData()
        return next((v for v in self._vaults if v.address == address), None)

    def _vault_changed(self) -> None:
        info, basics = self.chosen_vault(), self._basics
        self._context = None
        if info is None or basics is None:
            self._update()
            return
        self._fill_proposers(info)
        self._note("muted", "Reading its balances and next nonce…")
        accounts, sources, tokens, vault = self._accounts.queue, self._sources, basics.tokens, info.address
        (self._runner.query(lambda: load_account_context(accounts, sources, vault, tokens))
         .with_key((id(self), "vault")).with_owner(self)
         .on_success(self._context_arrived).on_failure(lambda exc: self._note("bad", one_line(exc))).quietly().run())
        self._update()

    def _context_arrived(self, context: AccountContext) -> None:
        if context.vault != self.vault.currentData():
            return
        self._context = context
        self.transfer.set_assets(context.assets)
        info = self.chosen_vault()
        names = self._basics.names if self._basics else {}
        approvers = ", ".join(label_of(a, names) or a for a in info.approvers) if info is not None else ""
        if context.problem:
            self._note("warn", context.problem[:400])
        else:
            self._note("plain", f"Next free nonce {context.next_nonce}. Approvers: {approvers}.")
        self._asset_changed()
        emit(self.sig_loaded)

    def _fill_proposers(self, info: Any) -> None:
        basics = self._basics
        if basics is None:
            return
        approvers = {a.lower() for a in info.approvers}
        keys = sorted(signing_keys(basics.keys), key=lambda k: k.address.lower() in approvers)
        chosen = self.proposer.currentData()
        self.proposer.blockSignals(True)
        self.proposer.clear()
        for key in keys:
            note = ("approver of this vault: it could then not approve it" if key.address.lower() in approvers
                    else "proposer")
            self.proposer.addItem(f"{plain(key.label, 60)}  {key.address}  ({note})", key.address)
        index = self.proposer.findData(chosen) if chosen else -1
        self.proposer.setCurrentIndex(index if index >= 0 else (0 if keys else -1))
        self.proposer.blockSignals(False)

    # -- the form -------------------------------------------------------------------------------------------
    def _asset_changed(self) -> None:
        option = self.asset_option()
        form = self.transfer
        form.set_needs_token_id(bool(option and option.needs_token_id))
        note = option.warning if option is not None else ""
        show_verdict(form.asset_note, Verdict("warn", f"Note: {note}", None) if note else None)
        self._update()

    def build_request(self) -> Any:
        """The transfer's to, value and data for what is on screen (WalletError/ValueError with words)."""
        from ui.models.queue_propose import parse_token_id
        from wallet_app.queue.builders import ProposalInputError, build_transfer

        info, basics, option = self.chosen_vault(), self._basics, self.asset_option()
        if info is None or basics is None or option is None:
            raise ProposalInputError("Choose an account vault and an asset first")
        tokens = {t.address: t for t in basics.tokens}
        return build_transfer(safe=info.address, asset=option.key, amount=self.transfer.amount.text(),
                              to=self.transfer.recipient.text().strip(), token_id=parse_token_id(
                                  self.transfer.token_id.text()), tokens=tokens,
                              native_decimals=self._sources.native[1])

    def blocking_reason(self) -> str:
        if self._busy:
            return "Working…"
        if self._done:
            return "Proposed; close the dialog."
        if self.chosen_vault() is None:
            return "Choose an account vault."
        amount = self.amount_verdict()
        if amount is None:
            return "Give the amount."
        if amount.blocking:
            return amount.text
        recipient = self.recipient_verdict()
        return recipient.text if recipient.blocking else ""

    def _update(self) -> None:
        form = self.transfer
        show_verdict(form.amount_verdict, self.amount_verdict())
        show_verdict(form.recipient.verdict, self.recipient_verdict() if form.recipient.text().strip() else None)
        reason = self.blocking_reason()
        self.check_button.setEnabled(not reason)
        self.submit_button.setEnabled(not reason and self.proposer.currentData() is not None
                                      and bool(self.password.text()))
        self.submit_button.setToolTip(reason or ("Sign the proposal record and queue it" if self.password.text()
                                                 else "Type the proposer key's password"))
        self.cancel_button.setEnabled(not self._busy)
        for widget in (self.vault, self.transfer, self.proposer, self.password):
            widget.setEnabled(not self._busy and not self._done)

    # -- the policy and proposing ---------------------------------------------------------------------------
    def check_work(self) -> Callable[[], CheckView] | None:
        request = self.request_or_say()
        info = self.chosen_vault()
        if request is None or info is None:
            return None
        accounts, vault, proposer = self._accounts.queue, info.address, self.proposer.currentData()
        return lambda: run_account_check(accounts, vault, request, proposer)

    def propose_work(self, request: Any) -> Callable[[str, str], AccountOutcome] | None:
        info = self.chosen_vault()
        if info is None:
            return None
        accounts, vault = self._accounts.queue, info.address
        return lambda key, password: run_account_propose(accounts, vault, request, key, password)

    def proposal_shown(self, outcome: AccountOutcome) -> None:
        self._check_generation += 1  # a preview still running is older than this decision

    def queued_hash(self, outcome: AccountOutcome) -> str:
        return outcome.tx_hash
