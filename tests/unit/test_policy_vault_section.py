"""The policy's vault section (issue 15): each vault's kind and storage tier, client-asset flag, an account vault's
approvers and threshold, the cold-storage threshold; what is refused with its line, and how changes are classified."""

from __future__ import annotations

import pytest

from tests.unit.test_policy_compare import draft_changes
from tests.unit.test_policy_document import line_of
from tests.unit.test_policy_rules import ALICE, BEN, CARMEN, CLIENT, TREASURY, address, policy_text
from wallet_app.policy.compare import compare_policies
from wallet_app.policy.document import PolicyFileError, parse_policy
from wallet_app.policy.vault_section import DEFAULT_COLD_THRESHOLD_BP, format_pct

COLD = address("cold vault")
COLD_CONTACT = f"""
[[contacts]]
label = "Cold Vault"
address = "{COLD}"
kind = "vault"
added = 2025-01-02T00:00:00Z
"""
VAULTS = f"""
[[vaults]]
address = "{CLIENT}"
kind = "safe"
storage = "warm"
client_assets = true

[[vaults]]
address = "{TREASURY}"
kind = "safe"
storage = "hot"

[[vaults]]
address = "{COLD}"
kind = "account"
storage = "cold"
client_assets = true
approvers = ["{ALICE}", "{BEN}", "{CARMEN}"]
threshold = 2
"""


def with_vaults(vaults: str = VAULTS, storage: str = "") -> str:
    """The test policy with the cold vault's contact, `storage` before the contacts and `vaults` after them."""
    text = policy_text()
    at = text.index("[[contacts]]")
    text = text[:at] + storage + COLD_CONTACT.lstrip() + "\n" + text[at:]
    at = text.index("[[assets]]")
    return text[:at] + vaults.lstrip() + "\n" + text[at:]


def refuse(text: str) -> PolicyFileError:
    with pytest.raises(PolicyFileError) as caught:
        parse_policy(text, source="policy.toml")
    return caught.value


def test_vaults_are_read_with_their_kind_tier_and_approvers() -> None:
    policy = parse_policy(with_vaults())
    assert [(v.label, v.kind, v.storage, v.client_assets) for v in policy.vaults] == [
        ("Client Vault", "safe", "warm", True), ("Treasury", "safe", "hot", False),
        ("Cold Vault", "account", "cold", True)]
    cold = policy.vault(COLD)
    assert cold is not None and cold.is_account
    assert cold.approvers == (ALICE, BEN, CARMEN) and cold.threshold == 2
    assert policy.cold_threshold_bp == DEFAULT_COLD_THRESHOLD_BP == 9800


def test_a_policy_without_a_vault_section_has_none_and_the_default_threshold() -> None:
    policy = parse_policy(policy_text())
    assert policy.vaults == () and policy.cold_threshold_bp == 9800


@pytest.mark.parametrize(("written", "hundredths", "shown"), [('"98"', 9800, "98.00"), ('"99.5"', 9950, "99.50"),
                                                              ("100", 10000, "100.00"), ('"0.01"', 1, "0.01")])
def test_the_cold_threshold_is_an_exact_percentage(written: str, hundredths: int, shown: str) -> None:
    policy = parse_policy(with_vaults(storage=f"[storage]\ncold_threshold_pct = {written}\n\n"))
    assert policy.cold_threshold_bp == hundredths and format_pct(hundredths) == shown


@pytest.mark.parametrize(("written", "why"), [
    ('"0"', "above 0 and at most 100"), ('"100.01"', "above 0 and at most 100"), ("98.5", "inexact float"),
    ('"98.555"', "at most two decimals"), ('"ninety"', "such as \"98\"")])
def test_a_bad_cold_threshold_is_refused_with_its_line(written: str, why: str) -> None:
    text = with_vaults(storage=f"[storage]\ncold_threshold_pct = {written}\n\n")
    error = refuse(text)
    assert why in error.reason and error.line == line_of(text, "cold_threshold_pct")


@pytest.mark.parametrize(("old", "new", "key", "why"), [
    ('storage = "cold"', 'storage = "frozen"', "storage", "must be one of hot, warm, cold"),
    ('kind = "account"', 'kind = "eoa"', "kind", "must be one of safe, account"),
    ("threshold = 2\n", "threshold = 4\n", "threshold", "is 4 but it names 3 approvers"),
    ("threshold = 2\n", "threshold = 1\n", "threshold", "at least 2"),
    (f'approvers = ["{ALICE}", "{BEN}", "{CARMEN}"]', f'approvers = ["{ALICE}"]', "approvers", "from 2 to 32"),
    (f'approvers = ["{ALICE}", "{BEN}", "{CARMEN}"]', f'approvers = ["{ALICE}", "{ALICE}", "{BEN}"]', "approvers",
     "twice"),
    (f'approvers = ["{ALICE}", "{BEN}", "{CARMEN}"]', f'approvers = ["{ALICE}", "{COLD}"]', "approvers",
     "cannot approve its own"),
    (f'approvers = ["{ALICE}", "{BEN}", "{CARMEN}"]', f'approvers = ["{ALICE.lower()}", "{BEN}"]', "approvers",
     "checksum"),
    ("client_assets = true\napprovers", 'client_assets = "yes"\napprovers', "client_assets", "true or false"),
    ("threshold = 2\n", "threshold = 2\nowners = 3\n", "owners", "unknown key 'owners'"),
])
def test_a_bad_account_vault_is_refused_with_its_line(old: str, new: str, key: str, why: str) -> None:
    text = with_vaults(VAULTS.replace(old, new, 1))
    error = refuse(text)
    assert why in error.reason, error.reason
    assert error.line is not None and key in text.splitlines()[error.line - 1]


def test_a_safe_cannot_be_cold_nor_carry_approvers() -> None:
    cold_safe = VAULTS.replace('storage = "warm"', 'storage = "cold"', 1)
    assert "should not rely on smart contracts" in refuse(with_vaults(cold_safe)).reason
    with_approvers = VAULTS.replace('storage = "hot"', f'storage = "hot"\napprovers = ["{ALICE}", "{BEN}"]', 1)
    assert "owners and threshold are on chain" in refuse(with_vaults(with_approvers)).reason
    missing = VAULTS.replace("threshold = 2\n", "")
    assert "needs 'threshold'" in refuse(with_vaults(missing)).reason


def test_a_vault_entry_must_be_a_vault_contact_and_appear_once() -> None:
    stranger = VAULTS.replace(f'address = "{TREASURY}"', f'address = "{address("stranger")}"', 1)
    assert 'must also be a [[contacts]] entry of kind "vault"' in refuse(with_vaults(stranger)).reason
    twice = VAULTS.replace(f'address = "{TREASURY}"', f'address = "{CLIENT}"', 1)
    assert f"[[vaults]] entries 1 and 2 have address '{CLIENT}'" in refuse(with_vaults(twice)).reason


def base_edits() -> tuple[tuple[str, str], ...]:
    text = with_vaults()
    return ((policy_text(), text),)


@pytest.mark.parametrize(("old", "new", "direction", "words"), [
    ("threshold = 2\n", "threshold = 3\n", "tightens", "the approvals vault Cold Vault needs changes from 2 to 3"),
    (f'"{BEN}", "{CARMEN}"]\nthreshold = 2', f'"{BEN}"]\nthreshold = 2', "tightens",
     f"approvers of vault Cold Vault: {CARMEN} is removed"),
    ('storage = "cold"', 'storage = "warm"', "loosens", "vault Cold Vault moves from cold to warm storage"),
    ("client_assets = true\napprovers", "client_assets = false\napprovers", "loosens",
     "vault Cold Vault no longer holds client assets"),
])
def test_vault_changes_are_classified(old: str, new: str, direction: str, words: str) -> None:
    changes = draft_changes((old, new), base=base_edits())
    assert [(c.direction, c.text) for c in changes] == [(direction, words)]


def test_a_new_vault_and_a_lower_cold_threshold_loosen() -> None:
    active = parse_policy(policy_text())
    added = compare_policies(active, parse_policy(with_vaults().replace("version = 1", "version = 2", 1)))
    assert any(c.direction == "loosens" and c.text.startswith("new account vault Cold Vault (cold, client assets)")
               for c in added)
    lowered = draft_changes(("[[roles]]", '[storage]\ncold_threshold_pct = "95"\n\n[[roles]]'), base=base_edits())
    assert [(c.direction, c.text) for c in lowered] == [
        ("loosens", "the cold-storage threshold changes from 98.00 % to 95.00 %")]
