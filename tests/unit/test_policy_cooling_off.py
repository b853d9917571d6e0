"""When a destination opens for transfers (`wallet_app.policy.cooling_off`): contacts without a cooling-off, several
rules with different ones, first-match shadows, the boundary instant (checked against the engine itself), the
policy's time zone, and the recipients of a queued transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.test_policy_rules import HK, facts
from tests.unit.test_policy_rules import address as make_address
from wallet_app.domain.abi import build_call
from wallet_app.domain.safe_tx import Operation, SafeTx
from wallet_app.policy.cooling_off import compute_opening, compute_tx_openings, describe_opening
from wallet_app.policy.document import PolicyDocument, fill_policy_template, parse_policy
from wallet_app.policy.engine import evaluate
from wallet_app.policy.multisend import PackedCall, build_multisend_call

CLIENT, TREASURY, OTHER = make_address("cool client"), make_address("cool treasury"), make_address("cool other")
OLD, NEW, BROKER = make_address("cool old investor"), make_address("cool new investor"), make_address("cool broker")
STRANGER = make_address("cool stranger")
HKDH, HMMF, MSCO = make_address("cool hkdh"), make_address("cool hmmf"), make_address("cool msco")
ADDED = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # 14:00 in Hong Kong
NOW = datetime(2026, 12, 8, 10, 30, tzinfo=HK)
HEAD = """\
[policy]
version = 1
name = "Cooling-off test"
chain_id = 1770177
timezone = "{zone}"
loosening_delay_hours = 24

[governance]
vault = "{treasury}"
quorum = 2
delay_hours = 48

[[contacts]]
label = "Client Vault"
address = "{client}"
kind = "vault"
added = 2025-01-02T00:00:00Z

[[contacts]]
label = "Other Vault"
address = "{other}"
kind = "vault"
added = 2025-01-02T00:00:00Z

[[contacts]]
label = "Old Investor"
address = "{old}"
kind = "investor"
added = 2025-01-06T00:00:00Z

[[contacts]]
label = "Kowloon Pension Trust"
address = "{new}"
kind = "investor"
added = {added}

[[contacts]]
label = "Cheung Kong Securities"
address = "{broker}"
kind = "counterparty"
added = {added}

[[assets]]
symbol = "HSK"
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

[[pinned_delegatecall]]
label = "MultiSendCallOnly 1.4.1"
address = "{msco}"
code_hash = "0x{zeros}"

"""
SMALL = """
[[rules]]
id = "small-hkdh"
action = "allow"
cooling_off_hours = 72
when = { vaults = ["Client Vault"], assets = ["HKDH"], kinds = ["transfer"], destinations = "contacts:investor" }
"""
LARGE = """
[[rules]]
id = "large-hkdh"
action = "escalate"
when = { vaults = ["Client Vault"], assets = ["HKDH"], kinds = ["transfer"], destinations = "contacts:investor" }
"""


def policy(rules: str, *, zone: str = "Asia/Hong_Kong", added: str = "2026-12-07T06:00:00Z") -> PolicyDocument:
    values = {"zone": zone, "treasury": TREASURY, "client": CLIENT, "other": OTHER, "old": OLD, "new": NEW,
              "broker": BROKER, "hkdh": HKDH, "hmmf": HMMF, "msco": MSCO, "zeros": "0" * 64, "added": added}
    return parse_policy(fill_policy_template(HEAD + rules, values), source="cooling-off-test.toml")


def text(document: PolicyDocument, destination: str = NEW, *, now: datetime = NOW, asset: str | None = HKDH,
         vault: str = CLIENT) -> str:
    return describe_opening(compute_opening(document, vault, destination, now=now, asset=asset), document)


def test_a_contact_inside_its_cooling_off_opens_at_added_plus_the_rule_s_hours_in_the_policy_zone() -> None:
    document = policy(SMALL)
    opening = compute_opening(document, CLIENT, NEW, now=NOW, asset=HKDH)
    assert opening.status == "cooling" and opening.cooling
    assert opening.opens_at == ADDED + timedelta(hours=72)
    assert opening.first is not None and opening.first.rule_id == "small-hkdh"
    assert text(document) == ("Kowloon Pension Trust opens for HKDH transfers on 2026-12-10 14:00 HKT (72 h "
                              "cooling-off for new contacts under rule small-hkdh, added 2026-12-07 14:00 HKT).")
    assert text(document, asset=None).startswith("Kowloon Pension Trust opens for transfers on 2026-12-10 14:00 HKT")


def test_contacts_without_a_cooling_off_or_past_it_are_open_and_strangers_are_not_its_business() -> None:
    assert compute_opening(policy(LARGE), CLIENT, NEW, now=NOW, asset=HKDH).status == "open"  # no cooling-off
    old = compute_opening(policy(SMALL), CLIENT, OLD, now=NOW, asset=HKDH)  # added in 2025
    assert old.status == "open" and old.first is not None and old.first.rule_id == "small-hkdh"
    assert text(policy(SMALL), OLD) == ""
    stranger = compute_opening(policy(SMALL), CLIENT, STRANGER, now=NOW, asset=HKDH)
    assert stranger.status == "not_contact" and stranger.contact is None and text(policy(SMALL), STRANGER) == ""


def test_several_rules_the_earliest_that_may_allow_decides_and_later_ones_are_said() -> None:
    # The routine rule waits 72 h, the larger one nothing: open now, through the larger one; the routine one later.
    both = policy(SMALL + LARGE)
    opening = compute_opening(both, CLIENT, NEW, now=NOW, asset=HKDH)
    assert opening.status == "open" and opening.first is not None and opening.first.rule_id == "large-hkdh"
    assert [(r.rule_id, r.opens_at) for r in opening.later] == [("small-hkdh", ADDED + timedelta(hours=72))]
    assert text(both) == ("Kowloon Pension Trust is open for HKDH transfers under rule large-hkdh; rule small-hkdh "
                          "applies from 2026-12-10 14:00 HKT (72 h cooling-off).")
    # Each with its own cooling-off: the shorter one opens first, whatever its place.
    staged = policy(SMALL + LARGE.rstrip() + "\ncooling_off_hours = 24\n")
    opening = compute_opening(staged, CLIENT, NEW, now=NOW, asset=HKDH)
    assert opening.status == "cooling" and opening.opens_at == ADDED + timedelta(hours=24)
    assert opening.first is not None and opening.first.rule_id == "large-hkdh"
    assert [r.rule_id for r in opening.later] == ["small-hkdh"]
    assert text(staged).startswith("Kowloon Pension Trust opens for HKDH transfers on 2026-12-08 14:00 HKT (24 h "
                                   "cooling-off for new contacts under rule large-hkdh")


def test_first_match_a_deny_rule_above_that_surely_matches_shadows_what_is_below() -> None:
    deny_new = '\n[[rules]]\nid = "deny-new"\naction = "deny"\nwhen = { destinations = ["Kowloon Pension Trust"] }\n'
    shadowed = policy(deny_new + LARGE)
    assert compute_opening(shadowed, CLIENT, NEW, now=NOW, asset=HKDH).status == "never"
    assert text(shadowed) == ("Kowloon Pension Trust never opens for HKDH transfers from this vault: no rule of the "
                              "policy could allow one.")
    # A deny rule that matches only some transfers (small ones, or only in HMMF) leaves the rules below reachable.
    some = deny_new.replace('when = { destinations = ["Kowloon Pension Trust"] }',
                            'when = { destinations = ["Kowloon Pension Trust"], max_amount = { HKDH = "10" } }\n'
                            'cooling_off_hours = 0')
    assert compute_opening(policy(some + LARGE), CLIENT, NEW, now=NOW, asset=HKDH).status == "open"
    in_hmmf = deny_new.replace('destinations = ["Kowloon Pension Trust"]',
                               'assets = ["HMMF"], destinations = ["Kowloon Pension Trust"]')
    assert compute_opening(policy(in_hmmf + LARGE), CLIENT, NEW, now=NOW, asset=HKDH).status == "open"
    assert compute_opening(policy(in_hmmf + LARGE), CLIENT, NEW, now=NOW, asset=None).status == "open"
    assert compute_opening(policy(in_hmmf + LARGE), CLIENT, NEW, now=NOW, asset=HMMF).status == "never"
    # Rules for another vault, another asset or other kinds of contact never open it.
    assert compute_opening(policy(LARGE), OTHER, NEW, now=NOW, asset=HKDH).status == "never"
    assert compute_opening(policy(LARGE), CLIENT, NEW, now=NOW, asset=HMMF).status == "never"
    assert compute_opening(policy(LARGE), CLIENT, BROKER, now=NOW, asset=HKDH).status == "never"


def test_the_boundary_instant_agrees_with_the_engine() -> None:
    document = policy(SMALL)
    opens = ADDED + timedelta(hours=72)
    just_before = opens - timedelta(microseconds=1)
    data = build_call("transfer(address,uint256)", NEW, 10 * 10**6)
    before = compute_opening(document, CLIENT, NEW, now=just_before, asset=HKDH)
    assert before.status == "cooling" and before.opens_at == opens
    at = compute_opening(document, CLIENT, NEW, now=opens, asset=HKDH)
    assert at.status == "open" and text(document, now=opens) == ""
    for moment, expected in ((just_before, "deny"), (opens, "allow")):
        decision = evaluate(document, facts(HKDH, data, safe=CLIENT, now=moment, owners=(CLIENT, OTHER, OLD),
                                            proposer=CLIENT, code_hashes={}))
        assert decision.decision == expected, decision.reasons
    denied = evaluate(document, facts(HKDH, data, safe=CLIENT, now=just_before, proposer=CLIENT))
    assert any("less than 72 hours ago (cooling-off" in r for r in denied.reasons + [v.reason for v in denied.rules])


@pytest.mark.parametrize(("zone", "added", "shown"), [
    # A contact added as a date starts its cooling-off at midnight in the policy's zone.
    ("Asia/Hong_Kong", "2026-12-07", "opens for HKDH transfers on 2026-12-10 00:00 HKT"),
    # A zone without one abbreviation all year is named in full; summer time counts.
    ("Europe/London", "2026-07-01T00:00:00Z", "opens for HKDH transfers on 2026-07-04 01:00 Europe/London"),
    ("Europe/London", "2026-12-07T06:00:00Z", "opens for HKDH transfers on 2026-12-10 06:00 Europe/London"),
])
def test_times_are_in_the_policy_time_zone(zone: str, added: str, shown: str) -> None:
    document = policy(SMALL, zone=zone, added=added)
    contact = document.book.contacts[NEW]
    now = contact.added + timedelta(hours=1)
    assert shown in text(document, now=now)


def test_the_recipients_of_a_queued_transaction_single_and_batched() -> None:
    document = policy(SMALL + LARGE.replace("escalate", "allow").replace('"contacts:investor"', '"contacts:vault"'))
    one = SafeTx(CLIENT, 1770177, "1.4.1", HKDH, 0, build_call("transfer(address,uint256)", NEW, 5), Operation.CALL, 3)
    [opening] = compute_tx_openings(document, one, now=NOW)
    assert (opening.destination, opening.asset, opening.status) == (NEW, HKDH, "cooling")
    calls = [PackedCall(0, HKDH, 0, build_call("transfer(address,uint256)", NEW, 5)),
             PackedCall(0, HKDH, 0, build_call("transfer(address,uint256)", NEW, 6)),
             PackedCall(0, NEW, 10**18, b""),
             PackedCall(0, HKDH, 0, build_call("transfer(address,uint256)", OTHER, 7))]
    batch = SafeTx(CLIENT, 1770177, "1.4.1", MSCO, 0, build_multisend_call(calls), Operation.DELEGATECALL, 3)
    found = [(o.destination, o.asset, o.status) for o in compute_tx_openings(document, batch, now=NOW)]
    assert found == [(NEW, HKDH, "cooling"), (NEW, "native", "never"), (OTHER, HKDH, "open")]
