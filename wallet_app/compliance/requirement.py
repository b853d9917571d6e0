"""Whether a transfer falls under the Travel Rule, decided from the policy check of the exact transaction.

Every transfer leaf of the decoded intent (native, token and NFT transfers, and native value sent with a call) is
valued in HKD with the prices the policy check used (the feeds and NAV at proposal time). The rule applies when the
total reaches the threshold (HK$8,000 by default), when any leaf moves a stablecoin of a licensed issuer (registry
role "stablecoin:licensed": every transfer), and when any leaf cannot be priced: then it applies as if the value
were over the threshold, and the reason says why. Transfers to the institution's own vaults are not counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

from wallet_app.holdings.model import HKD_DECIMALS
from wallet_app.policy.intent import Intent, Kind
from wallet_app.policy.rules.base import NATIVE
from wallet_app.policy.rules.limits import value_in_hkd
from wallet_app.policy.travel_rule_section import DEFAULT_TRAVEL_RULE_THRESHOLD

if TYPE_CHECKING:
    from wallet_app.holdings.model import Price
    from wallet_app.policy.checker import CheckResult

DEFAULT_THRESHOLD_HKD = DEFAULT_TRAVEL_RULE_THRESHOLD  # HK$8,000 unless the policy's [travel_rule] says otherwise
_TRANSFERS = (Kind.NATIVE_TRANSFER, Kind.TOKEN_TRANSFER, Kind.NFT_TRANSFER)


@dataclass(frozen=True, slots=True)
class Requirement:
    required: bool
    value_hkd: int | None  # 10^-6 HKD of every counted leaf; None when one could not be priced
    reasons: tuple[str, ...]  # why it applies (or why not), in words
    beneficiaries: tuple[str, ...]  # the recipients a record must name
    threshold_hkd: int = DEFAULT_THRESHOLD_HKD

    def summary(self) -> str:
        state = "applies" if self.required else "does not apply"
        return f"The Travel Rule {state}: " + "; ".join(self.reasons)


def hkd_text(micro: int | None) -> str:
    if micro is None:
        return "unknown"
    whole = Decimal(micro).scaleb(-HKD_DECIMALS).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return f"HK${whole:,.2f}"  # rounded down: a value just under the threshold never reads as the threshold


def travel_rule_requirement(result: CheckResult, *, decimals: Mapping[str, int], licensed: Set[str],
                            own: Set[str], threshold_hkd: int = DEFAULT_THRESHOLD_HKD) -> Requirement:
    """`decimals`: asset key (NATIVE or token address) -> decimals; `licensed`: tokens of licensed stablecoin
    issuers; `own`: the institution's vault addresses."""
    prices: Mapping[str, Price | None] = result.carried.prices if result.carried is not None else {}
    total: int | None = 0
    reasons: list[str] = []
    beneficiaries: list[str] = []
    licensed_hit = False
    for asset, amount, recipient in _moves(result.intent):
        if recipient in own:
            continue
        if recipient not in beneficiaries:
            beneficiaries.append(recipient)
        if asset in licensed:
            licensed_hit = True
            reasons.append(f"{asset} is a licensed issuer's stablecoin: every transfer of it falls under the rule")
        places = decimals.get(asset)
        if amount is None or places is None:
            value, problem = None, "its amount or decimals are not known"
        else:
            value, problem = value_in_hkd(amount, places, prices.get(asset))
        if value is None:
            total = None
            what = "the native coin" if asset == NATIVE else asset
            reasons.append(f"the value of the transfer of {what} cannot be told ({problem}): the rule applies as if "
                           f"it were at or above {hkd_text(threshold_hkd)}")
        elif total is not None:
            total += value
    if not beneficiaries:
        return Requirement(False, 0, ("it moves nothing to anyone outside the institution's vaults",), (),
                           threshold_hkd)
    over = total is None or total >= threshold_hkd
    if total is not None:
        relation = "at or above" if total >= threshold_hkd else "below"
        reasons.append(f"its value is {hkd_text(total)}, {relation} the threshold of {hkd_text(threshold_hkd)}")
    return Requirement(over or licensed_hit, total, tuple(reasons), tuple(beneficiaries), threshold_hkd)


def _moves(intent: Intent) -> list[tuple[str, int | None, str]]:
    """(asset key, amount, recipient) of every transfer leaf, in calldata order."""
    out: list[tuple[str, int | None, str]] = []
    for node in intent.walk():
        if node.kind in _TRANSFERS and node.recipient is not None:
            if node.kind is Kind.NATIVE_TRANSFER:
                out.append((NATIVE, node.amount if node.amount is not None else node.value, node.recipient))
            elif node.kind is Kind.NFT_TRANSFER:
                out.append((node.asset or "?", None, node.recipient))  # an NFT has no price here
            else:
                out.append((node.asset or "?", node.amount, node.recipient))
        if node.value and node.kind is not Kind.NATIVE_TRANSFER and node.kind is not Kind.BATCH:
            out.append((NATIVE, node.value, node.target))
    return out
