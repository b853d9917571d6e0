"""The reply to a COMMIT lost on the way back (SECURITY J5), on the real PostgreSQL server: a loopback proxy
(`tests/support/tcp_proxy.py`) between a desktop and the server forwards the COMMIT of the transaction that stores
an approval (or a proposal), lets the server commit it, swallows the answer and cuts the connection. The desktop is
told the database could not be reached; the officer retries; the queue shows exactly one effect: one signature row,
one audit entry, one journaled signature, and a proposal queued once.

The retry is the same call again. For an approval, the idempotency key is (safeTxHash, owner). For a proposal it is
the safeTxHash, which includes the nonce: a retry is the same only when it names the nonce the first attempt used.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.postgres import PostgresServer
from tests.support.queue_worker import (
    ALICE,
    Desk,
    check_queue_invariants,
    copy_home,
    move_profile_to_postgres,
    open_desk,
    set_profile,
    shared_demo_home,
)
from tests.support.tcp_proxy import CommitCuttingProxy
from wallet_app.audit import actions
from wallet_app.errors import StorageUnavailable


@dataclass
class Cut:
    desk: Desk
    proxy: CommitCuttingProxy


@pytest.fixture
def cut(postgres_server: PostgresServer, postgres_url: str, tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cut]:
    home = copy_home(shared_demo_home(tmp_path_factory.getbasetemp()), tmp_path / "home")
    move_profile_to_postgres(home, postgres_url)
    proxy = CommitCuttingProxy(postgres_server.port)
    set_profile(home, database_url=proxy.url(postgres_url.rsplit("/", 1)[1]))
    try:
        with open_desk(home) as desk:
            yield Cut(desk, proxy)
    finally:
        proxy.close()


def entries_for(desk: Desk, action: str, subject: str) -> list[str]:
    return [e.actor for e in desk.services.audit.load_all() if e.action == action and e.subject == subject]


def test_J5_an_approval_whose_commit_reply_is_lost_is_stored_once_and_the_retry_succeeds(cut: Cut) -> None:
    desk, proxy = cut.desk, cut.proxy
    item = desk.propose(100)
    alice = desk.names[ALICE]
    proxy.arm(b"INSERT INTO queue_signatures")
    with pytest.raises(StorageUnavailable, match="cannot be reached"):
        desk.approve(item.safe_tx_hash, ALICE)
    [lost] = proxy.cuts
    assert b"COMMIT" in lost.answer  # the server did commit; only its answer was lost
    # The approval is in: the outcome was unknown to the desktop, not to the database.
    assert desk.queue.entry(item.safe_tx_hash).signers == (alice,)
    entry = desk.approve(item.safe_tx_hash, ALICE)  # the retry
    assert entry.signers == (alice,) and entry.signature_rows == 1
    assert entries_for(desk, actions.APPROVE, item.safe_tx_hash) == [alice]
    journal = desk.services.queue._journal.signed_at(desk.chain_id, alice, item.item.safe, item.item.nonce)
    assert ["0x" + e.digest.hex() for e in journal] == [item.safe_tx_hash]
    assert proxy.armed == 0 and len(proxy.cuts) == 1
    check_queue_invariants(desk)


def test_J5_a_proposal_whose_commit_reply_is_lost_is_queued_once_when_retried_at_its_nonce(cut: Cut) -> None:
    desk, proxy = cut.desk, cut.proxy
    nonce = desk.next_nonce()
    expected = desk.hash_of(300, nonce)
    before = len(desk.queue.load())
    proxy.arm(b"INSERT INTO queue_items")
    with pytest.raises(StorageUnavailable):
        desk.propose(300, nonce)
    assert len(proxy.cuts) == 1
    retried = desk.propose(300, nonce)
    assert retried.safe_tx_hash == expected
    assert len(desk.queue.load()) == before + 1
    assert entries_for(desk, actions.PROPOSE, expected) == [desk.names["Dana Ho (operations)"]]
    check_queue_invariants(desk)


def test_J5_a_proposal_retried_without_a_nonce_after_a_lost_reply_is_queued_once(cut: Cut) -> None:
    desk, proxy = cut.desk, cut.proxy
    before = len(desk.queue.load())
    proxy.arm(b"INSERT INTO queue_items")
    with pytest.raises(StorageUnavailable):
        desk.propose(400)
    desk.propose(400)
    assert len(desk.queue.load()) == before + 1
