"""Prices as they were at past blocks, so that each transfer of an account's history is valued at its own block.

For every distinct block, the NAV feeds (and the FX feeds they need) of the tokens moved in it are read with one
Multicall3 batch pinned to that block (`latestRoundData` as the chain answered it then), and judged against that
block's time, exactly as a holdings snapshot at that block would be (`prices.evaluate_token_price`): a stale NAV or
FX rate, an unconfigured feed or an unreviewed token give no value; the reviewed HKD stablecoin is worth 1:1 and
needs no read.

Answers are kept in memory per (feed, block number, block hash): a history read again costs no round trip for the
blocks already read, and a block that a reorganisation replaced is never answered from the cache. A node that cannot
answer for an old block (one that keeps no archive state says so with an error) leaves those values empty; they are
asked again next time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from wallet_app.chain.client import CallResult, ChainClient
from wallet_app.errors import RpcError
from wallet_app.holdings.batching import CallPlan, fetch_plan
from wallet_app.holdings.calldata import build_plain_call
from wallet_app.holdings.feeds import FeedBook
from wallet_app.holdings.model import Price
from wallet_app.holdings.prices import (
    FEED_DECIMALS,
    LATEST_ROUND_DATA,
    compute_price_feeds,
    evaluate_token_price,
    feed_keys,
)
from wallet_app.holdings.registry import TokenEntry

MAX_CACHED = 100_000  # (feed, block) answers kept; the oldest are forgotten first


@dataclass(frozen=True, slots=True)
class PriceRequest:
    token: TokenEntry
    block_number: int
    block_hash: bytes
    block_time: int  # the block's timestamp: prices are judged stale as at this time


_Answer = tuple[CallResult | None, CallResult | None]  # decimals(), latestRoundData()


class PastPrices:
    def __init__(self, *, chain: ChainClient, load_feeds: Callable[[], FeedBook], max_cached: int = MAX_CACHED
                 ) -> None:
        self._chain = chain
        self._load_feeds = load_feeds
        self._max_cached = max_cached
        self._cache: dict[tuple[str, int, bytes], _Answer] = {}
        self._lock = threading.Lock()
        self.batches_read: list[int] = []  # the block of every batch sent (for tests and measurements)

    def fetch_prices(self, requests: Sequence[PriceRequest]) -> dict[tuple[str, int], Price | None]:
        """The price of each requested token at each requested block, by (token address, block number)."""
        book = self._load_feeds()
        by_block: dict[tuple[int, bytes], tuple[int, dict[str, TokenEntry]]] = {}
        for request in requests:
            _time, tokens = by_block.setdefault((request.block_number, request.block_hash), (request.block_time, {}))
            tokens[request.token.address] = request.token
        prices: dict[tuple[str, int], Price | None] = {}
        for (number, block_hash), (block_time, tokens) in sorted(by_block.items()):
            feeds = sorted({feed for token in tokens.values() for feed in compute_price_feeds(token, book)})
            answers = self._answers(feeds, number, block_hash)
            results: dict[Hashable, CallResult] = {}
            for feed, (decimals, round_data) in answers.items():
                decimals_key, round_key = feed_keys(feed)
                if decimals is not None:
                    results[decimals_key] = decimals
                if round_data is not None:
                    results[round_key] = round_data
            for address, token in tokens.items():
                prices[(address, number)] = evaluate_token_price(token, book, results, block_timestamp=block_time)
        return prices

    def _answers(self, feeds: list[str], number: int, block_hash: bytes) -> dict[str, _Answer]:
        with self._lock:
            known = {feed: self._cache[(feed, number, block_hash)] for feed in feeds
                     if (feed, number, block_hash) in self._cache}
        missing = [feed for feed in feeds if feed not in known]
        if not missing:
            return known
        plan = CallPlan()
        for feed in missing:
            decimals_key, round_key = feed_keys(feed)
            plan.add(decimals_key, feed, build_plain_call(FEED_DECIMALS))
            plan.add(round_key, feed, build_plain_call(LATEST_ROUND_DATA))
        self.batches_read.append(number)
        try:
            results = fetch_plan(self._chain, plan, number)
        except RpcError:
            return known  # e.g. a node without archive state: no value then, asked again next time
        fresh = {feed: (results.get(feed_keys(feed)[0]), results.get(feed_keys(feed)[1])) for feed in missing}
        with self._lock:
            for feed, answer in fresh.items():
                self._cache[(feed, number, block_hash)] = answer
            while len(self._cache) > self._max_cached:
                del self._cache[next(iter(self._cache))]
        return {**known, **fresh}
