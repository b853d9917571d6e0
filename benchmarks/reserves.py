"""Proof of reserves: building the Merkle-sum tree of 100,000 investors' entitlements, and checking one inclusion.

Measured in one run, over the same 100,000 (investor_id, amount, salt) triples: (a) Custos `build_tree` (it checks the
entries, shuffles the leaves, hashes the leaves, then every node with both child sums); the peer is a plain keccak
Merkle tree without sums built in the most direct way with eth_utils.keccak: the same leaves (keccak of salt ‖
keccak(investor_id) ‖ amount), then keccak(left ‖ right) level by level (an odd level completed by 32 zero bytes).
A second peer line builds that plain tree with the keccak Custos uses (safe-pysha3 when installed), to tell the cost
of the sums from that of the hash function. (b) One inclusion: Custos `inclusion_json` then `verify_inclusion`
through JSON text, against folding a plain Merkle path with eth_utils.keccak. (c) Reading the 100,000-line
entitlements CSV, which has no peer. Times are the median of a few rounds; ratios are Custos / peer.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import TypeVar

from eth_utils.crypto import keccak

from wallet_app.proofs.entitlements import Entitlement, read_entitlements
from wallet_app.proofs.reserves_tree import build_tree, inclusion_json, keccak256, verify_inclusion

INVESTORS = int(os.environ.get("BENCH_INVESTORS", "100000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
VERIFIES = 200
T = TypeVar("T")


def median_seconds(work: Callable[[], T]) -> tuple[float, T]:
    """The median time of ROUNDS runs of `work`, and what the last run returned."""
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def leaf_preimages(hash_: Callable[[bytes], bytes], entries: list[Entitlement], salts: list[bytes]) -> list[bytes]:
    return [salt + hash_(e.investor_id.encode()) + e.amount.to_bytes(32, "big")
            for salt, e in zip(salts, entries, strict=True)]


def plain_merkle(hash_: Callable[[bytes], bytes], preimages: list[bytes]) -> list[list[bytes]]:
    """The most direct keccak Merkle tree: the levels, from the leaves to the root."""
    level = [hash_(preimage) for preimage in preimages]
    levels = [level]
    while len(level) > 1:
        if len(level) % 2:
            level.append(bytes(32))
        level = [hash_(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
        levels.append(level)
    return levels


def plain_verify(preimage: bytes, index: int, levels: list[list[bytes]]) -> bool:
    node = keccak(preimage)
    for level in levels[:-1]:
        sibling = level[index ^ 1]
        node = keccak(sibling + node) if index & 1 else keccak(node + sibling)
        index >>= 1
    return node == levels[-1][0]


def main() -> None:
    rng = random.Random(2026)
    entries = [Entitlement(f"investor-{i:06d}", rng.randrange(10**27)) for i in range(INVESTORS)]
    salts = [rng.randbytes(32) for _ in entries]
    preimages = leaf_preimages(keccak256, entries, salts)  # the same bytes as with eth_utils.keccak, sooner
    csv_text = "investor_id,amount\r\n" + "".join(f"{e.investor_id},{e.amount}\r\n" for e in entries)
    keccak(b"warm up")

    custos_build, tree = median_seconds(lambda: build_tree(entries, salts=salts))
    peer_build, levels = median_seconds(lambda: plain_merkle(keccak, leaf_preimages(keccak, entries, salts)))
    peer_fast_build, fast_levels = median_seconds(
        lambda: plain_merkle(keccak256, leaf_preimages(keccak256, entries, salts)))
    assert levels[-1] == fast_levels[-1]  # the same root, two keccak implementations
    assert tree.root.sum == sum(e.amount for e in entries)
    chosen = entries[rng.randrange(INVESTORS)]

    def custos_check() -> None:
        for _ in range(VERIFIES):
            document = json.loads(json.dumps(inclusion_json(tree, chosen.investor_id)))
            verify_inclusion(document, root_hash=tree.root.hash, root_sum=tree.root.sum, leaves=tree.size)

    position = entries.index(chosen)

    def peer_check() -> None:
        for _ in range(VERIFIES):
            assert plain_verify(preimages[position], position, levels)

    custos_verify = median_seconds(custos_check)[0] / VERIFIES
    peer_verify = median_seconds(peer_check)[0] / VERIFIES
    csv_read = median_seconds(lambda: read_entitlements(csv_text))[0]

    print(f"tree of {INVESTORS} investors, median of {ROUNDS} rounds:")
    print(f"  peer: plain keccak Merkle tree, eth_utils.keccak           {peer_build:7.3f} s")
    print(f"  peer: plain keccak Merkle tree, Custos's keccak            {peer_fast_build:7.3f} s")
    print(f"  Custos build_tree (Merkle-sum, checked, shuffled)          {custos_build:7.3f} s   "
          f"Custos/peer {custos_build / peer_build:5.2f} (eth_utils), "
          f"{custos_build / peer_fast_build:5.2f} (same hash)")
    print(f"one inclusion ({len(levels) - 1} steps), median of {ROUNDS} rounds of {VERIFIES}:")
    print(f"  peer: plain Merkle path folded with eth_utils.keccak       {peer_verify * 1e6:7.0f} µs")
    print(f"  Custos inclusion_json + JSON text + verify_inclusion       {custos_verify * 1e6:7.0f} µs   "
          f"Custos/peer {custos_verify / peer_verify:5.2f}")
    print(f"reading the entitlements CSV ({INVESTORS} lines), no peer:      {csv_read:7.3f} s")


if __name__ == "__main__":
    main()
