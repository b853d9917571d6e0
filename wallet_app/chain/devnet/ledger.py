"""The devnet's chain on disk: py-evm over the SQLite store, read access by block, and sending.

Why py-evm directly rather than eth-tester's `EthereumTester`/`PyEVMBackend`: the backend hard-wires
an in-memory database and its own chain id in `setup_tester_chain`, reports reverts from `call` as a
message string (the revert data that custom Solidity errors need is lost), finds transactions by
scanning every block backwards, treats the block being built as "pending" with a timestamp fixed when
the previous block was mined, and answers in its own snake_case format that would still need
converting to JSON-RPC. The pieces it would have supplied (decoding a raw transaction, mining it,
receipts, gas estimation) are each a call or two into py-evm, so the devnet uses py-evm as eth-tester
does, without the layer in between.

Not thread-safe: the `Devnet` serialises every call.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

from eth.abc import BlockAPI, BlockHeaderAPI, ReceiptAPI, SignedTransactionAPI, StateAPI
from eth.chains.base import MiningChain
from eth.constants import BLANK_ROOT_HASH
from eth.db.atomic import AtomicDB
from eth.exceptions import HeaderNotFound, TransactionNotFound
from eth.vm.chain_context import ChainContext
from eth_typing import Address, Hash32

from wallet_app.chain.devnet.admission import TransactionRejected, check_admission, decode_raw_transaction
from wallet_app.chain.devnet.evm import build_chain_class, create_genesis, mine_transaction, reset_pending
from wallet_app.chain.devnet.store import FORMAT_VERSION, SqliteStore
from wallet_app.errors import DevnetCorrupt

__all__ = ["Ledger", "TransactionRejected"]


class Ledger:
    def __init__(self, *, store: SqliteStore, chain: MiningChain, chain_id: int) -> None:
        self._store = store
        self._chain = chain
        self.chain_id = chain_id

    # -- files --

    @classmethod
    def create_file(cls, path: Path, *, chain_id: int, alloc: Mapping[Address, int],
                    code: Mapping[Address, bytes] | None = None) -> Ledger:
        """Write a new chain with its genesis block to `path` (which must not exist)."""
        store = SqliteStore.create_file(path, {"chain_id": str(chain_id)})
        try:
            chain = create_genesis(AtomicDB(store), build_chain_class(chain_id), alloc, timestamp=int(time.time()),
                                   code=code)
            store.commit()
        except BaseException:
            store.close()
            raise
        return cls(store=store, chain=chain, chain_id=chain_id)

    @classmethod
    def load_file(cls, path: Path) -> Ledger:
        """Open a stored chain at its head; DevnetCorrupt if it cannot be read or is inconsistent."""
        try:
            store = SqliteStore.open_file(path)
        except Exception as exc:
            raise _corrupt(path, exc) from exc
        try:
            store.check_integrity()
            chain_id = _read_chain_id(store)
            chain = build_chain_class(chain_id)(AtomicDB(store))
            _verify_head(chain, store)
        except Exception as exc:
            store.close()
            raise _corrupt(path, exc) from exc
        return cls(store=store, chain=chain, chain_id=chain_id)

    def close(self) -> None:
        self._store.close()

    # -- reading --

    @property
    def chain(self) -> MiningChain:
        return self._chain

    def head(self) -> BlockHeaderAPI:
        return self._chain.get_canonical_head()

    def header_by_number(self, number: int) -> BlockHeaderAPI | None:
        if number < 0:
            return None
        try:
            return self._chain.get_canonical_block_header_by_number(number)  # type: ignore[arg-type]
        except HeaderNotFound:
            return None

    def header_by_hash(self, block_hash: bytes) -> BlockHeaderAPI | None:
        """The header with this hash if it is on the canonical chain."""
        try:
            header = self._chain.get_block_header_by_hash(Hash32(block_hash))
        except HeaderNotFound:
            return None
        canonical = self.header_by_number(header.block_number)
        return header if canonical is not None and canonical.hash == header.hash else None

    def block(self, header: BlockHeaderAPI) -> BlockAPI:
        return self._chain.get_block_by_header(header)

    def receipts(self, block: BlockAPI) -> tuple[ReceiptAPI, ...]:
        return block.get_receipts(self._chain.chaindb)

    def find_transaction(self, tx_hash: bytes) -> tuple[BlockHeaderAPI, int] | None:
        """Where a canonical transaction lives: its block header and index."""
        try:
            number, index = self._chain.chaindb.get_transaction_index(Hash32(tx_hash))
        except TransactionNotFound:
            return None
        header = self.header_by_number(number)
        if header is None:
            return None
        transactions = self.block(header).transactions
        if index >= len(transactions) or transactions[index].hash != tx_hash:
            return None
        return header, index

    def state_at(self, header: BlockHeaderAPI) -> StateAPI:
        """The state after `header`'s block, for reads. Nothing written to it is ever persisted."""
        return self._chain.get_vm(header).state

    def free_state_at(self, header: BlockHeaderAPI) -> StateAPI:
        """Like `state_at`, with base fee and gas used zeroed, for calls that pay no gas."""
        vm = self._chain.get_vm(header)
        free_header = header.copy(base_fee_per_gas=0, gas_used=0)
        return vm.build_state(vm.chaindb.db, free_header, ChainContext(self.chain_id), vm.previous_hashes or ())

    @property
    def db(self) -> AtomicDB:
        return self._chain.chaindb.db  # type: ignore[return-value]

    # -- writing --

    def send_raw_transaction(self, raw: bytes) -> bytes:
        """Mine one raw transaction into its own block and commit it; returns its hash.

        A transaction already on the chain is refused as "nonce too low", as geth and anvil do, so that
        recovery code meets the same answer here as on a real node. Raises TransactionRejected (nothing is written).
        """
        head = self.head()
        transaction: SignedTransactionAPI = decode_raw_transaction(self._chain.get_vm(), raw)
        check_admission(transaction, self.state_at(head), head, self.chain_id)
        try:
            mine_transaction(self._chain, transaction)
            self._store.commit()
        except BaseException:
            self._store.discard()
            reset_pending(self._chain)
            raise
        return transaction.hash


def _read_chain_id(store: SqliteStore) -> int:
    meta = store.load_meta()
    if meta.get("format") != FORMAT_VERSION:
        raise ValueError(f"unknown format {meta.get('format')!r}")
    return int(meta["chain_id"])


def _verify_head(chain: MiningChain, store: SqliteStore) -> None:
    head = chain.get_canonical_head()
    if chain.get_canonical_block_hash(head.block_number) != head.hash:
        raise ValueError(f"head block {head.block_number} is not canonical")
    chain.get_block_by_header(head)  # the body (transactions, withdrawals) must be readable
    if head.state_root != BLANK_ROOT_HASH and head.state_root not in store:
        raise ValueError(f"state of head block {head.block_number} is missing")


def _corrupt(path: Path, exc: BaseException) -> DevnetCorrupt:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return DevnetCorrupt(
        f"The devnet state file {path} cannot be used ({reason[:120]}); it was left untouched.",
        detail=repr(exc)[:500],
    )
