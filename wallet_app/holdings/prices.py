"""Prices and NAV per unit, and the HKD value of a balance. Pure: the calls are made by the service.

Sources: an AggregatorV3 feed (decimals, latestRoundData) named by the token registry, or the fixed 1:1 rate of an
HKD stablecoin. A feed's answer is stale when its `updatedAt` is older than the feed's maximum age at the time of the
snapshot's block (a snapshot at block N is valued as at block N); a stale price is shown with its age but values
nothing. An answer <= 0, an unfinished round or a feed that does not answer gives no price at all.
"""

from __future__ import annotations

from datetime import UTC, datetime

from wallet_app.chain.client import CallResult
from wallet_app.holdings.decode import decode_decimals, decode_int, decode_word
from wallet_app.holdings.model import HKD_DECIMALS, Price

DEFAULT_MAX_AGE_SECONDS = 26 * 3600
LATEST_ROUND_DATA = "latestRoundData()"
FEED_DECIMALS = "decimals()"


def build_fixed_hkd_price() -> Price:
    return Price(value=10**HKD_DECIMALS, decimals=HKD_DECIMALS, currency="HKD",
                 source="fixed 1:1 HKD stablecoin", updated_at=None, stale=False)


def evaluate_feed_price(feed: str, decimals: CallResult | None, round_data: CallResult | None, *,
                        block_timestamp: int, max_age_seconds: int = DEFAULT_MAX_AGE_SECONDS,
                        currency: str = "HKD") -> Price | None:
    """The NAV per unit from a feed's answers, or None when there is no usable answer."""
    feed_decimals = decode_decimals(decimals)
    answer = decode_int(round_data, 1)
    updated_at = decode_word(round_data, 3)
    if feed_decimals is None or answer is None or updated_at is None:
        return None
    if answer <= 0 or updated_at == 0 or updated_at >= 2**63:
        return None
    stale = block_timestamp - updated_at > max_age_seconds
    return Price(value=answer, decimals=feed_decimals, currency=currency, source=f"NAV feed {feed}",
                 updated_at=datetime.fromtimestamp(updated_at, UTC), stale=stale)


def compute_value_hkd(balance: int, decimals: int, price: Price | None) -> int | None:
    """Value in 10^-6 HKD, rounded down; None without a fresh HKD price."""
    if price is None or price.stale or price.currency != "HKD" or balance < 0:
        return None
    value: int = balance * price.value * 10**HKD_DECIMALS // 10 ** (decimals + price.decimals)
    return value


def compute_age_seconds(price: Price, at: datetime) -> int | None:
    """How old the price was at `at` (never negative); None for a fixed rate."""
    if price.updated_at is None:
        return None
    return max(int((at - price.updated_at).total_seconds()), 0)
