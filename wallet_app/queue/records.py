"""What the queue stores, as values: a proposed SafeTx with its bookkeeping, a co-signer's signature row, an executor
transaction, and the proposal record the proposer signs.

Nothing here is trusted because it was read from the database: `QueueItem.safe_tx` rebuilds the transaction from the
raw fields and `fields_match` compares its recomputed hash with the row's key (J3); the proposal record's signature
is checked by `proposal_signer` (J6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.safe_tx import Operation, SafeTx, compute_hashes
from wallet_app.holdings.token_approval import compute_eip191_digest

PROPOSAL_TITLE = "Custos proposal"


@dataclass(frozen=True, slots=True)
class QueueItem:
    chain_id: int
    safe_tx_hash: str  # 0x + 64 lowercase hex: the row's key, as stored
    safe_tx: SafeTx  # rebuilt from the stored raw fields
    proposer: str
    proposer_signature: str
    proposed_at: datetime
    state: str  # as stored
    state_reason: str
    updated_at: datetime
    ready_at: datetime | None = None
    claim_token: str | None = None
    claimed_by: str | None = None
    claim_expires_at: datetime | None = None
    executor: str | None = None
    exec_tx_hash: str | None = None
    mined_block: int | None = None
    mined_block_hash: str | None = None
    outcome: str | None = None
    final_at: datetime | None = None

    @property
    def safe(self) -> str:
        return self.safe_tx.safe

    @property
    def nonce(self) -> int:
        return self.safe_tx.nonce

    @property
    def recomputed_hash(self) -> str:
        return "0x" + compute_hashes(self.safe_tx).safe_tx_hash.hex()

    @property
    def fields_match(self) -> bool:
        """The stored fields hash to the row's safeTxHash (J3: a mismatch quarantines the item)."""
        return self.recomputed_hash == self.safe_tx_hash.lower()


@dataclass(frozen=True, slots=True)
class SignatureRow:
    safe_tx_hash: str
    owner: str  # the row's claim; never trusted
    signature: str  # 0x hex
    source: str  # custos, imported
    added_at: datetime
    added_by: str


@dataclass(frozen=True, slots=True)
class BroadcastRow:
    id: int
    safe_tx_hash: str
    executor: str
    eoa_nonce: int
    raw_tx: bytes
    tx_hash: str
    gas: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    replaces: int | None
    claim_token: str
    created_at: datetime
    sent_at: datetime | None


def proposal_message(chain_id: int, safe: str, nonce: int, safe_tx_hash: str) -> str:
    """The proposal record the proposer signs (EIP-191): which transaction, of which vault, at which nonce."""
    return (f"{PROPOSAL_TITLE}\nchain id: {chain_id}\nvault: {to_checksum(safe)}\nnonce: {nonce}\n"
            f"safeTxHash: {safe_tx_hash.lower()}")


def proposal_digest(chain_id: int, safe: str, nonce: int, safe_tx_hash: str) -> bytes:
    return compute_eip191_digest(proposal_message(chain_id, safe, nonce, safe_tx_hash))


def proposal_signer(item: QueueItem) -> str | None:
    """The address whose signature the proposal record carries (over the recomputed hash), or None when it is not a
    usable signature (a forged or edited row)."""
    return record_signer(item.proposer_signature,
                         proposal_digest(item.chain_id, item.safe, item.nonce, item.recomputed_hash))


def record_signer(signature_hex: str, digest: bytes) -> str | None:
    """Who signed `digest` with this 65-byte canonical (low-s, v 27/28) signature; None when it is not one."""
    from wallet_app.keys.signature import HALF_N, SECP256K1_N, recover_address

    try:
        raw = bytes.fromhex(signature_hex.removeprefix("0x"))
    except ValueError:
        return None
    if len(raw) != 65:
        return None
    r, s, v = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64]
    if v not in (27, 28) or not 0 < r < SECP256K1_N or not 0 < s <= HALF_N:
        return None
    try:
        return to_checksum(recover_address(digest, r, s, v - 27))
    except Exception:
        return None


def safe_tx_to_row(tx: SafeTx) -> dict[str, Any]:
    return {
        "safe": to_checksum(tx.safe), "nonce": str(tx.nonce), "version": tx.version, "to_address": to_checksum(tx.to),
        "value": str(tx.value), "data": "0x" + bytes(tx.data).hex(), "operation": int(tx.operation),
        "safe_tx_gas": str(tx.safe_tx_gas), "base_gas": str(tx.base_gas), "gas_price": str(tx.gas_price),
        "gas_token": to_checksum(tx.gas_token), "refund_receiver": to_checksum(tx.refund_receiver),
    }


def safe_tx_from_row(row: Any) -> SafeTx:
    """The SafeTx of a queue row. ValueError when a field cannot be one (an edited row)."""
    data_text = str(row.data)
    if not data_text.startswith("0x"):
        raise ValueError("data is not 0x hex")
    return SafeTx(
        safe=to_checksum(str(row.safe)), chain_id=int(row.chain_id), version=str(row.version),
        to=to_checksum(str(row.to_address)), value=_uint(row.value), data=bytes.fromhex(data_text[2:]),
        operation=Operation(int(row.operation)), nonce=_uint(row.nonce), safe_tx_gas=_uint(row.safe_tx_gas),
        base_gas=_uint(row.base_gas), gas_price=_uint(row.gas_price), gas_token=to_checksum(str(row.gas_token)),
        refund_receiver=to_checksum(str(row.refund_receiver)),
    )


def _uint(text: object) -> int:
    value = int(str(text), 10)
    if not 0 <= value < 2**256:
        raise ValueError("a uint256 field is out of range")
    return value
