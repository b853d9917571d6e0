"""A team on one shared PostgreSQL queue (issue 6 "Work as a team"; SECURITY J1, J4, 6.5), on the real server of the
test session: every desktop is an OS process (`tests/support/queue_worker.py`) with a profile directory of its own
that holds only its officer's keystore, all pointing at the same database URL.

How the desks are made: the demo institution's data (keys registry, vaults, tokens, policy, the demo's queue) is
copied into a fresh PostgreSQL database once (`move_profile_to_postgres`); each desk is a copy of that profile with
the other keystores removed, so Alice's desktop can sign only as Alice. Each desk reads the chain from its own copy
of the demo devnet: identical state, and nothing here writes to the chain (proposing and approving only read it).

- three desktops propose and approve at the same time: no approval lost, exactly one row per (item, owner), every
  item ready with the two owners other than its proposer, the audit chain intact with one entry per change, and
  every new item seen by the other desktops within seconds;
- J4: two owners approving one item at the same moment do not lose one another;
- J1: one owner approving one item from two desktops at the same moment: one row, both succeed.

"At the same moment" is made certain, not left to luck: the test locks the signature table against inserts (reads
still pass), waits until both desktops wait there, each inside its own storing transaction with the item already
read, and lets them go.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.support.postgres import PostgresServer
from tests.support.queue_worker import (
    ALICE,
    BEN,
    OFFICERS,
    check_queue_invariants,
    copy_home,
    keep_only_keys,
    load_names,
    move_profile_to_postgres,
    open_desk,
    password_file,
    raw_queue,
    read_acks,
    set_profile,
    shared_demo_home,
    start_worker,
)
from wallet_app.audit import actions
from wallet_app.profiles import open_profile

VISIBLE_WITHIN_SECONDS = 5.0


@dataclass
class Team:
    server: PostgresServer
    database: str
    base: Path  # the profile on the shared database, with every demo key (Dana's desk)
    names: dict[str, str]
    tmp: Path

    def desk_home(self, label: str, name: str | None = None) -> Path:
        """A desktop holding only `label`'s keystore."""
        home = copy_home(self.base, self.tmp / (name or label.split()[0].lower()))
        keep_only_keys(home, {self.names[label]})
        set_profile(home, allow_quorum_on_device=False)
        return home

    def spec(self, home: Path, label: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
        return {"home": str(home), "password_file": str(password_file(self.tmp)), "ack": str(home / "acks.jsonl"),
                "unlock": [label], "steps": steps}


@contextmanager
def shared_database(server: PostgresServer, tmp: Path, factory: pytest.TempPathFactory) -> Iterator[Team]:
    database = server.create_database("queue_team")
    try:
        base = copy_home(shared_demo_home(factory.getbasetemp()), tmp / "base")
        move_profile_to_postgres(base, server.url(database))
        profile = open_profile(base, "demo")
        names = load_names(profile)
        profile.close()
        yield Team(server, database, base, names, tmp)
    finally:
        server.drop_database(database)


@pytest.fixture
def team(postgres_server: PostgresServer, tmp_path: Path,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    with shared_database(postgres_server, tmp_path, tmp_path_factory) as made:
        yield made


def finish(process: Any, what: str, timeout: float = 60) -> None:
    _out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"{what} failed: {err[-3000:]}"


class SignatureGate:
    """Holds a SHARE ROW EXCLUSIVE lock on queue_signatures in a transaction of its own: desktops still read the
    queue (their SELECTs are compatible) but each one's INSERT of its signature row waits here, inside the
    desktop's own transaction, until the gate opens."""

    def __init__(self, server: PostgresServer, database: str) -> None:
        self._conn = psycopg.connect(server.conninfo(database))
        self._conn.execute("LOCK TABLE queue_signatures IN SHARE ROW EXCLUSIVE MODE")

    def waiting(self) -> list[tuple[str, str]]:
        """(lock type, relation) of every lock another backend of the database waits for."""
        with psycopg.connect(self._conn.info.dsn, autocommit=True) as look:
            rows = look.execute(
                "SELECT l.locktype, coalesce(c.relname, '') FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "LEFT JOIN pg_class c ON c.oid = l.relation WHERE NOT l.granted AND "
                "a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.pid <> %s",
                (self._conn.info.backend_pid,)).fetchall()
        return sorted((str(r[0]), str(r[1])) for r in rows)

    def wait_for(self, count: int, processes: list[Any], timeout: float = 30) -> None:
        """Until `count` desktops wait inside their storing transactions: the first at the gate, the others at the
        gate too or behind the first's lock on the item's row (QueueStore.lock_item)."""
        expected = f"{count} waiting at queue_signatures or behind another desktop's transaction"
        inside = {("relation", "queue_signatures"), ("transactionid", "")}
        deadline = time.monotonic() + timeout
        while not ((waits := self.waiting()) and len(waits) == count and set(waits) <= inside
                   and ("relation", "queue_signatures") in waits):
            for process in processes:
                if process.poll() is not None:
                    _out, err = process.communicate()
                    raise AssertionError(f"a desktop stopped before reaching the gate: {err[-3000:]}")
            assert time.monotonic() < deadline, f"waiting for {expected}, have {self.waiting()}"
            time.sleep(0.02)

    def open(self) -> None:
        if not self._conn.closed:
            self._conn.rollback()
            self._conn.close()


@contextmanager
def signature_gate(team: Team) -> Iterator[SignatureGate]:
    gate = SignatureGate(team.server, team.database)
    try:
        yield gate
    finally:
        gate.open()


def test_team_three_desktops_propose_and_approve_at_once(team: Team) -> None:
    homes = {label: team.desk_home(label) for label in OFFICERS}
    with open_desk(team.base) as observer:
        first = observer.next_nonce()
        before = {e.safe_tx_hash for e in observer.queue.load()}
    per_desk = 3
    start_at = time.time() + 3.0  # every process imported and unlocked by then; they start together
    plans = {label: [{"cents": 1000 + 10 * n + i, "nonce": first + i + len(OFFICERS) * n} for n in range(per_desk)]
             for i, label in enumerate(OFFICERS)}
    expect = len(before) + per_desk * len(OFFICERS)
    processes = {label: start_worker(team.spec(homes[label], label, [
        {"op": "team", "who": label, "proposals": plans[label], "expect": expect, "deadline": 90,
         "start_at": start_at}])) for label in OFFICERS}
    for label, process in processes.items():
        finish(process, f"{label}'s desktop", timeout=150)

    acks = {label: read_acks(homes[label] / "acks.jsonl") for label in OFFICERS}
    proposed = {a["hash"]: label for label in OFFICERS for a in acks[label] if a["op"] == "propose"}
    proposed_at = {a["hash"]: a["t"] for label in OFFICERS for a in acks[label] if a["op"] == "propose"}
    assert len(proposed) == per_desk * len(OFFICERS)
    with open_desk(team.base) as observer:
        entries = check_queue_invariants(observer, serial=False, stored_states=False)
        ours = {h: e for h, e in entries.items() if h not in before}
        assert set(ours) == set(proposed)
        for safe_tx_hash, entry in ours.items():
            proposer = observer.names[proposed[safe_tx_hash]]
            others = {observer.names[o] for o in OFFICERS} - {proposer}
            assert entry.item.proposer == proposer
            assert set(entry.signers) == others, (safe_tx_hash, entry.signers, entry.flagged)
            assert (entry.valid_signatures, entry.signature_rows, entry.state) == (2, 2, "ready")
        # No lost approval: every acknowledged approval is a valid signature now (INV-3 across desktops).
        for label in OFFICERS:
            for ack in acks[label]:
                if ack["op"] == "approve":
                    assert observer.names[label] in entries[ack["hash"]].signers, (label, ack)
        # Exactly one audit entry per proposal and per approval, each naming the desktop's officer.
        log = observer.services.audit.load_all()
        approvals = Counter((e.subject, e.actor) for e in log if e.action == actions.APPROVE and e.subject in ours)
        assert approvals == Counter((h, s) for h, e in ours.items() for s in e.signers)
        desktops = {r.added_by for r in raw_queue(observer.engine)["signatures"] if r.safe_tx_hash in ours}
        assert len(desktops) == len(OFFICERS)  # three desktops (host:pid) stored them
    # Visible to the others within seconds.
    for label in OFFICERS:
        [seen] = [a for a in acks[label] if a["op"] == "seen"]
        assert seen["complete"], (label, len(seen["seen"]))
        for safe_tx_hash, at in proposed_at.items():
            if proposed[safe_tx_hash] != label:
                delay = seen["seen"][safe_tx_hash] - at
                assert delay < VISIBLE_WITHIN_SECONDS, (label, safe_tx_hash, delay)


def race_two_approvals(team: Team, owners: tuple[str, str]) -> dict[str, Any]:
    """Two desktops approve one item proposed by Dana at the same moment: both have read the item, checked the
    policy, signed and opened their storing transaction before either stores its row."""
    with open_desk(team.base) as dana:
        item = dana.propose(500).safe_tx_hash
    homes = [team.desk_home(owner, f"desk{i}") for i, owner in enumerate(owners)]
    go = team.tmp / "go"
    specs = [{**team.spec(home, owner, [{"op": "approve", "who": owner, "hash": item}]), "go_file": str(go)}
             for home, owner in zip(homes, owners, strict=True)]
    processes = [start_worker(spec) for spec in specs]
    deadline = time.monotonic() + 60
    while not all(read_acks(home / "acks.jsonl") for home in homes):  # started and unlocked (its own audit entry)
        assert time.monotonic() < deadline and all(p.poll() is None for p in processes), "a desktop did not start"
        time.sleep(0.02)
    with signature_gate(team) as gate:
        go.touch()
        gate.wait_for(2, processes)
    results = []
    for process in processes:
        _out, err = process.communicate(timeout=60)
        results.append((process.returncode, err[-3000:]))
    acks = [read_acks(home / "acks.jsonl") for home in homes]
    return {"item": item, "results": results, "acks": acks}


@pytest.fixture(scope="module")
def two_owners_at_once(postgres_server: PostgresServer,
                       tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Team, dict[str, Any]]]:
    with shared_database(postgres_server, tmp_path_factory.mktemp("j4"), tmp_path_factory) as team:
        yield team, race_two_approvals(team, (ALICE, BEN))


def test_J4_two_owners_approving_at_once_do_not_lose_one_another(two_owners_at_once: tuple[Team, dict]) -> None:
    team, race = two_owners_at_once
    assert [code for code, _ in race["results"]] == [0, 0], race["results"]
    item = race["item"]
    with open_desk(team.base) as observer:
        entry = observer.queue.entry(item)
        assert set(entry.signers) == {observer.names[ALICE], observer.names[BEN]}
        assert (entry.valid_signatures, entry.signature_rows, entry.state) == (2, 2, "ready")
        log = observer.services.audit.load_all()
        approvals = [e for e in log if e.action == actions.APPROVE and e.subject == item]
        assert sorted(e.actor for e in approvals) == sorted([observer.names[ALICE], observer.names[BEN]]), \
            [(e.seq, e.action, e.subject[:10], e.actor[:8]) for e in log[-4:]] + [item]
        check_queue_invariants(observer, serial=False, stored_states=False)


def test_J4_two_owners_approving_at_once_leave_the_stored_state_ready(two_owners_at_once: tuple[Team, dict]) -> None:
    team, race = two_owners_at_once
    assert [code for code, _ in race["results"]] == [0, 0], race["results"]
    with open_desk(team.base) as observer:
        entry = observer.queue.entry(race["item"])
        approvals = [json.loads(e.detail) for e in observer.services.audit.load_all()
                     if e.action == actions.APPROVE and e.subject == race["item"]]
        assert sorted(a["valid_signatures"] for a in approvals) == [1, 2]
        assert entry.item.state == "ready" and entry.item.ready_at is not None


def test_J1_one_owner_approving_from_two_desktops_at_once_makes_one_row(team: Team) -> None:
    race = race_two_approvals(team, (ALICE, ALICE))
    assert [code for code, _ in race["results"]] == [0, 0], race["results"]  # both succeed (idempotent)
    item = race["item"]
    with open_desk(team.base) as observer:
        alice = observer.names[ALICE]
        entry = observer.queue.entry(item)
        assert entry.signers == (alice,) and entry.signature_rows == 1
        assert [a["signers"] for acks in race["acks"] for a in acks if a["op"] == "approve"] == [[alice], [alice]]
        approvals = [e for e in observer.services.audit.load_all() if e.action == actions.APPROVE and
                     e.subject == item]
        assert [e.actor for e in approvals] == [alice]  # one change, one entry
        journal = observer.services.queue._journal.signed_at(observer.chain_id, alice, entry.item.safe,
                                                             entry.item.nonce)
        assert ["0x" + e.digest.hex() for e in journal] == [item]  # the second desktop's request was a retry
        check_queue_invariants(observer, serial=False)
