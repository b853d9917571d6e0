"""The py-evm chain behind the devnet: its rules, its genesis and how one transaction becomes a block.

Rules: py-evm's Prague VM from genesis (the newest fork py-evm 0.12 implements, and eth-tester's
default, so it runs Shanghai/Cancun bytecode), post-merge with no proof of work, London base fee,
and a constant 30,000,000 gas limit. Each block's timestamp is the wall clock, but always at least
one second after its parent's, so timestamps strictly increase even when blocks come faster than one
per second or the clock steps back (they may then run ahead of the clock for a while).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, cast

from eth.abc import BlockAPI, BlockHeaderAPI, ComputationAPI, ReceiptAPI, SignedTransactionAPI
from eth.chains.base import MiningChain
from eth.consensus.applier import ConsensusApplier
from eth.consensus.noproof import NoProofConsensus
from eth.constants import POST_MERGE_DIFFICULTY, POST_MERGE_MIX_HASH, POST_MERGE_NONCE
from eth.db.atomic import AtomicDB
from eth.typing import AccountDetails
from eth.vm.forks.prague import PragueVM
from eth_typing import Address
from eth_utils.crypto import keccak

GAS_LIMIT = 30_000_000
COINBASE = Address(b"\x00" * 20)
EXTRA_DATA = b"custos devnet"


def build_chain_class(chain_id: int) -> type[MiningChain]:
    """A MiningChain subclass with our rules; py-evm reads `chain_id` from the class."""
    vm_configuration = ConsensusApplier(NoProofConsensus).amend_vm_configuration(((0, PragueVM),))

    class DevnetChain(MiningChain):
        def create_header_from_parent(self, parent_header: BlockHeaderAPI, **header_params: Any) -> BlockHeaderAPI:
            header_params.setdefault("gas_limit", parent_header.gas_limit)  # keep it constant
            return super().create_header_from_parent(parent_header, **header_params)

    DevnetChain.chain_id = chain_id
    DevnetChain.vm_configuration = vm_configuration
    return DevnetChain


def create_genesis(
    db: AtomicDB, chain_class: type[MiningChain], alloc: Mapping[Address, int], *, timestamp: int,
    code: Mapping[Address, bytes] | None = None,
) -> MiningChain:
    params: dict[str, Any] = {
        "coinbase": COINBASE,
        "difficulty": POST_MERGE_DIFFICULTY,
        "extra_data": EXTRA_DATA,
        "gas_limit": GAS_LIMIT,
        "mix_hash": POST_MERGE_MIX_HASH,
        "nonce": POST_MERGE_NONCE,
        "timestamp": timestamp,
    }
    state = {
        address: AccountDetails(balance=balance, nonce=0, code=b"", storage={}) for address, balance in alloc.items()
    }
    for address, runtime in (code or {}).items():  # predeployed contracts (EIP-161: a contract's nonce starts at 1)
        state[address] = AccountDetails(balance=alloc.get(address, 0), nonce=1, code=runtime, storage={})
    return cast(MiningChain, chain_class.from_genesis(db, params, state))


def next_timestamp(parent: BlockHeaderAPI, now: float | None = None) -> int:
    wall = int(time.time() if now is None else now)
    return max(wall, parent.timestamp + 1)


def mine_transaction(
    chain: MiningChain, transaction: SignedTransactionAPI, *, now: float | None = None
) -> tuple[BlockAPI, ReceiptAPI, ComputationAPI]:
    """Put one transaction into a new block on top of the canonical head and persist it.

    The caller owns durability: the writes land in the chain's database and must be committed (or
    discarded, and `reset_pending` called, if this raises).
    """
    head = chain.get_canonical_head()
    chain.header = chain.create_header_from_parent(head, timestamp=next_timestamp(head, now))
    _, receipt, computation = chain.apply_transaction(transaction)
    # prevrandao: derived from the parent so that replaying the same transactions is reproducible
    block = chain.mine_block(mix_hash=keccak(b"custos-devnet-prevrandao" + head.hash))
    return block, receipt, computation


def reset_pending(chain: MiningChain) -> None:
    """Point the chain's pending header back at the stored canonical head."""
    chain.header = chain.create_header_from_parent(chain.get_canonical_head())
