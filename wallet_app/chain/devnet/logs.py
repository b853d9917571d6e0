"""Event logs: the logs of a block with their positions, and `eth_getLogs` filtering."""

from __future__ import annotations

from dataclasses import dataclass

from eth.abc import BlockHeaderAPI
from eth_bloom.bloom import BloomFilter

from wallet_app.chain.devnet.ledger import Ledger


@dataclass(frozen=True, slots=True)
class FoundLog:
    block_number: int
    block_hash: bytes
    tx_hash: bytes
    tx_index: int
    log_index: int  # position in the block
    address: bytes
    topics: tuple[bytes, ...]
    data: bytes


@dataclass(frozen=True, slots=True)
class LogFilter:
    addresses: tuple[bytes, ...] = ()  # empty: any address
    topics: tuple[tuple[bytes, ...] | None, ...] = ()  # per position: None any, else one of

    def may_match(self, bloom: int) -> bool:
        """False when the block's bloom rules out every log the filter could match."""
        blooms = BloomFilter(bloom)
        if self.addresses and not any(a in blooms for a in self.addresses):
            return False
        return all(options is None or any(t in blooms for t in options) for options in self.topics)

    def matches(self, log: FoundLog) -> bool:
        if self.addresses and log.address not in self.addresses:
            return False
        if len(self.topics) > len(log.topics):
            return False
        return all(options is None or log.topics[i] in options for i, options in enumerate(self.topics))


def block_logs(ledger: Ledger, header: BlockHeaderAPI) -> list[FoundLog]:
    block = ledger.block(header)
    found: list[FoundLog] = []
    for tx_index, (tx, receipt) in enumerate(zip(block.transactions, ledger.receipts(block), strict=True)):
        for log in receipt.logs:
            found.append(
                FoundLog(
                    block_number=header.block_number,
                    block_hash=header.hash,
                    tx_hash=tx.hash,
                    tx_index=tx_index,
                    log_index=len(found),
                    address=log.address,
                    topics=tuple(t.to_bytes(32, "big") for t in log.topics),
                    data=log.data,
                )
            )
    return found


def find_logs(ledger: Ledger, first: int, last: int, log_filter: LogFilter) -> list[FoundLog]:
    found: list[FoundLog] = []
    for number in range(max(first, 0), last + 1):
        header = ledger.header_by_number(number)
        if header is None:
            break
        if header.bloom == 0 or not log_filter.may_match(header.bloom):
            continue
        found.extend(log for log in block_logs(ledger, header) if log_filter.matches(log))
    return found
