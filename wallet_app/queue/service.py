"""The approval queue's actions: propose, approve, reject, import a co-signer's signature, and load the queue as it
verifies now. Executing is `wallet_app.queue.executor`; following the chain after a broadcast is
`wallet_app.queue.follow`.

Each action checks the policy first (at proposal, at every approval on the approving desktop; SECURITY I1/A15),
signs only through `sign_safe_tx` (the hash recomputed from the stored fields, journaled before the signature
leaves; A7, A11), and writes its change and its audit entry in one database transaction, retried on serialization
failures (J4). Named fault points (`wallet_app.faults`) let the kill-point tests crash it between every two steps.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection

from wallet_app.audit import actions
from wallet_app.audit.entry import entry_signer
from wallet_app.audit.log import AuditLog
from wallet_app.chain.client import ChainClient
from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.safe_tx import SafeTx, compute_hashes
from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import ConfigError, KeyNotFound, StorageUnavailable, WatchOnly
from wallet_app.faults import faultpoint
from wallet_app.keys.signer import Signer
from wallet_app.keys.views import KeyView
from wallet_app.policy.check_request import CheckRequest
from wallet_app.policy.checker import CheckResult, PolicyChecker
from wallet_app.queue.errors import PolicyDenied, QueueError
from wallet_app.queue.exec_settings import ExecutionSettings
from wallet_app.queue.follow import Follower
from wallet_app.queue.follow_base import Actor, ExecDeps
from wallet_app.queue.records import QueueItem, proposal_digest
from wallet_app.queue.states import CLOSED, IN_FLIGHT, OPEN, PROPOSED, READY, is_legal, open_state_for
from wallet_app.queue.store import QueueStore, hash_text
from wallet_app.queue.verify import build_entries, tally_rows
from wallet_app.queue.views import ExecutionResult, ProposalResult, QueueEntry
from wallet_app.safe.journal import SigningBlocked, SigningJournal
from wallet_app.safe.signatures import CoSignature, count_valid_for_tx, parse_signatures
from wallet_app.safe.signing import is_rejection, rejection_for, sign_safe_tx
from wallet_app.storage.retry import run_in_transaction

if TYPE_CHECKING:
    from wallet_app.queue.importing import ImportResult

KIND_PROPOSAL = "queue_proposal"
SOURCE_CUSTOS = "custos"
SOURCE_IMPORTED = "imported"


class QueueKeys(Protocol):
    def load_keys(self) -> list[KeyView]: ...
    def unlock(self, address: str, secret: str, *, remember: bool = False) -> None: ...
    def signer(self, address: str) -> Signer: ...
    def lock(self, address: str) -> None: ...


class TravelRuleGate(Protocol):
    """The Travel Rule at proposal and before execution (`wallet_app.compliance.travel_rule.TravelRuleDesk`)."""

    def requirement(self, result: CheckResult) -> Any: ...
    def checked_payload(self, result: CheckResult, requirement: Any,
                        payload: Mapping[str, Any] | None) -> dict[str, Any] | None: ...
    def store(self, conn: Connection, *, safe_tx_hash: str, safe: str, requirement: Any,
              payload: dict[str, Any] | None, actor: str, sign: Any = None) -> str | None: ...
    def require_for_execution(self, safe_tx_hash: str, result: CheckResult) -> None: ...


class VaultAccess(Protocol):
    def fetch_vaults(self) -> list[VaultInfo]: ...
    def check_for_signing(self, address: str) -> Any: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


def host_name() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


class QueueService:
    def __init__(self, *, store: QueueStore, chain: ChainClient, keys: QueueKeys | None, vaults: VaultAccess,
                 checker: PolicyChecker, journal: SigningJournal, audit: AuditLog,
                 read_vault: Callable[[str], VaultInfo],
                 describe: Callable[[], Callable[[SafeTx], str]] | None = None,
                 host: str | None = None, clock: Callable[[], datetime] = utc_now,
                 execution: ExecutionSettings | None = None, travel_rule: TravelRuleGate | None = None) -> None:
        self._store = store
        self._chain = chain
        self._keys = keys
        self._vaults = vaults
        self._checker = checker
        self._journal = journal
        self._audit = audit
        self._read_vault = read_vault  # the vault read live from the chain now (owners, threshold, nonce, version)
        self._describe = describe
        self._host = host or host_name()
        self._clock = clock
        self._execution = execution or ExecutionSettings()  # confirmations, claim lease, fee replacement
        self._travel_rule = travel_rule

    @property
    def chain_id(self) -> int:
        return self._store.chain_id

    @property
    def store(self) -> QueueStore:
        return self._store

    @property
    def host(self) -> str:
        return self._host

    # -- reading ------------------------------------------------------------------------------------------------
    def load(self, safe: str | None = None) -> list[QueueEntry]:
        """Every item (of one vault), verified now, lowest nonce first."""
        items, broken = self._store.load_items(safe=None if safe is None else to_checksum(safe))
        if broken:
            first = broken[0]
            raise QueueError(f"The queue holds {len(broken)} row(s) that are not Safe transactions (first: "
                             f"{first.safe_tx_hash[:66]}: {first.reason}); the database was edited outside Custos")
        return self._entries(items)

    def entry(self, safe_tx_hash: str) -> QueueEntry:
        key = _hash_arg(safe_tx_hash)
        item = self._store.load_item(key)
        if item is None:
            raise QueueError(f"No queued transaction has the safeTxHash {key}")
        # The vault's other items are read too: conflicts at its nonce (A10) and gaps below it are part of what an
        # officer reviews.
        items, _broken = self._store.load_items(safe=item.safe)
        return self._entries([item], context=[i for i in items if i.safe_tx_hash != item.safe_tx_hash])[0]

    def _entries(self, items: Sequence[QueueItem], context: Sequence[QueueItem] = ()) -> list[QueueEntry]:
        """Entries for `items`, verified now; `context` items only inform conflicts and gaps."""
        signatures = self._store.load_signatures([i.safe_tx_hash for i in items])
        describe = None
        if self._describe is not None:
            words = self._describe()  # the policy, tokens and names read once for the whole list
            describe = lambda item: words(item.safe_tx)  # noqa: E731
        return build_entries(items, signatures, chain=self._chain, read_vault=self._read_vault, describe=describe,
                             context=context)

    def next_nonce(self, safe: str) -> int:
        """The next nonce nothing live in the queue uses: the vault's nonce, or one past the highest queued."""
        vault = self._read_vault(to_checksum(safe))
        items, _broken = self._store.load_items(safe=vault.address)
        used = [i.nonce for i in items if i.state not in CLOSED and i.nonce >= vault.nonce]
        return max([vault.nonce - 1, *used]) + 1

    # -- proposing ----------------------------------------------------------------------------------------------
    def propose(self, request: CheckRequest, key: str, password: str, *,
                travel_rule: Mapping[str, Any] | None = None) -> ProposalResult:
        """Check `request` against the policy and queue it, the proposal record signed by `key` (unlocked with
        `password` for this action). A denied transaction is not queued (`ProposalResult.entry` is None).
        `travel_rule`: the IVMS 101 payload, required when the Travel Rule applies to the transfer."""
        address = self.signing_key(key)
        with self.unlocked(address, password) as signer:
            return self.propose_with(request, signer, travel_rule=travel_rule)

    def propose_with(self, request: CheckRequest, signer: Signer, *, expect_hash: str | None = None,
                     travel_rule: Mapping[str, Any] | None = None) -> ProposalResult:
        """`propose` with an open signer. With `expect_hash` (an imported transaction's stated safeTxHash), nothing
        is queued unless the fields hash to it for this vault's chain and version."""
        proposer = to_checksum(signer.address)
        safe = to_checksum(request.safe)
        vault = self._profile_vault(safe)
        self._vaults.check_for_signing(safe)
        nonce = request.nonce
        if nonce is None:
            # The same transaction already waiting (a retry after an unknown outcome, J5; a double click) is the
            # answer, not a second payment at the next nonce; a repeat payment is queued with an explicit nonce.
            nonce = self._same_transaction_nonce(safe, request)
        if nonce is None:
            nonce = self.next_nonce(safe)
        elif nonce < vault.nonce:
            raise QueueError(f"Nonce {nonce} of {vault.label or safe} is already used (the vault's nonce is "
                             f"{vault.nonce}); nothing was queued")
        result = self._checker.check(replace(request, safe=safe, nonce=nonce, proposer=proposer, approvers=()))
        if result.decision.decision == "deny":
            return ProposalResult(result, None)
        tx = result.safe_tx
        key = hash_text(tx)
        if expect_hash is not None and _hash_arg(expect_hash) != key:
            raise QueueError(f"The transaction is said to have safeTxHash {_hash_arg(expect_hash)}, but its fields "
                             f"hash to {key} for this vault (another chain, vault, version or nonce?); nothing was "
                             "queued")
        requirement = payload = None
        if self._travel_rule is not None:
            requirement = self._travel_rule.requirement(result)
            payload = self._travel_rule.checked_payload(result, requirement, travel_rule)
        faultpoint("propose.after_policy_before_insert")
        digest = proposal_digest(self.chain_id, tx.safe, tx.nonce, key)
        ticket = self._journal.record_request(self.chain_id, proposer, KIND_PROPOSAL, digest, safe=tx.safe)
        signature = signer.sign_digest(digest).to_bytes()
        self._journal.mark_released(ticket)
        now = self._clock()

        def work(conn: Connection) -> None:
            if not self._store.insert_item(conn, tx, proposer=proposer, proposer_signature="0x" + signature.hex(),
                                           at=now, state=PROPOSED):
                return  # the same proposal again (same fields, same hash): already queued, logged once
            self._audit.append(conn, actor=proposer, action=actions.PROPOSE, subject=key, detail={
                "safe": tx.safe, "nonce": str(tx.nonce), "intent": result.intent_text[:500],
                "decision": result.decision.decision, "decision_id": result.decision_id,
                "rejection": is_rejection(tx),
            }, sign=entry_signer(signer))
            if self._travel_rule is not None:
                self._travel_rule.store(conn, safe_tx_hash=key, safe=tx.safe, requirement=requirement,
                                        payload=payload, actor=proposer, sign=entry_signer(signer))
            faultpoint("propose.after_insert_before_commit")

        try:
            run_in_transaction(self._store.engine, work)
        except StorageUnavailable as exc:
            # The commit may have reached the server before the connection broke (J5). Proposing the same fields
            # again at the same nonce is harmless (same hash, one row); at the next free nonce it would queue a
            # second payment, so say which nonce to give.
            raise StorageUnavailable(
                f"{exc.user_message}. The proposal {key} (nonce {tx.nonce}) may have been queued all the same: check "
                f"`custos safe queue` first, and if you propose again, give --nonce {tx.nonce}",
                detail=exc.detail) from None
        faultpoint("propose.after_commit_before_ack")
        return ProposalResult(result, self.entry(key))

    def _same_transaction_nonce(self, safe: str, request: CheckRequest) -> int | None:
        items, _broken = self._store.load_items(safe=safe)
        for item in items:
            tx = item.safe_tx
            if item.state in OPEN and item.fields_match and (
                    tx.to, tx.value, tx.data, int(tx.operation), tx.safe_tx_gas, tx.base_gas, tx.gas_price,
                    tx.gas_token, tx.refund_receiver) == (
                    to_checksum(request.to), request.value, bytes(request.data), request.operation,
                    request.safe_tx_gas, request.base_gas, request.gas_price, to_checksum(request.gas_token),
                    to_checksum(request.refund_receiver)):
                return tx.nonce
        return None

    # -- approving ----------------------------------------------------------------------------------------------
    def approve(self, safe_tx_hash: str, key: str, password: str) -> QueueEntry:
        """Sign the item with `key` after the policy allows it with this approval (the hash signed is the one
        recomputed from the stored fields, and must equal `safe_tx_hash`, the one the officer reviewed)."""
        address = self.signing_key(key)
        entry = self.entry(safe_tx_hash)  # refused before the key is unlocked when it cannot be approved anyway
        self._require_approvable(entry)
        if address not in entry.owners:
            raise QueueError(f"{address} is not an owner of {entry.item.safe} now, so it cannot approve")
        with self.unlocked(address, password) as signer:
            return self.approve_with(safe_tx_hash, signer)

    def approve_with(self, safe_tx_hash: str, signer: Signer) -> QueueEntry:
        displayed = _hash_arg(safe_tx_hash)
        entry = self.entry(displayed)
        owner = to_checksum(signer.address)
        self._require_approvable(entry)
        self._vaults.check_for_signing(entry.item.safe)  # SC-9: a fresh check of the vault before signing
        if owner not in entry.owners:
            raise QueueError(f"{owner} is not an owner of {entry.item.safe} now, so it cannot approve")
        if owner in entry.signers:
            return entry  # already approved: an idempotent success
        check = self._check_policy(entry, approvers=(*entry.signers, owner))
        if check.decision.decision == "deny":
            raise PolicyDenied("The policy denies this transaction now, so it was not approved: "
                               + "; ".join(check.decision.reasons)[:600], check)
        faultpoint("approve.after_hash_before_sign")
        vault = self._read_vault(entry.item.safe)
        try:
            signature = sign_safe_tx(signer, self._journal, entry.item.safe_tx, vault.version, self.chain_id,
                                     displayed_hash=bytes.fromhex(displayed[2:]))
        except SigningBlocked as exc:
            self._audit.record(actor=owner, action=actions.INCIDENT, subject=displayed, detail={
                "incident": "second_digest_at_nonce", "safe": exc.safe, "nonce": str(exc.nonce),
                "first_digest": "0x" + exc.first_digest.hex(), "journal_row": exc.incident_id,
                "offer": "burn the nonce with a rejection"})
            raise
        faultpoint("approve.after_sign_before_insert")
        self._store_signature(entry, owner, signature, SOURCE_CUSTOS, sign=entry_signer(signer),
                              detail={"decision": check.decision.decision, "decision_id": check.decision_id})
        faultpoint("approve.after_commit_before_ack")
        return self.entry(displayed)

    def import_signature(self, safe_tx_hash: str, signature: str, owner: str | None = None, *,
                         source: str = SOURCE_IMPORTED, detail: dict[str, Any] | None = None) -> QueueEntry:
        """A co-signer's signature made elsewhere (an offline signer, another tool): stored only when it verifies
        for this item against the vault's owners now; anything else is refused with the reason, nothing stored.
        `source` goes in the signature's source column (imported, offline); `detail` into its audit entry."""
        entry = self.entry(_hash_arg(safe_tx_hash))
        self._require_approvable(entry)
        parsed = parse_signatures(signature)  # SignatureFormatError: a clear message, nothing stored
        if len(parsed) != 1:
            raise QueueError(f"Give one signature at a time ({len(parsed)} were given)")
        vault = self._read_vault(entry.item.safe)
        claimed = None if owner is None else to_checksum(owner)
        tally = count_valid_for_tx(entry.item.safe_tx, [CoSignature(signature, claimed_signer=claimed)],
                                   vault.owners, vault.threshold, self._chain, vault.block_number)
        check = tally.checks[0]
        if not check.valid or check.signer is None:
            raise QueueError(f"The signature does not count for {entry.safe_tx_hash}: {check.reason}")
        if claimed is not None and check.signer != claimed:
            raise QueueError(f"The signature is {check.signer}'s, not {claimed}'s")
        raw = bytes.fromhex(signature.strip().removeprefix("0x"))
        self._store_signature(entry, check.signer, raw, source, sign=None,
                              detail={"source": source, "kind": check.kind.value,
                                      "action_signature": "0x" + raw.hex(), **(detail or {})})
        return self.entry(entry.safe_tx_hash)

    def import_transaction(self, raw: bytes, key: str, password: str, *,
                           travel_rule: Mapping[str, Any] | None = None) -> ImportResult:
        """Queue a transaction made elsewhere (a JSON file, `wallet_app.queue.importing`), proposed by `key`."""
        from wallet_app.queue.importing import import_transaction, parse_transaction_file

        parse_transaction_file(raw)  # a malformed file is refused before the key is unlocked
        address = self.signing_key(key)
        with self.unlocked(address, password) as signer:
            return import_transaction(self, raw, signer, travel_rule=travel_rule)

    def _store_signature(self, entry: QueueEntry, owner: str, signature: bytes, source: str, *,
                         sign: Callable[[str], bytes] | None, detail: dict[str, Any]) -> None:
        """Store a verified signature of `owner` with the item's new state and its audit entry, in one transaction.
        The count is taken inside it, from the rows as stored then (another desktop may have added one)."""
        now = self._clock()
        item = entry.item
        key = item.safe_tx_hash
        vault = self._read_vault(item.safe)
        mine = "0x" + signature.hex()

        def work(conn: Connection) -> None:
            self._store.lock_item(conn, key)  # two owners approving at once: the second counts the first's row
            current = self._store.load_item(key, conn)
            if current is None or current.state not in OPEN:
                raise QueueError(f"{key} is {current.state if current else 'gone'} now; the signature was not "
                                 "stored")
            rows = self._store.load_signatures([key], conn)[key]
            stored = next((r for r in rows if r.owner == owner), None)
            replaced = False
            if stored is not None:
                if stored.signature.lower() == mine or owner in tally_rows(current, rows, vault, self._chain,
                                                                           vault.block_number)[0].signers:
                    return  # J1: this owner's valid signature is already there (another desktop, a retry)
                # The owner's row does not verify (edited in the database, J2): the new signature takes its place.
                self._store.replace_signature(conn, key, owner, signature, source=source, at=now,
                                              added_by=self._host)
                replaced = True
            elif not self._store.add_signature(conn, key, owner, signature, source=source, at=now,
                                               added_by=self._host):
                return
            rows = self._store.load_signatures([key], conn)[key]
            valid = tally_rows(current, rows, vault, self._chain, vault.block_number)[0].valid_count
            new_state = open_state_for(valid, vault.threshold)
            if new_state != current.state and is_legal(current.state, new_state):
                extra: dict[str, Any] = {"ready_at": now} if new_state == READY and current.ready_at is None else {}
                self._store.move(conn, key, current.state, new_state, at=now, **extra)
            self._audit.append(conn, actor=owner, action=actions.APPROVE, subject=key, detail={
                "safe": item.safe, "nonce": str(item.nonce), "valid_signatures": valid,
                "threshold": vault.threshold, **({"replaced_row_that_did_not_verify": True} if replaced else {}),
                **detail,
            }, sign=sign)
            faultpoint("approve.after_insert_before_commit")

        run_in_transaction(self._store.engine, work)

    # -- rejecting ----------------------------------------------------------------------------------------------
    def reject(self, safe_tx_hash: str, key: str, password: str) -> QueueEntry:
        """Reject by an on-chain rejection at the same nonce: queue the rejection (to the vault itself, nothing
        else) if it is not queued yet, and approve it with `key`. The item becomes `rejected` when the rejection
        executes. Returns the rejection's entry."""
        address = self.signing_key(key)
        entry = self.entry(safe_tx_hash)  # refused before the key is unlocked when it cannot be rejected anyway
        if entry.item.state not in OPEN:
            raise QueueError(f"{entry.safe_tx_hash} is {entry.state}: only a transaction still gathering signatures "
                             "can be rejected")
        with self.unlocked(address, password) as signer:
            return self.reject_with(safe_tx_hash, signer)

    def reject_with(self, safe_tx_hash: str, signer: Signer) -> QueueEntry:
        entry = self.entry(_hash_arg(safe_tx_hash))
        item = entry.item
        if item.state not in OPEN:
            raise QueueError(f"{item.safe_tx_hash} is {entry.state}: only a transaction still gathering signatures "
                             "can be rejected")
        if is_rejection(item.safe_tx):
            raise QueueError("This is itself a rejection; approve it to burn the nonce")
        vault = self._read_vault(item.safe)
        rejection = rejection_for(item.safe, self.chain_id, vault.version, item.nonce)
        key = hash_text(rejection)
        if self._store.load_item(key) is None:
            request = CheckRequest(safe=rejection.safe, to=rejection.to, nonce=rejection.nonce)
            proposed = self.propose_with(request, signer)
            if not proposed.queued:
                raise PolicyDenied("The policy denies the rejection: " + "; ".join(
                    proposed.check.decision.reasons)[:600], proposed.check)
        owner = to_checksum(signer.address)
        if owner not in vault.owners:
            return self.entry(key)  # a proposer who owns nothing queues the rejection for the owners to sign
        return self.approve_with(key, signer)

    # -- executing ----------------------------------------------------------------------------------------------
    def execute(self, safe_tx_hash: str, key: str, password: str, *, wait_seconds: float = 60.0,
                progress: Callable[[str], None] | None = None) -> ExecutionResult:
        """Send the item's execTransaction from `key`, an executor account of this profile (any key that can sign
        and pays the gas; it need not be an owner), unlocked with `password` for this action, and follow it up to
        `wait_seconds` (to the final state on a chain that mines at once). See `wallet_app.queue.executor`."""
        address = self.signing_key(key)
        self.entry(safe_tx_hash)  # an unknown hash is refused before the key is unlocked
        with self.unlocked(address, password) as signer:
            return self.execute_with(safe_tx_hash, signer, wait_seconds=wait_seconds, progress=progress)

    def execute_with(self, safe_tx_hash: str, signer: Signer, *, wait_seconds: float = 60.0,
                     progress: Callable[[str], None] | None = None) -> ExecutionResult:
        from wallet_app.queue.executor import ExecutionChecks, Executor

        checks = ExecutionChecks(load_entry=self.entry,
                                 check_policy=lambda entry, approvers: self._check_policy(entry, approvers=approvers),
                                 check_vault=self._vaults.check_for_signing,
                                 check_travel_rule=None if self._travel_rule is None else
                                 self._travel_rule.require_for_execution)
        return Executor(self._exec_deps(), self._follower(), checks).execute(
            _hash_arg(safe_tx_hash), signer, wait_seconds=wait_seconds, progress=progress)

    def follow(self, *, progress: Callable[[str], None] | None = None, safe: str | None = None,
               signer: Signer | None = None) -> list[str]:
        """Recovery and chain follow for every item in flight (of one vault), then the open items at used nonces
        settled; plain-words lines of what changed. Idempotent (INV-10): safe at start-up, from `custos safe queue`
        and periodically. A fee replacement is signed only with `signer`, the executor's key (see
        `wallet_app.queue.follow`)."""
        return self._follower().follow(safe=None if safe is None else to_checksum(safe), actor=Actor.of(signer),
                                       progress=progress)

    def _follower(self) -> Follower:
        return Follower(self._exec_deps())

    def _exec_deps(self) -> ExecDeps:
        return ExecDeps(store=self._store, chain=self._chain, audit=self._audit, clock=self._clock, host=self._host,
                        settings=self._execution, read_vault=self._read_vault,
                        replacement_cap=self._replacement_cap)

    def _replacement_cap(self, item: QueueItem) -> int | None:
        """The policy decides again before a fee replacement is signed; its cap bounds the new fees."""
        entry = self.entry(item.safe_tx_hash)
        check = self._check_policy(entry, approvers=tuple(entry.signers))
        if check.decision.decision == "deny":
            raise PolicyDenied("The policy denies this transaction now, so no replacement with higher fees was "
                               "signed: " + "; ".join(check.decision.reasons)[:600], check)
        return check.decision.max_fee_per_gas

    # -- policy and helpers -------------------------------------------------------------------------------------
    def check_policy(self, safe_tx_hash: str, approvers: Sequence[str] = ()) -> CheckResult:
        """The policy's decision on a queued item now, with these approvers (recorded)."""
        return self._check_policy(self.entry(_hash_arg(safe_tx_hash)), approvers=tuple(approvers))

    def _check_policy(self, entry: QueueEntry, *, approvers: tuple[str, ...]) -> CheckResult:
        tx = entry.item.safe_tx
        request = CheckRequest(
            safe=tx.safe, to=tx.to, value=tx.value, data=tx.data, operation=int(tx.operation),
            safe_tx_gas=tx.safe_tx_gas, base_gas=tx.base_gas, gas_price=tx.gas_price, gas_token=tx.gas_token,
            refund_receiver=tx.refund_receiver, nonce=tx.nonce, proposer=entry.item.proposer, approvers=approvers)
        result = self._checker.check(request)
        if result.safe_tx_hash != compute_hashes(tx).safe_tx_hash:
            raise QueueError("The policy checker decided on another transaction than the one queued; nothing "
                             "was signed")
        return result

    def _require_approvable(self, entry: QueueEntry) -> None:
        if entry.quarantined:
            raise QueueError(f"{entry.safe_tx_hash} is quarantined: {entry.quarantined}")
        if entry.item.state in IN_FLIGHT or entry.item.state in CLOSED:
            raise QueueError(f"{entry.safe_tx_hash} is {entry.state}; it takes no more signatures")
        if entry.vault_nonce is None:
            self._vaults.check_for_signing(entry.item.safe)  # F4: a vault taken over no longer reads as a Safe
            raise QueueError(f"{entry.item.safe} could not be read; try again when the node answers")
        if entry.item.nonce < entry.vault_nonce:
            raise QueueError(f"The vault's nonce is already {entry.vault_nonce}: {entry.safe_tx_hash} (nonce "
                             f"{entry.item.nonce}) can never execute")

    def _profile_vault(self, safe: str) -> VaultInfo:
        if safe not in {v.address for v in self._vaults.fetch_vaults()}:
            raise QueueError(f"{safe} is not one of this profile's vaults; add it first (custos safe add)")
        return self._read_vault(safe)

    def signing_key(self, key: str) -> str:
        address = to_checksum(key)
        if self._keys is None:
            raise ConfigError("This installation has no keys to sign with")
        view = next((k for k in self._keys.load_keys() if k.address == address), None)
        if view is None:
            raise KeyNotFound(f"{address} is not one of this profile's keys")
        if not view.can_sign:
            raise WatchOnly(f"{view.label} is a watch-only address: it cannot sign")
        return address

    @contextmanager
    def unlocked(self, address: str, password: str) -> Any:
        keys = self._keys
        assert keys is not None
        was_unlocked = any(k.address == address and k.unlocked for k in keys.load_keys())
        keys.unlock(address, password)  # the password is asked every time, unlocked or not
        try:
            yield keys.signer(address)
        finally:
            if not was_unlocked:
                keys.lock(address)


def _hash_arg(text: str) -> str:
    return hash_arg(text, "safeTxHash")


def hash_arg(text: str, what: str) -> str:
    """`text` as 0x and 64 lowercase hex digits; QueueError naming `what` it should have been otherwise."""
    value = text.strip().lower()
    if len(value) != 66 or not value.startswith("0x") or any(c not in "0123456789abcdef" for c in value[2:]):
        shown = text.strip().encode("ascii", "backslashreplace").decode("ascii")[:80]
        raise QueueError(f"'{shown}' is not a {what} (0x and 64 hex digits)")
    return value
