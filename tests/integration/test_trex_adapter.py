"""Custos's ERC-3643 adapter against the real T-REX reference contracts (npm `@tokenysolutions/t-rex`) on anvil.

Every fact the holdings table shows for a permissioned token is compared with what the reference token itself
answers, read directly with the package's ABI at the same block: balance, frozen units (the whole balance when the
address is frozen), free units, holder verification in the token's identity registry, the pause, and the token's
symbol, name and decimals.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from web3 import HTTPProvider
from web3.contract import Contract

from tests.integration.conftest import ANVIL_CHAIN_ID
from tests.integration.trex import (
    ADDRESS_FROZEN,
    MINTED,
    PARTIALLY_FROZEN,
    SENT_BY_DEREGISTERED,
    TOKEN_DECIMALS,
    TOKEN_NAME,
    TOKEN_SYMBOL,
    TrexNotInstalled,
    TrexSuite,
    deploy_trex_suite,
)
from wallet_app.chain.web3_client import Web3ChainClient
from wallet_app.holdings.model import Holding, HoldingsSnapshot, Standard
from wallet_app.holdings.reader import NativeCoin
from wallet_app.holdings.registry import TokenEntry
from wallet_app.holdings.service import HoldingsService
from wallet_app.storage.labels import AddressLabel

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def trex(anvil_url: str) -> Iterator[TrexSuite]:
    try:
        suite = deploy_trex_suite(anvil_url)
    except TrexNotInstalled as exc:
        pytest.fail(str(exc))
    yield suite


def build_service(url: str, entry: TokenEntry, holders: dict[str, str]) -> HoldingsService:
    labels = {address: AddressLabel(address, role, "investor") for role, address in holders.items()}
    client = Web3ChainClient(provider=HTTPProvider(url), endpoint=url)
    return HoldingsService(chain=client, chain_id=ANVIL_CHAIN_ID, load_vaults=list, load_keys=list,
                           load_labels=lambda: labels, load_tokens=lambda: [entry],
                           native=NativeCoin("ETH", "Ether", 18))


@dataclass(frozen=True)
class Direct:
    """One holder's facts as the reference token and its identity registry answer them."""

    balance: int
    address_frozen: bool
    frozen_tokens: int
    verified: bool


def read_direct(suite: TrexSuite, holder: str, block: int) -> Direct:
    token = suite.token.functions
    registry_address = token.identityRegistry().call(block_identifier=block)
    registry: Contract = suite.w3.eth.contract(address=registry_address, abi=suite.identity_registry.abi)
    return Direct(
        balance=token.balanceOf(holder).call(block_identifier=block),
        address_frozen=token.isFrozen(holder).call(block_identifier=block),
        frozen_tokens=token.getFrozenTokens(holder).call(block_identifier=block),
        verified=registry.functions.isVerified(holder).call(block_identifier=block),
    )


def token_rows(snapshot: HoldingsSnapshot, token: str) -> dict[str, Holding]:
    rows = [h for h in snapshot.holdings if h.asset == token]
    by_account = {h.account: h for h in rows}
    assert len(by_account) == len(rows), "one row per holder of a fungible token"
    return by_account


# The token's row in the profile's registry. Symbol and name shown are always the token's own; decimals are read from
# the token for an unreviewed entry (here deliberately wrong) and taken from a reviewed one (here the token's).
ENTRIES = {
    "unreviewed": dict(symbol="?", name="?", decimals=18, verified=False),  # decimals read from the token
    "reviewed": dict(symbol="TYPED", name="Typed by an officer", decimals=TOKEN_DECIMALS, verified=True),
}


# The suite's states: the block to read at, and whether the token is paused there.
STATES = {"unpaused": ("unpaused_block", False), "paused": ("paused_block", True),
          "claim-required": ("claim_required_block", True)}


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("entry_kind", list(ENTRIES))
def test_every_holder_matches_the_reference_token(trex: TrexSuite, anvil_url: str, state: str,
                                                  entry_kind: str) -> None:
    block_field, paused = STATES[state]
    block = int(getattr(trex, block_field))
    fields = ENTRIES[entry_kind]
    entry = TokenEntry(trex.token.address, Standard.ERC3643, str(fields["symbol"]), str(fields["name"]),
                       int(fields["decimals"]), verified=bool(fields["verified"]))
    snapshot = build_service(anvil_url, entry, trex.holders).fetch_holdings(block=block)
    assert snapshot.block_number == block
    assert snapshot.unreadable == ()
    token = trex.token.functions
    assert token.paused().call(block_identifier=block) is paused
    rows = token_rows(snapshot, trex.token.address)
    assert set(rows) == set(trex.holders.values())  # investors get a row even with nothing in it

    for role, holder in trex.holders.items():
        row, direct = rows[holder], read_direct(trex, holder, block)
        assert row.standard is Standard.ERC3643, role
        assert row.balance == direct.balance, role
        assert row.compliance.account_frozen is direct.address_frozen, role
        assert row.frozen == (direct.balance if direct.address_frozen else direct.frozen_tokens), role
        assert row.free == row.balance - row.frozen, role
        assert row.compliance.verified is direct.verified, role
        assert row.compliance.paused is paused, role
        assert any("paused" in note for note in row.compliance.notes) is paused, role
        assert (row.symbol, row.name) == (token.symbol().call(), token.name().call()) == (TOKEN_SYMBOL, TOKEN_NAME)
        assert row.decimals == token.decimals().call() == TOKEN_DECIMALS, role


def test_the_suite_holds_every_case_the_adapter_must_tell_apart(trex: TrexSuite) -> None:
    """Guards the comparison above against a suite that lost its interesting cases (all zero, all verified)."""
    block = trex.unpaused_block
    direct = {role: read_direct(trex, holder, block) for role, holder in trex.holders.items()}
    sent = {"plain": SENT_BY_DEREGISTERED, "deregistered": -SENT_BY_DEREGISTERED}
    assert {r: d.balance for r, d in direct.items()} == {r: MINTED[r] + sent.get(r, 0) for r in MINTED}
    assert {r: d.frozen_tokens for r, d in direct.items()} == {r: PARTIALLY_FROZEN.get(r, 0) for r in MINTED}
    assert {r for r, d in direct.items() if d.address_frozen} == set(ADDRESS_FROZEN)
    assert {r for r, d in direct.items() if not d.verified} == {"deregistered", "unregistered"}
    assert trex.token.functions.paused().call(block_identifier=block) is False
    assert trex.token.functions.paused().call(block_identifier=trex.paused_block) is True
    required = {role: read_direct(trex, holder, trex.claim_required_block) for role, holder in trex.holders.items()}
    assert not any(d.verified for d in required.values())  # a registered identity without the claim is not enough


def test_the_reference_figures_as_a_person_reads_them(trex: TrexSuite, anvil_url: str) -> None:
    entry = TokenEntry(trex.token.address, Standard.ERC3643, TOKEN_SYMBOL, TOKEN_NAME, TOKEN_DECIMALS)
    rows = token_rows(build_service(anvil_url, entry, trex.holders).fetch_holdings(block=trex.unpaused_block),
                      trex.token.address)
    by_role = {role: rows[address] for role, address in trex.holders.items()}
    unit = 10**TOKEN_DECIMALS
    figures = {role: (h.balance // unit, h.frozen // unit, h.free // unit, h.compliance.account_frozen,
                      h.compliance.verified) for role, h in by_role.items()}
    assert figures == {
        "plain": (1_050, 0, 1_050, False, True),
        "frozen": (500, 500, 0, True, True),  # the address freeze covers the whole balance, partial freeze or not
        "partial": (800, 300, 500, False, True),
        "deregistered": (150, 0, 150, False, False),
        "unregistered": (0, 0, 0, False, False),
    }


def test_an_unverified_holder_is_not_told_it_cannot_send(trex: TrexSuite, anvil_url: str) -> None:
    """T-REX checks the receiver's verification only: the deregistered holder sent units after its identity was
    deleted (the suite's last transfer), so the holdings table must not say it cannot transfer."""
    entry = TokenEntry(trex.token.address, Standard.ERC3643, TOKEN_SYMBOL, TOKEN_NAME, TOKEN_DECIMALS)
    rows = token_rows(build_service(anvil_url, entry, trex.holders).fetch_holdings(block=trex.unpaused_block),
                      trex.token.address)
    row = rows[trex.holders["deregistered"]]
    assert row.compliance.verified is False
    notes = " ".join(row.compliance.notes)
    assert "not verified" in notes and "cannot receive" in notes
    assert "transfer" not in notes
