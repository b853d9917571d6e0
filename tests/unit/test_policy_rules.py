"""The rules and hard blocks of the policy engine, table-driven, on transactions decoded from raw calldata, with a
fixed clock (Tuesday 1 December 2026, 10:30 in Hong Kong). Named after the SECURITY.md cases they cover.

The helpers at the top (addresses, the test policy, `facts`) are shared with the engine and compare tests."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from eth_hash.auto import keccak

from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import from_bytes, to_checksum
from wallet_app.holdings.model import Price, Standard
from wallet_app.holdings.prices import build_fixed_hkd_price
from wallet_app.policy.decoder import decode_safe_tx
from wallet_app.policy.document import PolicyDocument, fill_policy_template, parse_policy
from wallet_app.policy.engine import Decision, evaluate
from wallet_app.policy.facts import (
    AddressBook,
    DecisionFacts,
    FeeQuote,
    HolderStatus,
    PermissionedToken,
    SimulationOutcome,
)
from wallet_app.policy.multisend import PackedCall, build_multisend_call


def address(name: str) -> str:
    return from_bytes(keccak(name.encode())[:20])


HK = ZoneInfo("Asia/Hong_Kong")
NOW = datetime(2026, 12, 1, 10, 30, tzinfo=HK)  # a Tuesday
HKD = 10**6
CLIENT, TREASURY = address("client vault"), address("treasury")
ALICE, BEN, CARMEN = address("alice"), address("ben"), address("carmen")
KOWLOON, NEWCO, PENDING = address("kowloon"), address("newco"), address("pending kyc")
BROKER, DEX = address("broker"), address("dex")
HKDH, HMMF, HGB29, HDEED = address("hkdh"), address("hmmf"), address("hgb29"), address("hdeed")
MSCO, MULTISEND = address("multisendcallonly"), address("multisend (delegatecall allowed)")
CODE_HASH = keccak(b"MultiSendCallOnly runtime code")
STRANGER, SANCTIONED, OPERATOR = address("stranger"), address("sanctioned"), address("operator")
TROJAN = "0x96221423681A6d52E184D440a8eFCEbB105C7242"
STANDARDS = {HKDH: Standard.ERC20, HMMF: Standard.ERC20, HGB29: Standard.ERC3643, HDEED: Standard.ERC721}
ADDRESSES = {"client_vault": CLIENT, "treasury": TREASURY, "alice": ALICE, "ben": BEN, "carmen": CARMEN,
             "kowloon": KOWLOON, "newco": NEWCO, "pending": PENDING, "broker": BROKER, "dex": DEX, "hkdh": HKDH,
             "hmmf": HMMF, "hgb29": HGB29, "hdeed": HDEED, "msco": MSCO, "code_hash": "0x" + CODE_HASH.hex()}

POLICY = """\
[policy]
version = 1
name = "Test policy"
chain_id = 1770177
timezone = "Asia/Hong_Kong"
loosening_delay_hours = 24

[governance]
vault = "{treasury}"
quorum = 3
delay_hours = 48
roles = ["compliance-officer"]

[calendar]
closed = [2026-12-25]

[denylist]
file = "sanctions.txt"

[[roles]]
name = "treasury-officer"
members = ["{alice}", "{ben}"]

[[roles]]
name = "compliance-officer"
members = ["{carmen}"]

[[contacts]]
label = "Client Vault"
address = "{client_vault}"
kind = "vault"
added = 2025-01-02T00:00:00Z

[[contacts]]
label = "Treasury"
address = "{treasury}"
kind = "vault"
added = 2025-01-02T00:00:00Z

[[contacts]]
label = "Kowloon Pension Trust"
address = "{kowloon}"
kind = "investor"
added = 2025-01-06T00:00:00Z

[[contacts]]
label = "Newco Investor"
address = "{newco}"
kind = "investor"
added = 2026-11-30T00:00:00Z

[[contacts]]
label = "Pending KYC Ltd"
address = "{pending}"
kind = "investor"
added = 2025-03-10

[[contacts]]
label = "Cheung Kong Securities"
address = "{broker}"
kind = "counterparty"
added = 2025-01-06T00:00:00Z

[[contacts]]
label = "Harbour DEX"
address = "{dex}"
kind = "contract"
added = 2025-01-06T00:00:00Z

[[assets]]
symbol = "ETH"
address = "native"
decimals = 18

[[assets]]
symbol = "HKDH"
address = "{hkdh}"
decimals = 6

[[assets]]
symbol = "HMMF"
address = "{hmmf}"
decimals = 6

[[assets]]
symbol = "HGB29"
address = "{hgb29}"
decimals = 0
permissioned = true

[[assets]]
symbol = "HDEED"
address = "{hdeed}"
decimals = 0

[[pinned_delegatecall]]
label = "MultiSendCallOnly 1.4.1"
address = "{msco}"
code_hash = "{code_hash}"

[[rules]]
id = "deny-pending-kyc"
action = "deny"
when = { destinations = ["Pending KYC Ltd"] }

[[rules]]
id = "small-hkdh"
action = "allow"
approvals = 2
window = { days = ["mon", "tue", "wed", "thu", "fri"], from = "09:00", to = "18:00" }
velocity = { period_hours = 24, max_hkd = "200000.00" }
cooling_off_hours = 72
max_gas_price_gwei = 100
[rules.when]
vaults = ["Client Vault"]
assets = ["HKDH"]
kinds = ["transfer"]
destinations = "contacts:investor"
max_amount = "50000.00"
max_hkd = "50000.00"

[[rules]]
id = "large-hkdh"
action = "escalate"
approvals = 2
roles = ["compliance-officer"]
[rules.when]
vaults = ["Client Vault"]
assets = ["HKDH"]
kinds = ["transfer"]
destinations = "contacts:investor"
max_amount = "1000000.00"

[[rules]]
id = "fund-units"
action = "escalate"
when = { assets = ["HMMF"], kinds = ["transfer"], destinations = "contacts:investor", max_hkd = "1000000.00" }
roles = ["compliance-officer"]
velocity = { period_hours = 168, max_amount = { HMMF = "90000" } }

[[rules]]
id = "bond"
action = "allow"
when = { assets = ["HGB29"], destinations = "contacts:investor", max_amount = "100" }

[[rules]]
id = "dex-allowance"
action = "allow"
when = { assets = ["HKDH"], kinds = ["approval"], destinations = "contacts:contract", max_amount = "100000.00" }

[[rules]]
id = "dex-calls"
action = "escalate"
when = { kinds = ["call"], destinations = "contacts:contract" }
roles = ["treasury-officer"]

[[rules]]
id = "coin-between-vaults"
action = "allow"
[rules.when]
assets = ["ETH", "HKDH"]
kinds = ["transfer"]
destinations = "contacts:vault"
max_amount = { ETH = "10", HKDH = "5000000" }
"""


def policy_text(template: str = POLICY, **extra: str) -> str:
    return fill_policy_template(template, {**ADDRESSES, **extra})


def make_policy(template: str = POLICY, **extra: str) -> PolicyDocument:
    return parse_policy(policy_text(template, **extra), source="test-policy.toml")


PRICES: dict[str, Price | None] = {
    HKDH: build_fixed_hkd_price(),
    HMMF: Price(value=10_0234_0000, decimals=8, currency="HKD", source="NAV feed", updated_at=NOW - timedelta(hours=2),
                stale=False),
    HGB29: Price(value=10_120 * 10**8, decimals=8, currency="HKD", source="bond price", updated_at=None, stale=False),
}
BOND_STATE = PermissionedToken(
    paused=False,
    holders={CLIENT: HolderStatus(free_balance=500, verified=True), KOWLOON: HolderStatus(verified=True)},
    can_transfer={(CLIENT, KOWLOON, 10): True},
)


def transfer(recipient: str, amount: int, token: str = HKDH) -> tuple[str, bytes]:
    return token, build_call("transfer(address,uint256)", recipient, amount)


def facts(to: str, data: bytes = b"", *, value: int = 0, operation: int = 0, safe: str = CLIENT,
          **overrides: object) -> DecisionFacts:
    intent = decode_safe_tx(to, value, data, operation, safe_address=safe, known_multisend={MSCO, MULTISEND},
                            standard_of=STANDARDS.get)
    fields: dict[str, object] = dict(
        now=NOW, chain_id=1770177, safe=safe, to=to, value=value, data=data, operation=operation, nonce=7,
        intent=intent, owners=(ALICE, BEN, CARMEN), threshold=2, proposer=ALICE, approvers=(),
        prices=PRICES, permissioned={HGB29: BOND_STATE}, code_hashes={MSCO: CODE_HASH},
        denylist=frozenset({SANCTIONED}), spent_hkd=lambda vault, since: 0, spent_amount=lambda v, a, s: 0,
        simulation=SimulationOutcome(reverted=False), address_book=AddressBook({STRANGER: "a one-off payee"}),
    )
    fields.update(overrides)
    return DecisionFacts(**fields)  # type: ignore[arg-type]


def decide(to: str, data: bytes = b"", *, policy: PolicyDocument | None = None, **kw: object) -> Decision:
    return evaluate(policy or make_policy(), facts(to, data, **kw))


def verdict(decision: Decision, rule_id: str) -> str:
    return next(v.verdict for v in decision.rules if v.id == rule_id)


def reason(decision: Decision, rule_id: str) -> str:
    return " | ".join(v.reason for v in decision.rules if v.id == rule_id)


def lookalike(of: str) -> str:
    body = of[2:].lower()
    middle = "".join("0" if c != "0" else "1" for c in body[4:-4])
    return to_checksum("0x" + body[:4] + middle + body[-4:])


def batch(*calls: tuple[int, str, int, bytes]) -> bytes:
    return build_multisend_call(PackedCall(*c) for c in calls)


# -- I1-I5: rules, order, boundaries, velocity, maker-checker -------------------------------------------------------


def test_I1_default_deny_transfer_matching_no_rule() -> None:
    decision = decide(*transfer(STRANGER, 10 * HKD))
    assert decision.decision == "deny"
    assert verdict(decision, "default-deny") == "deny"
    assert "no rule allows this transfer to a one-off payee" in reason(decision, "default-deny")
    to_broker = decide(*transfer(BROKER, 10 * HKD))  # a contact, but no rule sends HKDH to counterparties
    assert to_broker.decision == "deny" and verdict(to_broker, "default-deny") == "deny"


def test_I2_first_match_deny_rule_above_allow_decides() -> None:
    decision = decide(*transfer(PENDING, 10 * HKD))
    assert decision.decision == "deny"
    assert verdict(decision, "deny-pending-kyc") == "deny"
    assert "small-hkdh" not in {v.id for v in decision.rules}  # never reached


@pytest.mark.parametrize(("amount", "expected", "rule"), [
    (50_000 * HKD, "allow", "small-hkdh"),  # = limit
    (50_000 * HKD + 1, "escalate", "large-hkdh"),  # limit + 1 base unit
    (1_000_000 * HKD, "escalate", "large-hkdh"),
    (1_000_000 * HKD + 1, "deny", "default-deny"),
])
def test_I3_limit_boundary_is_exact(amount: int, expected: str, rule: str) -> None:
    decision = decide(*transfer(KOWLOON, amount))
    assert decision.decision == expected
    assert verdict(decision, rule) in ("match", "escalate", "deny")


def test_I3_hkd_limit_boundary_with_a_nav_price() -> None:
    # HMMF at HKD 10.0234 per unit: 80,000 units are worth exactly HKD 801,872.00. One base unit more is worth
    # HKD 801,872.0000100234, rounded up to 801,872.000011: above a limit of 801,872.00.
    at_limit = make_policy(POLICY.replace('max_hkd = "1000000.00" }\nroles', 'max_hkd = "801872.00" }\nroles'))
    assert evaluate(at_limit, facts(*transfer(KOWLOON, 80_000 * HKD, HMMF))).decision == "escalate"
    above = evaluate(at_limit, facts(*transfer(KOWLOON, 80_000 * HKD + 1, HMMF)))
    assert above.decision == "deny"
    assert "worth HKD 801,872.000011, above the limit of HKD 801,872.00" in reason(above, "fund-units")


NOT_FRESH = [
    pytest.param(None, id="absent"),
    pytest.param(dataclasses.replace(build_fixed_hkd_price(), stale=True), id="stale"),
    pytest.param(dataclasses.replace(build_fixed_hkd_price(), reports_now=True), id="age-unknown"),
    pytest.param(dataclasses.replace(build_fixed_hkd_price(), note="no FX feed"), id="noted"),
    pytest.param(dataclasses.replace(build_fixed_hkd_price(), currency="USD"), id="no-fx"),
]


@pytest.mark.parametrize("price", NOT_FRESH)
def test_I3_stale_or_absent_price_fails_closed(price: Price | None) -> None:
    decision = decide(*transfer(KOWLOON, 10 * HKD), prices={**PRICES, HKDH: price})
    assert decision.decision != "allow"
    assert "fails closed" in reason(decision, "small-hkdh")
    assert verdict(decision, "small-hkdh") == "skip"


def test_I3_deny_rule_applies_when_its_price_is_unknown() -> None:
    text = POLICY.replace('[[rules]]\nid = "deny-pending-kyc"', '[[rules]]\nid = "no-big-hmmf"\naction = "deny"\n'
                          'when = { assets = ["HMMF"], max_hkd = "10.00" }\n\n[[rules]]\nid = "deny-pending-kyc"', 1)
    decision = decide(*transfer(KOWLOON, 1, HMMF), policy=make_policy(text), prices={**PRICES, HMMF: None})
    assert decision.decision == "deny"
    assert "when a condition cannot be checked" in reason(decision, "no-big-hmmf")


@pytest.mark.parametrize(("spent", "expected"), [
    (150_000 * HKD, "allow"),  # 150,000 + 50,000 = the limit
    (150_000 * HKD + 1, "escalate"),  # one base unit over: the small rule no longer matches
])
def test_I4_velocity_counts_what_was_sent_plus_this_transfer(spent: int, expected: str) -> None:
    seen: list[tuple[str, datetime]] = []

    def spent_hkd(vault: str, since: datetime) -> int:
        seen.append((vault, since))
        return spent

    decision = decide(*transfer(KOWLOON, 50_000 * HKD), spent_hkd=spent_hkd)
    assert decision.decision == expected
    assert seen[0] == (CLIENT, NOW - timedelta(hours=24))


def test_I4_velocity_counts_earlier_transfers_of_the_same_batch() -> None:
    # Ten transfers of 20,000 HKDH: each alone is small, together they reach 200,000; one more unit is too much.
    calls = [(0, HKDH, 0, transfer(KOWLOON, 20_000 * HKD)[1]) for _ in range(10)]
    assert decide(MSCO, batch(*calls), operation=1).decision == "allow"
    calls.append((0, HKDH, 0, transfer(KOWLOON, 1)[1]))
    decision = decide(MSCO, batch(*calls), operation=1)
    assert decision.decision == "escalate"
    assert "call 11: does not match: the vault's transfers in the last 24 hours would reach HKD 200,000.000001" in \
        reason(decision, "small-hkdh")


def test_I4_velocity_without_a_spent_figure_fails_closed() -> None:
    decision = decide(*transfer(KOWLOON, 10 * HKD), spent_hkd=lambda vault, since: None)
    assert decision.decision == "escalate"  # the small rule cannot tell; the next rule (no velocity) decides
    assert "is not known: the velocity limit fails closed" in reason(decision, "small-hkdh")
    assert decide(*transfer(KOWLOON, 10 * HKD), spent_hkd=None).decision == "escalate"


def test_I4_velocity_per_asset_counts_its_own_units() -> None:
    assert decide(*transfer(KOWLOON, 40_000 * HKD, HMMF), spent_amount=lambda v, a, s: 50_000 * HKD).decision \
        == "escalate"
    over = decide(*transfer(KOWLOON, 40_000 * HKD + 1, HMMF), spent_amount=lambda v, a, s: 50_000 * HKD)
    assert over.decision == "deny"
    assert "HMMF sent in the last 7 days would be 90,000.000001" in reason(over, "fund-units")


def test_I5_proposer_never_counts_as_an_approver() -> None:
    data = transfer(KOWLOON, 10 * HKD)
    decision = decide(*data, proposer=ALICE, approvers=(ALICE, BEN))
    assert decision.decision == "allow" and decision.required_approvals == 2
    assert decision.approvals_counted == (BEN,) and not decision.approvals_met
    assert "whose own approval does not count; 1 of 2 given" in reason(decision, "segregation-of-duties")
    met = decide(*data, proposer=ALICE, approvers=(ALICE, BEN, CARMEN, STRANGER))  # a non-owner never counts
    assert met.approvals_counted == (BEN, CARMEN) and met.approvals_met


def test_I5_approvals_the_vault_cannot_give_without_the_proposer_deny() -> None:
    decision = decide(*transfer(KOWLOON, 10 * HKD), threshold=3)  # 3-of-3: only 2 owners besides the proposer
    assert decision.decision == "deny"
    assert verdict(decision, "segregation-of-duties") == "deny"
    unknown = decide(*transfer(KOWLOON, 10 * HKD), threshold=3, proposer=None)  # a non-owner proposer is fine
    assert unknown.decision == "allow" and unknown.required_approvals == 3


def test_roles_must_be_among_the_approvers() -> None:
    data = transfer(KOWLOON, 300_000 * HKD)
    without = decide(*data, approvers=(BEN,))
    assert without.decision == "escalate" and without.required_roles == ("compliance-officer",)
    assert without.roles_missing == ("compliance-officer",) and not without.approvals_met
    assert decide(*data, approvers=(BEN, CARMEN)).approvals_met


# -- windows, cooling-off, fee cap ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("now", "why"), [
    (datetime(2026, 12, 1, 8, 59, tzinfo=HK), "08:59 HKT is outside 09:00-18:00 HKT"),
    (datetime(2026, 12, 1, 18, 0, tzinfo=HK), "18:00 HKT is outside 09:00-18:00 HKT"),
    (datetime(2026, 12, 5, 11, 0, tzinfo=HK), "Saturday is outside the rule's days (weekdays)"),
    (datetime(2026, 12, 25, 11, 0, tzinfo=HK), "2026-12-25 is a closed day of the policy's calendar"),
    (datetime(2026, 12, 1, 2, 0, tzinfo=UTC), "02:00 UTC is 10:00 HKT: inside"),
])
def test_time_window_in_the_policy_time_zone(now: datetime, why: str) -> None:
    decision = decide(*transfer(KOWLOON, 10 * HKD), now=now)
    if why.endswith("inside"):
        assert decision.decision == "allow"
    else:
        assert decision.decision == "escalate"
        assert why in reason(decision, "small-hkdh")


def test_cooling_off_for_a_new_counterparty() -> None:
    decision = decide(*transfer(NEWCO, 10 * HKD))  # added 2026-11-30, 72 hours not yet over
    assert decision.decision == "escalate"
    assert "Newco Investor was added on 2026-11-30 00:00 UTC, less than 72 hours ago" in reason(decision, "small-hkdh")
    later = decide(*transfer(NEWCO, 10 * HKD), now=datetime(2026, 12, 3, 10, 0, tzinfo=HK))
    assert later.decision == "allow"


def test_fee_cap_applies_to_a_known_quote_and_is_passed_on() -> None:
    data = transfer(KOWLOON, 10 * HKD)
    assert decide(*data).max_fee_per_gas == 100 * 10**9
    assert decide(*data, fee_quote=FeeQuote(100 * 10**9)).decision == "allow"
    high = decide(*data, fee_quote=FeeQuote(100 * 10**9 + 1))
    assert high.decision == "escalate" and "above the cap of 100 gwei" in reason(high, "small-hkdh")


# -- A: transaction intent integrity ---------------------------------------------------------------------------------

BYBIT_DATA = bytes.fromhex("a9059cbb000000000000000000000000bdd077f651ebe7f7b3ce16fe5f2b025be2969516"
                           "0000000000000000000000000000000000000000000000000000000000000000")


def test_A1_bybit_delegatecall_blocked() -> None:
    decision = decide(TROJAN, BYBIT_DATA, operation=1, safe_tx_gas=45746)
    assert decision.decision == "deny"
    assert verdict(decision, "delegatecall") == "deny"
    assert f"untrusted DELEGATECALL to {TROJAN}" in reason(decision, "delegatecall")


def test_A2_multisend_call_only_batch_each_call_checked() -> None:
    good = batch((0, HKDH, 0, transfer(KOWLOON, 10 * HKD)[1]), (0, HKDH, 0, transfer(CLIENT, 10 * HKD)[1]))
    allowed = decide(MSCO, good, operation=1)
    assert allowed.decision == "allow", allowed.reasons
    assert verdict(allowed, "delegatecall") == "pass"
    assert "call 1: matches" in reason(allowed, "small-hkdh") and "call 2: matches" in reason(
        allowed, "coin-between-vaults")
    blind = batch((0, HKDH, 0, transfer(KOWLOON, 10 * HKD)[1]), (0, STRANGER, 0, bytes.fromhex("deadbeef")))
    assert verdict(decide(MSCO, blind, operation=1), "blind-calls") == "deny"
    nested = batch((0, HKDH, 0, transfer(KOWLOON, 10 * HKD)[1]), (1, TROJAN, 0, BYBIT_DATA))
    decision = decide(MULTISEND, nested, operation=1)  # MultiSend (not pinned) with an inner DELEGATECALL
    assert decision.decision == "deny"
    assert "untrusted DELEGATECALL" in reason(decision, "delegatecall")
    inner = decide(MSCO, nested, operation=1)
    assert "a DELEGATECALL to" in reason(inner, "delegatecall") and inner.decision == "deny"


@pytest.mark.parametrize("code_hash", [None, keccak(b"other code")])
def test_A3_pinned_address_without_its_code_is_blocked(code_hash: bytes | None) -> None:
    good = batch((0, HKDH, 0, transfer(KOWLOON, 10 * HKD)[1]))
    decision = decide(MSCO, good, operation=1, code_hashes={MSCO: code_hash})
    assert decision.decision == "deny" and verdict(decision, "delegatecall") == "deny"


GOVERNANCE_CALLS = [
    ("addOwnerWithThreshold(address,uint256)", (BEN, 2)),
    ("removeOwner(address,address,uint256)", (ALICE, BEN, 1)),
    ("swapOwner(address,address,address)", (ALICE, BEN, CARMEN)),
    ("changeThreshold(uint256)", (3,)),
    ("disableModule(address,address)", (ALICE, DEX)),
    ("setGuard(address)", (DEX,)),
    ("setFallbackHandler(address)", (DEX,)),
    ("enableModule(address)", (DEX,)),
]


@pytest.mark.parametrize(("signature", "args"), GOVERNANCE_CALLS)
def test_A4_vault_governance_escalates_to_the_quorum_with_its_delay(signature: str, args: tuple[object, ...]) -> None:
    decision = decide(CLIENT, build_call(signature, *args), proposer=OPERATOR)
    assert decision.decision == "escalate", decision.reasons
    assert verdict(decision, "governance") == "escalate"
    assert decision.required_approvals == 3 and decision.delay_seconds == 48 * 3600
    assert decision.required_roles == ("compliance-officer",)
    assert not [v for v in decision.rules if v.verdict == "match"]  # never through [[rules]]


@pytest.mark.parametrize(("signature", "args", "why"), [
    ("enableModule(address)", (STRANGER,), "which the policy does not list"),
    ("setGuard(address)", (STRANGER,), "which the policy does not list"),
    ("setFallbackHandler(address)", (STRANGER,), "which the policy does not list"),
    ("addOwnerWithThreshold(address,uint256)", (STRANGER, 2), "not a member of any role"),
    ("approveHash(bytes32)", (b"\1" * 32,), "by its hash alone"),
])
def test_A4_governance_to_unlisted_addresses_is_blocked(signature: str, args: tuple[object, ...], why: str) -> None:
    decision = decide(CLIENT, build_call(signature, *args))
    assert decision.decision == "deny" and why in reason(decision, "governance")


@pytest.mark.parametrize("signature", ["transferOwnership(address)", "upgradeTo(address)", "changeAdmin(address)"])
def test_A4_ownership_and_upgrade_calls_are_governance(signature: str) -> None:
    decision = decide(DEX, build_call(signature, STRANGER), proposer=OPERATOR)
    assert decision.decision == "escalate" and verdict(decision, "governance") == "escalate"
    assert decision.required_approvals == 3
    by_an_owner = decide(DEX, build_call(signature, STRANGER))  # 3 approvals besides Alice: only 2 owners left
    assert by_an_owner.decision == "deny" and verdict(by_an_owner, "segregation-of-duties") == "deny"


@pytest.mark.parametrize(("changed", "expected"), [
    (frozenset({"singleton"}), "deny"),
    (frozenset({"owners", "owner_count"}), "deny"),
    (frozenset({"threshold"}), "deny"),
    (frozenset({"modules"}), "deny"),
    (frozenset({"guard"}), "deny"),
    (frozenset({"fallback_handler"}), "deny"),
    (frozenset({"implementation_slot"}), "deny"),
    (frozenset({"nonce"}), "deny"),
    (frozenset(), "allow"),
])
def test_A5_state_diff_outside_governance_is_blocked(changed: frozenset[str], expected: str) -> None:
    outcome = SimulationOutcome(reverted=False, changed=tuple(f"{c} changed" for c in sorted(changed)),
                                changed_fields=changed)
    decision = decide(*transfer(KOWLOON, 10 * HKD), simulation=outcome)
    assert decision.decision == expected
    assert verdict(decision, "simulation") == ("deny" if changed else "pass")


def test_A5_governance_may_change_only_what_it_says() -> None:
    data = build_call("changeThreshold(uint256)", 3)
    ok = SimulationOutcome(reverted=False, changed=("threshold changed from 2 to 3",),
                           changed_fields=frozenset({"threshold"}))
    assert decide(CLIENT, data, simulation=ok, proposer=OPERATOR).decision == "escalate"
    worse = SimulationOutcome(reverted=False, changed=("threshold changed", "singleton changed"),
                              changed_fields=frozenset({"threshold", "singleton"}))
    assert decide(CLIENT, data, simulation=worse, proposer=OPERATOR).decision == "deny"


def test_A5_simulation_reverted_or_unavailable_is_blocked() -> None:
    data = transfer(KOWLOON, 10 * HKD)
    reverted = decide(*data, simulation=SimulationOutcome(reverted=True, reason="ERC20: insufficient balance"))
    assert reverted.decision == "deny" and "ERC20: insufficient balance" in reason(reverted, "simulation")
    missing = decide(*data, simulation=None)
    assert missing.decision == "deny" and "could not be simulated" in reason(missing, "simulation")
    lenient = make_policy(POLICY.replace("loosening_delay_hours = 24", "loosening_delay_hours = 24\n"
                                                                       "require_simulation = false"))
    assert decide(*data, policy=lenient, simulation=None).decision == "allow"


@pytest.mark.parametrize("fields", [
    {"gas_token": address("weth"), "refund_receiver": STRANGER, "gas_price": 50},
    {"gas_price": 1},
    {"gas_token": address("weth")},
    {"refund_receiver": STRANGER},
])
def test_A6_refund_smuggling_is_blocked(fields: dict[str, object]) -> None:
    decision = decide(*transfer(KOWLOON, 10 * HKD), **fields)
    assert decision.decision == "deny" and verdict(decision, "gas-refund") == "deny"
    assert "hidden transfer" in reason(decision, "gas-refund")


def test_A9_transaction_for_another_chain_is_blocked() -> None:
    decision = decide(*transfer(KOWLOON, 10 * HKD), chain_id=1)
    assert decision.decision == "deny" and verdict(decision, "chain") == "deny"


def test_A12_decision_uses_decoded_data_only() -> None:
    # The queue row claims a small payout; the signed data is an upgrade. The facts carry no summary at all: the
    # engine sees only the decoded bytes, and an intent that was not decoded from the signed fields is refused.
    signed = build_call("upgradeTo(address)", STRANGER)
    honest = facts(DEX, signed, proposer=OPERATOR)
    assert evaluate(make_policy(), honest).decision == "escalate"
    assert not hasattr(honest, "summary")
    claimed = facts(*transfer(KOWLOON, 10 * HKD)).intent  # what the row's summary would describe
    forged = dataclasses.replace(honest, intent=claimed)
    decision = evaluate(make_policy(), forged)
    assert decision.decision == "deny" and verdict(decision, "decoding") == "deny"
    assert "signed fields only" in reason(decision, "decoding")


def test_native_value_sent_with_a_call_is_a_transfer_too() -> None:
    data = bytes.fromhex("deadbeef")
    decision = decide(DEX, data, value=10**18)  # a call to a listed contract, with 1 ETH attached
    assert decision.decision == "deny"  # the call escalates, but no rule sends ETH to a contract
    assert "value sent with the call" in reason(decision, "default-deny")


# -- B: destinations ------------------------------------------------------------------------------------------------


def test_B1_lookalike_of_a_contact_is_blocked() -> None:
    fake = lookalike(KOWLOON)
    assert fake != KOWLOON and fake[2:6].lower() == KOWLOON[2:6].lower()
    decision = decide(*transfer(fake, 10 * HKD))
    assert decision.decision == "deny" and verdict(decision, "lookalike") == "deny"
    assert "looks like Kowloon Pension Trust" in reason(decision, "lookalike")
    book_fake = lookalike(STRANGER)  # the profile's address book counts too
    assert verdict(decide(*transfer(book_fake, 1)), "lookalike") == "deny"
    assert verdict(decide(*transfer(KOWLOON, 10 * HKD)), "lookalike") == "pass"


def test_denylisted_destination_is_blocked_and_an_unreadable_list_fails_closed() -> None:
    decision = decide(*transfer(SANCTIONED, 1))
    assert decision.decision == "deny" and verdict(decision, "denylist") == "deny"
    unreadable = decide(*transfer(KOWLOON, 10 * HKD), denylist=None)
    assert unreadable.decision == "deny" and "could not be read" in reason(unreadable, "denylist")


# -- D: approvals and blind calls ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "why"), [
    (build_call("approve(address,uint256)", DEX, 2**256 - 1), "unlimited amount"),
    (build_call("approve(address,uint256)", STRANGER, 1), "which is not a contact"),
])
def test_D1_unlimited_or_unknown_spender_approval_is_blocked(data: bytes, why: str) -> None:
    decision = decide(HKDH, data)
    assert decision.decision == "deny" and why in reason(decision, "token-approvals")


def test_D1_limited_approval_to_a_listed_contract_goes_through_the_rules() -> None:
    assert decide(HKDH, build_call("approve(address,uint256)", DEX, 100_000 * HKD)).decision == "allow"
    assert decide(HKDH, build_call("approve(address,uint256)", DEX, 100_000 * HKD + 1)).decision == "deny"


@pytest.mark.parametrize(("token", "data"), [
    (HDEED, build_call("setApprovalForAll(address,bool)", DEX, True)),
    (HKDH, build_call("increaseAllowance(address,uint256)", STRANGER, 5)),
    (address("permit2"), build_call("approve(address,address,uint160,uint48)", HKDH, DEX, 2**160 - 1, 0)),
])
def test_D2_other_approval_forms_are_approvals(token: str, data: bytes) -> None:
    decision = decide(token, data)
    assert decision.decision == "deny" and verdict(decision, "token-approvals") == "deny"


def test_D3_approval_hidden_in_a_batch_is_found() -> None:
    calls = [(0, HKDH, 0, transfer(KOWLOON, HKD)[1]) for _ in range(6)]
    calls.append((0, HKDH, 0, build_call("approve(address,uint256)", STRANGER, 2**256 - 1)))
    decision = decide(MSCO, batch(*calls), operation=1)
    assert decision.decision == "deny" and verdict(decision, "token-approvals") == "deny"


def test_D4_blind_call_only_to_a_listed_contract() -> None:
    unknown = bytes.fromhex("12345678") + bytes(32)
    denied = decide(STRANGER, unknown)
    assert denied.decision == "deny" and verdict(denied, "blind-calls") == "deny"
    listed = decide(DEX, unknown)
    assert listed.decision == "escalate" and verdict(listed, "dex-calls") == "escalate"
    assert decide(CLIENT, unknown).decision == "deny"  # unknown function on the vault itself


# -- ERC-3643 ---------------------------------------------------------------------------------------------------------

REFUSALS = [
    (dataclasses.replace(BOND_STATE, paused=True), "paused by the issuer"),
    (dataclasses.replace(BOND_STATE, holders={**BOND_STATE.holders, CLIENT: HolderStatus(frozen=True)}),
     "is frozen in"),
    (dataclasses.replace(BOND_STATE, holders={**BOND_STATE.holders, CLIENT: HolderStatus(free_balance=9)}),
     "free (unfrozen) balance of"),
    (dataclasses.replace(BOND_STATE, holders={**BOND_STATE.holders, KOWLOON: HolderStatus(verified=False)}),
     "is not verified in"),
    (dataclasses.replace(BOND_STATE, can_transfer={(CLIENT, KOWLOON, 10): False}), "canTransfer is false"),
    (dataclasses.replace(BOND_STATE, can_transfer={}), "was not asked"),
    (None, "could not be read"),
]


@pytest.mark.parametrize(("state", "why"), REFUSALS)
def test_erc3643_transfer_the_token_would_refuse_is_blocked(state: PermissionedToken | None, why: str) -> None:
    permissioned = {HGB29: state} if state else {}
    decision = decide(*transfer(KOWLOON, 10, HGB29), permissioned=permissioned)
    assert decision.decision == "deny" and why in reason(decision, "erc3643")


def test_erc3643_transfer_the_token_accepts_goes_through_the_rules() -> None:
    decision = decide(*transfer(KOWLOON, 10, HGB29))
    assert decision.decision == "allow" and verdict(decision, "erc3643") == "pass"


# -- I9: failures fail closed -----------------------------------------------------------------------------------------


def test_I9_rule_exception_denies() -> None:
    def broken(vault: str, since: datetime) -> int:
        raise RuntimeError("queue database unreachable")

    decision = decide(*transfer(KOWLOON, 10 * HKD), spent_hkd=broken)
    assert decision.decision == "deny"
    assert "rule small-hkdh failed: RuntimeError: queue database unreachable" in reason(decision, "small-hkdh")


def test_I9_rule_timeout_denies(monkeypatch: pytest.MonkeyPatch) -> None:
    import wallet_app.policy.engine as engine

    readings = iter(range(0, 10_000, 5))  # every reading of the engine's clock is 5 s after the last
    monkeypatch.setattr(engine, "time", SimpleNamespace(monotonic=lambda: float(next(readings))))
    decision = decide(*transfer(KOWLOON, 10 * HKD))
    assert decision.decision == "deny"
    assert "rule deny-pending-kyc failed: it took 5.0 s, more than 2.0 s" in reason(decision, "deny-pending-kyc")
    assert "check chain failed: it took 5.0 s" in reason(decision, "chain")


def test_I9_check_exception_denies(monkeypatch: pytest.MonkeyPatch) -> None:
    import wallet_app.policy.engine as engine

    def explode(policy: PolicyDocument, facts: DecisionFacts) -> object:
        raise ValueError("bad state")

    blocks = tuple((i, explode if i == "lookalike" else c) for i, c in engine.HARD_BLOCKS)
    monkeypatch.setattr(engine, "HARD_BLOCKS", blocks)
    decision = decide(*transfer(KOWLOON, 10 * HKD))
    assert decision.decision == "deny"
    assert "check lookalike failed: ValueError: bad state" in reason(decision, "lookalike")


def test_I9_engine_failure_denies_the_whole_transaction() -> None:
    broken = dataclasses.replace(facts(*transfer(KOWLOON, 10 * HKD)), owners=None)  # type: ignore[arg-type]
    decision = evaluate(make_policy(), broken)
    assert decision.decision == "deny" and decision.rules[-1].id == "engine"
