"""A proof bundle of 100 holdings (a statement's worth), created and verified end to end, against a peer that does
the least the same proofs need, in the same run.

Setup (not timed): a private anvil node (`--no-mining`, blocks mined on demand), Multicall3, HOLDINGS HKDStablecoin
tokens each minted to one holder.

Custos: `create_bundle` for the holder's HOLDINGS token balances at one block (each token's standard detected, its
balance slot found and confirmed against `balanceOf`, `eth_getProof` per token, the block hash read again, the whole
bundle checked) and `verify_bundle` (header, every account and storage proof, every claim). The peer: with the slot
already known, one `eth_getProof` per token through web3.py and each storage and account proof checked with the
`trie` package's `HexaryTrie.get_from_proof`. Median of ROUNDS rounds.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import rlp
from eth_utils.crypto import keccak
from trie import HexaryTrie
from web3 import HTTPProvider, Web3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.anvil import deploy_many_tokens, start_anvil
from wallet_app.chain.web3_client import Web3ChainClient
from wallet_app.proofs.anchor import Anchors
from wallet_app.proofs.bundle import read_bundle
from wallet_app.proofs.create import Target, create_bundle
from wallet_app.proofs.slots import mapping_slot
from wallet_app.proofs.verify import verify_bundle

HOLDINGS = int(os.environ.get("BENCH_HOLDINGS", "100"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def median_seconds(work: object) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    node = start_anvil("--no-mining", "--chain-id", "177")
    try:
        made = deploy_many_tokens(node.url, HOLDINGS, 1)
        holder = made.holders[0]
        client = Web3ChainClient(provider=HTTPProvider(node.url), endpoint=node.url)
        block = client.fetch_block_number()
        targets = [Target(holder, token) for token in made.tokens]
        bundles = []

        def custos_create() -> None:
            bundles.append(create_bundle(client, 177, targets, block=block, op_stack=False,
                                         created_at=datetime.now(UTC)).bundle)

        def custos_verify() -> None:
            verdict = verify_bundle(read_bundle(bundles[-1]), Anchors())
            assert verdict.valid and len(verdict.claims) == HOLDINGS

        w3 = Web3(HTTPProvider(node.url))
        state_root = w3.eth.get_block(block)["stateRoot"]
        slot = mapping_slot(0, int(holder, 16))

        def peer() -> None:
            for token in made.tokens:
                proof = w3.eth.get_proof(token, [slot], block)
                account = HexaryTrie.get_from_proof(state_root, keccak(bytes.fromhex(token[2:])),
                                                    [rlp.decode(bytes(n)) for n in proof["accountProof"]])
                storage_root = rlp.decode(account)[2]
                item = proof["storageProof"][0]
                HexaryTrie.get_from_proof(storage_root, keccak(slot.to_bytes(32, "big")),
                                          [rlp.decode(bytes(n)) for n in item["proof"]])

        create, verify, raw = median_seconds(custos_create), median_seconds(custos_verify), median_seconds(peer)
        size = len(str(bundles[-1]))
        print(f"{HOLDINGS} holdings of one account at one block on anvil; bundle about {size / 1024:.0f} KiB")
        print(f"Custos create_bundle (detect, find and confirm slots, proofs, re-read hash, check): {create:7.3f} s")
        print(f"Custos verify_bundle (header, {HOLDINGS * 2} trie proofs, claims):                 {verify:7.3f} s")
        print(f"peer: eth_getProof per token with the slot known + trie.get_from_proof:       {raw:7.3f} s")
        print(f"ratio Custos create+verify / peer: {(create + verify) / raw:.2f}x")
    finally:
        node.stop()


if __name__ == "__main__":
    main()
