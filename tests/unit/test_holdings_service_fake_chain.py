"""HoldingsService over a fake ChainClient: hostile tokens, one pinned block, a reorganisation mid-read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from eth_abi.abi import encode

from wallet_app.chain.client import BlockHeader, BlockRef, Call, CallResult, LogEntry
from wallet_app.chain.multicall import MULTICALL3_ADDRESS
from wallet_app.domain.abi import selector
from wallet_app.domain.addresses import to_checksum
from wallet_app.holdings.feeds import FeedBook, FeedRule
from wallet_app.holdings.model import NATIVE, Standard
from wallet_app.holdings.reader import NativeCoin, ReadLimits
from wallet_app.holdings.registry import TokenEntry
from wallet_app.holdings.service import ChainReorganised, HoldingsService
from wallet_app.keys.registry import KeyRecord
from wallet_app.keys.signer import KeyKind
from wallet_app.storage.labels import AddressLabel
from wallet_app.vaults.registry import VaultEntry

VAULT = "0x" + "11" * 20
WATCHED = "0x" + "22" * 20
HOSTILE = "0x" + "aa" * 20
GOOD = "0x" + "bb" * 20
FEED = "0x" + "cc" * 20
Answer = Callable[[bytes], CallResult]


def word(value: int) -> bytes:
    return value.to_bytes(32, "big", signed=value < 0)


class FakeChain:
    """Answers aggregate3 call by call from a table of (target, selector) -> answer; counts what it is asked."""

    def __init__(self, answers: dict[tuple[str, bytes], Answer], hashes: list[bytes] | None = None) -> None:
        self.answers = {(t.lower(), s): a for (t, s), a in answers.items()}
        self.hashes = hashes or [b"\x01" * 32]
        self.blocks_asked: list[BlockRef] = []
        self.multicall_sizes: list[int] = []

    @property
    def endpoint(self) -> str:
        return "fake"

    def fetch_block(self, block: BlockRef = "latest") -> BlockHeader:
        block_hash = self.hashes.pop(0) if len(self.hashes) > 1 else self.hashes[0]
        return BlockHeader(100, block_hash, 1_800_000_000, b"\0" * 32, None)

    def multicall(self, calls: list[Call], *, block: BlockRef = "latest") -> list[CallResult]:
        self.blocks_asked.append(block)
        self.multicall_sizes.append(len(calls))
        out = []
        for call in calls:
            answer = self.answers.get((call.target.lower(), call.data[:4]))
            out.append(answer(call.data[4:]) if answer else CallResult(False, b""))
        return out

    def fetch_logs(self, address: str, topics: list[bytes | None], from_block: int,
                   to_block: BlockRef = "latest") -> list[LogEntry]:
        return []


def const(data: bytes, success: bool = True) -> Answer:
    return lambda _args: CallResult(success, data)


FEEDS = FeedBook([FeedRule(to_checksum(FEED), "nav", "HKD", 26 * 3600)])


def service(chain: FakeChain, tokens: list[TokenEntry], feeds: FeedBook = FEEDS, **limits: int) -> HoldingsService:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return HoldingsService(
        chain=chain,  # type: ignore[arg-type]  # the fake implements what the reader uses
        chain_id=1,
        load_vaults=lambda: [VaultEntry(VAULT, "Vault")],
        load_keys=lambda: [KeyRecord(WATCHED, KeyKind.WATCH, "Watched", at)],
        load_labels=lambda: {VAULT: AddressLabel(VAULT, "Vault (label)", "contract")},
        load_tokens=lambda: tokens,
        native=NativeCoin("ETH", "Ether", 18),
        limits=ReadLimits(**limits),
        load_feeds=lambda: feeds,
    )


def balances(table: dict[str, int]) -> Answer:
    def answer(args: bytes) -> CallResult:
        holder = "0x" + args[12:32].hex()
        return CallResult(True, word(table.get(holder, 0)))
    return answer


def base_answers() -> dict[tuple[str, bytes], Answer]:
    return {
        (MULTICALL3_ADDRESS, selector("getEthBalance(address)")): balances({VAULT: 5 * 10**18}),
        # hostile token: bytes32 symbol, reverting name, absurd decimals, reverting balanceOf for the watched key
        (HOSTILE, selector("symbol()")): const(b"EVIL\xe2\x80\xae".ljust(32, b"\0")),
        (HOSTILE, selector("name()")): const(b"", success=False),
        (HOSTILE, selector("decimals()")): const(word(255)),
        (HOSTILE, selector("balanceOf(address)")): lambda a: (
            CallResult(False, b"") if a[12:32].hex() == WATCHED[2:] else CallResult(True, word(7))),
        (GOOD, selector("symbol()")): const(encode(["string"], ["HMMF"])),
        (GOOD, selector("name()")): const(encode(["string"], ["Money fund"])),
        (GOOD, selector("decimals()")): const(word(6)),
        (GOOD, selector("balanceOf(address)")): balances({VAULT: 2 * 10**6, WATCHED: 10**6}),
        (FEED, selector("decimals()")): const(word(8)),
        (FEED, selector("latestRoundData()")): const(word(1) + word(10_0234_0000) + word(0) + word(1_800_000_000 - 60)
                                                     + word(1)),
    }


TOKENS = [
    TokenEntry(HOSTILE, Standard.ERC20, "reg", "Registered name", 6, verified=False),
    TokenEntry(GOOD, Standard.ERC20, "HMMF", "Money fund", 6, role=f"nav-feed:{FEED}"),
]


def test_hostile_token_does_not_spoil_the_snapshot() -> None:
    chain = FakeChain(base_answers())
    snapshot = service(chain, TOKENS).fetch_holdings()
    assert set(chain.blocks_asked) == {100}  # every batch at the pinned block number
    rows = {(h.account.lower(), h.asset.lower()): h for h in snapshot.holdings}
    native = rows[(VAULT, NATIVE)]
    assert native.balance == 5 * 10**18 and native.symbol == "ETH"
    evil = rows[(VAULT, HOSTILE.lower())]
    assert evil.symbol == "EVIL\u202e" and evil.name == "Registered name"  # bytes32 symbol kept as data
    assert evil.balance == 7 and evil.decimals == 0 and evil.value_hkd is None and not evil.verified_token
    assert (WATCHED, HOSTILE.lower()) not in rows
    assert any("did not answer balanceOf" in note for note in snapshot.unreadable)
    fund = rows[(VAULT, GOOD.lower())]
    assert fund.value_hkd == 20_046_800 and fund.price is not None and not fund.price.stale
    assert rows[(WATCHED, GOOD.lower())].value_hkd == 10_023_400
    assert [a.kind for a in snapshot.accounts] == ["vault", "watch"]


def test_batches_are_split_and_all_at_one_block() -> None:
    chain = FakeChain(base_answers())
    snapshot = service(chain, TOKENS, max_calls=2).fetch_holdings()
    assert max(chain.multicall_sizes) == 2 and len(chain.multicall_sizes) > 3
    assert len(snapshot.holdings) == 2 + 3  # two native, hostile for the vault, the fund twice


def test_a_reorganisation_during_the_read_is_retried_then_refused() -> None:
    a, b, c = b"\x0a" * 32, b"\x0b" * 32, b"\x0c" * 32
    chain = FakeChain(base_answers(), hashes=[a, b, b, b])  # first read sees the block replaced
    snapshot = service(chain, TOKENS).fetch_holdings()
    assert snapshot.block_hash == b
    always = FakeChain(base_answers(), hashes=[a, b, c, a, b, c, a])
    with pytest.raises(ChainReorganised):
        service(always, TOKENS).fetch_holdings()


def test_accounts_filter_accepts_any_address() -> None:
    chain = FakeChain(base_answers())
    other = "0x" + "99" * 20
    snapshot = service(chain, TOKENS).fetch_holdings(accounts=[other, VAULT])
    assert [a.address.lower() for a in snapshot.accounts] == [other, VAULT]
    assert snapshot.accounts[0].kind == "watch"


def test_E6_a_reviewed_token_reporting_other_decimals_keeps_the_pinned_ones_and_warns() -> None:
    answers = base_answers()
    answers[(GOOD, selector("decimals()"))] = const(word(18))
    snapshot = service(FakeChain(answers), TOKENS).fetch_holdings()
    fund = next(h for h in snapshot.holdings if h.asset.lower() == GOOD.lower() and h.account.lower() == VAULT)
    assert fund.decimals == 6 and fund.value_hkd == 20_046_800  # still valued with the pinned decimals
    assert any("reports 18 decimals where the registry pinned 6" in w for w in fund.warnings)
    untouched = service(FakeChain(base_answers()), TOKENS).fetch_holdings()
    assert all(not h.warnings for h in untouched.holdings if h.asset.lower() == GOOD.lower())


def test_an_unconfigured_nav_feed_is_shown_but_values_nothing() -> None:
    snapshot = service(FakeChain(base_answers()), TOKENS, feeds=FeedBook()).fetch_holdings()
    fund = next(h for h in snapshot.holdings if h.asset.lower() == GOOD.lower() and h.account.lower() == VAULT)
    assert fund.price is not None and fund.price.value == 10_0234_0000 and fund.price.currency == ""
    assert fund.value_hkd is None and "not configured" in fund.price.note


def test_an_unreviewed_token_is_never_priced_from_its_registry_role() -> None:
    unreviewed = [TokenEntry(GOOD, Standard.ERC20, "HMMF", "Money fund", 6, role=f"nav-feed:{FEED}", verified=False)]
    chain = FakeChain(base_answers())
    snapshot = service(chain, unreviewed).fetch_holdings()
    fund = next(h for h in snapshot.holdings if h.asset.lower() == GOOD.lower() and h.account.lower() == VAULT)
    assert fund.price is None and fund.value_hkd is None
