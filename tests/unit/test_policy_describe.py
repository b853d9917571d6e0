"""Plain-English descriptions of decoded intents: what a person reads before signing."""

from __future__ import annotations

import pytest

from wallet_app.domain.abi import build_call
from wallet_app.holdings.model import Standard
from wallet_app.policy.decoder import decode_safe_tx
from wallet_app.policy.describe import describe_intent, format_amount
from wallet_app.policy.intent import Intent
from wallet_app.policy.multisend import PackedCall, build_multisend_call

VAULT = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
HKDH = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
BROKER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
SPENDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
MULTI = "0x3Aa5ebB10DC797CAC828524e59A333d0A371443c"
NAMES = {VAULT: "Client Vault", BROKER: "Cheung Kong Securities"}
TOKENS = {HKDH: ("HKDH", 6)}


def describe(to: str, data: bytes = b"", *, value: int = 0, operation: int = 0) -> str:
    intent = decode(to, data, value=value, operation=operation)
    return describe_intent(intent, name_for=NAMES.get, token_facts=TOKENS.get, native=("HSK", 18))


def decode(to: str, data: bytes = b"", *, value: int = 0, operation: int = 0) -> Intent:
    return decode_safe_tx(to, value, data, operation, safe_address=VAULT, known_multisend={MULTI},
                          standard_of=lambda a: Standard.ERC20 if a == HKDH else None)


@pytest.mark.parametrize(("value", "decimals", "text"), [
    (1_000_000_000_000, 6, "1,000,000.00"), (1, 6, "0.000001"), (1_500_000, 6, "1.50"), (7, 0, "7"), (0, 18, "0.00"),
])
def test_format_amount_is_exact_with_two_decimals_at_least(value: int, decimals: int, text: str) -> None:
    assert format_amount(value, decimals) == text


def test_token_transfer_reads_like_the_issue() -> None:
    data = build_call("transfer(address,uint256)", BROKER, 1_000_000 * 10**6)
    assert describe(HKDH, data) == "transfer 1,000,000.00 HKDH from Client Vault to Cheung Kong Securities"


def test_native_transfer_uses_the_chain_coin() -> None:
    assert describe(BROKER, value=15 * 10**17) == "send 1.50 HSK from Client Vault to Cheung Kong Securities"


def test_unlimited_approval_names_the_spender_in_full() -> None:
    data = build_call("approve(address,uint256)", SPENDER, 2**256 - 1)
    assert describe(HKDH, data) == f"approve UNLIMITED HKDH to {SPENDER}"


def test_limited_approval_and_revocation() -> None:
    assert describe(HKDH, build_call("approve(address,uint256)", BROKER, 5 * 10**6)) == (
        "approve 5.00 HKDH to Cheung Kong Securities")
    assert describe(HKDH, build_call("approve(address,uint256)", BROKER, 0)) == (
        "revoke the HKDH allowance of Cheung Kong Securities")


def test_permit2_approval_shows_expiry() -> None:
    data = build_call("approve(address,address,uint160,uint48)", HKDH, SPENDER, 2**160 - 1, 1_767_225_600)
    assert describe(SPENDER, data) == (
        f"approve UNLIMITED HKDH to {SPENDER} through Permit2 until 2026-01-01 00:00 UTC")


def test_batch_lists_its_calls_indented() -> None:
    data = build_multisend_call([
        PackedCall(0, HKDH, 0, build_call("transfer(address,uint256)", BROKER, 10**6)),
        PackedCall(0, VAULT, 0, build_call("changeThreshold(uint256)", 1)),
        PackedCall(1, SPENDER, 0, b"\xa9\x05\x9c\xbb"),
    ])
    assert describe(MULTI, data, operation=1).splitlines() == [
        f"batch of 3 calls through {MULTI}:",
        "  1. transfer 1.00 HKDH from Client Vault to Cheung Kong Securities",
        "  2. VAULT GOVERNANCE on Client Vault: change the threshold to 1",
        f"  3. DELEGATECALL to {SPENDER} with selector 0xa9059cbb: runs that contract's code as the vault, with the "
        "vault's storage and funds",
    ]


def test_governance_lines() -> None:
    assert describe(VAULT, build_call("addOwnerWithThreshold(address,uint256)", BROKER, 2)) == (
        "VAULT GOVERNANCE on Client Vault: add owner Cheung Kong Securities and set the threshold to 2")
    assert describe(VAULT, build_call("swapOwner(address,address,address)", VAULT, BROKER, SPENDER)) == (
        f"VAULT GOVERNANCE on Client Vault: replace owner Cheung Kong Securities with {SPENDER}")
    assert "REPLACE THE VAULT'S IMPLEMENTATION" in describe(VAULT, build_call("changeMasterCopy(address)", SPENDER))


def test_ownership_line() -> None:
    assert describe(HKDH, build_call("transferOwnership(address)", SPENDER)) == (
        f"OWNERSHIP / UPGRADE on {HKDH}: transferOwnership(newOwner={SPENDER})")


def test_problems_and_unknown_calls_are_spelled_out() -> None:
    text = describe(HKDH, build_call("transfer(address,uint256)", BROKER, 1) + b"\0")
    first, problem = text.splitlines()
    assert first == f"unknown call to {HKDH}: 0xa9059cbb, the selector of transfer(address,uint256), 69 bytes of data"
    assert problem.startswith("  problem: the selector is transfer(address,uint256), but trailing bytes")


def test_untrusted_symbols_are_passed_through_as_given() -> None:
    intent = decode(HKDH, build_call("transfer(address,uint256)", BROKER, 10**6))
    text = describe_intent(intent, name_for=NAMES.get, token_facts=lambda _a: ("<b>USDC</b>", 6))
    assert text == "transfer 1.00 <b>USDC</b> from Client Vault to Cheung Kong Securities"


def test_value_sent_along_with_a_call_is_mentioned() -> None:
    text = describe(HKDH, build_call("transfer(address,uint256)", BROKER, 10**6), value=10**18)
    assert text.endswith(", and sends 1.00 HSK with the call")


def test_rejection() -> None:
    assert describe(VAULT) == "reject: an empty transaction from Client Vault to itself, which only uses up its nonce"
