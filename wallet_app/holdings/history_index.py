"""The history indexer: reads the transfer events of the registry tokens into the profile database.

For each registry token (ERC-20 and ERC-3643 `Transfer`, ERC-721 `Transfer` with an indexed id, ERC-1155
`TransferSingle`/`TransferBatch`) the logs are read with eth_getLogs from the block after the last one indexed to the
head, in adaptive block ranges (`log_ranges`, shared with token discovery): a range is halved when the node answers
that it is too large (down to one block) and doubled after a range that returned few logs. Only transfers touching
one of the profile's accounts are stored.

Resumable: each range is stored in one transaction together with the token's progress, so a crash loses at most the
range being read. Reorganisation-aware: the hashes of the blocks read are recorded and checked again (newest first)
before each sync; from the first block whose hash changed on, transfers are deleted and read again.

Native coin transfers are not indexed: they emit no events, and finding them needs traces or every block's
transactions. Only registry tokens' contracts are queried, so events that other contracts emit never enter the
history (SECURITY.md E7). Balances never come from here: they are read with balanceOf or proofs.
"""

from __future__ import annotations

import hashlib

from wallet_app.chain.client import BlockHeader, ChainClient, LogEntry
from wallet_app.errors import ChainError, RpcError
from wallet_app.holdings.history_decode import decode_transfer_log, topics_for
from wallet_app.holdings.history_store import BlockHashChanged, HistoryStore
from wallet_app.holdings.log_ranges import INITIAL_RANGE, MAX_RANGE, SPARSE_LOGS, read_in_ranges
from wallet_app.holdings.registry import TokenEntry

ATTEMPTS = 3  # syncs retried when the chain reorganised while it was read


class HistoryReorganised(ChainError):
    code = "chain_reorganised"


def compute_accounts_digest(accounts: set[str]) -> str:
    return hashlib.sha256("\n".join(sorted(accounts)).encode()).hexdigest()


class HistoryIndexer:
    def __init__(self, *, chain: ChainClient, store: HistoryStore, initial_range: int = INITIAL_RANGE,
                 max_range: int = MAX_RANGE, sparse_logs: int = SPARSE_LOGS) -> None:
        self._chain = chain
        self._store = store
        self._initial_range = initial_range
        self._max_range = max_range
        self._sparse_logs = sparse_logs
        self.ranges_read: list[tuple[str, int, int]] = []  # (token, from, to) of every eth_getLogs range asked

    def sync(self, tokens: list[TokenEntry], accounts: set[str]) -> int:
        """Bring the index of every token up to the head; returns the head block number indexed."""
        digest = compute_accounts_digest(accounts)
        for _attempt in range(ATTEMPTS):
            try:
                self.check_reorg()
                head = self._chain.fetch_block("latest").number
                for token in tokens:
                    self._sync_token(token, accounts, digest, head)
                return head
            except BlockHashChanged:
                continue
        raise HistoryReorganised(f"The chain kept reorganising while the history was read ({ATTEMPTS} attempts); "
                                 "try again in a moment")

    def check_reorg(self) -> int | None:
        """Compare the recorded block hashes with the chain, newest first, down to the first that still matches;
        drop what was read from the lowest changed block on. Returns that block, or None when nothing changed."""
        first_bad: int | None = None
        kept: tuple[int, bytes] | None = None
        for number, recorded in self._store.load_recent_blocks():
            try:
                current: bytes | None = self._chain.fetch_block(number).hash
            except RpcError:
                current = None  # the chain is shorter now
            if current == recorded:
                kept = (number, recorded)
                break
            first_bad = number
        if first_bad is not None:
            self._store.rewind(first_bad, kept)
        return first_bad

    def _sync_token(self, token: TokenEntry, accounts: set[str], digest: str, head: int) -> None:
        topics = topics_for(token.standard)
        if not topics:
            return
        state = self._store.load_state(token.address)
        if state is not None and state.accounts_digest != digest:
            self._store.reset_token(token.address)  # other accounts now: read again from the start
            state = None
        start = 0 if state is None else state.last_block + 1

        def read(first: int, last: int) -> tuple[BlockHeader, list[LogEntry]]:
            end_header = self._chain.fetch_block(last)  # before the logs: a later change shows up as a reorg
            return end_header, self._fetch_logs(token, topics, first, last)

        for _first, end, (end_header, logs) in read_in_ranges(
            start, head, read, count=lambda result: len(result[1]), initial_range=self._initial_range,
            max_range=self._max_range, sparse_logs=self._sparse_logs,
        ):
            found = [t for log in logs for t in decode_transfer_log(log, token.address, token.standard)
                     if t.sender in accounts or t.receiver in accounts]
            headers = self._fetch_headers({t.block_number for t in found}, end_header)
            self._store.commit_range(
                token.address,
                [(t, headers[t.block_number].hash, headers[t.block_number].timestamp) for t in found],
                {n: h.hash for n, h in headers.items()},
                (end, end_header.hash),
                digest,
            )

    def _fetch_logs(self, token: TokenEntry, topics: tuple[bytes, ...], start: int, end: int) -> list[LogEntry]:
        self.ranges_read.append((token.address, start, end))
        return [log for topic in topics for log in self._chain.fetch_logs(token.address, [topic], start, end)]

    def _fetch_headers(self, numbers: set[int], end_header: BlockHeader) -> dict[int, BlockHeader]:
        """Headers of the blocks holding transfers; the range's last block is read again after them, and if it
        changed the chain reorganised during the read (BlockHashChanged: the sync starts again)."""
        headers = {n: end_header if n == end_header.number else self._chain.fetch_block(n) for n in sorted(numbers)}
        if headers and self._chain.fetch_block(end_header.number).hash != end_header.hash:
            raise BlockHashChanged(f"block {end_header.number} changed its hash during the read")
        return headers

