"""Value then and value over time: feed answers read at each transfer's block (one batch a block, cached), and the
institution's total at evenly spaced blocks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wallet_app.chain.client import BlockHeader, BlockRef, Call, CallResult
from wallet_app.domain.abi import selector
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import NodeUnreachable, RpcError
from wallet_app.holdings.feeds import FeedBook, FeedRule
from wallet_app.holdings.model import Account, Compliance, Holding, HoldingsSnapshot, Standard
from wallet_app.holdings.past_prices import PastPrices, PriceRequest
from wallet_app.holdings.registry import TokenEntry
from wallet_app.holdings.value_history import ValueHistory, compute_sample_blocks

FUND = to_checksum("0x" + "a1" * 20)
STABLE = to_checksum("0x" + "a2" * 20)
NAV = to_checksum("0x" + "b1" * 20)
FX = to_checksum("0x" + "c1" * 20)
VAULT = to_checksum("0x" + "11" * 20)
INVESTOR = to_checksum("0x" + "22" * 20)
T0 = 1_800_000_000

TOKENS = [TokenEntry(FUND, Standard.ERC20, "HUST", "fund", 6, role=f"nav-feed:{NAV}"),
          TokenEntry(STABLE, Standard.ERC20, "HKDH", "stable", 6, role="stablecoin")]
BOOK = FeedBook([FeedRule(NAV, "nav", "USD", 86_400), FeedRule(FX, "fx", "USD", 86_400)])


def word(value: int) -> bytes:
    return value.to_bytes(32, "big", signed=value < 0)


class FeedChain:
    """Answers decimals()/latestRoundData() of two feeds as they were at each block: the NAV rises by 1 cent a
    block from block 10; the FX feed exists from block 5. Counts the batches and the calls in them."""

    def __init__(self) -> None:
        self.batches: list[tuple[BlockRef, int]] = []
        self.refuse: set[int] = set()

    def multicall(self, calls: list[Call], *, block: BlockRef = "latest") -> list[CallResult]:
        assert isinstance(block, int)
        self.batches.append((block, len(calls)))
        if block in self.refuse:
            raise RpcError("missing trie node (the node keeps no state that old)")
        out = []
        for call in calls:
            exists = call.target == NAV or block >= 5
            if not exists:
                out.append(CallResult(True, b""))
            elif call.data[:4] == selector("decimals()"):
                out.append(CallResult(True, word(8)))
            else:
                answer = 100_00000000 + (block - 10) * 1_000000 if call.target == NAV else 7_80000000
                updated = T0 + block * 12
                out.append(CallResult(True, word(block) + word(answer) + word(updated) + word(updated) + word(1)))
        return out


def request(token: TokenEntry, block: int) -> PriceRequest:
    return PriceRequest(token, block, bytes([block]) * 32, T0 + block * 12)


def test_prices_then_are_read_once_per_block_and_cached() -> None:
    chain = FeedChain()
    prices = PastPrices(chain=chain, load_feeds=lambda: BOOK)  # type: ignore[arg-type]
    wanted = [request(TOKENS[0], 12), request(TOKENS[1], 12), request(TOKENS[0], 20), request(TOKENS[1], 3)]
    found = prices.fetch_prices(wanted)
    assert chain.batches == [(12, 4), (20, 4)]  # NAV and FX at each block with a fund transfer; none for HKDH
    at_12, at_20 = found[(FUND, 12)], found[(FUND, 20)]
    assert at_12 is not None and at_12.value == 100_02000000 and at_12.fx is not None and at_12.fx.value == 7_8 * 10**7
    assert at_20 is not None and at_20.value == 100_10000000
    stable = found[(STABLE, 3)]
    assert stable is not None and stable.source == "fixed 1:1 HKD stablecoin"
    prices.fetch_prices(wanted)
    assert len(chain.batches) == 2  # all from the cache
    replaced = PriceRequest(TOKENS[0], 12, b"\xee" * 32, T0 + 12 * 12)  # block 12 after a reorganisation
    prices.fetch_prices([replaced])
    assert chain.batches[-1] == (12, 4)


def test_no_fx_feed_yet_no_archive_state_and_unreviewed_tokens_give_no_price_then() -> None:
    chain = FeedChain()
    chain.refuse = {30}
    prices = PastPrices(chain=chain, load_feeds=lambda: BOOK)  # type: ignore[arg-type]
    unreviewed = TokenEntry(FUND, Standard.ERC20, "HUST", "fund", 6, role=f"nav-feed:{NAV}", verified=False)
    found = prices.fetch_prices([request(TOKENS[0], 3), request(TOKENS[0], 30)])
    early = found[(FUND, 3)]
    assert early is not None and early.fx is None and "gave no usable answer" in early.note  # FX feed not yet there
    assert found[(FUND, 30)] is None
    prices.fetch_prices([request(TOKENS[0], 30)])
    assert [b for b, _n in chain.batches].count(30) == 2  # a refused block is asked again, never cached
    assert prices.fetch_prices([request(unreviewed, 40)]) == {(FUND, 40): None}
    assert 40 not in [b for b, _n in chain.batches]


def test_sample_blocks_are_evenly_spaced_and_include_both_ends() -> None:
    assert compute_sample_blocks(9, 62, 12) == [9, 13, 18, 23, 28, 33, 37, 42, 47, 52, 57, 62]
    assert compute_sample_blocks(0, 5, 12) == [0, 1, 2, 3, 4, 5]
    assert compute_sample_blocks(7, 7, 12) == [7] and compute_sample_blocks(3, 10, 1) == [10]


class FakeHoldings:
    def __init__(self, fail_at: int | None = None, unreachable: bool = False) -> None:
        self.calls: list[tuple[list[str] | None, int | None]] = []
        self.fail_at = fail_at
        self.unreachable = unreachable

    def load_accounts(self) -> list[Account]:
        return [Account(VAULT, "Vault", "vault"), Account(INVESTOR, "Investor", "investor")]

    def fetch_holdings(self, accounts: list[str] | None = None, block: int | None = None) -> HoldingsSnapshot:
        self.calls.append((accounts, block))
        assert block is not None
        if self.unreachable:
            raise NodeUnreachable("The node does not answer")
        if block == self.fail_at:
            raise RpcError("missing trie node")
        priced = Holding(VAULT, STABLE, Standard.ERC20, None, "HKDH", "x", 6, block * 10**6, 0, None, block * 10**6,
                         Compliance(), True)
        unpriced = Holding(VAULT, "native", Standard.NATIVE, None, "HSK", "x", 18, 5, 0, None, None, Compliance(), True)
        when = datetime.fromtimestamp(T0 + block * 12, UTC)
        return HoldingsSnapshot(block, b"\1" * 32, when, (Account(VAULT, "Vault", "vault"),), (priced, unpriced),
                                block_time=when)


class Head:
    def fetch_block(self, block: BlockRef = "latest") -> BlockHeader:
        return BlockHeader(62, b"\2" * 32, T0 + 62 * 12, b"\0" * 32, None)


def test_value_history_reads_own_accounts_at_each_block_with_progress() -> None:
    holdings = FakeHoldings(fail_at=33)
    history = ValueHistory(holdings=holdings, chain=Head(), load_first_block=lambda: 9)  # type: ignore[arg-type]
    progress: list[tuple[int, int]] = []
    points = history.sample(12, lambda done, total: progress.append((done, total)))
    assert [b for _a, b in holdings.calls] == compute_sample_blocks(9, 62, 12)
    assert all(accounts == [VAULT] for accounts, _b in holdings.calls)  # the investor is followed, not owned
    assert progress == [(i, 12) for i in range(13)]
    assert points[0].value_hkd == 9 * 10**6 and points[0].unpriced_count == 1
    assert points[0].block_time == datetime.fromtimestamp(T0 + 9 * 12, UTC)
    failed = points[5]
    assert failed.block_number == 33 and failed.value_hkd is None and "missing trie node" in failed.note
    assert points[-1].block_number == 62 and points[-1].value_hkd == 62 * 10**6
    chosen = ValueHistory(holdings=holdings, chain=Head(), load_first_block=lambda: None)  # type: ignore[arg-type]
    assert chosen.sample(3, accounts=[INVESTOR])[0].block_number == 0  # nothing indexed: from genesis
    assert holdings.calls[-1] == ([INVESTOR], 62)
    with pytest.raises(NodeUnreachable):
        ValueHistory(holdings=FakeHoldings(unreachable=True), chain=Head(),  # type: ignore[arg-type]
                     load_first_block=lambda: 9).sample(4)
