"""Fees of the executor transaction under the policy's cap, and fee replacements (SECURITY F8, G1, G2): pure."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_hash.auto import keccak
from hypothesis import given
from hypothesis import strategies as st

from wallet_app.chain.client import FeeQuote, LogEntry, Receipt
from wallet_app.errors import ConfigError
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.queue.exec_settings import settings_from_extra
from wallet_app.queue.exec_tx import (
    EXECUTION_FAILURE_TOPIC,
    EXECUTION_SUCCESS_TOPIC,
    ExecTx,
    SendVerdict,
    classify_refusal,
    decode_exec,
    execution_outcome,
    revert_reason,
    sign_exec_transaction,
)
from wallet_app.queue.fees import GWEI, Fees, bump_fees, describe_wei_per_gas, plan_fees

KEY = keccak(b"custos executor fee test")
SAFE = "0x96906bd2b301c0c5F5584Bc76E34a857b62cD63f"


def test_first_fees_are_twice_the_base_fee_plus_the_tip() -> None:
    assert plan_fees(FeeQuote(base_fee=10 * GWEI, priority_fee=2 * GWEI), None) == Fees(22 * GWEI, 2 * GWEI)


def test_the_cap_limits_both_fees_and_leaves_room_for_one_replacement() -> None:
    quote = FeeQuote(base_fee=40 * GWEI, priority_fee=30 * GWEI)
    room = 110 * GWEI * 100 // 110  # 10 % under a 110 gwei cap
    assert plan_fees(quote, 110 * GWEI) == Fees(room, 30 * GWEI)
    assert plan_fees(quote, 200 * GWEI) == Fees(110 * GWEI, 30 * GWEI)  # far under the cap: the usual fees
    first = plan_fees(quote, 110 * GWEI)
    assert first is not None and bump_fees(first, quote, 110 * GWEI) is not None
    # A base fee too close to the cap for that room: up to the cap itself.
    assert plan_fees(quote, 42 * GWEI) == Fees(42 * GWEI, 30 * GWEI)
    assert plan_fees(quote, 40 * GWEI) == Fees(40 * GWEI, 30 * GWEI)  # the cap equals the base fee: still payable
    # A node suggesting a tip at the cap (anvil after a 100 gwei transaction): both stay in the room.
    assert plan_fees(FeeQuote(base_fee=300_000, priority_fee=99 * GWEI), 100 * GWEI) == \
        Fees(100 * GWEI * 100 // 110, 100 * GWEI * 100 // 110)


def test_a_cap_below_the_base_fee_is_refused() -> None:
    assert plan_fees(FeeQuote(base_fee=101 * GWEI, priority_fee=GWEI), 100 * GWEI) is None


def test_a_replacement_raises_both_fees_by_at_least_ten_percent() -> None:
    old = Fees(30 * GWEI, 2 * GWEI)
    new = bump_fees(old, FeeQuote(base_fee=GWEI, priority_fee=GWEI), None)
    assert new == Fees(33 * GWEI, 22 * GWEI // 10)


def test_a_replacement_follows_the_market_when_it_asks_more() -> None:
    new = bump_fees(Fees(3 * GWEI, GWEI), FeeQuote(base_fee=20 * GWEI, priority_fee=3 * GWEI), None)
    assert new == Fees(43 * GWEI, 3 * GWEI)


def test_a_replacement_never_exceeds_the_cap_and_none_when_ten_percent_does_not_fit() -> None:
    capped = bump_fees(Fees(80 * GWEI, 2 * GWEI), FeeQuote(base_fee=60 * GWEI, priority_fee=2 * GWEI), 100 * GWEI)
    assert capped == Fees(100 * GWEI, 2_200_000_000)
    assert bump_fees(Fees(95 * GWEI, 2 * GWEI), None, 100 * GWEI) is None  # 104.5 gwei would exceed it


def test_zero_and_tiny_fees_still_rise_strictly() -> None:
    assert bump_fees(Fees(7, 0), None, None) == Fees(8, 1)


@given(max_fee=st.integers(0, 10**15), priority=st.integers(0, 10**15), base=st.integers(0, 10**13),
       tip=st.integers(0, 10**12), cap=st.none() | st.integers(0, 10**16))
def test_bumps_are_at_least_ten_percent_on_both_and_within_the_cap(max_fee: int, priority: int, base: int, tip: int,
                                                                   cap: int | None) -> None:
    old = Fees(max(max_fee, priority), priority)
    new = bump_fees(old, FeeQuote(base, tip), cap)
    if new is None:
        # no strictly higher fee of at least 10% more fits under the cap (at zero fees, 10% more is still zero)
        assert cap is not None and (cap * 100 < old.max_fee_per_gas * 110 or cap <= old.max_fee_per_gas)
        return
    for before, after in ((old.max_fee_per_gas, new.max_fee_per_gas),
                          (old.max_priority_fee_per_gas, new.max_priority_fee_per_gas)):
        assert after > before and after * 100 >= before * 110
    assert new.max_priority_fee_per_gas <= new.max_fee_per_gas
    assert cap is None or new.max_fee_per_gas <= cap


def test_fees_in_words() -> None:
    assert describe_wei_per_gas(7) == "7 wei"
    assert describe_wei_per_gas(12_500_000_000) == "12.5 gwei"
    assert describe_wei_per_gas(100 * GWEI) == "100 gwei"


# -- the executor transaction ---------------------------------------------------------------------------------------

def test_a_replacement_signs_the_same_transaction_with_other_fees_only() -> None:
    signer = KeystoreSigner(address=Account.from_key(KEY).address, private_key=KEY)
    tx = ExecTx(chain_id=177, nonce=9, to=SAFE, value=0, data=b"\x6a\x76\x12\x02" + b"\x01" * 100, gas=120_000,
                fees=Fees(3 * GWEI, GWEI))
    first = sign_exec_transaction(tx, signer)
    again, sender = decode_exec(first.raw)
    assert again == tx and sender == signer.address
    assert first.tx_hash == "0x" + keccak(first.raw).hex()
    # What eth-account signs from the same fields is the same transaction (an independent implementation).
    assert Account.sign_transaction(tx.fields(), KEY).raw_transaction == first.raw
    bumped = bump_fees(tx.fees, None, None)
    assert bumped is not None
    second = sign_exec_transaction(again.with_fees(bumped), signer)
    replaced, _sender = decode_exec(second.raw)
    assert (replaced.to, replaced.value, replaced.data, replaced.nonce, replaced.gas, replaced.chain_id) == \
        (tx.to, tx.value, tx.data, tx.nonce, tx.gas, tx.chain_id)
    assert replaced.fees == bumped != tx.fees and second.tx_hash != first.tx_hash


def test_stored_bytes_that_are_not_an_eip1559_transaction_are_refused() -> None:
    with pytest.raises(ValueError):
        decode_exec(b"\x01\x02")
    with pytest.raises(ValueError):
        decode_exec(b"")


@pytest.mark.parametrize("message,verdict", [
    ("The node rejected the transaction: already known", SendVerdict.KNOWN),
    ("The node rejected the transaction: transaction already imported", SendVerdict.KNOWN),
    ("The node rejected the transaction: nonce too low: address 0xab, tx: 3 state: 4", SendVerdict.NONCE_USED),
    ("The node rejected the transaction: replacement transaction underpriced", SendVerdict.UNDERPRICED),
    ("The node rejected the transaction: transaction underpriced", SendVerdict.REFUSED),  # below the pool minimum
    ("The node rejected the transaction: Insufficient funds for gas * price + value", SendVerdict.REFUSED),
    ("The node rejected the transaction: max fee per gas less than block base fee", SendVerdict.REFUSED),
])
def test_node_refusals_are_read_by_meaning(message: str, verdict: SendVerdict) -> None:
    assert classify_refusal(message) is verdict


def _receipt(*logs: LogEntry, status: int = 1) -> Receipt:
    return Receipt(b"\x11" * 32, 5, status, 90_000, None, logs, b"\x22" * 32)


def test_the_outcome_is_the_vaults_own_event_for_this_safe_tx_hash() -> None:
    mine, other = b"\xaa" * 32, b"\xbb" * 32
    indexed = LogEntry(SAFE, (EXECUTION_SUCCESS_TOPIC, mine), (0).to_bytes(32, "big"), 5, b"\x11" * 32, 0)
    legacy = LogEntry(SAFE, (EXECUTION_FAILURE_TOPIC,), mine + (0).to_bytes(32, "big"), 5, b"\x11" * 32, 1)
    elsewhere = LogEntry("0x000000000000000000000000000000000000dEaD", (EXECUTION_SUCCESS_TOPIC, mine), b"", 5,
                         b"\x11" * 32, 2)
    assert execution_outcome(_receipt(indexed), SAFE, mine) == "success"
    assert execution_outcome(_receipt(legacy), SAFE, mine) == "failure"  # Safe <= 1.3.0: the hash in the data
    assert execution_outcome(_receipt(indexed), SAFE, other) is None
    assert execution_outcome(_receipt(elsewhere), SAFE, mine) is None  # another contract's event never counts


def test_a_safe_revert_reason_is_read() -> None:
    from eth_abi.abi import encode

    assert revert_reason(bytes.fromhex("08c379a0") + encode(["string"], ["GS026"])) == "GS026"
    assert revert_reason(b"") == "no reason given"


def test_execution_settings_from_the_profile() -> None:
    assert settings_from_extra({}, embedded=True, chain_id=1_770_177).confirmations == 1
    assert settings_from_extra({}, embedded=False, chain_id=31337).confirmations == 1
    assert settings_from_extra({}, embedded=False, chain_id=177).confirmations == 12
    custom = settings_from_extra({"confirmations": "3", "replace_after_seconds": "30", "claim_lease_seconds": "60"},
                                 embedded=False, chain_id=1)
    assert (custom.confirmations, custom.replace_after_seconds, custom.claim_lease_seconds) == (3, 30.0, 60.0)
    for bad in ({"confirmations": "0"}, {"confirmations": "many"}, {"claim_lease_seconds": "5"}):
        with pytest.raises(ConfigError):
            settings_from_extra(bad, embedded=False, chain_id=1)


def test_the_executor_transaction_is_signed_only_after_a_policy_decision() -> None:
    """SECURITY I8/A15, read from the source: `sign_exec_transaction` is called by the execution (after `_decide`, the
    policy at execution, in `execute`) and by a fee replacement (after `replacement_cap`, a new decision), nowhere
    else."""
    import ast
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    callers: set[str] = set()
    for path in (repo / "wallet_app").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            for function in (f for f in cls.body if isinstance(f, ast.FunctionDef)):
                calls = sorted((c for c in ast.walk(function) if isinstance(c, ast.Call)),
                               key=lambda c: (c.lineno, c.col_offset))  # in source order
                names = [c.func.attr if isinstance(c.func, ast.Attribute) else getattr(c.func, "id", "")
                         for c in calls]
                if "sign_exec_transaction" in names:
                    callers.add(f"{path.relative_to(repo)}:{cls.name}.{function.name}")
                    if function.name == "replace":
                        assert names.index("replacement_cap") < names.index("sign_exec_transaction")
                if cls.name == "Executor" and function.name == "execute":
                    assert names.index("_decide") < names.index("_claim") < names.index("_sign_and_store")
    assert callers == {"wallet_app/queue/executor.py:Executor._sign_and_store",
                       "wallet_app/queue/follow_send.py:SendingSteps.replace"}
