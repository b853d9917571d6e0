"""The executor transaction: the EIP-1559 transaction from the executor's account calling the vault's
`execTransaction`, signed through `Signer.sign_digest` (the key signs the transaction's own signing hash, built here);
what its stored raw bytes say; what a node's refusal to take it means; and which Safe event its receipt carries.

A replacement is built from the stored raw bytes of the transaction it replaces, with only the two fees changed, so
to/value/data/nonce/gas cannot differ (G1, G2; SECURITY 6.4 INV-1).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from eth_hash.auto import keccak

from wallet_app.chain.client import Receipt
from wallet_app.domain.addresses import to_checksum
from wallet_app.keys.signer import Signer
from wallet_app.queue.fees import Fees

EXECUTION_SUCCESS_TOPIC = keccak(b"ExecutionSuccess(bytes32,uint256)")
EXECUTION_FAILURE_TOPIC = keccak(b"ExecutionFailure(bytes32,uint256)")
SUCCESS = "success"
FAILURE = "failure"


@dataclass(frozen=True, slots=True)
class ExecTx:
    """The fields of an executor transaction, before signing."""

    chain_id: int
    nonce: int
    to: str
    value: int
    data: bytes
    gas: int
    fees: Fees

    def fields(self) -> dict[str, object]:
        return {
            "type": 2, "chainId": self.chain_id, "nonce": self.nonce, "gas": self.gas,
            "maxFeePerGas": self.fees.max_fee_per_gas, "maxPriorityFeePerGas": self.fees.max_priority_fee_per_gas,
            "to": to_checksum(self.to), "value": self.value, "data": self.data,
        }

    def with_fees(self, fees: Fees) -> ExecTx:
        return replace(self, fees=fees)


@dataclass(frozen=True, slots=True)
class SignedExec:
    tx: ExecTx
    raw: bytes
    tx_hash: str  # 0x + 64 lowercase hex
    sender: str


def sign_exec_transaction(tx: ExecTx, signer: Signer) -> SignedExec:
    """Sign `tx` with `signer`; the raw bytes, their hash, and the sender they recover to (which must be the signer)."""
    from eth_account.typed_transactions.typed_transaction import TypedTransaction

    fields = tx.fields()
    digest = TypedTransaction.from_dict(fields).hash()
    signature = signer.sign_digest(digest)
    signed = TypedTransaction.from_dict({**fields, "v": signature.recovery_id, "r": signature.r, "s": signature.s})
    raw = bytes(signed.encode())
    decoded, sender = decode_exec(raw)
    if sender != to_checksum(signer.address) or decoded != tx:
        raise ValueError("the signed executor transaction does not read back as the one built")  # never stored
    return SignedExec(tx, raw, "0x" + keccak(raw).hex(), sender)


def decode_exec(raw: bytes) -> tuple[ExecTx, str]:
    """The fields and the sender of stored raw bytes (ValueError when they are not a signed EIP-1559 transaction)."""
    from eth_account import Account
    from eth_account.typed_transactions.typed_transaction import TypedTransaction
    from hexbytes import HexBytes

    if not raw or raw[0] != 2:
        raise ValueError("not an EIP-1559 transaction")
    fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
    to = fields.get("to")
    if not to:
        raise ValueError("an executor transaction always has a recipient")
    tx = ExecTx(chain_id=int(fields["chainId"]), nonce=int(fields["nonce"]), to=to_checksum("0x" + bytes(to).hex()),
                value=int(fields["value"]), data=bytes(fields["data"]), gas=int(fields["gas"]),
                fees=Fees(int(fields["maxFeePerGas"]), int(fields["maxPriorityFeePerGas"])))
    return tx, to_checksum(str(Account.recover_transaction(raw)))


# -- what a node says when it does not take the bytes ------------------------------------------------------------------

class SendVerdict(Enum):
    ACCEPTED = "accepted"
    KNOWN = "known"  # the node has these very bytes already: success
    NONCE_USED = "nonce_used"  # the EOA nonce is used: by these bytes (mined) or by another transaction (G3)
    UNDERPRICED = "underpriced"  # another transaction at this EOA nonce pays more (G2)
    REFUSED = "refused"  # anything else: the bytes are kept and sent again later


# Node wordings (geth, erigon, anvil, besu, nethermind, the devnet), lower case, by meaning.
_VERDICTS: tuple[tuple[SendVerdict, tuple[str, ...]], ...] = (
    (SendVerdict.KNOWN, ("already known", "already imported", "known transaction", "alreadyknown",
                         "known_transaction", "transaction already exists", "already in the pool")),
    (SendVerdict.NONCE_USED, ("nonce too low", "nonce_too_low", "oldnonce", "nonce has already been used",
                              "nonce is too low")),
    (SendVerdict.UNDERPRICED, ("replacement transaction underpriced", "replacement_underpriced",
                               "replacementnotallowed", "replacement fee too low", "replacement underpriced")),
)


def classify_refusal(message: str) -> SendVerdict:
    text = message.lower()
    for verdict, words in _VERDICTS:
        if any(w in text for w in words):
            return verdict
    return SendVerdict.REFUSED


# -- the Safe's own word on the execution --------------------------------------------------------------------------

def execution_outcome(receipt: Receipt, safe: str, safe_tx_hash: bytes) -> str | None:
    """success (ExecutionSuccess) or failure (ExecutionFailure) for `safe_tx_hash`, emitted by the vault itself, or
    None when the receipt holds neither. Safe 1.4.1+ index the hash (topic 1); 1.0.0-1.3.0 put it in the data."""
    address = to_checksum(safe)
    for log in receipt.logs:
        if to_checksum(log.address) != address or not log.topics:
            continue
        kind = {EXECUTION_SUCCESS_TOPIC: SUCCESS, EXECUTION_FAILURE_TOPIC: FAILURE}.get(log.topics[0])
        if kind is None:
            continue
        named = log.topics[1] if len(log.topics) > 1 else log.data[:32]
        if named == safe_tx_hash:
            return kind
    return None


def revert_reason(revert_data: bytes) -> str:
    """The text of an Error(string) revert (a Safe's GS0xx code), or the raw data's first bytes."""
    from eth_abi.abi import decode

    if revert_data[:4] == bytes.fromhex("08c379a0"):
        try:
            (text,) = decode(["string"], revert_data[4:])
        except Exception:  # malformed: shown as data below
            text = None
        if text is not None:
            return str(text)[:120]
    return ("0x" + revert_data[:36].hex()) if revert_data else "no reason given"
