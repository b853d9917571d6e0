"""The arithmetic of valuation, on integers: a balance times a price (times an FX rate) in HKD, rounded down once.

Light on purpose (plain values only, no chain or database imports), so that the front end can use the same
arithmetic to show a value in a price's own currency. `prices` decides which price to use; this module only counts.
"""

from __future__ import annotations

from datetime import datetime

from wallet_app.holdings.model import HKD_DECIMALS, FxRate, Price

VALUE_DECIMALS = HKD_DECIMALS  # values in a price's own currency are integers of 10^-6 of it, like HKD
REPORTS_NOW_TEXT = "age unknown: the feed reports every answer as current"
HKD = "HKD"


def compute_value_hkd(balance: int, decimals: int, price: Price | None) -> int | None:
    """Value in 10^-6 HKD, rounded down once; None without a usable price: no price, a stale one, one with a `note`,
    or one in another currency without a fresh FX rate for it."""
    if price is None or price.stale or price.note or balance < 0:
        return None
    if price.currency == HKD and price.fx is None:
        value: int = balance * price.value * 10**HKD_DECIMALS // 10 ** (decimals + price.decimals)
        return value
    fx = price.fx
    if fx is None or fx.stale or fx.currency != price.currency or fx.value <= 0:
        return None
    converted: int = (balance * price.value * fx.value * 10**HKD_DECIMALS
                      // 10 ** (decimals + price.decimals + fx.decimals))
    return converted


def compute_value_in_currency(balance: int, decimals: int, price: Price | None) -> int | None:
    """Value in 10^-6 of the price's own currency (USD for a USD NAV), rounded down; None without a usable price
    (none, stale, or of unknown currency). Shown beside the HKD value, never added to it."""
    if price is None or price.stale or not price.currency or balance < 0:
        return None
    value: int = balance * price.value * 10**VALUE_DECIMALS // 10 ** (decimals + price.decimals)
    return value


def compute_age_seconds(price: Price | FxRate, at: datetime) -> int | None:
    """How old the price was at `at` (never negative); None for a fixed rate or a feed that reports every answer as
    current (its age is unknown)."""
    if price.updated_at is None or price.reports_now:
        return None
    return max(int((at - price.updated_at).total_seconds()), 0)
