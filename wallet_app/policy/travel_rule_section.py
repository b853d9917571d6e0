"""The policy's Travel Rule threshold:

    [travel_rule]                          # optional
    threshold_hkd = "8000"                 # HKD, in quotes; transfers worth this or more carry IVMS 101 data

HK$8,000 when absent (Hong Kong's AML rules); 0 makes every transfer carry it. Raising it loosens the policy, lowering
it tightens (wallet_app.policy.compare). Which transfers it applies to: wallet_app.compliance.requirement.
"""

from __future__ import annotations

from typing import Any

from wallet_app.holdings.model import HKD_DECIMALS
from wallet_app.policy.describe import format_amount
from wallet_app.policy.rules.parsing import Problem, check_keys, parse_amount

DEFAULT_TRAVEL_RULE_THRESHOLD: int = 8_000_000_000  # HK$8,000 in 10^-6 HKD (HKD_DECIMALS = 6)


def read_travel_rule(t: dict[str, Any]) -> int:
    """[travel_rule] -> the threshold in 10^-6 HKD."""
    check_keys(t, ("threshold_hkd",), "[travel_rule]")
    if "threshold_hkd" not in t:
        return DEFAULT_TRAVEL_RULE_THRESHOLD
    try:
        cents = int(parse_amount(t["threshold_hkd"], 2, "threshold_hkd"))  # HKD to the cent
    except Problem as problem:
        raise Problem(problem.reason, key="threshold_hkd") from None
    if cents < 0:
        raise Problem("threshold_hkd must be 0 or more", key="threshold_hkd")
    return cents * 10_000  # 10^-6 HKD (HKD_DECIMALS = 6)


def format_threshold(micro: int) -> str:
    return "HKD " + format_amount(micro, HKD_DECIMALS)
