"""What a vault already sent, for the velocity limits (I4): each outgoing transfer since the start of the longest
window the policy's rules ask about, with its value in HKD at its own block.

Sources: executed transfers from the history index (token transfers of registry tokens out of one of the profile's
accounts, synced to the head first, each valued at its own block through `past_prices`: a stale or missing price
then leaves that transfer without a value, which makes the HKD figure unknown and an HKD velocity limit fail closed);
and `pending_outflows`: what the approval queue holds for the vault (proposed, approving, ready or executing), on
every desktop sharing the queue. Native-coin transfers are not in the history
index yet: a per-asset limit in the native coin fails closed (its spent figure is unknown), and an HKD limit counts
token transfers only (native coin has no HKD price in Custos yet, so a native transfer is never allowed by an HKD
limit itself).

The spent figures exclude the transaction being decided (the queue leaves it out by its SafeTx hash).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from wallet_app.holdings.history import TransferView
from wallet_app.holdings.model import Price
from wallet_app.policy.document import PolicyDocument
from wallet_app.policy.facts import SpentAmount, SpentHkd
from wallet_app.policy.intent import Intent, Kind
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
    """Executed transfers from the history index."""

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
        return executed


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


def pending_outflows(vault: str, intents: Sequence[Intent], prices: Mapping[str, Price | None],
                     decimals: Callable[[str], int | None], at: datetime) -> list[Outflow]:
    """What the queue holds for `vault` and has not executed (on any desktop sharing the queue), as outflows dated
    `at` (the decision's time: a pending transfer may execute inside any window), valued at today's prices like the
    transaction decided on. Each intent is decoded from a queued SafeTx's signed fields, never from a row's words.
    Native-coin value is left out as for executed transfers (see the module's docstring)."""
    flows: list[Outflow] = []
    for intent in intents:
        for node in intent.walk():
            if node.sender is not None and node.sender != vault:
                continue  # transferFrom someone else's allowance: not the vault's assets
            if node.kind is Kind.TOKEN_TRANSFER and node.asset is not None and node.amount is not None:
                flows.append(_pending(node.asset, node.amount, prices, decimals, at))
            elif node.kind is Kind.NFT_TRANSFER and node.asset is not None:
                flows.append(_pending(node.asset, sum(node.amounts) or 1, prices, decimals, at))
    return flows


def _pending(asset: str, amount: int, prices: Mapping[str, Price | None], decimals: Callable[[str], int | None],
             at: datetime) -> Outflow:
    places = decimals(asset)
    value = None if places is None else value_in_hkd(amount, places, prices.get(asset))[0]
    return Outflow(asset, amount, value, at, PENDING)
