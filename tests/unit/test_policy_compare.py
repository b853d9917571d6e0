"""Comparing a draft policy with the active one (I6): each change is loosening, tightening or neutral, and anything
that cannot be classified counts as loosening."""

from __future__ import annotations

import pytest

from tests.unit.test_policy_rules import KOWLOON, MSCO, policy_text
from wallet_app.policy.compare import PolicyChange, compare_policies, is_loosening
from wallet_app.policy.document import parse_policy

NEW_CONTACT = '''
[[contacts]]
label = "Lantau Securities"
address = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
kind = "counterparty"
added = 2026-12-01T00:00:00Z
'''


# large-hkdh made weaker than small-hkdh (one approval, no role), in both policies: then what small-hkdh no longer
# matches falls to a less strict rule.
WEAK_LARGE = ('approvals = 2\nroles = ["compliance-officer"]\n[rules.when]\nvaults = ["Client Vault"]',
              'approvals = 1\n[rules.when]\nvaults = ["Client Vault"]')


def draft_changes(*edits: tuple[str, str], base: tuple[tuple[str, str], ...] = ()) -> list[PolicyChange]:
    text = policy_text()
    for old, new in base:
        assert old in text, old
        text = text.replace(old, new, 1)
    active = parse_policy(text)
    text = text.replace("version = 1", "version = 2", 1)
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return [c for c in compare_policies(active, parse_policy(text)) if not c.text.startswith("version ")]


def only(changes: list[PolicyChange]) -> PolicyChange:
    assert len(changes) == 1, changes
    return changes[0]


def test_an_unchanged_policy_with_a_new_version_has_no_changes() -> None:
    assert draft_changes() == []
    active = parse_policy(policy_text())
    same_version = compare_policies(active, active)
    assert is_loosening(same_version) and "does not increase" in same_version[0].text


def test_new_contact_loosens_and_removed_contact_tightens() -> None:
    added = only(draft_changes(("\n[[assets]]", NEW_CONTACT + "\n[[assets]]")))
    assert added.direction == "loosens" and "new contact Lantau Securities (counterparty" in added.text
    kowloon = (f'[[contacts]]\nlabel = "Kowloon Pension Trust"\naddress = "{KOWLOON}"\nkind = "investor"\n'
               'added = 2025-01-06T00:00:00Z\n')
    removed = only(draft_changes((kowloon, "")))
    assert removed.direction == "tightens" and "contact Kowloon Pension Trust" in removed.text
    renamed = only(draft_changes(('label = "Kowloon Pension Trust"', 'label = "Kowloon Pension Fund"')))
    assert renamed.direction == "loosens"
    earlier = only(draft_changes(("added = 2025-01-06T00:00:00Z", "added = 2024-01-06T00:00:00Z")))
    assert earlier.direction == "loosens" and "cooling-off" in earlier.text


@pytest.mark.parametrize(("old", "new", "direction", "words"), [
    ('max_amount = "50000.00"', 'max_amount = "80000.00"', "loosens", "up to 80,000.00 HKDH per transfer"),
    ('max_amount = "50000.00"', 'max_amount = "40000.00"', "tightens", "up to 40,000.00 HKDH"),  # falls to stricter
    ('max_hkd = "200000.00"', 'max_hkd = "300000.00"', "loosens", "HKD 300,000.00 in any 24 hours"),
    ("max_gas_price_gwei = 100", "max_gas_price_gwei = 150", "loosens", "at most 150 gwei"),
    ('to = "18:00"', 'to = "20:00"', "loosens", "09:00-20:00"),
    ('to = "18:00"', 'to = "17:00"', "tightens", "09:00-17:00"),
    ("cooling_off_hours = 72", "cooling_off_hours = 24", "loosens", "for 24 hours"),
    ("cooling_off_hours = 72", "cooling_off_hours = 96", "tightens", "for 96 hours"),
    ('destinations = "contacts:contract"', 'destinations = "contacts"', "loosens", "to any contact"),
])
def test_rule_condition_changes(old: str, new: str, direction: str, words: str) -> None:
    change = only(draft_changes((old, new)))
    assert change.direction == direction and words in change.text


def test_narrower_rule_loosens_when_a_weaker_rule_below_catches_what_it_drops() -> None:
    change = only(draft_changes(('max_amount = "50000.00"', 'max_amount = "40000.00"'), base=(WEAK_LARGE,)))
    assert change.direction == "loosens" and "falls to rules below it that are less strict" in change.text
    window = only(draft_changes(('to = "18:00"', 'to = "17:00"'), base=(WEAK_LARGE,)))
    assert window.direction == "loosens"


@pytest.mark.parametrize(("old", "new", "direction"), [
    ("approvals = 2\nwindow", "approvals = 3\nwindow", "tightens"),
    ("approvals = 2\nroles", "approvals = 1\nroles", "loosens"),
    ('roles = ["treasury-officer"]', 'roles = ["treasury-officer", "compliance-officer"]', "tightens"),
    ('roles = ["compliance-officer"]\n[rules.when]', "[rules.when]", "loosens"),
    ('id = "large-hkdh"\naction = "escalate"', 'id = "large-hkdh"\naction = "allow"', "loosens"),
    ('id = "bond"\naction = "allow"', 'id = "bond"\naction = "deny"', "tightens"),
])
def test_rule_outcome_changes(old: str, new: str, direction: str) -> None:
    assert only(draft_changes((old, new))).direction == direction


@pytest.mark.parametrize(("old", "new", "direction"), [
    ("quorum = 3", "quorum = 2", "loosens"),
    ("quorum = 3", "quorum = 4", "tightens"),
    ("delay_hours = 48", "delay_hours = 12", "loosens"),
    ("loosening_delay_hours = 24", "loosening_delay_hours = 1", "loosens"),
    ("loosening_delay_hours = 24", "loosening_delay_hours = 24\nrequire_simulation = false", "loosens"),
    ("closed = [2026-12-25]", "closed = []", "loosens"),
    ("closed = [2026-12-25]", "closed = [2026-12-25, 2026-12-26]", "tightens"),
    ('file = "sanctions.txt"', 'file = "other-list.txt"', "loosens"),
    ('timezone = "Asia/Hong_Kong"', 'timezone = "Asia/Singapore"', "loosens"),
])
def test_policy_wide_changes(old: str, new: str, direction: str) -> None:
    assert only(draft_changes((old, new))).direction == direction


def test_rules_added_removed_and_reordered() -> None:
    new_allow = '\n[[rules]]\nid = "brokers"\naction = "allow"\nwhen = { destinations = "contacts:counterparty" }\n'
    assert only(draft_changes(("\n[[rules]]\nid = \"small-hkdh\"", new_allow + "\n[[rules]]\nid = \"small-hkdh\""))) \
        .direction == "loosens"
    new_deny = new_allow.replace('"allow"', '"deny"')
    assert only(draft_changes(("\n[[rules]]\nid = \"small-hkdh\"", new_deny + "\n[[rules]]\nid = \"small-hkdh\""))) \
        .direction == "tightens"
    removed_deny = only(draft_changes(('[[rules]]\nid = "deny-pending-kyc"\naction = "deny"\n'
                                       'when = { destinations = ["Pending KYC Ltd"] }\n', "")))
    assert removed_deny.direction == "loosens" and "rule deny-pending-kyc is removed" in removed_deny.text
    text = policy_text()
    bond = text[text.index('[[rules]]\nid = "bond"'):text.index('[[rules]]\nid = "dex-allowance"')]
    reordered = draft_changes((bond, ""), ('[[rules]]\nid = "small-hkdh"', bond + '[[rules]]\nid = "small-hkdh"'))
    assert [c.direction for c in reordered] == ["loosens"] and "order of the rules" in reordered[0].text


def test_removed_allow_rule_tightens_only_when_what_follows_is_stricter() -> None:
    text = policy_text()
    coins = text[text.index('[[rules]]\nid = "coin-between-vaults"'):]
    assert only(draft_changes((coins, ""))).direction == "tightens"  # the last rule: default deny takes over
    small = text[text.index('[[rules]]\nid = "small-hkdh"'):text.index('[[rules]]\nid = "large-hkdh"')]
    assert only(draft_changes((small, ""))).direction == "tightens"  # large-hkdh below asks more
    assert only(draft_changes((small, ""), base=(WEAK_LARGE,))).direction == "loosens"  # it asks less


def test_pinned_delegatecall_targets() -> None:
    other = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
    moved = draft_changes((f'address = "{MSCO}"', f'address = "{other}"'))
    assert sorted(c.direction for c in moved) == ["loosens", "tightens"]  # one added, one removed
    text = policy_text()
    pinned = text[text.index("[[pinned_delegatecall]]"):text.index("[[rules]]")]
    removed = only(draft_changes((pinned, "")))
    assert removed.direction == "tightens" and "is removed" in removed.text


def test_is_loosening() -> None:
    assert not is_loosening([PolicyChange("tightens", "a"), PolicyChange("neutral", "b")])
    assert is_loosening([PolicyChange("tightens", "a"), PolicyChange("loosens", "b")])
