"""Fee suggestions and `eth_feeHistory` from the London base fee of the devnet's blocks."""

from __future__ import annotations

from dataclasses import dataclass

from eth.abc import BlockHeaderAPI
from eth.vm.forks.london.headers import calculate_expected_base_fee_per_gas

from wallet_app.chain.devnet.ledger import Ledger

SUGGESTED_PRIORITY_FEE = 1_000_000_000  # 1 gwei, as geth and anvil suggest on an idle chain
MAX_HISTORY_BLOCKS = 1024


def base_fee_of(header: BlockHeaderAPI) -> int:
    fee = header.base_fee_per_gas
    return 0 if fee is None else fee


def next_base_fee(head: BlockHeaderAPI) -> int:
    return calculate_expected_base_fee_per_gas(head)


def suggested_gas_price(head: BlockHeaderAPI) -> int:
    return next_base_fee(head) + SUGGESTED_PRIORITY_FEE


@dataclass(frozen=True, slots=True)
class FeeHistory:
    oldest_block: int
    base_fee_per_gas: tuple[int, ...]  # one per block, plus the block after the newest
    gas_used_ratio: tuple[float, ...]
    reward: tuple[tuple[int, ...], ...] | None  # per block, one per requested percentile


def fee_history(
    ledger: Ledger, newest: BlockHeaderAPI, block_count: int, percentiles: tuple[float, ...] | None
) -> FeeHistory:
    count = max(0, min(block_count, MAX_HISTORY_BLOCKS, newest.block_number + 1))
    oldest = newest.block_number - count + 1
    headers = [h for n in range(oldest, newest.block_number + 1) if (h := ledger.header_by_number(n))]
    base_fees = [base_fee_of(h) for h in headers]
    base_fees.append(next_base_fee(newest))
    ratios = tuple(h.gas_used / h.gas_limit for h in headers)
    rewards = None
    if percentiles is not None:
        rewards = tuple(_block_rewards(ledger, h, percentiles) for h in headers)
    return FeeHistory(oldest if count else newest.block_number, tuple(base_fees), ratios, rewards)


def _block_rewards(ledger: Ledger, header: BlockHeaderAPI, percentiles: tuple[float, ...]) -> tuple[int, ...]:
    """The effective priority fee at each gas-weighted percentile of the block's transactions."""
    block = ledger.block(header)
    if not block.transactions:
        return tuple(0 for _ in percentiles)
    receipts = ledger.receipts(block)
    base_fee = base_fee_of(header)
    tips: list[tuple[int, int]] = []
    previous = 0
    for tx, receipt in zip(block.transactions, receipts, strict=True):
        tip = min(tx.max_priority_fee_per_gas, tx.max_fee_per_gas - base_fee)
        tips.append((tip, receipt.gas_used - previous))
        previous = receipt.gas_used
    tips.sort()
    total = sum(gas for _, gas in tips) or 1
    result = []
    for p in percentiles:
        threshold, cumulative, chosen = total * p / 100, 0, tips[-1][0]
        for tip, gas in tips:
            cumulative += gas
            if cumulative >= threshold:
                chosen = tip
                break
        result.append(chosen)
    return tuple(result)
