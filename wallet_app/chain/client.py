"""The `ChainClient` protocol: the few things Custos asks of an EVM node, in plain typed values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

BlockRef = int | Literal["latest", "pending", "earliest", "safe", "finalized"]


@dataclass(frozen=True, slots=True)
class BlockHeader:
    number: int
    hash: bytes
    timestamp: int
    state_root: bytes
    base_fee: int | None


@dataclass(frozen=True, slots=True)
class Call:
    target: str
    data: bytes
    allow_failure: bool = True


@dataclass(frozen=True, slots=True)
class CallResult:
    success: bool
    data: bytes


@dataclass(frozen=True, slots=True)
class LogEntry:
    address: str
    topics: tuple[bytes, ...]
    data: bytes
    block_number: int
    transaction_hash: bytes
    log_index: int


@dataclass(frozen=True, slots=True)
class StorageProof:
    key: int
    value: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class AccountProof:
    address: str
    balance: int
    nonce: int
    code_hash: bytes
    storage_hash: bytes
    account_proof: tuple[bytes, ...]
    storage_proofs: tuple[StorageProof, ...]


@dataclass(frozen=True, slots=True)
class FeeQuote:
    base_fee: int
    priority_fee: int


@dataclass(frozen=True, slots=True)
class Receipt:
    transaction_hash: bytes
    block_number: int
    status: int
    gas_used: int
    contract_address: str | None
    logs: tuple[LogEntry, ...]
    block_hash: bytes = b""  # the block it is in (a reorganisation changes it or removes the receipt)


@dataclass(frozen=True, slots=True)
class TransactionInfo:
    """A transaction as the node knows it: pending (block_number None) or mined."""

    hash: bytes
    sender: str
    nonce: int
    block_number: int | None
    recipient: str | None = None  # None: a contract creation
    value: int = 0  # wei sent with it


class ChainClient(Protocol):
    @property
    def endpoint(self) -> str:
        """Where the node is: 'in-process' or its URL (without credentials)."""
        ...

    def connect(self, expected_chain_id: int) -> int:
        """Check the node answers and is on the expected chain; returns the block height."""
        ...

    def fetch_chain_id(self) -> int: ...
    def fetch_block_number(self) -> int: ...
    def fetch_block(self, block: BlockRef = "latest") -> BlockHeader: ...
    def fetch_block_reply(self, block: BlockRef = "latest") -> dict[str, Any]:
        """The node's eth_getBlockByNumber result as it sent it (header fields only), for proofs to carry."""
        ...
    def fetch_balance(self, address: str, block: BlockRef = "latest") -> int: ...
    def fetch_code(self, address: str, block: BlockRef = "latest") -> bytes: ...
    def fetch_storage_at(self, address: str, slot: int, block: BlockRef = "latest") -> bytes: ...
    def fetch_transaction_count(self, address: str, block: BlockRef = "latest") -> int: ...
    def call(self, target: str, data: bytes, *, block: BlockRef | bytes = "latest",
             sender: str | None = None, value: int = 0) -> bytes:
        """eth_call; a revert raises `CallReverted` with the revert data. A 32-byte `block` is a block hash: the
        call runs on that block only (EIP-1898, requireCanonical). `value`: wei sent with the call."""
        ...

    def multicall(self, calls: list[Call], *, block: BlockRef = "latest") -> list[CallResult]: ...
    def fetch_logs(
        self, address: str | None, topics: list[bytes | None], from_block: int, to_block: BlockRef = "latest"
    ) -> list[LogEntry]:
        """eth_getLogs; `address` None asks every contract's logs (token discovery), so give topics then."""
        ...
    def fetch_proof(self, address: str, slots: list[int], block: BlockRef = "latest") -> AccountProof: ...
    def fetch_proof_reply(self, address: str, slots: list[int], block: BlockRef = "latest") -> dict[str, Any]:
        """The node's eth_getProof result as it sent it, unchecked: a proof bundle keeps the raw form."""
        ...
    def fetch_fees(self) -> FeeQuote: ...
    def estimate_gas(self, sender: str, target: str | None, data: bytes, value: int = 0) -> int: ...
    def send_raw_transaction(self, raw: bytes) -> bytes: ...
    def fetch_receipt(self, tx_hash: bytes) -> Receipt | None: ...
    def fetch_transaction(self, tx_hash: bytes) -> TransactionInfo | None:
        """eth_getTransactionByHash: None when the node does not know it (never sent, dropped, reorganised out)."""
        ...
    def wait_for_receipt(self, tx_hash: bytes, timeout: float = 30.0) -> Receipt: ...
