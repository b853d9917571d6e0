"""A queued transaction as loaded and verified now: the value the CLI prints and the Approvals page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wallet_app.domain.safe_tx import compute_hashes, safe_tx_json
from wallet_app.queue.records import QueueItem
from wallet_app.safe.signatures import SignatureTally

if TYPE_CHECKING:
    from wallet_app.policy.checker import CheckResult


@dataclass(frozen=True, slots=True)
class QueueEntry:
    item: QueueItem
    state: str  # the item's state now (open items: recomputed from the signatures that verify now)
    threshold: int  # 0 when the vault could not be read
    owners: tuple[str, ...]
    vault_nonce: int | None  # None when the vault could not be read
    tally: SignatureTally | None  # None when quarantined or the vault could not be read
    signature_rows: int  # rows stored for it, valid or not ("2 valid of 5 rows", J6)
    flagged: tuple[str, ...] = ()  # why rows do not count: tampered, not an owner, another hash ...
    quarantined: str = ""  # why the item may not be approved or executed ("" when it may)
    proposer_verified: bool = False  # the proposal record's signature recovers to the proposer
    conflicts: tuple[str, ...] = ()  # other live items at the same nonce (A10: never auto-picked)
    gap: str = ""  # nonces below this one that nothing in the queue fills
    intent_text: str = ""
    notes: tuple[str, ...] = field(default=())  # the vault could not be read, a stale approver (A14) ...

    @property
    def safe_tx_hash(self) -> str:
        return self.item.safe_tx_hash

    @property
    def valid_signatures(self) -> int:
        return 0 if self.tally is None else self.tally.valid_count

    @property
    def signers(self) -> tuple[str, ...]:
        return () if self.tally is None else self.tally.signers

    def to_json(self) -> dict[str, Any]:
        tx = self.item.safe_tx
        hashes = compute_hashes(tx)
        return {
            "safe_tx_hash": self.item.safe_tx_hash,
            "safe": tx.safe,
            "nonce": tx.nonce,
            "state": self.state,
            "stored_state": self.item.state,
            "state_reason": self.item.state_reason,
            "valid_signatures": self.valid_signatures,
            "threshold": self.threshold,
            "signers": list(self.signers),
            "signature_rows": self.signature_rows,
            "flagged": list(self.flagged),
            "quarantined": self.quarantined,
            "proposer": self.item.proposer,
            "proposer_verified": self.proposer_verified,
            "proposed_at": self.item.proposed_at.isoformat(),
            "conflicts": list(self.conflicts),
            "gap": self.gap,
            "intent_text": self.intent_text,
            "notes": list(self.notes),
            "vault_nonce": self.vault_nonce,
            "domain_hash": "0x" + hashes.domain_hash.hex(),
            "message_hash": "0x" + hashes.message_hash.hex(),
            "safe_tx": safe_tx_json(tx),
            "executor": self.item.executor,
            "exec_tx_hash": self.item.exec_tx_hash,
            "mined_block": self.item.mined_block,
            "outcome": self.item.outcome,
        }


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    """What `QueueService.execute` did: the executor transaction and where the item stands."""

    entry: QueueEntry  # the item after the attempt (final, failed, mined or broadcast)
    chain_tx_hash: str  # 0x + 64 hex: the executor's transaction calling execTransaction
    executor: str
    eoa_nonce: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    block_number: int | None = None  # None while not mined
    outcome: str | None = None  # success (ExecutionSuccess), failure (ExecutionFailure), None while not mined
    gas_used: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def state(self) -> str:
        return self.entry.state

    def to_json(self) -> dict[str, Any]:
        return {
            "safe_tx_hash": self.entry.safe_tx_hash,
            "chain_tx_hash": self.chain_tx_hash,
            "state": self.state,
            "outcome": self.outcome,
            "executor": self.executor,
            "executor_nonce": self.eoa_nonce,
            "block_number": self.block_number,
            "gas_used": self.gas_used,
            "max_fee_per_gas": str(self.max_fee_per_gas),
            "max_priority_fee_per_gas": str(self.max_priority_fee_per_gas),
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class ProposalResult:
    check: CheckResult  # the policy's decision at proposal
    entry: QueueEntry | None  # None when the policy denied it: nothing was queued

    @property
    def queued(self) -> bool:
        return self.entry is not None
