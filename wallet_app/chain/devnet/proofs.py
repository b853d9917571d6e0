"""EIP-1186 proofs (`eth_getProof`) read straight from the stored state tries.

The account proof walks the state trie at the block's state root under keccak(address); each storage
proof walks the account's storage trie under keccak(slot as 32 bytes). Proof elements are RLP-encoded
nodes, as geth and anvil return them: nodes shorter than 32 bytes live inside their parent and are
not listed separately. `HexaryTrie.get_from_proof(root, key, [rlp.decode(n) for n in proof])`
verifies them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import rlp
from eth.abc import DatabaseAPI
from eth.rlp.accounts import Account
from eth_typing import Address
from eth_utils.crypto import keccak
from trie.hexary import HexaryTrie


@dataclass(frozen=True, slots=True)
class StorageProof:
    slot: int
    value: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class AccountProof:
    address: Address
    nonce: int
    balance: int
    code_hash: bytes
    storage_hash: bytes
    account_proof: tuple[bytes, ...]
    storage_proofs: tuple[StorageProof, ...]


def build_account_proof(db: DatabaseAPI, state_root: bytes, address: Address, slots: Iterable[int]) -> AccountProof:
    state_trie = HexaryTrie(db, root_hash=state_root)
    account_key = keccak(address)
    encoded_account = state_trie.get(account_key)
    account = rlp.decode(encoded_account, sedes=Account) if encoded_account else Account()  # absent: empty
    storage_trie = HexaryTrie(db, root_hash=account.storage_root)
    storage_proofs = tuple(_storage_proof(storage_trie, slot) for slot in slots)
    return AccountProof(
        address=address,
        nonce=account.nonce,
        balance=account.balance,
        code_hash=account.code_hash,
        storage_hash=account.storage_root,
        account_proof=_proof(state_trie, account_key),
        storage_proofs=storage_proofs,
    )


def _storage_proof(storage_trie: HexaryTrie, slot: int) -> StorageProof:
    key = keccak(slot.to_bytes(32, "big"))
    encoded_value = storage_trie.get(key)
    value = rlp.decode(encoded_value, sedes=rlp.sedes.big_endian_int) if encoded_value else 0
    return StorageProof(slot=slot, value=value, proof=_proof(storage_trie, key))


def _proof(trie: HexaryTrie, key: bytes) -> tuple[bytes, ...]:
    nodes: Iterable[object] = trie.get_proof(key)  # type: ignore[no-untyped-call]
    encoded = [rlp.encode(node) for node in nodes]
    # The root is always referenced by hash; other short nodes are embedded in their parent.
    return tuple(node for index, node in enumerate(encoded) if index == 0 or len(node) >= 32)
