"""Trie proofs verified per second: Custos's `verify_proof` against the `trie` package's own
`HexaryTrie.get_from_proof`, on the same proofs, in the same run.

A state-like trie of ACCOUNTS random 32-byte keys (values the size of an RLP account) is built with `trie.HexaryTrie`;
PROOFS keys are drawn, half present and half absent, and their proofs taken as eth_getProof sends them (RLP-encoded
nodes, short nodes embedded). The peer is given what it needs: the nodes RLP-decoded beforehand, outside the timing
(the field notes' recipe), so it is measured at its fastest. Custos gets the encoded nodes, as a bundle carries them.
Rates are the median of ROUNDS rounds.
"""

from __future__ import annotations

import os
import random
import statistics
import time

import rlp
from eth_utils.crypto import keccak
from trie import HexaryTrie

from wallet_app.proofs.trie_proof import verify_proof

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "20000"))
PROOFS = int(os.environ.get("BENCH_PROOFS", "2000"))


def build() -> tuple[bytes, list[tuple[bytes, list[bytes], list[object]]]]:
    rng = random.Random(7)
    trie = HexaryTrie({})
    keys = [keccak(rng.randbytes(20)) for _ in range(ACCOUNTS)]
    for key in keys:
        trie.set(key, rng.randbytes(70))
    cases = []
    for index in range(PROOFS):
        key = keys[rng.randrange(ACCOUNTS)] if index % 2 else keccak(rng.randbytes(20))
        nodes = trie.get_proof(key)
        encoded = [rlp.encode(node) for node in nodes]
        encoded = [node for i, node in enumerate(encoded) if i == 0 or len(node) >= 32]
        cases.append((key, encoded, [rlp.decode(node) for node in encoded]))
    return trie.root_hash, cases


def rate(run: object, cases: list, root: bytes) -> float:
    rates = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        run(root, cases)  # type: ignore[operator]
        rates.append(len(cases) / (time.perf_counter() - start))
    return statistics.median(rates)


def custos(root: bytes, cases: list) -> None:
    for key, encoded, _ in cases:
        verify_proof(root, key, encoded)


def peer(root: bytes, cases: list) -> None:
    for key, _, decoded in cases:
        HexaryTrie.get_from_proof(root, key, decoded)


def main() -> None:
    root, cases = build()
    for key, encoded, decoded in cases[:50]:  # same answers before anything is timed
        assert verify_proof(root, key, encoded) == HexaryTrie.get_from_proof(root, key, decoded)
    depth = statistics.mean(len(c[1]) for c in cases)
    ours, theirs = rate(custos, cases, root), rate(peer, cases, root)
    print(f"trie of {ACCOUNTS:,} keys, {len(cases):,} proofs (half exclusion), {depth:.1f} nodes on average")
    print(f"Custos verify_proof (from encoded nodes):         {ours:10,.0f} proofs/s")
    print(f"trie HexaryTrie.get_from_proof (nodes pre-decoded): {theirs:10,.0f} proofs/s")
    print(f"ratio Custos/trie: {ours / theirs:.2f}x (target >= 1.0x)")


if __name__ == "__main__":
    main()
