"""Token discovery: which contracts sent tokens to the profile's accounts, read from Transfer events of ANY contract.

For each account, eth_getLogs is asked (with no contract address) for the ERC-20/ERC-721 `Transfer` topic with the
account as receiver (topic 2), and for ERC-1155 `TransferSingle`/`TransferBatch` with the account as receiver
(topic 3), in the adaptive block ranges of `log_ranges`. The contracts found that the registry does not know are the
candidates; `token_detect` says which are tokens, and each token's own Transfer events (asked by its address) say
what reached and left the profile's accounts, for the spam rules (`token_spam`). Events are claims a contract makes
(E7): discovery only proposes tokens for review, and balances are never read from events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from wallet_app.chain.client import ChainClient, LogEntry
from wallet_app.domain.addresses import address_bytes, to_checksum
from wallet_app.holdings.history_decode import decode_transfer_log, topics_for
from wallet_app.holdings.log_ranges import INITIAL_RANGE, MAX_RANGE, SPARSE_LOGS, read_in_ranges
from wallet_app.holdings.model import Standard
from wallet_app.holdings.standards import TRANSFER_BATCH_TOPIC, TRANSFER_SINGLE_TOPIC, TRANSFER_TOPIC
from wallet_app.holdings.token_spam import TokenActivity


def build_incoming_filters(account: str) -> list[list[bytes | None]]:
    """The topic filters of transfers into `account`: ERC-20/721 Transfer, ERC-1155 TransferSingle/Batch."""
    word = b"\0" * 12 + address_bytes(account)
    return [
        [TRANSFER_TOPIC, None, word],
        [TRANSFER_SINGLE_TOPIC, None, None, word],
        [TRANSFER_BATCH_TOPIC, None, None, word],
    ]


def compute_senders(logs: Iterable[LogEntry]) -> set[str]:
    """The contracts that emitted `logs` (checksummed); a log with a garbled address is left out."""
    found: set[str] = set()
    for log in logs:
        try:
            found.add(to_checksum(log.address))
        except ValueError:
            continue
    return found


def compute_activity(logs: Iterable[LogEntry], token: str, standard: Standard, accounts: set[str]) -> TokenActivity:
    """What `token`'s own transfer events say reached and left `accounts` (events of other contracts are ignored
    by the decoder)."""
    received = received_zero = sent = 0
    for log in logs:
        for transfer in decode_transfer_log(log, token, standard):
            if transfer.receiver in accounts and transfer.sender not in accounts:
                received += 1
                received_zero += transfer.amount == 0
            if transfer.sender in accounts and transfer.receiver not in accounts:
                sent += 1
    return TokenActivity(received=received, received_zero=received_zero, sent=sent)


class TokenScanner:
    """Reads the chain for discovery; `ranges_read` records every eth_getLogs range asked (tests)."""

    def __init__(self, *, chain: ChainClient, initial_range: int = INITIAL_RANGE, max_range: int = MAX_RANGE,
                 sparse_logs: int = SPARSE_LOGS) -> None:
        self._chain = chain
        self._initial_range, self._max_range, self._sparse_logs = initial_range, max_range, sparse_logs
        self.ranges_read: list[tuple[str | None, int, int]] = []

    def fetch_head(self) -> int:
        return self._chain.fetch_block("latest").number

    def fetch_incoming_contracts(self, accounts: Iterable[str], start: int, head: int) -> set[str]:
        """Every contract that emitted a transfer into one of `accounts` between `start` and `head`."""
        contracts: set[str] = set()
        for account in sorted(set(accounts)):
            filters = build_incoming_filters(account)

            def read(first: int, last: int, filters: list[list[bytes | None]] = filters) -> list[LogEntry]:
                self.ranges_read.append((None, first, last))
                return [log for topics in filters for log in self._chain.fetch_logs(None, topics, first, last)]

            for _first, _last, logs in self._in_ranges(start, head, read):
                contracts |= compute_senders(logs)
        return contracts

    def fetch_activity(self, token: str, standard: Standard, accounts: set[str], start: int,
                       head: int) -> TokenActivity:
        """`token`'s transfers into and out of `accounts`, from its own events (asked by its address)."""
        topics = topics_for(standard)

        def read(first: int, last: int) -> list[LogEntry]:
            self.ranges_read.append((token, first, last))
            return [log for topic in topics for log in self._chain.fetch_logs(token, [topic], first, last)]

        logs = [log for _first, _last, part in self._in_ranges(start, head, read) for log in part]
        return compute_activity(logs, token, standard, accounts)

    def _in_ranges(self, start: int, head: int, read: Callable[[int, int], list[LogEntry]]
                   ) -> Iterator[tuple[int, int, list[LogEntry]]]:
        return read_in_ranges(start, head, read, count=len, initial_range=self._initial_range,
                              max_range=self._max_range, sparse_logs=self._sparse_logs)
