"""Trie proofs verified per second: Custos's `verify_proof` against the `trie` package's own
`HexaryTrie.get_from_proof`, on the same proofs, in the same run.

A state trie of ACCOUNTS accounts (real account RLP: nonce, balance, storage root, code hash, under keccak(address))
and a storage trie of SLOTS slots (RLP integers under keccak(slot)) are built with `trie.HexaryTrie`. PROOFS account
proofs and PROOFS storage proofs are taken, half for keys present and half for keys absent (exclusion proofs), as
eth_getProof sends them (RLP-encoded nodes, nodes under 32 bytes embedded in their parent). The peer is given what it
needs: the nodes RLP-decoded beforehand, outside the timing (the field notes' recipe), so it is measured at its
fastest; its rate with the decoding timed too is printed beside it. Custos gets the encoded nodes, as a bundle carries
them. Rates are the median of ROUNDS rounds over all the proofs.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable

import rlp
from eth_utils.crypto import keccak
from trie.hexary import HexaryTrie

from wallet_app.proofs.trie_proof import verify_proof

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "20000"))
SLOTS = int(os.environ.get("BENCH_SLOTS", "5000"))
PROOFS = int(os.environ.get("BENCH_PROOFS", "1500"))  # of each kind

Case = tuple[bytes, bytes, list[bytes], list[object]]  # root, key, encoded nodes, decoded nodes


def build_trie(entries: list[tuple[bytes, bytes]]) -> HexaryTrie:
    trie = HexaryTrie({})
    for key, value in sorted(entries):  # key order builds the same trie, faster
        trie[key] = value
    return trie


def cases_for(trie: HexaryTrie, present: list[bytes], rng: random.Random) -> list[Case]:
    cases = []
    for index in range(PROOFS):
        key = present[rng.randrange(len(present))] if index % 2 else keccak(rng.randbytes(32))
        encoded = [rlp.encode(node) for node in trie.get_proof(key)]  # type: ignore[no-untyped-call]
        encoded = [node for i, node in enumerate(encoded) if i == 0 or len(node) >= 32]
        cases.append((trie.root_hash, key, encoded, [rlp.decode(node) for node in encoded]))
    return cases


def build() -> list[Case]:
    rng = random.Random(7)
    storage = build_trie([(keccak(slot.to_bytes(32, "big")), rlp.encode(rng.randrange(1, 2**rng.choice([8, 64, 256]))))
                          for slot in range(SLOTS)])
    accounts = []
    for _ in range(ACCOUNTS):
        code_hash = keccak(b"") if rng.random() < 0.8 else keccak(rng.randbytes(8))
        storage_root = storage.root_hash if rng.random() < 0.1 else keccak(rng.randbytes(8))
        account = [rng.randrange(1000), rng.randrange(10**24), storage_root, code_hash]
        accounts.append((keccak(rng.randbytes(20)), rlp.encode(account)))
    state = build_trie(accounts)
    return (cases_for(state, [key for key, _ in accounts], rng)
            + cases_for(storage, [keccak(slot.to_bytes(32, "big")) for slot in range(SLOTS)], rng))


def rate(verify: Callable[[list[Case]], None], cases: list[Case]) -> float:
    rates = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        verify(cases)
        rates.append(len(cases) / (time.perf_counter() - start))
    return statistics.median(rates)


def custos(cases: list[Case]) -> None:
    for root, key, encoded, _ in cases:
        verify_proof(root, key, encoded)


def peer(cases: list[Case]) -> None:
    for root, key, _, decoded in cases:
        HexaryTrie.get_from_proof(root, key, decoded)  # type: ignore[no-untyped-call]


def peer_decoding(cases: list[Case]) -> None:
    for root, key, encoded, _ in cases:
        HexaryTrie.get_from_proof(root, key, [rlp.decode(node) for node in encoded])  # type: ignore[no-untyped-call]


def main() -> None:
    cases = build()
    for root, key, encoded, decoded in cases:  # the same answers before anything is timed
        assert verify_proof(root, key, encoded) == HexaryTrie.get_from_proof(root, key, decoded)  # type: ignore[no-untyped-call]
    depth = statistics.mean(len(case[2]) for case in cases)
    ours, theirs, theirs_decoding = rate(custos, cases), rate(peer, cases), rate(peer_decoding, cases)
    print(f"state trie of {ACCOUNTS:,} accounts, storage trie of {SLOTS:,} slots; {PROOFS:,} proofs in each, half "
          f"exclusion; {depth:.1f} nodes per proof on average; median of {ROUNDS} rounds")
    print(f"  Custos verify_proof (from encoded nodes)              {ours:9,.0f} proofs/s")
    print(f"  trie HexaryTrie.get_from_proof (nodes pre-decoded)    {theirs:9,.0f} proofs/s")
    print(f"  trie HexaryTrie.get_from_proof (rlp.decode timed too) {theirs_decoding:9,.0f} proofs/s")
    print(f"ratio Custos/trie: {ours / theirs:.2f}x (target >= 1.0x)")


if __name__ == "__main__":
    main()
