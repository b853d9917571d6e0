"""Behaviour of the demo institution's contracts on an in-memory chain (eth-tester / py-evm).

Deploys the committed artifacts (``load_artifact``) and checks what the demo and its users rely on.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_tester.exceptions import TransactionFailed
from eth_utils.crypto import keccak
from web3 import EthereumTesterProvider, Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError

from wallet_app.chain.artifacts import load_artifact

HONG_KONG = 344
SANCTIONED = 408  # any country code the test blocks
MATURITY = 1_924_992_000  # 2031-01-01T00:00:00Z
FACE_VALUE = 10_000 * 10**6  # 10,000 HKD in stablecoin base units


@dataclass
class Demo:
    w3: Web3
    owner: str
    alice: str
    bob: str
    carol: str
    stranger: str
    hkd: Contract
    nav: Contract
    mmf: Contract
    registry: Contract
    compliance: Contract
    bond: Contract
    deed: Contract
    shares: Contract


def _deploy(w3: Web3, name: str, *args: Any) -> Contract:
    artifact = load_artifact(name)
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx = factory.constructor(*args).transact()
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    assert receipt["status"] == 1, name
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)


def _send(call: Any, sender: str) -> None:
    receipt = call.w3.eth.wait_for_transaction_receipt(call.transact({"from": sender}))
    assert receipt["status"] == 1


def _error_selector(contract: Contract, name: str) -> bytes:
    for entry in contract.abi:
        if entry.get("type") == "error" and entry.get("name") == name:
            types = ",".join(arg["type"] for arg in entry.get("inputs", []))
            return keccak(text=f"{name}({types})")[:4]
    raise AssertionError(f"{name} is not an error of this contract")


def _revert_data(exc: BaseException) -> bytes:
    """Raw revert data, from web3's ContractCustomError or from eth-tester's TransactionFailed.

    Through EthereumTesterProvider (web3 8, eth-tester 0.14) a custom error surfaces as
    ``TransactionFailed("execution reverted: b'...'")`` with the bytes' repr in the message.
    """
    if isinstance(exc, ContractCustomError) and isinstance(exc.data, str):
        return bytes.fromhex(exc.data.removeprefix("0x"))
    message = str(exc.args[0]) if exc.args else ""
    prefix = "execution reverted: "
    if message.startswith(prefix):
        value = ast.literal_eval(message[len(prefix) :])
        if isinstance(value, bytes):
            return value
    raise AssertionError(f"no revert data in {exc!r}")


def _expect_error(contract: Contract, name: str, action: Callable[[], object]) -> None:
    with pytest.raises((ContractCustomError, TransactionFailed)) as info:
        action()
    raw = _revert_data(info.value)
    assert raw[:4] == _error_selector(contract, name), f"expected {name}, got {raw.hex()}"


@pytest.fixture(scope="module")
def _chain() -> Demo:
    w3 = Web3(EthereumTesterProvider())
    owner, alice, bob, carol, stranger = w3.eth.accounts[:5]
    w3.eth.default_account = owner

    hkd = _deploy(w3, "HKDStablecoin")
    nav = _deploy(w3, "NavFeed", 8, "HMMF / HKD NAV", 100_000_000)
    mmf = _deploy(w3, "MoneyMarketFund", nav.address)
    registry = _deploy(w3, "IdentityRegistry")
    compliance = _deploy(w3, "SimpleCompliance", registry.address)
    bond = _deploy(
        w3,
        "GreenBond",
        "Harbour Green Bond 2031",
        "HGB31",
        registry.address,
        compliance.address,
        425,
        MATURITY,
        FACE_VALUE,
    )
    deed = _deploy(w3, "PropertyDeed")
    shares = _deploy(w3, "FundShareClasses", "https://demo.invalid/shares/{id}.json")

    _send(compliance.functions.bindToken(bond.address), owner)
    _send(registry.functions.addAgent(owner), owner)
    _send(bond.functions.addAgent(owner), owner)
    for investor in (alice, bob):
        _send(registry.functions.registerIdentity(investor, HONG_KONG), owner)
    _send(bond.functions.mint(alice, 100), owner)
    return Demo(
        w3, owner, alice, bob, carol, stranger, hkd, nav, mmf, registry, compliance, bond, deed, shares
    )


@pytest.fixture
def demo(_chain: Demo) -> Iterator[Demo]:
    tester = _chain.w3.provider.ethereum_tester  # type: ignore[attr-defined]
    snapshot = tester.take_snapshot()
    yield _chain
    tester.revert_to_snapshot(snapshot)


def test_deployed_code_matches_artifacts(demo: Demo) -> None:
    for name, contract in [
        ("HKDStablecoin", demo.hkd),
        ("GreenBond", demo.bond),
        ("PropertyDeed", demo.deed),
    ]:
        code = bytes(demo.w3.eth.get_code(contract.address))
        expected = load_artifact(name).deployed_bytecode
        if name == "GreenBond":
            # immutables (bond terms) are written into the runtime code at deployment
            assert len(code) == len(expected)
        else:
            assert code == expected


def test_stablecoin_decimals_and_mint(demo: Demo) -> None:
    hkd = demo.hkd.functions
    assert hkd.decimals().call() == 6
    assert (hkd.name().call(), hkd.symbol().call()) == ("Harbour HKD", "HKDH")
    _send(hkd.mint(demo.alice, 2_500 * 10**6), demo.owner)
    assert hkd.balanceOf(demo.alice).call() == 2_500 * 10**6
    assert hkd.totalSupply().call() == 2_500 * 10**6
    _send(hkd.burn(demo.alice, 500 * 10**6), demo.owner)
    assert hkd.balanceOf(demo.alice).call() == 2_000 * 10**6
    _expect_error(
        demo.hkd, "OwnableUnauthorizedAccount", lambda: hkd.mint(demo.bob, 1).transact({"from": demo.bob})
    )


def test_nav_feed_rounds(demo: Demo) -> None:
    nav = demo.nav.functions
    assert nav.decimals().call() == 8
    assert nav.description().call() == "HMMF / HKD NAV"
    first = nav.latestRoundData().call()
    assert first[0] == 1 and first[1] == 100_000_000 and first[4] == 1
    _send(nav.updateAnswer(100_012_345), demo.owner)
    round_id, answer, started_at, updated_at, answered_in = nav.latestRoundData().call()
    latest_block = demo.w3.eth.get_block("latest")
    assert (round_id, answer, answered_in) == (2, 100_012_345, 2)
    assert updated_at == started_at == latest_block["timestamp"]
    assert nav.getRoundData(1).call()[1] == 100_000_000
    _expect_error(demo.nav, "RoundNotFound", lambda: nav.getRoundData(3).call())
    _expect_error(
        demo.nav, "OwnableUnauthorizedAccount", lambda: nav.updateAnswer(1).transact({"from": demo.bob})
    )


def test_money_market_fund(demo: Demo) -> None:
    mmf = demo.mmf.functions
    assert mmf.decimals().call() == 6
    assert mmf.symbol().call() == "HMMF"
    assert mmf.navFeed().call() == demo.nav.address
    _send(mmf.mint(demo.bob, 1_000 * 10**6), demo.owner)
    assert mmf.balanceOf(demo.bob).call() == 1_000 * 10**6


def test_identity_registry(demo: Demo) -> None:
    reg = demo.registry.functions
    assert reg.isVerified(demo.alice).call() is True
    assert reg.investorCountry(demo.alice).call() == HONG_KONG
    assert reg.isVerified(demo.carol).call() is False
    _expect_error(
        demo.registry,
        "CallerNotAgent",
        lambda: reg.registerIdentity(demo.carol, HONG_KONG).transact({"from": demo.stranger}),
    )
    _send(reg.deleteIdentity(demo.bob), demo.owner)
    assert reg.isVerified(demo.bob).call() is False


def test_bond_terms(demo: Demo) -> None:
    bond = demo.bond.functions
    assert bond.decimals().call() == 0
    assert bond.couponRateBps().call() == 425
    assert bond.maturityDate().call() == MATURITY
    assert bond.faceValue().call() == FACE_VALUE
    assert bond.currency().call() == "HKD"
    assert bond.identityRegistry().call() == demo.registry.address
    assert bond.compliance().call() == demo.compliance.address
    assert bond.balanceOf(demo.alice).call() == 100


def test_bond_mint_to_unverified_reverts(demo: Demo) -> None:
    _expect_error(
        demo.bond, "ReceiverNotVerified", lambda: demo.bond.functions.mint(demo.carol, 1).transact()
    )
    _expect_error(
        demo.bond,
        "CallerNotAgent",
        lambda: demo.bond.functions.mint(demo.bob, 1).transact({"from": demo.bob}),
    )


def test_bond_transfer_between_verified_investors(demo: Demo) -> None:
    _send(demo.bond.functions.transfer(demo.bob, 10), demo.alice)
    assert demo.bond.functions.balanceOf(demo.bob).call() == 10


def test_bond_transfer_to_unverified_reverts(demo: Demo) -> None:
    bond = demo.bond.functions
    _expect_error(
        demo.bond, "ReceiverNotVerified", lambda: bond.transfer(demo.carol, 1).transact({"from": demo.alice})
    )
    # also through an allowance
    _send(bond.approve(demo.stranger, 5), demo.alice)
    _expect_error(
        demo.bond,
        "ReceiverNotVerified",
        lambda: bond.transferFrom(demo.alice, demo.carol, 1).transact({"from": demo.stranger}),
    )


def test_frozen_address_cannot_send_or_receive(demo: Demo) -> None:
    bond = demo.bond.functions
    _send(bond.setAddressFrozen(demo.alice, True), demo.owner)
    assert bond.isFrozen(demo.alice).call() is True
    _expect_error(
        demo.bond, "SenderFrozen", lambda: bond.transfer(demo.bob, 1).transact({"from": demo.alice})
    )
    _send(bond.setAddressFrozen(demo.alice, False), demo.owner)
    _send(bond.setAddressFrozen(demo.bob, True), demo.owner)
    _expect_error(
        demo.bond, "ReceiverFrozen", lambda: bond.transfer(demo.bob, 1).transact({"from": demo.alice})
    )


def test_partial_freeze_limits_free_balance(demo: Demo) -> None:
    bond = demo.bond.functions
    _send(bond.freezePartialTokens(demo.alice, 70), demo.owner)
    assert bond.getFrozenTokens(demo.alice).call() == 70
    _expect_error(
        demo.bond,
        "InsufficientFreeBalance",
        lambda: bond.transfer(demo.bob, 31).transact({"from": demo.alice}),
    )
    _send(bond.transfer(demo.bob, 30), demo.alice)
    _expect_error(
        demo.bond, "FreezeExceedsBalance", lambda: bond.freezePartialTokens(demo.alice, 1).transact()
    )
    _send(bond.unfreezePartialTokens(demo.alice, 20), demo.owner)
    _send(bond.transfer(demo.bob, 20), demo.alice)
    assert bond.balanceOf(demo.alice).call() == 50
    # a forced transfer may take frozen tokens, unfreezing them
    _send(bond.forcedTransfer(demo.alice, demo.bob, 50), demo.owner)
    assert bond.getFrozenTokens(demo.alice).call() == 0
    assert bond.balanceOf(demo.bob).call() == 100


def test_pause_blocks_transfers(demo: Demo) -> None:
    bond = demo.bond.functions
    _send(bond.pause(), demo.owner)
    assert bond.paused().call() is True
    _expect_error(demo.bond, "TokenPaused", lambda: bond.transfer(demo.bob, 1).transact({"from": demo.alice}))
    _expect_error(demo.bond, "CallerNotAgent", lambda: bond.unpause().transact({"from": demo.alice}))
    _send(bond.unpause(), demo.owner)
    _send(bond.transfer(demo.bob, 1), demo.alice)


def test_compliance_max_balance_blocks(demo: Demo) -> None:
    bond = demo.bond.functions
    comp = demo.compliance.functions
    _send(comp.setMaxBalance(25), demo.owner)
    assert comp.canTransfer(demo.alice, demo.bob, 25).call() is True
    assert comp.canTransfer(demo.alice, demo.bob, 26).call() is False
    assert (
        comp.transferRestriction(demo.alice, demo.bob, 26).call()
        == comp.RESTRICTION_MAX_BALANCE_EXCEEDED().call()
    )
    _expect_error(
        demo.bond, "TransferNotCompliant", lambda: bond.transfer(demo.bob, 26).transact({"from": demo.alice})
    )
    _send(bond.transfer(demo.bob, 25), demo.alice)
    _expect_error(demo.bond, "TransferNotCompliant", lambda: bond.mint(demo.bob, 1).transact())
    _send(comp.setMaxBalance(0), demo.owner)  # 0 = no limit
    _send(bond.transfer(demo.bob, 50), demo.alice)


def test_compliance_blocked_country(demo: Demo) -> None:
    bond = demo.bond.functions
    _send(demo.registry.functions.updateCountry(demo.bob, SANCTIONED), demo.owner)
    _send(demo.compliance.functions.setCountryBlocked(SANCTIONED, True), demo.owner)
    _expect_error(
        demo.bond, "TransferNotCompliant", lambda: bond.transfer(demo.bob, 1).transact({"from": demo.alice})
    )
    _send(demo.compliance.functions.setCountryBlocked(SANCTIONED, False), demo.owner)
    _send(bond.transfer(demo.bob, 1), demo.alice)


def test_property_deed(demo: Demo) -> None:
    deed = demo.deed.functions
    assert (deed.name().call(), deed.symbol().call()) == ("Harbour Property Deeds", "HDEED")
    _send(deed.mint(demo.alice, "ipfs://deed/1"), demo.owner)
    _send(deed.mint(demo.bob, "ipfs://deed/2"), demo.owner)
    assert deed.ownerOf(1).call() == demo.alice
    assert deed.ownerOf(2).call() == demo.bob
    assert deed.tokenURI(2).call() == "ipfs://deed/2"
    assert deed.balanceOf(demo.alice).call() == 1
    _expect_error(
        demo.deed, "OwnableUnauthorizedAccount", lambda: deed.mint(demo.bob, "x").transact({"from": demo.bob})
    )


def test_fund_share_classes(demo: Demo) -> None:
    shares = demo.shares.functions
    assert shares.className(1).call() == "Class A"
    assert shares.className(2).call() == "Class I"
    _expect_error(demo.shares, "UnknownShareClass", lambda: shares.className(3).call())
    _send(shares.mint(demo.alice, 1, 500), demo.owner)
    _send(shares.mint(demo.alice, 2, 7), demo.owner)
    assert shares.balanceOf(demo.alice, 1).call() == 500
    assert shares.balanceOf(demo.alice, 2).call() == 7
    assert shares.uri(1).call() == "https://demo.invalid/shares/{id}.json"
    _expect_error(demo.shares, "UnknownShareClass", lambda: shares.mint(demo.alice, 3, 1).transact())
