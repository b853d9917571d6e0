"""The history indexer over a fake ChainClient: adaptive ranges, reorganisations, resuming, fake events (E7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_abi.abi import encode
from sqlalchemy import Engine, func, select

from wallet_app.chain.client import BlockHeader, BlockRef, LogEntry
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import ConfigError, RpcError
from wallet_app.holdings.history import HistoryService
from wallet_app.holdings.history_decode import decode_transfer_log
from wallet_app.holdings.history_index import HistoryIndexer
from wallet_app.holdings.history_store import HistoryStore
from wallet_app.holdings.model import Account, Standard
from wallet_app.holdings.registry import TokenEntry
from wallet_app.holdings.standards import TRANSFER_BATCH_TOPIC, TRANSFER_SINGLE_TOPIC, TRANSFER_TOPIC
from wallet_app.storage.database import open_database, sqlite_url
from wallet_app.storage.labels import AddressLabel
from wallet_app.storage.schema import transfers

CHAIN_ID = 177
VAULT = "0x1111111111111111111111111111111111111111"
INVESTOR = "0x2222222222222222222222222222222222222222"
STRANGER = "0x3333333333333333333333333333333333333333"
ZERO = "0x" + "00" * 20
HKDH = TokenEntry(to_checksum("0x" + "aa" * 20), Standard.ERC20, "HKDH", "HKD stable", 6)
SHARES = TokenEntry(to_checksum("0x" + "bb" * 20), Standard.ERC1155, "HFSC", "Fund shares", 0)
FAKE = to_checksum("0x" + "cc" * 20)  # not in the registry


def topic(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])


def transfer_log(token: str, block: int, index: int, sender: str, receiver: str, amount: int) -> LogEntry:
    return LogEntry(token, (TRANSFER_TOPIC, topic(sender), topic(receiver)), amount.to_bytes(32, "big"), block,
                    (block.to_bytes(8, "big") + index.to_bytes(8, "big")) * 2, index)


class FakeChain:
    """Blocks 0..head with settable hashes, a list of logs, and a node that refuses results over `max_results`."""

    def __init__(self, head: int, logs: list[LogEntry], max_results: int | None = None) -> None:
        self.head = head
        self.logs = logs
        self.max_results = max_results
        self.hashes = {n: self.hash_of(n, "a") for n in range(head + 1)}
        self.asked: list[tuple[str, int, int]] = []
        self.refused = 0
        self.fail_after: int | None = None  # raise a plain node error after this many log queries

    @staticmethod
    def hash_of(number: int, fork: str) -> bytes:
        return (fork.encode() + number.to_bytes(8, "big")).ljust(32, b"\0")

    @property
    def endpoint(self) -> str:
        return "fake"

    def fetch_block(self, block: BlockRef = "latest") -> BlockHeader:
        number = self.head if block == "latest" else block
        assert isinstance(number, int)
        if number > self.head:
            raise RpcError(f"The node has no block {number}")
        return BlockHeader(number, self.hashes[number], 1_800_000_000 + number * 2, b"\0" * 32, None)

    def fetch_logs(self, address: str, topics: list[bytes | None], from_block: int,
                   to_block: BlockRef = "latest") -> list[LogEntry]:
        assert isinstance(to_block, int) and to_block <= self.head
        if self.fail_after is not None and len(self.asked) >= self.fail_after:
            raise RpcError("The node refused eth_getLogs: internal error")
        self.asked.append((address, from_block, to_block))
        found = [log for log in self.logs if log.address.lower() == address.lower()
                 and log.topics[0] == topics[0] and from_block <= log.block_number <= to_block]
        if self.max_results is not None and len(found) > self.max_results:
            self.refused += 1
            raise RpcError(f"The node refused eth_getLogs: query returned more than {self.max_results} results")
        return found


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_database(sqlite_url(tmp_path / "custos.sqlite"))


def service(chain: FakeChain, engine: Engine, tokens: list[TokenEntry] | None = None,
            initial_range: int = 2_000, sparse_logs: int = 200) -> tuple[HistoryService, HistoryIndexer]:
    store = HistoryStore(engine=engine, chain_id=CHAIN_ID)
    indexer = HistoryIndexer(chain=chain, store=store, initial_range=initial_range,  # type: ignore[arg-type]
                             sparse_logs=sparse_logs)
    accounts = [Account(VAULT, "Client vault", "vault"), Account(INVESTOR, "Pension", "investor")]
    labels = {STRANGER: AddressLabel(STRANGER, "Broker", "counterparty")}
    history = HistoryService(indexer=indexer, store=store, load_accounts=lambda: accounts,
                             load_labels=lambda: labels, load_tokens=lambda: tokens or [HKDH])
    return history, indexer


def count_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(transfers)).scalar_one())


def test_ranges_shrink_when_the_node_refuses_and_grow_when_sparse(engine: Engine) -> None:
    dense = [transfer_log(HKDH.address, 500 + i, 0, ZERO, VAULT, 10 + i) for i in range(12)]
    chain = FakeChain(head=5_000, logs=dense, max_results=3)
    history, indexer = service(chain, engine, initial_range=1_000, sparse_logs=2)
    views = history.fetch_history(VAULT)
    assert sorted(v.amount for v in views) == [10 + i for i in range(12)]
    assert all(v.direction == "in" and v.counterparty_label == "minted" for v in views)
    assert chain.refused > 0
    sizes = [end - start + 1 for _token, start, end in indexer.ranges_read]
    assert sizes[0] == 1_000 and min(sizes) <= 4  # halved down to a range the node answers
    assert sizes[-1] > min(sizes)  # and grown again once the logs thinned out
    assert indexer.ranges_read[0][1] == 0 and indexer.ranges_read[-1][2] == 5_000


def test_sparse_ranges_double_up_to_the_head(engine: Engine) -> None:
    chain = FakeChain(head=3_099, logs=[transfer_log(HKDH.address, 7, 0, VAULT, STRANGER, 5)])
    history, indexer = service(chain, engine, initial_range=100)
    [view] = history.fetch_history(VAULT)
    assert (view.direction, view.counterparty, view.counterparty_label, view.amount) == ("out", STRANGER, "Broker", 5)
    assert [(s, e) for _t, s, e in indexer.ranges_read] == [(0, 99), (100, 299), (300, 699), (700, 1499),
                                                             (1500, 3099)]


def test_other_node_errors_are_not_taken_for_a_range_limit(engine: Engine) -> None:
    chain = FakeChain(head=10, logs=[])
    chain.fail_after = 0
    history, _indexer = service(chain, engine)
    with pytest.raises(RpcError, match="internal error"):
        history.fetch_history(VAULT)


def test_second_sync_is_incremental_and_a_crash_loses_only_the_range_being_read(engine: Engine) -> None:
    logs = [transfer_log(HKDH.address, n, 0, ZERO, VAULT, n) for n in (3, 150, 250)]
    chain = FakeChain(head=299, logs=logs)
    chain.fail_after = 1  # the second range fails
    history, indexer = service(chain, engine, initial_range=100, sparse_logs=0)
    with pytest.raises(RpcError):
        history.fetch_history(VAULT)
    assert count_rows(engine) == 1  # the first range was stored with its progress
    chain.fail_after = None
    assert [v.amount for v in history.fetch_history(VAULT)] == [250, 150, 3]
    # the failed range was asked once, then the next sync resumed at it
    assert indexer.ranges_read[1:] == [(HKDH.address, 100, 199)] * 2 + [(HKDH.address, 200, 299)]
    chain.head = 320
    chain.hashes.update({n: FakeChain.hash_of(n, "a") for n in range(300, 321)})
    chain.logs.append(transfer_log(HKDH.address, 310, 0, VAULT, INVESTOR, 1))
    indexer.ranges_read.clear()
    views = history.fetch_history(VAULT)
    assert indexer.ranges_read == [(HKDH.address, 300, 320)]
    assert [v.amount for v in views] == [1, 250, 150, 3] and count_rows(engine) == 4
    assert history.fetch_history(INVESTOR)[0].counterparty_label == "Client vault"
    assert count_rows(engine) == 4  # no duplicates however often it is synced


def test_a_reorganisation_drops_the_replaced_blocks_and_reads_them_again(engine: Engine) -> None:
    chain = FakeChain(head=100, logs=[transfer_log(HKDH.address, 40, 0, ZERO, VAULT, 1),
                                      transfer_log(HKDH.address, 80, 0, VAULT, STRANGER, 2),
                                      transfer_log(HKDH.address, 95, 0, VAULT, STRANGER, 3)])
    history, indexer = service(chain, engine)
    assert [v.amount for v in history.fetch_history(VAULT)] == [3, 2, 1]
    # blocks 60.. are replaced: the transfer at 80 moved to 85 with another amount, the one at 95 is gone
    for n in range(60, 101):
        chain.hashes[n] = FakeChain.hash_of(n, "b")
    chain.logs[1:] = [transfer_log(HKDH.address, 85, 0, VAULT, STRANGER, 7)]
    indexer.ranges_read.clear()
    views = history.fetch_history(VAULT)
    assert [(v.block_number, v.amount) for v in views] == [(85, 7), (40, 1)]
    assert views[0].block_hash == FakeChain.hash_of(85, "b")
    assert indexer.ranges_read == [(HKDH.address, 41, 100)]  # re-read from the last block that still matched
    assert count_rows(engine) == 2


def test_a_shorter_chain_after_a_reorganisation(engine: Engine) -> None:
    chain = FakeChain(head=50, logs=[transfer_log(HKDH.address, 49, 0, ZERO, VAULT, 9)])
    history, _indexer = service(chain, engine)
    assert len(history.fetch_history(VAULT)) == 1
    chain.head = 45
    chain.logs.clear()
    assert history.fetch_history(VAULT) == [] and count_rows(engine) == 0


def test_a_fake_transfer_from_a_non_registry_contract_never_enters_the_history(engine: Engine) -> None:
    """E7: a contract emits Transfer(from=our vault, …) without moving tokens."""
    fake = transfer_log(FAKE, 5, 0, VAULT, STRANGER, 10**24)
    chain = FakeChain(head=20, logs=[fake, transfer_log(HKDH.address, 6, 1, ZERO, VAULT, 4)])
    history, _indexer = service(chain, engine)
    views = history.fetch_history(VAULT)
    assert [(v.token, v.amount, v.verified_source) for v in views] == [(HKDH.address, 4, True)]
    assert all(address != FAKE for address, _s, _e in chain.asked)  # its logs are never even asked for
    assert decode_transfer_log(fake, HKDH.address, Standard.ERC20) == []  # nor decoded as the token's
    # and a row whose token left the registry is shown as of unverified source
    history_without, _ = service(chain, engine, tokens=[SHARES])
    assert [(v.symbol, v.verified_source) for v in history_without.fetch_history(VAULT)] == [("?", False)]


def test_erc1155_batches_and_garbled_logs(engine: Engine) -> None:
    single = LogEntry(SHARES.address, (TRANSFER_SINGLE_TOPIC, topic(INVESTOR), topic(ZERO), topic(VAULT)),
                      encode(["uint256", "uint256"], [1, 10_000]), 3, b"\x01" * 32, 0)
    batch = LogEntry(SHARES.address, (TRANSFER_BATCH_TOPIC, topic(INVESTOR), topic(VAULT), topic(INVESTOR)),
                     encode(["uint256[]", "uint256[]"], [[1, 2], [5, 6]]), 4, b"\x02" * 32, 0)
    garbled = LogEntry(SHARES.address, (TRANSFER_BATCH_TOPIC, topic(INVESTOR), topic(VAULT), topic(INVESTOR)),
                       b"\x00" * 7, 5, b"\x03" * 32, 0)
    dirty = LogEntry(SHARES.address, (TRANSFER_SINGLE_TOPIC, topic(INVESTOR), b"\xff" * 32, topic(VAULT)),
                     encode(["uint256", "uint256"], [1, 1]), 6, b"\x04" * 32, 0)
    chain = FakeChain(head=10, logs=[single, batch, garbled, dirty])
    history, _indexer = service(chain, engine, tokens=[SHARES])
    views = history.fetch_history(VAULT)
    assert [(v.direction, v.token_id, v.amount) for v in views] == [("out", 2, 6), ("out", 1, 5), ("in", 1, 10_000)]
    assert views[0].to_json()["amount"] == "6" and views[0].to_json()["token_id"] == "2"


def test_an_account_outside_the_profile_is_refused(engine: Engine) -> None:
    history, _indexer = service(FakeChain(head=1, logs=[]), engine)
    with pytest.raises(ConfigError):
        history.fetch_history(STRANGER)
