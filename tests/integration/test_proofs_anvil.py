"""Ownership proofs on a real anvil node, for the real T-REX reference token (npm `@tokenysolutions/t-rex`): Custos
finds the T-REX 4 storage layout itself, proves balances and frozen amounts, and the proofs check with Custos and with
the `trie` package independently. Also the native coin, and a plain address with nothing (an exclusion proof).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import rlp
from eth_utils.crypto import keccak
from trie import HexaryTrie
from web3 import HTTPProvider

from tests.integration.conftest import ANVIL_CHAIN_ID
from tests.integration.trex import PARTIALLY_FROZEN, TrexNotInstalled, TrexSuite, deploy_trex_suite
from wallet_app.chain.web3_client import Web3ChainClient
from wallet_app.domain.addresses import to_checksum
from wallet_app.proofs.anchor import Anchors
from wallet_app.proofs.bundle import read_bundle
from wallet_app.proofs.create import Target, create_bundle
from wallet_app.proofs.verify import verify_bundle

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def trex(anvil_url: str) -> Iterator[TrexSuite]:
    try:
        yield deploy_trex_suite(anvil_url)
    except TrexNotInstalled as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def client(anvil_url: str) -> Web3ChainClient:
    return Web3ChainClient(provider=HTTPProvider(anvil_url), endpoint=anvil_url)


def trie_package_values(bundle: dict) -> dict[tuple[str, int | None], int]:
    """Every proven value, read with the `trie` package alone: (address, None) the balance, (address, slot) a slot."""
    header = rlp.decode(bytes.fromhex(bundle["block"]["header_rlp"][2:]))
    state_root = header[3]
    values: dict[tuple[str, int | None], int] = {}
    for proof in bundle["proofs"]:
        nodes = [rlp.decode(bytes.fromhex(n[2:])) for n in proof["accountProof"]]
        account = HexaryTrie.get_from_proof(state_root, keccak(bytes.fromhex(proof["address"][2:])), nodes)
        _, balance, storage_root, _ = rlp.decode(account) if account else (b"", b"", keccak(b"\x80"), b"")
        address = to_checksum(proof["address"])  # anvil writes addresses in lower case
        values[(address, None)] = int.from_bytes(balance, "big")
        for item in proof["storageProof"]:
            slot = int(item["key"], 16)
            stored = HexaryTrie.get_from_proof(storage_root, keccak(slot.to_bytes(32, "big")),
                                               [rlp.decode(bytes.fromhex(n[2:])) for n in item["proof"]])
            values[(address, slot)] = rlp.decode(stored, sedes=rlp.sedes.big_endian_int) if stored else 0
    return values


def test_trex_balance_and_frozen_amount_are_proven_in_the_trex_4_layout(trex: TrexSuite,
                                                                      client: Web3ChainClient) -> None:
    holder = trex.holders["partial"]
    token = trex.token.address
    created = create_bundle(client, ANVIL_CHAIN_ID, [Target(holder, token)], block=trex.unpaused_block,
                            op_stack=False, created_at=datetime.now(UTC))
    balance = trex.token.functions.balanceOf(holder).call(block_identifier=trex.unpaused_block)
    frozen = trex.token.functions.getFrozenTokens(holder).call(block_identifier=trex.unpaused_block)
    assert frozen == PARTIALLY_FROZEN["partial"]
    claims = {c["kind"]: c for c in created.bundle["claims"]}
    assert claims["token-balance"]["balance"] == str(balance)
    assert claims["token-balance"]["slot"]["layout"].startswith("T-REX 4 TokenStorage _balances")
    assert claims["frozen-amount"]["frozen"] == str(frozen)
    assert claims["frozen-amount"]["slot"]["layout"].startswith("T-REX 4 TokenStorage _frozenTokens")

    verdict = verify_bundle(read_bundle(created.bundle), Anchors())
    assert verdict.valid and verdict.provisional
    independent = trie_package_values(created.bundle)
    assert independent[(token, int(claims["token-balance"]["slot"]["slot"], 16))] == balance
    assert independent[(token, int(claims["frozen-amount"]["slot"]["slot"], 16))] == frozen


def test_native_balance_and_an_empty_account_on_anvil(client: Web3ChainClient, trex: TrexSuite) -> None:
    empty = "0x000000000000000000000000000000000000dEaD"
    created = create_bundle(client, ANVIL_CHAIN_ID, [Target(trex.agent), Target(empty)], block=None,
                            op_stack=True, created_at=datetime.now(UTC))
    number = created.header.number
    independent = trie_package_values(created.bundle)
    for claim in created.bundle["claims"]:
        expected = client.fetch_balance(claim["account"], number)
        assert claim["balance"] == str(expected)
        assert independent[(claim["account"], None)] == expected
    verdict = verify_bundle(read_bundle(created.bundle), Anchors(endpoints=[client]))
    assert verdict.valid, verdict.lines()
    assert verdict.provisional  # one endpoint is never enough (L2)
