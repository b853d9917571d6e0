"""What a vault already sent, for the velocity limits (I4): each outgoing transfer since the start of the longest
window the policy's rules ask about, with its value in HKD at its own block.

Sources: executed transfers from the history index (token transfers of registry tokens out of one of the profile's
accounts, synced to the head first, each valued at its own block through `past_prices`: a stale or missing price
then leaves that transfer without a value, which makes the HKD figure unknown and an HKD velocity limit fail closed);
and `pending_outflows`, which the approval queue fills in (see there). Native-coin transfers are not in the history
index yet: a per-asset limit in the native coin fails closed (its spent figure is unknown), and an HKD limit counts
token transfers only (native coin has no HKD price in Custos yet, so a native transfer is never allowed by an HKD
limit itself); the approval queue's records will close that gap for transfers made through Custos.

The spent figures exclude the transaction being decided: it is not executed yet, and the queue's hook will leave it
out by its SafeTx hash.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from wallet_app.holdings.history import TransferView
from wallet_app.policy.document import PolicyDocument
from wallet_app.policy.facts import SpentAmount, SpentHkd
from wallet_app.policy.rules.base import NATIVE
from wallet_app.policy.rules.limits import value_in_hkd
from wallet_app.policy.rules.velocity import Velocity

EXECUTED, PENDING = "executed", "pending"


@dataclass(frozen=True, slots=True)
class Outflow:
    """One transfer out of a vault."""

    asset: str  # EIP-55 token address (the policy's asset key)
    amount: int  # base units (1 for an ERC-721 token)
    value_hkd: int | None  # 10^-6 HKD at its own block, rounded up; None: no usable price then
    at: datetime  # aware: the block's time, or when it was queued
    state: str  # EXECUTED, or PENDING for what the approval queue holds


class OutflowSource(Protocol):
    def fetch_outflows(self, vault: str, since: datetime, *, exclude_safe_tx_hash: bytes) -> list[Outflow] | None:
        """Every transfer out of `vault` at or after `since`; None when they cannot be known (not one of the
        profile's vaults)."""
        ...


class HistoryOutflows:
    """Executed transfers from the history index, plus the queue's hook."""

    def __init__(self, *, fetch_history: Callable[[str], list[TransferView]],
                 load_vaults: Callable[[], Sequence[str]]) -> None:
        self._fetch_history = fetch_history  # HistoryService.fetch_history: syncs the index, values each transfer
        self._load_vaults = load_vaults

    def fetch_outflows(self, vault: str, since: datetime, *, exclude_safe_tx_hash: bytes) -> list[Outflow] | None:
        if vault not in set(self._load_vaults()):
            return None  # the history index follows the profile's own vaults only: what it sent is unknown
        executed = [
            Outflow(view.token, view.amount, _value_then(view), view.block_time, EXECUTED)
            for view in self._fetch_history(vault)
            if view.direction == "out" and view.block_time >= since
        ]
        return executed + list(self.pending_outflows(vault, since, exclude_safe_tx_hash=exclude_safe_tx_hash))

    def pending_outflows(self, vault: str, since: datetime, *, exclude_safe_tx_hash: bytes) -> tuple[Outflow, ...]:
        """Transfers the vault has proposed or queued but not executed (on any desktop sharing the queue), except the
        transaction being decided. HOOK: the approval queue (the next issue) does not exist yet, so there is nothing
        pending to count and this returns () today; the queue fills it in from its rows (decoding each queued SafeTx
        from its signed fields, never from a row's summary, SC-8), valued at the time it was queued."""
        return ()


def _value_then(view: TransferView) -> int | None:
    """The transfer's value at its block, rounded up like a limit's amount (`value_in_hkd`): a price the engine would
    not use for a limit (stale, of unknown age, without an FX rate) gives no value."""
    if view.price_then is None:
        return None
    value, _problem = value_in_hkd(view.amount, view.decimals, view.price_then)
    return value


def longest_window(policy: PolicyDocument) -> timedelta | None:
    """The longest velocity period of any rule; None when no rule has a velocity limit (nothing is read then)."""
    periods = [c.period_seconds for rule in policy.rules for c in rule.conditions if isinstance(c, Velocity)]
    return timedelta(seconds=max(periods)) if periods else None


def build_spent_functions(vault: str, since: datetime, outflows: list[Outflow] | None,
                          ) -> tuple[SpentHkd, SpentAmount]:
    """`spent_hkd` and `spent_amount` for DecisionFacts over the outflows read since `since`. A question about another
    vault, about an earlier start than was read, or with any transfer of unknown value in HKD, is answered None
    (unknown: the velocity limit fails closed)."""

    def known(asked_vault: str, asked_since: datetime) -> list[Outflow] | None:
        if outflows is None or asked_vault != vault or asked_since < since:
            return None
        return [o for o in outflows if o.at >= asked_since]

    def spent_hkd(asked_vault: str, asked_since: datetime) -> int | None:
        found = known(asked_vault, asked_since)
        if found is None or any(o.value_hkd is None for o in found):
            return None
        return sum(o.value_hkd or 0 for o in found)

    def spent_amount(asked_vault: str, asset: str, asked_since: datetime) -> int | None:
        found = known(asked_vault, asked_since)
        if found is None or asset == NATIVE:
            return None  # native-coin transfers are not indexed: what was sent is unknown
        return sum(o.amount for o in found if o.asset == asset)

    return spent_hkd, spent_amount
