"""The policy's Travel Rule threshold (issue 16) and the counterparty a new contact must name: read strictly, and
classified when they change (raising the threshold loosens, lowering it tightens)."""

from __future__ import annotations

import pytest

from tests.unit.test_policy_compare import draft_changes
from tests.unit.test_policy_rules import policy_text
from wallet_app.policy.document import PolicyFileError, parse_policy
from wallet_app.policy.governance import PolicyGovernanceError
from wallet_app.policy.service import require_counterparties
from wallet_app.policy.travel_rule_section import DEFAULT_TRAVEL_RULE_THRESHOLD

SECTION = ("[[roles]]", '[travel_rule]\nthreshold_hkd = "{}"\n\n[[roles]]')


def with_threshold(value: str) -> str:
    return policy_text().replace(SECTION[0], SECTION[1].format(value), 1)


def test_the_threshold_is_hk_8000_unless_the_policy_says_otherwise() -> None:
    assert parse_policy(policy_text()).travel_rule_threshold_hkd == DEFAULT_TRAVEL_RULE_THRESHOLD == 8_000 * 10**6
    assert parse_policy(with_threshold("0")).travel_rule_threshold_hkd == 0
    assert parse_policy(with_threshold("15,000.50")).travel_rule_threshold_hkd == 15_000_500_000


@pytest.mark.parametrize("written", ["-1", "8000.001", "eight", "1e4"])
def test_a_malformed_threshold_is_refused_with_its_line(written: str) -> None:
    with pytest.raises(PolicyFileError, match="threshold_hkd"):
        parse_policy(with_threshold(written), source="policy.toml")


def test_raising_the_threshold_loosens_and_lowering_it_tightens() -> None:
    raised = draft_changes((SECTION[0], SECTION[1].format("10000")))
    assert [(c.direction, c.text) for c in raised] == [
        ("loosens", "the Travel Rule threshold changes from HKD 8,000.00 to HKD 10,000.00")]
    lowered = draft_changes((SECTION[0], SECTION[1].format("0")))
    assert [(c.direction, c.text) for c in lowered] == [
        ("tightens", "the Travel Rule threshold changes from HKD 8,000.00 to HKD 0.00")]


def _with_investor(counterparty: str) -> str:
    contact = ('[[contacts]]\nlabel = "New Investor"\naddress = "0x5555555555555555555555555555555555555555"\n'
               f'kind = "investor"\nadded = 2025-01-06T00:00:00Z\n{counterparty}\n')
    return policy_text().replace("[[contacts]]", contact + "[[contacts]]", 1).replace("version = 1", "version = 2")


def test_a_new_investor_contact_must_name_the_counterparty_holding_its_address() -> None:
    base = parse_policy(policy_text())
    owner = {"0x5555555555555555555555555555555555555555": "New Investor Ltd"}
    with pytest.raises(PolicyGovernanceError, match="must name its counterparty"):
        require_counterparties(parse_policy(_with_investor("")), base, owner.get)
    with pytest.raises(PolicyGovernanceError, match="is no counterparty's address"):
        require_counterparties(parse_policy(_with_investor('counterparty = "New Investor Ltd"')), base, {}.get)
    with pytest.raises(PolicyGovernanceError, match="belongs to counterparty 'New Investor Ltd', not 'Someone Else'"):
        require_counterparties(parse_policy(_with_investor('counterparty = "Someone Else"')), base, owner.get)
    require_counterparties(parse_policy(_with_investor('counterparty = "New Investor Ltd"')), base, owner.get)
    require_counterparties(base, base, {}.get)  # contacts already in force are not asked again
    changes = draft_changes(("[[contacts]]", '[[contacts]]\nlabel = "New Investor"\naddress = '
                             '"0x5555555555555555555555555555555555555555"\nkind = "investor"\nadded = '
                             '2025-01-06T00:00:00Z\ncounterparty = "New Investor Ltd"\n\n[[contacts]]'))
    assert any(c.text == "new contact New Investor (investor, 0x5555555555555555555555555555555555555555, "
                         "counterparty New Investor Ltd)" for c in changes)
