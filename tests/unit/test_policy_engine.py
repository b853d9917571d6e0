"""The engine end to end: the demo institution's documented sample decisions, the shape of a decision, batches
decided by their strictest call, rejections, and the intent text built from the signed bytes only."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from tests.unit.test_policy_rules import (
    ALICE,
    BEN,
    BYBIT_DATA,
    CARMEN,
    CLIENT,
    DEX,
    HK,
    HKD,
    HKDH,
    KOWLOON,
    MSCO,
    NOW,
    OPERATOR,
    STRANGER,
    TROJAN,
    address,
    batch,
    decide,
    facts,
    make_policy,
    reason,
    transfer,
    verdict,
)
from wallet_app.domain.abi import build_call
from wallet_app.holdings.prices import build_fixed_hkd_price
from wallet_app.policy.decoder import decode_safe_tx
from wallet_app.policy.document import PolicyDocument, fill_policy_template, parse_policy
from wallet_app.policy.engine import HARD_BLOCKS, evaluate
from wallet_app.policy.facts import DecisionFacts, SimulationOutcome

DEMO = Path(__file__).resolve().parents[2] / "resources" / "policy" / "demo-policy.toml"
DEMO_CODE_HASH = bytes.fromhex("ecd5bd14a08c5d2122379900b2f272bdf107a7e92423c10dd5fe3254386c9939")


def demo() -> tuple[PolicyDocument, dict[str, str]]:
    template = DEMO.read_text(encoding="utf-8")
    names = set(re.findall(r"\{([a-z][a-z0-9_]*)\}", template))
    values = {name: address(f"demo {name}") for name in names}
    return parse_policy(fill_policy_template(template, values), source=DEMO.name), values


def demo_facts(to: str, data: bytes = b"", *, operation: int = 0, now: datetime = NOW, **overrides: object,
               ) -> DecisionFacts:
    _, a = demo()
    safe = str(overrides.pop("safe", a["client_vault"]))
    intent = decode_safe_tx(to, 0, data, operation, safe_address=safe,
                            known_multisend={a["multi_send_call_only"]})
    fields: dict[str, object] = dict(
        now=now, chain_id=1770177, safe=safe, to=to, value=0, data=data, operation=operation, nonce=1,
        intent=intent, owners=(a["alice"], a["ben"], a["carmen"]), threshold=2, proposer=a["alice"],
        prices={a["hkdh"]: build_fixed_hkd_price()}, code_hashes={a["multi_send_call_only"]: DEMO_CODE_HASH},
        denylist=frozenset(), spent_hkd=lambda vault, since: 0, spent_amount=lambda v, s, t: 0,
        simulation=SimulationOutcome(reverted=False),
    )
    fields.update(overrides)
    return DecisionFacts(**fields)  # type: ignore[arg-type]


ANY_TIME = [NOW, datetime(2026, 12, 5, 23, 30, tzinfo=HK)]  # a Tuesday morning, a Saturday night


@pytest.mark.parametrize("now", ANY_TIME)
def test_demo_small_hkdh_payout_is_allowed_at_the_vault_threshold(now: datetime) -> None:
    policy, a = demo()
    decision = evaluate(policy, demo_facts(*transfer(a["kowloon_pension"], 10_000 * HKD, a["hkdh"]), now=now))
    assert decision.decision == "allow", decision.reasons
    assert verdict(decision, "small-hkdh-to-investors") == "match"
    assert decision.required_approvals == 2 and decision.required_roles == ()  # the 2-of-3 vault's threshold
    assert decision.intent_text == ("transfer 10,000.00 HKDH from Harbour client vault to Kowloon Pension Trust "
                                    "(allowlisted)")
    signed = evaluate(policy, demo_facts(*transfer(a["kowloon_pension"], 10_000 * HKD, a["hkdh"]), now=now,
                                         approvers=(a["ben"], a["carmen"])))
    assert signed.approvals_met


@pytest.mark.parametrize("now", ANY_TIME)
def test_demo_larger_hkdh_payout_escalates_to_the_compliance_officer(now: datetime) -> None:
    policy, a = demo()
    decision = evaluate(policy, demo_facts(*transfer(a["kowloon_pension"], 300_000 * HKD, a["hkdh"]), now=now))
    assert decision.decision == "escalate"
    assert verdict(decision, "large-hkdh-to-investors") == "escalate"
    assert decision.required_roles == ("compliance-officer",)
    assert "300,000.00 HKDH is above the limit of 50,000.00 HKDH per transfer" in reason(
        decision, "small-hkdh-to-investors")


@pytest.mark.parametrize(("recipient", "amount", "rule"), [
    ("kowloon_pension", 2_000_000, "default-deny"),
    ("stranger", 10_000, "default-deny"),
    ("pending_kyc", 10, "deny-pending-kyc"),
])
def test_demo_transfers_that_are_denied(recipient: str, amount: int, rule: str) -> None:
    policy, a = demo()
    to = a.get(recipient) or address("an address no one listed")
    decision = evaluate(policy, demo_facts(*transfer(to, amount * HKD, a["hkdh"])))
    assert decision.decision == "deny" and verdict(decision, rule) == "deny"


def test_demo_bybit_payload_is_denied() -> None:
    policy, _ = demo()
    decision = evaluate(policy, demo_facts(TROJAN, BYBIT_DATA, operation=1))
    assert decision.decision == "deny" and verdict(decision, "delegatecall") == "deny"


def test_demo_batch_through_the_pinned_multisend_is_allowed() -> None:
    policy, a = demo()
    calls = batch((0, a["hkdh"], 0, transfer(a["kowloon_pension"], 1_000 * HKD)[1]),
                  (0, a["hkdh"], 0, transfer(a["lion_rock"], 2_000 * HKD)[1]))
    decision = evaluate(policy, demo_facts(a["multi_send_call_only"], calls, operation=1))
    assert decision.decision == "allow", decision.reasons
    assert decision.intent_text.splitlines()[0] == "batch of 2 calls through MultiSendCallOnly 1.4.1:"


def test_demo_rebalancing_between_vaults_only_in_office_hours() -> None:
    policy, a = demo()
    move = transfer(a["client_vault"], 1_000_000 * HKD, a["hkdh"])
    weekday = demo_facts(*move, safe=a["treasury"], threshold=3, proposer=address("demo issuer agent"))
    assert evaluate(policy, weekday).decision == "allow"
    saturday = demo_facts(*move, safe=a["treasury"], threshold=3, proposer=address("demo issuer agent"),
                          now=datetime(2026, 12, 5, 11, 0, tzinfo=HK))
    decision = evaluate(policy, saturday)
    assert decision.decision == "deny" and "Saturday is outside" in reason(decision, "between-own-vaults")
    by_an_owner = demo_facts(*move, safe=a["treasury"], threshold=3)  # 3-of-3: Alice's own approval cannot count
    assert evaluate(policy, by_an_owner).decision == "deny"


# -- the shape of a decision --------------------------------------------------------------------------------------


def test_every_hard_block_is_listed_with_its_verdict_in_order() -> None:
    decision = decide(*transfer(KOWLOON, 10 * HKD))
    listed = [v.id for v in decision.rules]
    assert listed[: len(HARD_BLOCKS)] == [check_id for check_id, _ in HARD_BLOCKS]
    assert all(v.verdict == "pass" for v in decision.rules[: len(HARD_BLOCKS)])
    assert all(v.reason for v in decision.rules)
    assert listed[-1] == "segregation-of-duties"


def test_decision_as_json_for_the_cli() -> None:
    decision = decide(*transfer(KOWLOON, 10 * HKD), approvers=(BEN,))
    data = decision.as_json()
    assert data["decision"] == "allow" and data["intent"] == decision.intent_text
    assert {"id", "verdict", "reason"} == set(data["rules"][0])
    assert data["required_approvals"] == 2 and data["approvals_counted"] == [BEN]
    assert data["policy_digest"].startswith("0x") and len(data["policy_digest"]) == 66


def test_a_batch_is_decided_by_its_strictest_call() -> None:
    small = (0, HKDH, 0, transfer(KOWLOON, 10 * HKD)[1])
    large = (0, HKDH, 0, transfer(KOWLOON, 100_000 * HKD)[1])
    unknown = (0, HKDH, 0, transfer(address("nobody"), 10 * HKD)[1])
    assert decide(MSCO, batch(small, small), operation=1).decision == "allow"
    escalated = decide(MSCO, batch(small, large), operation=1)
    assert escalated.decision == "escalate" and escalated.required_roles == ("compliance-officer",)
    denied = decide(MSCO, batch(small, large, unknown), operation=1)
    assert denied.decision == "deny" and "call 3: no rule allows this transfer" in reason(denied, "default-deny")


def test_a_rejection_is_allowed_at_the_threshold() -> None:
    decision = decide(CLIENT, b"")
    assert decision.decision == "allow" and decision.required_approvals == 2
    assert verdict(decision, "rejection") == "pass" and decision.intent_text.startswith("reject:")


def test_governance_batch_waits_its_delay_and_transfers_keep_their_own_rules() -> None:
    calls = batch((0, CLIENT, 0, build_call("changeThreshold(uint256)", 3)),
                  (0, HKDH, 0, transfer(KOWLOON, 10 * HKD)[1]))
    decision = decide(MSCO, calls, operation=1, proposer=OPERATOR, simulation=SimulationOutcome(
        reverted=False, changed=("threshold changed from 2 to 3",), changed_fields=frozenset({"threshold"})))
    assert decision.decision == "escalate" and decision.delay_seconds == 48 * 3600
    assert decision.required_approvals == 3
    assert verdict(decision, "small-hkdh") == "match"


def test_intent_text_comes_from_the_signed_bytes() -> None:
    decision = decide(DEX, build_call("upgradeTo(address)", STRANGER), proposer=OPERATOR)
    assert decision.intent_text.startswith("OWNERSHIP / UPGRADE on Harbour DEX (allowlisted): upgradeTo(")
    assert "a one-off payee" in decision.intent_text


def test_the_same_facts_give_the_same_decision() -> None:
    one = facts(*transfer(KOWLOON, 10 * HKD), approvers=(ALICE, BEN, CARMEN))
    assert decide(*transfer(KOWLOON, 10 * HKD), approvers=(ALICE, BEN, CARMEN)) == evaluate(make_policy(), one)
