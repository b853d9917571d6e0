"""Prices and NAV per unit, and the HKD value of a balance. Pure: the calls are made by the reader (or, for past
blocks, by `past_prices`), under the keys `build_price_plan` gives them.

Sources: an AggregatorV3 feed (decimals, latestRoundData) that a reviewed token names by its registry role
"nav-feed:<address>" and that the profile configured in `price_feeds` (see `feeds`), or the fixed 1:1 rate of a
reviewed HKD stablecoin. Unreviewed tokens are never priced from a registry role.

A NAV in another currency than HKD is converted through the profile's FX feed for that currency (HKD per unit):
value = balance x NAV x FX, computed exactly on integers and rounded down once, at the end.

Staleness is judged at the time of the block read (a snapshot at block N is valued as at block N): an answer whose
`updatedAt` is more than the feed's `max_age_seconds` older is stale. A stale NAV or a stale FX rate is shown with
its age but values nothing. An answer <= 0, an unfinished round or a feed that does not answer gives no price (or no
rate) at all.

A `reports_now` feed answers `updatedAt` = the block's own time for every answer, so its age says nothing: its answer
is shown as "age unknown: the feed reports every answer as current", never called fresh or stale on its age. Decision:
such a price is used for the HKD value (the issue asks that the feed be "treated as such", not ignored: the institution
chose to configure it), but it is marked (`Price.reports_now`, and the FX rate's own flag) everywhere it is shown, so
that the policy work can decide whether a value resting on it may count towards limits. An `updatedAt` older than the
maximum age still makes it stale: a feed that does not report the block's time is not reporting now.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from wallet_app.chain.client import CallResult
from wallet_app.holdings.batching import CallPlan
from wallet_app.holdings.calldata import build_plain_call
from wallet_app.holdings.decode import decode_decimals, decode_int, decode_word
from wallet_app.holdings.feeds import HKD, FeedBook, FeedRule
from wallet_app.holdings.model import HKD_DECIMALS, FxRate, Price
from wallet_app.holdings.registry import TokenEntry
from wallet_app.holdings.valuation import (  # re-exported: the arithmetic lives apart so the UI can load it lightly
    REPORTS_NOW_TEXT,
    VALUE_DECIMALS,
    compute_age_seconds,
    compute_value_hkd,
    compute_value_in_currency,
)

__all__ = [
    "DEFAULT_MAX_AGE_SECONDS", "REPORTS_NOW_TEXT", "UNCONFIGURED_NOTE", "VALUE_DECIMALS", "FeedAnswer",
    "build_fixed_hkd_price", "build_price_plan", "compute_age_seconds", "compute_price_feeds", "compute_value_hkd",
    "compute_value_in_currency", "decode_feed_answer", "evaluate_feed_price", "evaluate_fx_rate",
    "evaluate_token_price", "feed_keys", "is_stale",
]

DEFAULT_MAX_AGE_SECONDS = 26 * 3600  # for callers that judge a bare feed answer without a configured rule
LATEST_ROUND_DATA = "latestRoundData()"
FEED_DECIMALS = "decimals()"
UNCONFIGURED_NOTE = ("this feed is not configured in the profile's price feeds: its currency and maximum age are "
                     "unknown, so it values nothing")


@dataclass(frozen=True, slots=True)
class FeedAnswer:
    answer: int  # > 0
    decimals: int
    updated_at: int  # seconds since the epoch, > 0


def feed_keys(feed: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """The keys under which a feed's decimals() and latestRoundData() answers are kept in a results mapping."""
    return ("feed-decimals", feed), ("feed-round", feed)


def compute_price_feeds(token: TokenEntry, book: FeedBook) -> list[str]:
    """The feeds read to price `token`: its NAV feed and, for a configured NAV in another currency than HKD, the FX
    feed of that currency. None for unreviewed tokens and fixed-rate stablecoins."""
    if not token.verified or token.stablecoin:
        return []
    feed = token.nav_feed
    if feed is None:
        return []
    feeds = [feed]
    rule = book.nav(feed)
    if rule is not None and rule.currency != HKD:
        fx = book.fx(rule.currency)
        if fx is not None:
            feeds.append(fx.address)
    return feeds


def build_price_plan(tokens: list[TokenEntry], book: FeedBook) -> CallPlan:
    """decimals() and latestRoundData() of every feed the tokens need, each feed once."""
    plan = CallPlan()
    seen: set[str] = set()
    for token in tokens:
        for feed in compute_price_feeds(token, book):
            if feed in seen:
                continue
            seen.add(feed)
            decimals_key, round_key = feed_keys(feed)
            plan.add(decimals_key, feed, build_plain_call(FEED_DECIMALS))
            plan.add(round_key, feed, build_plain_call(LATEST_ROUND_DATA))
    return plan


def decode_feed_answer(decimals: CallResult | None, round_data: CallResult | None) -> FeedAnswer | None:
    """A usable answer of an AggregatorV3 feed, or None (no answer, answer <= 0, unfinished round, absurd time)."""
    feed_decimals = decode_decimals(decimals)
    answer = decode_int(round_data, 1)
    updated_at = decode_word(round_data, 3)
    if feed_decimals is None or answer is None or updated_at is None:
        return None
    if answer <= 0 or updated_at == 0 or updated_at >= 2**63:
        return None
    return FeedAnswer(answer, feed_decimals, updated_at)


def is_stale(updated_at: int, block_timestamp: int, max_age_seconds: int) -> bool:
    return block_timestamp - updated_at > max_age_seconds


def build_fixed_hkd_price() -> Price:
    return Price(value=10**HKD_DECIMALS, decimals=HKD_DECIMALS, currency="HKD",
                 source="fixed 1:1 HKD stablecoin", updated_at=None, stale=False)


def evaluate_feed_price(feed: str, decimals: CallResult | None, round_data: CallResult | None, *,
                        block_timestamp: int, max_age_seconds: int = DEFAULT_MAX_AGE_SECONDS,
                        currency: str = "HKD", reports_now: bool = False, label: str = "") -> Price | None:
    """The NAV per unit from a feed's answers, or None when there is no usable answer."""
    answer = decode_feed_answer(decimals, round_data)
    if answer is None:
        return None
    source = f"NAV feed {feed}" + (f" ({label})" if label else "")
    return Price(value=answer.answer, decimals=answer.decimals, currency=currency, source=source,
                 updated_at=datetime.fromtimestamp(answer.updated_at, UTC),
                 stale=is_stale(answer.updated_at, block_timestamp, max_age_seconds), reports_now=reports_now)


def evaluate_fx_rate(rule: FeedRule, decimals: CallResult | None, round_data: CallResult | None, *,
                     block_timestamp: int) -> FxRate | None:
    answer = decode_feed_answer(decimals, round_data)
    if answer is None:
        return None
    source = f"FX feed {rule.address}" + (f" ({rule.label})" if rule.label else "")
    return FxRate(value=answer.answer, decimals=answer.decimals, currency=rule.currency, source=source,
                  updated_at=datetime.fromtimestamp(answer.updated_at, UTC),
                  stale=is_stale(answer.updated_at, block_timestamp, rule.max_age_seconds),
                  reports_now=rule.reports_now)


def evaluate_token_price(token: TokenEntry, book: FeedBook, results: Mapping[Hashable, CallResult], *,
                         block_timestamp: int) -> Price | None:
    """The price of one unit of `token` from the answers of `build_price_plan`'s calls, judged as at
    `block_timestamp`; None when there is no usable price at all."""
    if not token.verified:
        return None  # an unreviewed token is never priced from what its registry row says
    if token.stablecoin:
        return build_fixed_hkd_price()
    feed = token.nav_feed
    if feed is None:
        return None
    decimals_key, round_key = feed_keys(feed)
    rule = book.nav(feed)
    if rule is None:
        price = evaluate_feed_price(feed, results.get(decimals_key), results.get(round_key),
                                    block_timestamp=block_timestamp, currency="", label="not configured")
        return None if price is None else replace(price, stale=False, note=UNCONFIGURED_NOTE)
    price = evaluate_feed_price(feed, results.get(decimals_key), results.get(round_key),
                                block_timestamp=block_timestamp, max_age_seconds=rule.max_age_seconds,
                                currency=rule.currency, reports_now=rule.reports_now, label=rule.label)
    if price is None or rule.currency == HKD:
        return price
    fx_rule = book.fx(rule.currency)
    if fx_rule is None:
        return replace(price, note=book.describe_missing_fx(rule.currency))
    fx_decimals, fx_round = feed_keys(fx_rule.address)
    fx = evaluate_fx_rate(fx_rule, results.get(fx_decimals), results.get(fx_round), block_timestamp=block_timestamp)
    if fx is None:
        return replace(price, note=f"the {rule.currency}/HKD FX feed {fx_rule.address} gave no usable answer")
    note = f"the {rule.currency}/HKD rate is stale (older than the FX feed's maximum age)" if fx.stale else ""
    return replace(price, fx=fx, note=note)
