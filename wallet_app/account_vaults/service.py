"""Transfers from account vaults (plain accounts whose approvers and threshold are in the governed policy, such as a
cold vault), through their own approval queue:

1. `propose`: the transfer becomes one EIP-1559 transaction (the vault's next free nonce, gas estimated, fees under
   the deciding rule's cap), decided by the policy checker exactly as a Safe transaction is (same decoding, facts,
   simulation as a plain call, rules); a denied one is not queued. The proposer signs the proposal record.
2. `approve`: an approver of the policy's [[vaults]] entry, not the proposer, signs an EIP-712 AccountVaultApproval
   over the transaction's signing hash, nonce and the policy's digest, after the policy allows it with that approval
   counted; journaled like any signature (SC-7). The item is ready when the approvals counted meet what the deciding
   rule asks (its number of approvals, never below the vault's threshold, and its roles).
3. `wallet_app.account_vaults.ceremony` sends a ready item to the offline signer and takes the signed transaction
   back; `send` broadcasts it after one more policy check (A15) and `follow` counts its confirmations.

Rows are untrusted: an item's bytes are re-parsed and hashed on every load (a mismatch quarantines it), the proposal
record's signature re-verified, and approvals counted only when they verify, name an approver of the policy in force
and the policy digest in force now.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from wallet_app.account_vaults.store import LIVE, OPEN, PROPOSED, READY, AccountItem, AccountQueueStore, ApprovalRow
from wallet_app.audit import actions
from wallet_app.audit.entry import entry_signer
from wallet_app.audit.log import AuditLog
from wallet_app.chain.client import ChainClient, FeeQuote
from wallet_app.cold.approval import AccountApproval, ApprovalRefused, recover_approver
from wallet_app.domain.account_tx import AccountTx
from wallet_app.domain.addresses import to_checksum
from wallet_app.keys.signer import Signer
from wallet_app.policy.checker import CheckResult, PolicyChecker
from wallet_app.policy.vault_section import PolicyVault
from wallet_app.policy.views import ActivePolicy
from wallet_app.queue.errors import PolicyDenied, QueueError
from wallet_app.queue.fees import plan_fees
from wallet_app.queue.records import proposal_digest, record_signer
from wallet_app.queue.service import KIND_PROPOSAL, QueueService, TravelRuleGate, hash_arg
from wallet_app.safe.journal import SigningJournal
from wallet_app.storage.retry import run_in_transaction

KIND_ACCOUNT_APPROVAL = "account_approval"
GAS_HEADROOM_PERCENT = 25  # above the node's estimate: a token transfer's cost may move a little before it is sent


@dataclass(frozen=True)
class AccountEntry:
    item: AccountItem
    vault: PolicyVault | None  # the policy's entry for the vault now (None: the policy no longer names it)
    approvers: tuple[str, ...]  # approvals that count now, in the policy's order
    not_counted: tuple[str, ...]  # each stored approval that does not count, and why
    proposer_ok: bool  # the proposal record's signature is the proposer's

    @property
    def tx_hash(self) -> str:
        return self.item.tx_hash

    @property
    def threshold(self) -> int:
        return self.vault.threshold if self.vault is not None else 0

    @property
    def quarantined(self) -> str:
        if self.item.quarantined:
            return self.item.quarantined
        if not self.proposer_ok:
            return "its proposal record is not signed by its proposer: the row was altered"
        return ""


@dataclass(frozen=True)
class AccountProposal:
    result: CheckResult
    entry: AccountEntry | None  # None: the policy denied it, nothing was queued


class AccountVaultQueue:
    def __init__(self, *, store: AccountQueueStore, chain: ChainClient, checker: PolicyChecker,
                 load_policy: Callable[[], ActivePolicy], journal: SigningJournal, audit: AuditLog,
                 keys: QueueService, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 travel_rule: TravelRuleGate | None = None) -> None:
        """`keys`: the Safe queue, whose key handling (which keys sign, unlocking for one action) this queue shares;
        `travel_rule`: the Travel Rule at proposal and before sending, as for Safe transfers."""
        self._store = store
        self._chain = chain
        self._checker = checker
        self._load_policy = load_policy
        self._journal = journal
        self._audit = audit
        self._keys = keys
        self._clock = clock
        self._travel_rule = travel_rule

    @property
    def travel_rule(self) -> TravelRuleGate | None:
        return self._travel_rule

    @property
    def chain_id(self) -> int:
        return self._store.chain_id

    @property
    def store(self) -> AccountQueueStore:
        return self._store

    # -- reading ----------------------------------------------------------------------------------------------------
    def load(self, vault: str | None = None) -> list[AccountEntry]:
        items = self._store.load_items(None if vault is None else to_checksum(vault))
        rows = self._store.load_approvals([i.tx_hash for i in items])
        policy = self._policy_or_none()
        return [self._entry(item, rows[item.tx_hash], policy) for item in items]

    def entry(self, tx_hash: str) -> AccountEntry:
        key = hash_arg(tx_hash, "signing hash")
        item = self._store.load_item(key)
        if item is None:
            raise QueueError(f"No account-vault transfer {key} is queued")
        return self._entry(item, self._store.load_approvals([key])[key], self._policy_or_none())

    def check_policy(self, entry: AccountEntry, approvers: tuple[str, ...] | None = None) -> CheckResult:
        """The policy's decision on the item now, with `approvers` (default: those that count) counted."""
        self._require_trusted(entry)
        assert entry.item.tx is not None
        return self._checker.check_account(entry.item.vault, entry.item.tx, proposer=entry.item.proposer,
                                           approvers=entry.approvers if approvers is None else approvers)

    # -- proposing --------------------------------------------------------------------------------------------------
    def propose(self, vault: str, to: str, value: int, data: bytes, key: str, password: str, *,
                nonce: int | None = None, travel_rule: Mapping[str, Any] | None = None) -> AccountProposal:
        address = self.signing_key(key)
        with self.unlocked(address, password) as signer:
            return self.propose_with(vault, to, value, data, signer, nonce=nonce, travel_rule=travel_rule)

    def propose_with(self, vault: str, to: str, value: int, data: bytes, signer: Signer, *,
                     nonce: int | None = None, travel_rule: Mapping[str, Any] | None = None) -> AccountProposal:
        proposer = to_checksum(signer.address)
        vault = to_checksum(vault)
        to = to_checksum(to)
        tx = self._build(vault, to, value, data, nonce, cap=None)
        result = self._checker.check_account(vault, tx, proposer=proposer, record=False)
        cap = result.decision.max_fee_per_gas
        if cap is not None and tx.max_fee_per_gas > cap:
            tx = self._build(vault, to, value, data, tx.nonce, cap=cap)
        result = self._checker.check_account(vault, tx, proposer=proposer)
        if result.decision.decision == "deny":
            return AccountProposal(result, None)
        requirement = payload = None
        if self._travel_rule is not None:
            requirement = self._travel_rule.requirement(result)
            payload = self._travel_rule.checked_payload(result, requirement, travel_rule)
        key = "0x" + tx.signing_hash().hex()
        digest = proposal_digest(self.chain_id, vault, tx.nonce, key)
        ticket = self._journal.record_request(self.chain_id, proposer, KIND_PROPOSAL, digest, safe=vault)
        signature = signer.sign_digest(digest).to_bytes()
        self._journal.mark_released(ticket)
        now = self._clock()

        def work(conn: Connection) -> None:
            if not self._store.insert_item(conn, tx, vault=vault, proposer=proposer,
                                           proposer_signature="0x" + signature.hex(), at=now):
                return  # the same transaction proposed again: queued once, logged once
            self._audit.append(conn, actor=proposer, action=actions.PROPOSE, subject=key, detail={
                "kind": "account", "vault": vault, "nonce": str(tx.nonce), "intent": result.intent_text[:500],
                "decision": result.decision.decision, "decision_id": result.decision_id,
            }, sign=entry_signer(signer))
            if self._travel_rule is not None:
                self._travel_rule.store(conn, safe_tx_hash=key, safe=vault, requirement=requirement, payload=payload,
                                        actor=proposer, sign=entry_signer(signer))

        run_in_transaction(self._store.engine, work)
        return AccountProposal(result, self.entry(key))

    def preview(self, vault: str, to: str, value: int, data: bytes, *, proposer: str | None = None,
                nonce: int | None = None) -> CheckResult:
        """The policy's decision on proposing this transfer now, built as `propose` builds it (next free nonce, gas,
        fees under the deciding rule's cap): nothing is signed, recorded or queued (the desktop's "Check")."""
        vault, to = to_checksum(vault), to_checksum(to)
        tx = self._build(vault, to, value, data, nonce, cap=None)
        result = self._checker.check_account(vault, tx, proposer=proposer, record=False)
        cap = result.decision.max_fee_per_gas
        if cap is not None and tx.max_fee_per_gas > cap:
            tx = self._build(vault, to, value, data, tx.nonce, cap=cap)
            result = self._checker.check_account(vault, tx, proposer=proposer, record=False)
        return result

    def next_nonce(self, vault: str) -> int:
        """The vault's next nonce that no live item of the queue holds."""
        on_chain = self._chain.fetch_transaction_count(vault)
        used = [i.nonce for i in self._store.load_items(vault) if i.state in LIVE and i.nonce >= on_chain]
        return max([on_chain - 1, *used]) + 1

    def signing_key(self, key: str) -> str:
        """`key` as one of the profile's keys that can sign (the Safe queue's rule)."""
        return self._keys.signing_key(key)

    def unlocked(self, address: str, password: str) -> Any:
        """The key unlocked for one action (the Safe queue's way: the password asked every time)."""
        return self._keys.unlocked(address, password)

    def gas_for(self, vault: str, to: str, value: int, data: bytes) -> int:
        """The gas limit a transfer gets: the node's estimate and some headroom."""
        return self._chain.estimate_gas(vault, to, data, value) * (100 + GAS_HEADROOM_PERCENT) // 100

    def fee_quote(self) -> FeeQuote:
        return self._chain.fetch_fees()

    def _build(self, vault: str, to: str, value: int, data: bytes, nonce: int | None, *, cap: int | None) -> AccountTx:
        fees = plan_fees(self._chain.fetch_fees(), cap)
        if fees is None:
            raise QueueError("The policy's fee cap is below the chain's base fee now; nothing was queued")
        return AccountTx(chain_id=self.chain_id, nonce=self.next_nonce(vault) if nonce is None else nonce, to=to,
                         value=value, data=data, gas=self.gas_for(vault, to, value, data),
                         max_fee_per_gas=fees.max_fee_per_gas, max_priority_fee_per_gas=fees.max_priority_fee_per_gas)

    # -- approving --------------------------------------------------------------------------------------------------
    def approve(self, tx_hash: str, key: str, password: str) -> AccountEntry:
        address = self.signing_key(key)
        entry = self.entry(tx_hash)
        self._require_approvable(entry, address)
        with self.unlocked(address, password) as signer:
            return self.approve_with(tx_hash, signer)

    def approve_with(self, tx_hash: str, signer: Signer) -> AccountEntry:
        entry = self.entry(tx_hash)
        approver = to_checksum(signer.address)
        self._require_approvable(entry, approver)
        if approver in entry.approvers:
            return entry  # approved already: an idempotent success
        check = self.check_policy(entry, (*entry.approvers, approver))
        if check.decision.decision == "deny":
            raise PolicyDenied("The policy denies this transfer now, so it was not approved: "
                               + "; ".join(check.decision.reasons)[:600], check)
        assert entry.item.tx is not None and check.policy_digest is not None
        approval = AccountApproval(self.chain_id, entry.item.vault, entry.item.tx.signing_hash(), entry.item.nonce,
                                   bytes.fromhex(check.policy_digest[2:]))
        digest = approval.digest()
        ticket = self._journal.record_request(self.chain_id, approver, KIND_ACCOUNT_APPROVAL, digest,
                                              safe=entry.item.vault, nonce=entry.item.nonce)
        signature = signer.sign_digest(digest).to_bytes()
        self._journal.mark_released(ticket)
        ready = check.decision.approvals_met
        now = self._clock()

        def work(conn: Connection) -> None:
            self._store.lock_item(conn, entry.tx_hash)
            current = self._store.load_item(entry.tx_hash, conn)
            if current is None or current.state not in OPEN:
                raise QueueError(f"{entry.tx_hash} is {current.state if current else 'gone'} now; the approval was "
                                 "not stored")
            if not self._store.add_approval(conn, entry.tx_hash, approver, signature,
                                            policy_digest=check.policy_digest or "", at=now,
                                            added_by=self._keys.host):
                return
            if ready and current.state == PROPOSED:
                self._store.move(conn, entry.tx_hash, PROPOSED, READY, at=now)
            self._audit.append(conn, actor=approver, action=actions.APPROVE, subject=entry.tx_hash, detail={
                "kind": "account", "vault": entry.item.vault, "nonce": str(entry.item.nonce),
                "approvals": len(entry.approvers) + 1, "decision": check.decision.decision,
                "decision_id": check.decision_id, "ready": ready,
            }, sign=entry_signer(signer))

        run_in_transaction(self._store.engine, work)
        return self.entry(entry.tx_hash)

    def _require_approvable(self, entry: AccountEntry, approver: str) -> None:
        self._require_trusted(entry)
        if entry.item.state not in OPEN:
            raise QueueError(f"{entry.tx_hash} is {entry.item.state}: it takes no more approvals")
        if entry.vault is None:
            raise QueueError(f"The policy in force names no account vault {entry.item.vault}")
        if approver == entry.item.proposer:
            raise QueueError("The proposer of a transfer does not approve it (segregation of duties)")
        if approver not in entry.vault.approvers:
            raise QueueError(f"{approver} is not an approver of {entry.vault.label} under the policy in force")

    def _require_trusted(self, entry: AccountEntry) -> None:
        if entry.quarantined:
            raise QueueError(f"{entry.tx_hash} is quarantined: {entry.quarantined}")

    # -- verifying rows ---------------------------------------------------------------------------------------------
    def _policy_or_none(self) -> ActivePolicy | None:
        from wallet_app.policy.governance import PolicyNotInForce

        try:
            return self._load_policy()
        except PolicyNotInForce:
            return None

    def _entry(self, item: AccountItem, rows: list[ApprovalRow], policy: ActivePolicy | None) -> AccountEntry:
        vault = policy.document.vault(item.vault) if policy is not None else None
        proposer_ok = record_signer(item.proposer_signature,
                                    proposal_digest(item.chain_id, item.vault, item.nonce, item.tx_hash)) == \
            item.proposer
        counted: set[str] = set()
        not_counted: list[str] = []
        for row in rows:
            why = _why_not_counted(item, row, vault, policy)
            if why:
                not_counted.append(f"{row.approver}: {why}")
            else:
                counted.add(row.approver)
        order = vault.approvers if vault is not None else ()
        return AccountEntry(item, vault if vault is not None and vault.is_account else None,
                            tuple(a for a in order if a in counted), tuple(not_counted), proposer_ok)


def _why_not_counted(item: AccountItem, row: ApprovalRow, vault: PolicyVault | None,
                     policy: ActivePolicy | None) -> str:
    if item.quarantined or item.tx is None:
        return "the item is quarantined"
    if policy is None or vault is None or not vault.is_account:
        return "no policy in force names this account vault"
    if row.policy_digest.lower() != policy.digest.lower():
        return "approved under another policy version: approve again under the one in force"
    if row.approver == item.proposer:
        return "the proposer's own approval does not count"
    approval = AccountApproval(item.chain_id, item.vault, item.tx.signing_hash(), item.nonce,
                               bytes.fromhex(policy.digest.removeprefix("0x")))
    try:
        signer = recover_approver(approval, row.signature)
    except (ApprovalRefused, ValueError):
        return "its signature is malformed"
    if signer != row.approver:
        return "its signature is not this approver's (the row was altered)"
    if signer not in vault.approvers:
        return "no longer an approver under the policy in force"
    return ""


