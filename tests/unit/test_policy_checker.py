"""The policy checker on fake pieces (a scripted chain, a policy source, a history of outflows): inputs refused before
anything is read, every path that cannot decide failing closed as a recorded deny, the SafeTx hashed with its Safe
version's domain, and the facts it gathers (velocity, denylist, ERC-3643 state) reaching the engine."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from eth_abi.abi import encode

from tests.unit.test_policy_rules import HK, HKD, NOW, address
from wallet_app.chain.client import BlockHeader, BlockRef, Call, CallResult
from wallet_app.chain.multicall import MULTICALL3_ADDRESS
from wallet_app.config import ProfileConfig
from wallet_app.domain.abi import build_call, selector
from wallet_app.domain.safe_tx import Operation, SafeTx, compute_domain_hash, compute_hashes
from wallet_app.errors import RpcError
from wallet_app.holdings.feeds import FeedBook
from wallet_app.holdings.model import Standard
from wallet_app.holdings.registry import TokenEntry
from wallet_app.policy.check_request import CheckInputError
from wallet_app.policy.checker import CheckRequest, PolicyChecker
from wallet_app.policy.decision_store import DecisionStore
from wallet_app.policy.document import PolicyDocument, fill_policy_template, parse_policy
from wallet_app.policy.governance import NoActivePolicy, PolicyTampered
from wallet_app.policy.multisend import PackedCall, build_multisend_call
from wallet_app.policy.outflows import EXECUTED, Outflow
from wallet_app.profiles import Profile, create_profile
from wallet_app.vaults.reader import NotASafe

CHAIN_ID = 1770177
TEMPLATE = Path(__file__).resolve().parents[2] / "resources" / "policy" / "demo-policy.toml"
NAMES = sorted(set(re.findall(r"\{([a-z][a-z0-9_]*)\}", TEMPLATE.read_text(encoding="utf-8"))))
A = {name: address(f"demo {name}") for name in NAMES}
VAULT, HKDH, HGB29, KOWLOON, LION_ROCK = (A["client_vault"], A["hkdh"], A["hgb29"], A["kowloon_pension"],
                                          A["lion_rock"])
OWNERS = (A["alice"], A["ben"], A["carmen"])
DANA = address("dana ho (operations)")  # proposes; owns no vault
REGISTRY, COMPLIANCE = address("identity registry"), address("bond compliance")
BYBIT_TARGET = "0x96221423681A6d52E184D440a8eFCEbB105C7242"
BYBIT_DATA = build_call("transfer(address,uint256)", "0xbDd077f651EBe7f7b3cE16fe5F2b025BE2969516", 0)
TOKENS = [TokenEntry(HKDH, Standard.ERC20, "HKDH", "Harbour HKD", 6, "stablecoin"),
          TokenEntry(HGB29, Standard.ERC3643, "HGB29", "Harbour Green Bond", 0, "")]


def demo_policy(*, require_simulation: bool = False) -> PolicyDocument:
    text = fill_policy_template(TEMPLATE.read_text(encoding="utf-8"), A)
    if not require_simulation:
        text = text.replace("require_simulation = true", "require_simulation = false", 1)
    return parse_policy(text, source="demo policy")


def transfer(to: str, amount: int) -> bytes:
    return build_call("transfer(address,uint256)", to, amount)


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def ok(data: bytes) -> CallResult:
    return CallResult(True, data)


class FakeChain:
    """A vault, Multicall3 and any extra answers by (target, selector); counts every read."""

    def __init__(self, *, version: str = "1.4.1", nonce: int = 7, is_safe: bool = True) -> None:
        self.answers: dict[tuple[str, bytes], Callable[[bytes], CallResult]] = {
            (MULTICALL3_ADDRESS, selector("getChainId()")): lambda _a: ok(word(CHAIN_ID)),
            (MULTICALL3_ADDRESS, selector("getBlockNumber()")): lambda _a: ok(word(100)),
            (MULTICALL3_ADDRESS, selector("getEthBalance(address)")): lambda _a: ok(word(10**18)),
        }
        if is_safe:
            self.answers.update({
                (VAULT, selector("VERSION()")): lambda _a: ok(encode(["string"], [version])),
                (VAULT, selector("getOwners()")): lambda _a: ok(encode(["address[]"], [list(OWNERS)])),
                (VAULT, selector("getThreshold()")): lambda _a: ok(word(2)),
                (VAULT, selector("nonce()")): lambda _a: ok(word(nonce)),
            })
        self.code: dict[str, bytes] = {}
        self.reads = 0
        self.batch_sizes: list[int] = []

    def answer(self, target: str, signature: str, result: Callable[[bytes], CallResult]) -> None:
        self.answers[(target, selector(signature))] = result

    def fetch_block(self, block: BlockRef = "latest") -> BlockHeader:
        self.reads += 1
        return BlockHeader(100, b"\x01" * 32, int(NOW.timestamp()), b"\0" * 32, None)

    def multicall(self, calls: list[Call], *, block: BlockRef = "latest") -> list[CallResult]:
        self.reads += 1
        self.batch_sizes.append(len(calls))
        assert block == 100, "every read is pinned to the block the check started at"
        out = []
        for call in calls:
            found = self.answers.get((call.target, call.data[:4]))
            out.append(found(call.data[4:]) if found else CallResult(False, b""))
        return out

    def fetch_code(self, target: str, block: BlockRef = "latest") -> bytes:
        self.reads += 1
        return self.code.get(target, b"")


@dataclass
class FakeOutflows:
    flows: list[Outflow] | None = field(default_factory=list)
    error: Exception | None = None
    asked: list[datetime] = field(default_factory=list)

    def fetch_outflows(self, vault: str, since: datetime, *, exclude_safe_tx_hash: bytes) -> list[Outflow] | None:
        self.asked.append(since)
        if self.error is not None:
            raise self.error
        return self.flows


class FakePolicy:
    def __init__(self, document: PolicyDocument | None = None, error: Exception | None = None) -> None:
        self.document, self.error = document, error

    def active(self, now: datetime | None = None) -> Any:
        if self.error is not None:
            raise self.error
        doc = self.document
        assert doc is not None
        return SimpleNamespace(document=doc, version=doc.version, digest=doc.digest_hex)


@dataclass
class Desk:
    profile: Profile
    chain: FakeChain
    outflows: FakeOutflows
    policy_dir: Path
    policy: FakePolicy
    probe: str | None = None
    queued: list[SafeTx] = field(default_factory=list)  # what the approval queue holds for the vault

    def pending(self, safe: str, exclude: bytes) -> list[SafeTx]:
        return [t for t in self.queued if t.safe == safe and compute_hashes(t).safe_tx_hash != exclude]

    def checker(self) -> PolicyChecker:
        return PolicyChecker(
            chain=self.chain,  # type: ignore[arg-type]  # the fake answers what the checker reads
            chain_id=CHAIN_ID, policy=self.policy,  # type: ignore[arg-type]
            decisions=DecisionStore(engine=self.profile.engine, chain_id=CHAIN_ID),
            load_tokens=lambda: list(TOKENS), load_feeds=FeedBook, outflows=self.outflows,
            load_names=lambda: {DANA: "Dana Ho (operations)", VAULT: "Harbour client vault"},
            policy_dir=self.policy_dir, simulation_probe=self.probe, native=("HSK", 18), clock=lambda: NOW,
            pending=self.pending)

    def check(self, to: str = HKDH, data: bytes = b"", **fields: Any) -> Any:
        fields.setdefault("proposer", DANA)
        return self.checker().check(CheckRequest(safe=VAULT, to=to, data=data, **fields))

    def recorded(self) -> int:
        return len(self.checker().recent_decisions(1000))


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    profile = create_profile(tmp_path / "home", ProfileConfig(name="desk", network="devnet", chain_id=CHAIN_ID))
    policy_dir = tmp_path / "policy"
    policy_dir.mkdir()
    (policy_dir / "sanctions.txt").write_text(f"{address('sanctioned')}  # a sanctioned address\n")
    try:
        yield Desk(profile, FakeChain(), FakeOutflows(), policy_dir, FakePolicy(demo_policy()))
    finally:
        profile.close()


def verdicts(result: Any) -> dict[str, tuple[str, str]]:
    return {v.id: (v.verdict, v.reason) for v in result.decision.rules}


# -- inputs ---------------------------------------------------------------------------------------------------------

BAD_INPUTS = [
    ({"to": HKDH[:-1] + ("a" if HKDH[-1] != "a" else "b")}, "not an address|wrong checksum"),
    ({"to": HKDH[:5] + HKDH[5:].swapcase()}, "wrong checksum"),  # B3: one (or more) letters in the wrong case
    ({"to": HKDH.lower().replace("a", "\u0430", 1)}, "not plain ASCII"),  # B4: Cyrillic a
    ({"to": HKDH + "\u00a0"}, "not plain ASCII"),  # B4: a trailing no-break space is not trimmed away
    ({"to": HKDH[:10] + "\u200b" + HKDH[10:]}, "not plain ASCII"),  # B4: a zero-width space
    ({"value": -1}, "must not be negative"),
    ({"value": 2**256}, "below 2\\*\\*256"),
    ({"value": True}, "whole number"),
    ({"operation": 2}, "operation must be 0"),
    ({"data": "0xa9059cbb"}, "data must be bytes"),
    ({"nonce": -3}, "nonce must not be negative"),
    ({"gas_price": 1.5}, "whole number"),
    ({"refund_receiver": "0x1234"}, "not an address"),
    ({"proposer": "alice"}, "proposer"),
    ({"approvers": (A["alice"], "0xnope")}, "approver"),
]


@pytest.mark.parametrize(("fields", "message"), BAD_INPUTS)
def test_B3_B4_bad_inputs_are_refused_before_anything_is_read_or_recorded(desk: Desk, fields: dict[str, Any],
                                                                         message: str) -> None:
    request = {"safe": VAULT, "to": HKDH, **fields}
    with pytest.raises(CheckInputError, match=message) as raised:
        desk.checker().check(CheckRequest(**request))
    assert "\n" not in raised.value.user_message
    assert desk.chain.reads == 0 and desk.recorded() == 0


def test_lowercase_and_uppercase_addresses_are_accepted_and_checksummed(desk: Desk) -> None:
    result = desk.check(to=HKDH.lower(), data=transfer(KOWLOON.lower(), 10 * HKD), proposer=DANA.upper()
                        .replace("0X", "0x"))
    assert result.safe_tx.to == HKDH and result.intent.recipient == KOWLOON
    assert result.to_json()["proposer"] == DANA


# -- failing closed -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("error", [NoActivePolicy("No active policy: every transaction is denied."),
                                   PolicyTampered("The stored text of policy version 1 does not match its digest")])
def test_I6_I9_no_policy_in_force_is_a_recorded_deny_with_the_reason(desk: Desk, error: Exception) -> None:
    desk.policy = FakePolicy(error=error)
    result = desk.check(data=transfer(KOWLOON, 10 * HKD))
    assert result.decision.decision == "deny"
    [only] = result.decision.rules
    assert only.id == "policy" and only.verdict == "deny" and str(error) in only.reason
    assert result.policy_version is None and result.policy_digest is None
    assert "transfer 10.00 HKDH" in result.intent_text  # the intent is still decoded and shown
    [row] = desk.checker().recent_decisions()
    assert (row.decision, row.rules[0].id, row.policy_version, row.safe_tx_hash) == (
        "deny", "policy", None, "0x" + result.safe_tx_hash.hex())


@pytest.mark.parametrize("failure", ["outflows", "code"])
def test_I9_a_failure_while_gathering_facts_is_a_recorded_deny(desk: Desk, failure: str) -> None:
    if failure == "outflows":
        desk.outflows.error = RuntimeError("the history index is locked")
        result = desk.check(data=transfer(KOWLOON, 10 * HKD))
        assert "RuntimeError: the history index is locked" in verdicts(result)["facts"][1]
    else:
        def broken(target: str, block: BlockRef = "latest") -> bytes:
            raise RpcError("the node refused eth_getCode")
        desk.chain.fetch_code = broken  # type: ignore[method-assign]
        result = desk.check(to=BYBIT_TARGET, data=BYBIT_DATA, operation=1)
        assert "the node refused eth_getCode" in verdicts(result)["facts"][1]
    assert result.decision.decision == "deny" and len(result.decision.rules) == 1
    assert desk.checker().recent_decisions()[0].decision == "deny"


def test_a_vault_that_is_not_a_safe_raises_and_nothing_is_recorded(desk: Desk) -> None:
    desk.chain = FakeChain(is_safe=False)
    with pytest.raises(NotASafe, match="not a Safe"):
        desk.check(data=transfer(KOWLOON, 10 * HKD))
    assert desk.recorded() == 0


# -- deciding -------------------------------------------------------------------------------------------------------

def test_a_small_payout_proposed_by_a_non_owner_is_allowed_and_its_hash_is_the_signed_one(desk: Desk) -> None:
    result = desk.check(data=transfer(KOWLOON, 10_000 * HKD))
    assert result.decision.decision == "allow", result.decision.reasons
    assert verdicts(result)["small-hkdh-to-investors"][0] == "match"
    expected = SafeTx(safe=VAULT, chain_id=CHAIN_ID, version="1.4.1", to=HKDH, value=0,
                      data=transfer(KOWLOON, 10_000 * HKD), operation=Operation.CALL, nonce=7)
    assert result.safe_tx == expected and result.safe_tx_hash == compute_hashes(expected).safe_tx_hash
    assert desk.outflows.asked == [NOW - timedelta(hours=168)]  # the longest velocity window of the policy
    out = result.to_json()
    assert out["decision"] == "allow" and out["safe_tx"]["nonce"] == "7" and out["policy_version"] == 1
    assert out["intent"]["kind"] == "token_transfer" and out["intent"]["amount"] == str(10_000 * HKD)
    assert out["intent"]["recipient"] == KOWLOON and out["safe_tx_hash"] == "0x" + result.safe_tx_hash.hex()
    assert {"id", "verdict", "reason"} == set(out["rules"][0])


def test_an_explicit_nonce_is_hashed_as_given(desk: Desk) -> None:
    result = desk.check(data=transfer(KOWLOON, HKD), nonce=12)
    assert result.safe_tx.nonce == 12 and result.vault is not None and result.vault.nonce == 7


def test_I4_velocity_counts_what_the_vault_already_sent(desk: Desk) -> None:
    desk.outflows.flows = [Outflow(HKDH, 195_000 * HKD, 195_000 * HKD, NOW - timedelta(hours=3), EXECUTED)]
    result = desk.check(data=transfer(KOWLOON, 10_000 * HKD))
    assert result.decision.decision == "escalate"  # over the 200,000 a day of the small rule: the large one decides
    assert "would reach HKD 205,000.00" in verdicts(result)["small-hkdh-to-investors"][1]
    desk.outflows.flows = [Outflow(HKDH, 5 * HKD, None, NOW - timedelta(hours=3), EXECUTED)]  # no price then
    assert desk.check(data=transfer(KOWLOON, 10_000 * HKD)).decision.decision == "deny"
    desk.outflows.flows = None  # not one of the profile's vaults: what it sent is unknown
    assert desk.check(data=transfer(KOWLOON, 10_000 * HKD)).decision.decision == "deny"


def test_I4_velocity_counts_what_the_queue_holds_but_not_the_transaction_decided(desk: Desk) -> None:
    desk.queued = [SafeTx(safe=VAULT, chain_id=CHAIN_ID, version="1.4.1", to=HKDH, value=0,
                          data=transfer(LION_ROCK, 48_000 * HKD), operation=Operation.CALL, nonce=7 + n)
                   for n in range(4)]
    result = desk.check(data=transfer(KOWLOON, 10_000 * HKD))
    assert result.decision.decision == "escalate"  # 4 x 48,000 queued + 10,000: over the small rule's 200,000 a day
    assert "would reach HKD 202,000.00" in verdicts(result)["small-hkdh-to-investors"][1]
    first = desk.queued[0]
    again = desk.check(data=first.data, to=HKDH, nonce=first.nonce)  # one queued item decided again
    assert again.safe_tx_hash == compute_hashes(first).safe_tx_hash
    assert again.decision.decision == "allow", again.decision.reasons  # 3 others + itself: 192,000, not counted twice


def test_velocity_fails_closed_when_the_queue_is_unknown(desk: Desk) -> None:
    checker = desk.checker()
    checker._pending = None  # a checker that cannot see the queue cannot know what is about to leave
    result = checker.check(CheckRequest(safe=VAULT, to=HKDH, data=transfer(KOWLOON, 10_000 * HKD), proposer=DANA))
    assert result.decision.decision == "deny"


def test_a_transfer_outside_the_window_is_not_counted(desk: Desk) -> None:
    desk.outflows.flows = [Outflow(HKDH, 195_000 * HKD, 195_000 * HKD, NOW - timedelta(hours=25), EXECUTED)]
    assert desk.check(data=transfer(KOWLOON, 10_000 * HKD)).decision.decision == "allow"


def test_the_denylist_file_is_read_and_a_missing_one_denies(desk: Desk) -> None:
    sanctioned = address("sanctioned")
    listed = desk.check(data=transfer(sanctioned, HKD))
    assert verdicts(listed)["denylist"][0] == "deny"
    (desk.policy_dir / "sanctions.txt").unlink()
    missing = desk.check(data=transfer(KOWLOON, HKD))
    assert missing.decision.decision == "deny" and "could not be read" in verdicts(missing)["denylist"][1]


def test_A5_no_simulation_probe_denies_when_the_policy_requires_a_simulation(desk: Desk) -> None:
    desk.policy = FakePolicy(demo_policy(require_simulation=True))
    result = desk.check(data=transfer(KOWLOON, 10 * HKD))
    assert result.decision.decision == "deny" and verdicts(result)["simulation"][0] == "deny"
    assert "no simulation probe" in result.simulation_text


def test_A1_bybit_payload_on_a_safe_1_1_1_vault_is_denied_and_hashed_with_the_legacy_domain(desk: Desk) -> None:
    desk.chain = FakeChain(version="1.1.1")
    desk.probe = address("probe")
    result = desk.check(to=BYBIT_TARGET, data=BYBIT_DATA, operation=1, safe_tx_gas=45746)
    assert result.decision.decision == "deny"
    assert "untrusted DELEGATECALL" in verdicts(result)["delegatecall"][1]
    assert result.domain_hash == compute_domain_hash(VAULT, CHAIN_ID, "1.1.1")  # no chainId (SC-10)
    assert result.domain_hash != compute_domain_hash(VAULT, CHAIN_ID, "1.4.1")
    assert "no simulateAndRevert" in result.simulation_text
    assert "without the chain id" in result.to_json()["warnings"][0]


def test_A6_refund_fields_are_denied(desk: Desk) -> None:
    result = desk.check(data=transfer(KOWLOON, 10 * HKD), gas_token=HKDH, refund_receiver=address("attacker"),
                        gas_price=50)
    assert result.decision.decision == "deny" and verdicts(result)["gas-refund"][0] == "deny"


def test_erc3643_state_is_read_in_one_batch_and_the_registry_in_a_second(desk: Desk) -> None:
    chain = desk.chain
    chain.answer(HGB29, "paused()", lambda _a: ok(word(0)))
    chain.answer(HGB29, "identityRegistry()", lambda _a: ok(b"\0" * 12 + bytes.fromhex(REGISTRY[2:])))
    chain.answer(HGB29, "compliance()", lambda _a: ok(b"\0" * 12 + bytes.fromhex(COMPLIANCE[2:])))
    chain.answer(HGB29, "isFrozen(address)", lambda _a: ok(word(0)))
    chain.answer(HGB29, "getFrozenTokens(address)", lambda _a: ok(word(0)))
    chain.answer(HGB29, "balanceOf(address)", lambda _a: ok(word(500)))
    chain.answer(REGISTRY, "isVerified(address)", lambda arg: ok(word(int(arg[12:32] != bytes.fromhex(
        LION_ROCK[2:])))))
    chain.answer(COMPLIANCE, "canTransfer(address,address,uint256)", lambda _a: ok(word(1)))
    allowed = desk.check(to=HGB29, data=transfer(KOWLOON, 10))
    assert verdicts(allowed)["erc3643"][0] == "pass", verdicts(allowed)["erc3643"]
    assert allowed.decision.decision == "escalate"  # bond-to-investors
    assert chain.batch_sizes == [7, 3 + 2 * 3, 2 + 1]  # the vault; token and holders; registry and compliance
    refused = desk.check(to=HGB29, data=transfer(LION_ROCK, 10))
    assert refused.decision.decision == "deny"
    assert "not verified" in verdicts(refused)["erc3643"][1]


def test_a_batch_is_json_with_its_inner_calls_and_amounts_as_text(desk: Desk) -> None:
    msco = A["multi_send_call_only"]
    calls = [PackedCall(0, HKDH, 0, transfer(KOWLOON, 1_000 * HKD)), PackedCall(0, HKDH, 0, transfer(LION_ROCK, 2**70))]
    desk.chain.code[msco] = b"\x60\x00"  # not the pinned MultiSendCallOnly code
    result = desk.check(to=msco, data=build_multisend_call(calls), operation=1)
    assert result.decision.decision == "deny" and "not the pinned" in verdicts(result)["delegatecall"][1]
    intent = result.to_json()["intent"]
    assert intent["kind"] == "batch" and [c["kind"] for c in intent["children"]] == ["token_transfer"] * 2
    assert intent["children"][1]["amount"] == str(2**70) and intent["operation"] == 1
    assert "Kowloon Pension Trust (allowlisted)" in intent["children"][0]["text"]
    assert "\n  1. " in result.intent_text  # the batch's calls indented and numbered


def test_decisions_are_listed_newest_first_and_record_false_keeps_none(desk: Desk) -> None:
    first = desk.check(data=transfer(KOWLOON, HKD))
    second = desk.check(to=BYBIT_TARGET, data=BYBIT_DATA, operation=1)
    desk.checker().check(CheckRequest(safe=VAULT, to=HKDH, data=transfer(KOWLOON, 2 * HKD)), record=False)
    rows = desk.checker().recent_decisions()
    assert [r.id for r in rows] == [second.decision_id, first.decision_id]
    assert [r.decision for r in rows] == ["deny", "allow"]
    assert rows[1].proposer == DANA and rows[1].checked_at == NOW and rows[1].nonce == 7
    assert rows[1].rules == tuple(first.decision.rules)
    assert [r.id for r in desk.checker().recent_decisions(1)] == [second.decision_id]
    with pytest.raises(ValueError, match="limit"):
        desk.checker().recent_decisions(0)


def test_the_clock_must_be_aware(desk: Desk) -> None:
    checker = desk.checker()
    checker._clock = lambda: NOW.replace(tzinfo=None)
    with pytest.raises(ValueError, match="aware"):
        checker.check(CheckRequest(safe=VAULT, to=HKDH))
    assert NOW.tzinfo is HK
