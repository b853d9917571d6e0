"""The value of the institution (or of chosen accounts) over time: total HKD value at evenly spaced blocks.

Each point is a full holdings snapshot at its block (`HoldingsService.fetch_holdings(block=N)`): balances always come
from balanceOf at that block, never from summing transfer events, and prices are judged as at that block, so a feed
that was stale then counts nothing then. The points run from the first block holding an indexed transfer (or from
genesis when nothing is indexed yet) to the latest block. A point whose block cannot be read (a node without archive
state, a block before Multicall3 existed) is kept with no value and a note, never drawn as zero.

By default the accounts are the institution's own: its vaults and keys, not the investor and watch-only accounts it
only follows (as the Holdings page totals them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from wallet_app.chain.client import ChainClient
from wallet_app.errors import ChainError, NodeUnreachable
from wallet_app.holdings.model import HoldingsSnapshot
from wallet_app.holdings.service import HoldingsService

FOLLOWED_KINDS = frozenset({"investor", "watch"})  # accounts the institution follows but does not own
DEFAULT_POINTS = 12
MAX_POINTS = 200

Progress = Callable[[int, int], None]
"""(points read so far, points in all): called before each read and once at the end."""


@dataclass(frozen=True, slots=True)
class ValuePoint:
    block_number: int
    block_time: datetime | None
    value_hkd: int | None  # 10^-6 HKD, sum of the priced holdings; None when the block could not be read
    unpriced_count: int  # holdings with a balance but no usable price then (not counted in `value_hkd`)
    note: str = ""  # why the block could not be read, in plain words


def compute_sample_blocks(first: int, last: int, points: int) -> list[int]:
    """`points` block numbers evenly spaced from `first` to `last`, both included (fewer when the range is short)."""
    first, last = max(0, first), max(0, last)
    if points <= 1 or last <= first:
        return [last]
    count = min(points, last - first + 1)
    return sorted({first + (last - first) * i // (count - 1) for i in range(count)})


def compute_point(snapshot: HoldingsSnapshot) -> ValuePoint:
    value = sum(h.value_hkd for h in snapshot.holdings if h.value_hkd is not None)
    unpriced = sum(1 for h in snapshot.holdings if h.value_hkd is None and h.balance > 0)
    return ValuePoint(snapshot.block_number, snapshot.block_time, value, unpriced)


class ValueHistory:
    def __init__(self, *, holdings: HoldingsService, chain: ChainClient,
                 load_first_block: Callable[[], int | None]) -> None:
        self._holdings = holdings
        self._chain = chain
        self._load_first_block = load_first_block

    def load_own_accounts(self) -> list[str]:
        """The institution's own accounts (vaults and keys); no network."""
        return [a.address for a in self._holdings.load_accounts() if a.kind not in FOLLOWED_KINDS]

    def sample(self, points: int = DEFAULT_POINTS, progress: Progress | None = None,
               accounts: list[str] | None = None) -> list[ValuePoint]:
        """The total HKD value of `accounts` (default: the institution's own) at up to `points` evenly spaced
        blocks, oldest first. Raises only when the node cannot be reached at all."""
        chosen = accounts if accounts is not None else self.load_own_accounts()
        report = progress or (lambda _done, _total: None)
        if not chosen:
            report(0, 0)
            return []
        latest = self._chain.fetch_block("latest").number
        first = self._load_first_block()
        blocks = compute_sample_blocks(min(first if first is not None else 0, latest), latest,
                                       max(1, min(points, MAX_POINTS)))
        out: list[ValuePoint] = []
        for done, block in enumerate(blocks):
            report(done, len(blocks))
            try:
                out.append(compute_point(self._holdings.fetch_holdings(chosen, block=block)))
            except NodeUnreachable:
                raise
            except ChainError as exc:
                out.append(ValuePoint(block, None, None, 0, exc.user_message))
        report(len(blocks), len(blocks))
        return out
