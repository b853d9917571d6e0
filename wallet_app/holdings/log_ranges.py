"""eth_getLogs in adaptive block ranges, shared by the history indexer and token discovery.

A range is halved when the node answers that it is too large (down to one block) and doubled, up to a maximum,
after a range that returned few logs. The caller's `read` does the asking; whatever it does per range (store it,
collect it) happens between two ranges, so a caller that stores each range as it comes can resume after a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sized
from typing import TypeVar

from wallet_app.errors import RpcError

INITIAL_RANGE = 2_000
MAX_RANGE = 100_000
SPARSE_LOGS = 200  # a range that returned fewer logs than this is doubled
_TOO_LARGE_HINTS = ("too many", "limit", "range", "more than", "exceed", "too large")

R = TypeVar("R")


def is_range_too_large(exc: RpcError) -> bool:
    """Whether the node refused eth_getLogs because the block range or its result was too large."""
    text = str(exc).lower()
    return any(hint in text for hint in _TOO_LARGE_HINTS)


def read_in_ranges(
    start: int,
    head: int,
    read: Callable[[int, int], R],
    *,
    count: Callable[[R], int] = lambda result: len(result) if isinstance(result, Sized) else 0,
    initial_range: int = INITIAL_RANGE,
    max_range: int = MAX_RANGE,
    sparse_logs: int = SPARSE_LOGS,
) -> Iterator[tuple[int, int, R]]:
    """(first block, last block, what `read` returned) for consecutive ranges covering `start`..`head`.

    `read(first, last)` is retried on a halved range when it raises an `RpcError` saying the range is too large;
    any other error (or one at a single block) propagates. `count(result)` is the number of logs a range gave.
    """
    size = max(1, initial_range)
    while start <= head:
        end = min(start + size - 1, head)
        try:
            result = read(start, end)
        except RpcError as exc:
            if size == 1 or not is_range_too_large(exc):
                raise
            size = max(1, size // 2)
            continue
        yield start, end, result
        start = end + 1
        if count(result) < sparse_logs:
            size = min(size * 2, max_range)
