"""EIP-1559 fees for the executor transaction, under the policy's cap. Pure.

First fees: the node's suggested priority fee, and a max fee of twice the base fee plus that priority fee (room for
six full blocks of base-fee growth); both capped by the policy's `max_fee_per_gas` (None: no cap), and, where the
base fee allows it, kept 10 % below the cap so that one replacement still fits under it (a node may suggest a tip
close to the cap: anvil suggests 99 gwei after a transaction that paid 100). A cap below the base fee cannot be met
at all: refused, nothing is signed.

A replacement (G1, G2) keeps to/value/data/nonce and raises BOTH fees by at least 10 % (geth's default price bump;
strictly more than before, as geth also requires), and to at least what the network asks now; never above the cap.
When a 10 % bump would exceed the cap, there is no replacement.
"""

from __future__ import annotations

from dataclasses import dataclass

from wallet_app.chain.client import FeeQuote

GWEI = 10**9
BUMP_PERCENT = 10


@dataclass(frozen=True, slots=True)
class Fees:
    max_fee_per_gas: int
    max_priority_fee_per_gas: int


def plan_fees(quote: FeeQuote, cap: int | None) -> Fees | None:
    """The first fees, or None when the cap is below the base fee."""
    priority = max(0, quote.priority_fee)
    max_fee = 2 * max(0, quote.base_fee) + priority
    if cap is not None:
        if cap < quote.base_fee:
            return None
        room = cap * 100 // (100 + BUMP_PERCENT)  # one replacement with +10 % still fits under the cap
        max_fee = min(max_fee, room if room >= quote.base_fee else cap)
        priority = min(priority, max_fee)
    return Fees(max_fee, priority)


def minimum_bump(value: int, percent: int = BUMP_PERCENT) -> int:
    """At least `percent` more, rounded up, and at least 1 more."""
    return max(value + 1, -(-value * (100 + percent) // 100))


def bump_fees(old: Fees, quote: FeeQuote | None, cap: int | None, percent: int = BUMP_PERCENT) -> Fees | None:
    """Fees for a replacement of a transaction that paid `old`, or None when the bump cannot fit under `cap`."""
    least_priority = minimum_bump(old.max_priority_fee_per_gas, percent)
    least_max = max(minimum_bump(old.max_fee_per_gas, percent), least_priority)
    priority, max_fee = least_priority, least_max
    if quote is not None:  # what the network asks now, if that is more
        priority = max(priority, quote.priority_fee)
        max_fee = max(max_fee, 2 * quote.base_fee + priority)
    if cap is not None:
        if least_max > cap:
            return None
        max_fee = min(max_fee, cap)
        priority = min(priority, max_fee)
    return Fees(max_fee, priority)


def describe_wei_per_gas(value: int) -> str:
    """'12.5 gwei' or '7 wei'."""
    if value < GWEI // 1000:
        return f"{value} wei"
    text = f"{value / GWEI:.9f}".rstrip("0").rstrip(".")
    return f"{text} gwei"
