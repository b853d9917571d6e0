"""HoldingsService on a real anvil node: the demo tokens, 60 tokens x 40 accounts and 200 x 50 in few round trips."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
from eth_abi.abi import decode
from eth_account import Account as EthAccount
from web3 import HTTPProvider

from tests.integration.conftest import ANVIL_CHAIN_ID, ANVIL_KEY, rpc
from tests.support.anvil import deploy_many_tokens, start_anvil
from wallet_app.chain.artifacts import load_artifact
from wallet_app.chain.web3_client import Web3ChainClient
from wallet_app.demo.deployer import Deployer
from wallet_app.demo.institution import DemoPeople, seed_institution
from wallet_app.domain.abi import build_call
from wallet_app.holdings.batching import MAX_BODY_BYTES, MAX_CALLS
from wallet_app.holdings.feeds import FeedBook, FeedRule
from wallet_app.holdings.model import Standard
from wallet_app.holdings.reader import NativeCoin, ReadLimits
from wallet_app.holdings.registry import TokenEntry
from wallet_app.holdings.service import HoldingsService
from wallet_app.storage.labels import AddressLabel


class CountingProvider(HTTPProvider):
    """Counts JSON-RPC requests (each is one HTTP round trip) and the largest request body."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.methods: list[str] = []
        self.largest_body = 0

    def make_request(self, method: Any, params: Any) -> Any:
        self.methods.append(str(method))
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        self.largest_body = max(self.largest_body, len(body))
        return super().make_request(method, params)


@pytest.fixture(scope="module")
def node(anvil_url: str) -> Iterator[tuple[Web3ChainClient, CountingProvider]]:
    provider = CountingProvider(anvil_url)
    yield Web3ChainClient(provider=provider, endpoint=anvil_url), provider


def balance_of(client: Web3ChainClient, token: str, holder: str) -> int:
    (value,) = decode(["uint256"], client.call(token, build_call("balanceOf(address)", holder)))
    return int(value)


def build_service(client: Web3ChainClient, tokens: list[TokenEntry], labels: dict[str, AddressLabel],
                  limits: ReadLimits | None = None, feeds: FeedBook | None = None) -> HoldingsService:
    return HoldingsService(chain=client, chain_id=ANVIL_CHAIN_ID, load_vaults=list, load_keys=list,
                           load_labels=lambda: labels, load_tokens=lambda: tokens,
                           native=NativeCoin("ETH", "Ether", 18), limits=limits,
                           load_feeds=lambda: feeds or FeedBook())


def test_the_demo_institution_on_anvil(node: tuple[Web3ChainClient, CountingProvider], anvil_url: str) -> None:
    client, _provider = node
    keys = iter([ANVIL_KEY, *(bytes([i]) * 32 for i in range(1, 9))])
    people = DemoPeople.generate(lambda: next(keys))
    for address, amount in people.genesis_alloc().items():  # officers, issuer and the Multicall3 deployer
        rpc(anvil_url, "anvil_setBalance", [address, hex(amount)])
    demo = seed_institution(client, ANVIL_CHAIN_ID, people)
    tokens = [TokenEntry(t.address, Standard(t.standard), t.symbol, t.name, t.decimals, t.role) for t in demo.tokens]
    labels = {p.address: AddressLabel(p.address, p.label, "investor") for p in people.investors}
    labels.update({a: AddressLabel(a, label, "investor") for label, a in demo.vaults.items()})
    feeds = FeedBook(FeedRule(f.address, f.kind, f.currency, f.max_age_seconds, f.reports_now, f.label)
                     for f in demo.feeds)
    snapshot = build_service(client, tokens, labels, feeds=feeds).fetch_holdings()
    assert len(snapshot.accounts) == 6
    for token in tokens:
        for account in snapshot.accounts:
            rows = [h for h in snapshot.holdings if h.asset == token.address and h.account == account.address]
            if token.standard in (Standard.ERC20, Standard.ERC3643, Standard.ERC721):
                assert sum(h.balance for h in rows) == balance_of(client, token.address, account.address)
    deeds = sorted(h.token_id or 0 for h in snapshot.holdings if h.standard is Standard.ERC721)
    assert deeds == [1, 2]
    bond = {h.account: h for h in snapshot.holdings if h.standard is Standard.ERC3643}
    lion, endowment, pending = (people.investors[i].address for i in (1, 2, 3))
    assert (bond[lion].frozen, bond[lion].compliance.account_frozen) == (20, True)
    assert (bond[endowment].frozen, bond[endowment].free) == (10, 20)
    assert bond[pending].compliance.verified is False
    fund = next(h for h in snapshot.holdings if h.symbol == "HMMF" and h.account == endowment)
    assert fund.value_hkd == 425_994_500_000


def test_sixty_tokens_for_forty_accounts_in_few_round_trips(node: tuple[Web3ChainClient, CountingProvider]) -> None:
    client, provider = node
    deployer = Deployer(client, ANVIL_CHAIN_ID, ANVIL_KEY)
    artifact = load_artifact("HKDStablecoin")
    holders = [EthAccount.from_key(bytes([0x40 + i]) * 32).address for i in range(40)]
    tokens, expected = [], {}
    for i in range(60):
        address = deployer.deploy(artifact.bytecode, artifact.abi)
        tokens.append(TokenEntry(address, Standard.ERC20, f"T{i}", f"Token {i}", 6))
        for j in (i % 40, (i * 7 + 3) % 40):
            deployer.send(address, "mint(address,uint256)", holders[j], (i + 1) * 1000 + j)
            expected[(address, holders[j])] = expected.get((address, holders[j]), 0) + (i + 1) * 1000 + j
    labels = {h: AddressLabel(h, f"holder {n}", "investor") for n, h in enumerate(holders)}

    provider.methods.clear()
    snapshot = build_service(client, tokens, labels).fetch_holdings()
    balances = {(h.asset, h.account): h.balance for h in snapshot.holdings if h.standard is Standard.ERC20}
    assert balances == expected
    reads = 60 * 3 + 60 * 40 + 40  # symbol, name and decimals; token balances; native balances
    eth_calls = provider.methods.count("eth_call")
    assert eth_calls == math.ceil(reads / MAX_CALLS) == 1  # facts and balances need nothing first: one batch
    assert provider.methods.count("eth_getBlockByNumber") == 2 and len(provider.methods) == eth_calls + 2
    assert provider.largest_body < MAX_BODY_BYTES

    provider.methods.clear()
    split = build_service(client, tokens, labels, ReadLimits(max_calls=500)).fetch_holdings()
    assert provider.methods.count("eth_call") == math.ceil(reads / 500)
    assert {(h.asset, h.account): h.balance for h in split.holdings if h.standard is Standard.ERC20} == expected
    assert split.block_number == snapshot.block_number
    for (token, holder), amount in list(expected.items())[:10]:
        assert balance_of(client, token, holder) == amount


def test_two_hundred_tokens_for_fifty_accounts_at_most_one_round_trip_per_2000_balances() -> None:
    node = start_anvil("--chain-id", str(ANVIL_CHAIN_ID), "--gas-limit", "1000000000", "--no-mining")
    try:
        many = deploy_many_tokens(node.url, 200, 50)
        provider = CountingProvider(node.url)
        client = Web3ChainClient(provider=provider, endpoint=node.url)
        tokens = [TokenEntry(t, Standard.ERC20, f"T{i}", f"Token {i}", 6) for i, t in enumerate(many.tokens)]
        labels = {h: AddressLabel(h, f"holder {n}", "investor") for n, h in enumerate(many.holders)}

        snapshot = build_service(client, tokens, labels).fetch_holdings()

        balances = {(h.asset, h.account): h.balance for h in snapshot.holdings if h.standard is Standard.ERC20}
        assert balances == many.expected
        assert len([h for h in snapshot.holdings if h.standard is Standard.NATIVE]) == 50
        read = 200 * 50 + 50  # token balances and native balances
        assert len(provider.methods) == 5  # header, three aggregate3 batches, hash check
        assert read / len(provider.methods) >= 2000
        assert provider.largest_body < MAX_BODY_BYTES
        assert not snapshot.unreadable
    finally:
        node.stop()
