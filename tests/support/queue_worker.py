"""Desktops of the approval queue as OS processes, and the harness the queue's integration tests share.

Worker side (`python -m tests.support.queue_worker ...`): a desktop opens its profile (`open_profile` and
`build_services`, exactly as the CLI and the window do), unlocks its keys (KeyService, with the password file), and
runs a job: a list of steps (propose, approve, execute, follow, load, verify) or the team loop (propose its own items
while approving every item of the others it sees). After each call *returns*, it appends an acknowledgement to a
side-channel file and fsyncs it: the kill-point tests (SECURITY 6.3/6.4, INV-3) check that everything acknowledged
survived the crash.

- `run SPEC_JSON`: one job in this process;
- `serve [KEYSTORE_DIR]`: a fork server for the kill-point matrix. It imports the whole stack once and unlocks the
  keys of KEYSTORE_DIR once (scrypt takes a second a key), then reads jobs (JSON lines with an id) on stdin and runs
  each in a child forked for it, several at once: a fresh OS process with no database connection and no devnet open
  yet, the job's environment (such as WALLET_FAULT) set in the child only. It answers one JSON line per job with the
  child's exit code or the signal that killed it. A SIGKILL at a fault point kills the child exactly as it would kill
  a desktop; forking only saves what every process would otherwise pay before its first call.

Harness side: the demo institution's names, a private demo home per test, a profile moved onto a PostgreSQL
database (every table copied, sequences moved past the copied ids, the SQLite file removed), desks (profile plus
services, open in the test process), and the checks every queue test makes after the fact (one row per (item,
owner), each row verifying, an audit entry for every change and none without one, the hash chain intact), and the
restart checks of the kill-point matrix (`verify_restart`).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

ALICE, BEN, CARMEN = "Alice Chan (officer)", "Ben Wong (officer)", "Carmen Lee (offline signer)"
DANA = "Dana Ho (operations)"
OFFICERS = (ALICE, BEN, CARMEN)
KOWLOON = "Kowloon Pension Trust (investor)"
CLIENT_VAULT = "Harbour client vault"
TREASURY = "Harbour treasury"
HKDH = "Harbour HKD"
PROFILE = "demo"
PASSWORD = "custos-demo"  # the demo password (wallet_app.demo.setup.DEMO_PASSWORD), public by design
CENT = 10**4  # 0.01 HKDH: HKDH has 6 decimals


# ---------------------------------------------------------------------------------------------------------------
# Harness side: homes and profiles
# ---------------------------------------------------------------------------------------------------------------



def shared_demo_home(base: Path) -> Path:
    """The test process's one demo (tests/support/demo_template.py), shared read-only by every queue test module;
    each test works on a copy (`copy_home`). `base` is kept for the callers' signature."""
    from tests.support.demo_template import demo_template

    return demo_template()


def copy_home(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def profile_dir(home: Path) -> Path:
    return home / "profiles" / PROFILE


def keep_only_keys(home: Path, addresses: set[str]) -> None:
    """A desktop holding only these keystores (each officer's key lives on that officer's own desktop)."""
    for path in (profile_dir(home) / "keystores").glob("*.json"):
        if path.stem not in addresses:
            path.unlink()


def set_profile(home: Path, **changes: Any) -> None:
    path = profile_dir(home) / "profile.json"
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data, indent=2, sort_keys=True))


def move_profile_to_postgres(home: Path, url: str) -> None:
    """Put the profile's data on the PostgreSQL database `url` (empty) and point the profile at it: the schema made
    by Custos's own migrations, every row copied table by table (timestamps as UTC), each serial sequence moved past
    the copied ids, then the profile's SQLite file removed so nothing can read it by mistake."""
    from sqlalchemy import Integer, func, insert, select, text

    from wallet_app.storage.database import open_database, sqlite_url
    from wallet_app.storage.schema import metadata

    database = profile_dir(home) / "custos.db"
    source = open_database(sqlite_url(database))
    target = open_database(url)
    try:
        with source.connect() as read, target.begin() as write:
            for table in metadata.sorted_tables:
                rows = [dict(r._mapping) for r in read.execute(select(table))]
                for row in rows:
                    for key, value in row.items():
                        if isinstance(value, datetime) and value.tzinfo is None:
                            row[key] = value.replace(tzinfo=UTC)
                if rows:
                    write.execute(insert(table), rows)
                keys = list(table.primary_key.columns)
                if len(keys) == 1 and isinstance(keys[0].type, Integer) and keys[0].autoincrement in (True, "auto"):
                    column = keys[0]
                    top = write.execute(select(func.max(column))).scalar() or 0
                    write.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                                       f"{int(top) + 1}, false)"))
    finally:
        source.dispose()
        target.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    set_profile(home, database_url=url)


def password_file(directory: Path) -> Path:
    path = directory / "password.txt"
    if not path.exists():
        path.write_text(PASSWORD)
        path.chmod(0o600)
    return path


# ---------------------------------------------------------------------------------------------------------------
# Both sides: names and transactions
# ---------------------------------------------------------------------------------------------------------------

def load_names(profile: Any) -> dict[str, str]:
    """label -> address: the profile's address book, its keys and its vaults."""
    from wallet_app.keys.registry import KeyRegistry

    names = {entry.label: address for address, entry in profile.load_labels().items()}
    names.update({k.label: k.address for k in KeyRegistry(engine=profile.engine).load_all()})
    names.update({v.label: v.address for v in profile.vault_registry.load_entries()})
    return names


def payout_request(names: dict[str, str], cents: int, nonce: int | None, vault: str = CLIENT_VAULT) -> Any:
    """`cents` x 0.01 HKDH from `vault` to Kowloon Pension Trust: queued by the demo policy at any hour (allowed, or
    escalated to the compliance officer once what the queue holds passes the routine rule's 24-hour velocity limit,
    as it does on a fresh demo: both are queued)."""
    from wallet_app.domain.abi import build_call
    from wallet_app.policy.check_request import CheckRequest

    data = build_call("transfer(address,uint256)", names[KOWLOON], cents * CENT)
    return CheckRequest(safe=names[vault], to=names[HKDH], data=data, nonce=nonce)


def payout_hash(names: dict[str, str], chain_id: int, cents: int, nonce: int, vault: str = CLIENT_VAULT) -> str:
    """The safeTxHash the queue must give that payout (Safe 1.4.1, every gas field zero): computed here, in the test,
    so that an approval can name the item before (or without) a proposal having been acknowledged."""
    from wallet_app.domain.abi import build_call
    from wallet_app.domain.safe_tx import Operation, SafeTx, compute_hashes

    tx = SafeTx(safe=names[vault], chain_id=chain_id, version="1.4.1", to=names[HKDH], value=0,
                data=build_call("transfer(address,uint256)", names[KOWLOON], cents * CENT),
                operation=Operation.CALL, nonce=nonce)
    return "0x" + compute_hashes(tx).safe_tx_hash.hex()


# ---------------------------------------------------------------------------------------------------------------
# Harness side: a desk open in the test process
# ---------------------------------------------------------------------------------------------------------------

_KEYS: dict[bytes, bytes] = {}


def keystore_key(path: Path) -> bytes:
    """The private key in a demo keystore file. Decrypting (scrypt) takes a second per key, and every copy of the
    demo home holds the same files, so each file is decrypted once per process and kept in memory, as an unlocked
    key is kept by a desktop while its officer works."""
    from wallet_app.keys.keystore import decrypt_keystore, load_keystore_file

    content = path.read_bytes()
    if content not in _KEYS:
        _KEYS[content] = bytes(decrypt_keystore(load_keystore_file(path), PASSWORD))
    return _KEYS[content]


def keystore_signer(path: Path) -> Any:
    from wallet_app.keys.keystore_signer import KeystoreSigner

    return KeystoreSigner(address=path.stem, private_key=keystore_key(path))


@dataclass
class Desk:
    home: Path
    profile: Any
    services: Any
    names: dict[str, str]
    _signers: dict[str, Any] = field(default_factory=dict)

    @property
    def queue(self) -> Any:
        return self.services.queue

    @property
    def chain_id(self) -> int:
        return int(self.profile.config.chain_id)

    @property
    def engine(self) -> Any:
        return self.profile.engine

    def signer(self, label: str) -> Any:
        """The key of `label` as an open signer (the queue's *_with calls take one), from this desk's keystore."""
        if label not in self._signers:
            self._signers[label] = keystore_signer(self.profile.paths.keystores / f"{self.names[label]}.json")
        return self._signers[label]

    def propose(self, cents: int, nonce: int | None = None, who: str = DANA, vault: str = CLIENT_VAULT) -> Any:
        result = self.queue.propose_with(payout_request(self.names, cents, nonce, vault), self.signer(who))
        assert result.queued, result.check.decision.reasons
        return result.entry

    def approve(self, safe_tx_hash: str, who: str) -> Any:
        return self.queue.approve_with(safe_tx_hash, self.signer(who))

    def hash_of(self, cents: int, nonce: int, vault: str = CLIENT_VAULT) -> str:
        return payout_hash(self.names, self.chain_id, cents, nonce, vault)

    def next_nonce(self, vault: str = CLIENT_VAULT) -> int:
        """The first nonce nothing in the queue uses (the demo queues a few payouts of its own)."""
        return int(self.queue.next_nonce(self.names[vault]))

    def officer_key(self, label: str) -> bytes:
        return keystore_key(self.profile.paths.keystores / f"{self.names[label]}.json")

    def execute_on_chain(self, vault: str, nonce: int, to: str, data: bytes, signers: tuple[str, ...]) -> None:
        """A Safe transaction executed outside Custos (as the officers could with any other tool)."""
        from wallet_app.demo.institution import Person, _execute

        people = tuple(Person(label, "officer", self.officer_key(label)) for label in signers)
        _execute(self.services.chain, self.chain_id, self.names[vault], nonce, to, 0, data, signers=people)


@contextmanager
def open_desk(home: Path) -> Iterator[Desk]:
    from wallet_app.profiles import open_profile
    from wallet_app.services import build_services

    profile = open_profile(home, PROFILE)
    try:
        services = build_services(profile)
    except BaseException:
        profile.close()
        raise
    try:
        yield Desk(home, profile, services, load_names(profile))
    finally:
        services.close()
        profile.close()


# ---------------------------------------------------------------------------------------------------------------
# Harness side: what must hold after any run (SECURITY 6.4 INV-4, INV-5, INV-6; M1)
# ---------------------------------------------------------------------------------------------------------------

def raw_queue(engine: Any) -> dict[str, Any]:
    """The queue's rows as stored: items (by hash), signature rows, executor transactions, the audit log."""
    from sqlalchemy import select

    from wallet_app.storage.schema import audit_log, queue_broadcasts, queue_items, queue_signatures

    with engine.connect() as conn:
        items = {r.safe_tx_hash: r for r in conn.execute(select(queue_items))}
        signatures = list(conn.execute(select(queue_signatures)))
        broadcasts = list(conn.execute(select(queue_broadcasts)))
        entries = list(conn.execute(select(audit_log).order_by(audit_log.c.seq)))
    return {"items": items, "signatures": signatures, "broadcasts": broadcasts, "audit": entries}


def check_queue_invariants(desk: Desk, *, serial: bool = True, stored_states: bool = True) -> dict[str, Any]:
    """INV-4 (rows verify, at most one per (item, owner), counted owners are current owners), INV-5 (legal states;
    at most one item per (vault, nonce) beyond the open states), INV-6 (the chain verifies, seq has no gap, every
    queue change has exactly one audit entry naming its actor and none is without its change, and the last entry is
    the last change, when the changes were made one after the other: `serial`) and M1. With `stored_states`, an open
    item's stored state must be the one its signatures give. Returns the verified entries by hash."""
    from wallet_app.audit import actions
    from wallet_app.queue import states

    raw = raw_queue(desk.engine)
    entries = {e.safe_tx_hash: e for e in desk.queue.load()}
    assert set(entries) == set(raw["items"])
    pairs = Counter((r.safe_tx_hash, r.owner) for r in raw["signatures"])
    assert all(n == 1 for n in pairs.values()), pairs  # INV-4: one row per (item, owner)
    for entry in entries.values():
        assert entry.state in states.ALL and entry.item.state in states.ALL  # INV-5
        assert not entry.quarantined, entry.quarantined
        assert entry.proposer_verified
        assert entry.signature_rows == sum(1 for r in raw["signatures"] if r.safe_tx_hash == entry.safe_tx_hash)
        assert entry.valid_signatures == entry.signature_rows, entry.flagged  # every row verifies (INV-4)
        assert set(entry.signers) <= set(entry.owners)
        if stored_states and entry.item.state in states.OPEN:  # the stored state is the one the signatures give
            assert entry.item.state == entry.state, (entry.safe_tx_hash, entry.item.state, entry.state)
            assert entry.state != states.READY or entry.item.ready_at is not None
    holding = Counter((e.item.safe, e.item.nonce) for e in entries.values() if e.item.state in states.NONCE_HOLDERS)
    assert all(n == 1 for n in holding.values())
    sent = {r.safe_tx_hash for r in raw["broadcasts"]}
    for entry in entries.values():  # INV-5: signed for execution (or later) only with its raw bytes stored
        if entry.item.state in (states.SIGNED_FOR_EXECUTION, states.BROADCAST, states.MINED):
            assert entry.safe_tx_hash in sent, (entry.safe_tx_hash, entry.item.state)
    report = desk.services.audit.verify()
    assert report.intact, report.describe()
    audit = raw["audit"]
    assert [e.seq for e in audit] == list(range(1, len(audit) + 1))  # INV-6: no gap
    proposed = Counter((e.subject, e.actor) for e in audit if e.action == actions.PROPOSE)
    approved = Counter((e.subject, e.actor) for e in audit if e.action == actions.APPROVE)
    assert proposed == Counter((h, r.proposer) for h, r in raw["items"].items())  # M1: one entry per change
    assert approved == Counter((r.safe_tx_hash, r.owner) for r in raw["signatures"])
    changes = [(r.proposed_at, actions.PROPOSE, r.safe_tx_hash, r.proposer) for r in raw["items"].values()]
    changes += [(r.added_at, actions.APPROVE, r.safe_tx_hash, r.owner) for r in raw["signatures"]]
    queue_entries = [e for e in audit if e.action in (actions.PROPOSE, actions.APPROVE)]
    if changes and serial:
        last = max(changes, key=lambda c: _utc(c[0]))
        assert (queue_entries[-1].action, queue_entries[-1].subject, queue_entries[-1].actor) == last[1:]
    return entries


def snapshot(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the queue's tables, the signing journal and the audit log, in a stable order: two snapshots are
    equal when nothing changed (INV-10)."""
    from sqlalchemy import select

    from wallet_app.storage.schema import audit_log, queue_broadcasts, queue_items, queue_signatures, signing_journal

    out = {}
    with engine.connect() as conn:
        for table in (queue_items, queue_signatures, queue_broadcasts, signing_journal, audit_log):
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def check_database_health(engine: Any) -> None:
    """INV-7: SQLite's integrity_check says ok and foreign_key_check finds nothing; on PostgreSQL, amcheck finds
    every B-tree index of the public schema consistent with its table and no corrupt heap page (verify_heapam)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            return
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
        indexes = conn.execute(text(
            "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am "
            "ON am.oid = c.relam WHERE am.amname = 'btree' AND c.relnamespace = 'public'::regnamespace")).scalars()
        checked = 0
        for index in indexes:
            conn.execute(text("SELECT bt_index_check(CAST(:i AS regclass), true)"), {"i": index})
            checked += 1
        assert checked > 0
        tables = conn.execute(text("SELECT c.oid::regclass::text FROM pg_class c WHERE c.relkind = 'r' AND "
                                   "c.relnamespace = 'public'::regnamespace")).scalars().all()
        for table in tables:
            bad = conn.execute(text("SELECT * FROM verify_heapam(CAST(:t AS regclass))"), {"t": table}).all()
            assert bad == [], (table, bad)
        conn.commit()


def find_secrets(blobs: dict[str, bytes], secrets: dict[str, bytes]) -> list[tuple[str, str]]:
    """(where, which secret) for every secret found in any blob: each as given and, for a key, its hex in either
    case (INV-9, H4)."""
    found = []
    for where, blob in blobs.items():
        lowered = blob.lower()
        for name, secret in secrets.items():
            forms = {secret}
            if name.startswith("key"):
                forms |= {secret.hex().encode()}
            if any(form in blob or form.lower() in lowered for form in forms):
                found.append((where, name))
    return found


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def read_acks(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# ---------------------------------------------------------------------------------------------------------------
# Harness side: running workers
# ---------------------------------------------------------------------------------------------------------------

def worker_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "WALLET_FAULT"}
    env.update({"CUSTOS_HOME": "", "PYTHONPATH": f"{REPO}{os.pathsep}{env.get('PYTHONPATH', '')}"})
    env.update(extra or {})
    return env


def start_worker(spec: dict[str, Any], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """One desktop process running `spec`."""
    return subprocess.Popen([sys.executable, "-m", "tests.support.queue_worker", "run", json.dumps(spec)],
                            cwd=REPO, env=worker_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


class ForkServer:
    """The `serve` worker: each job runs in a child forked for it, several at once; with `keystores`, the children
    sign with those keys, unlocked once in the server."""

    def __init__(self, keystores: Path | None = None) -> None:
        args = [] if keystores is None else [str(keystores)]
        self._process = subprocess.Popen([sys.executable, "-m", "tests.support.queue_worker", "serve", *args],
                                         cwd=REPO, env=worker_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         text=True, bufsize=1)
        ready = self._read()
        assert ready.get("ready"), ready
        self._lock = threading.Lock()
        self._waiting: dict[int, Future[dict[str, Any]]] = {}
        self._next = 0
        threading.Thread(target=self._answers, daemon=True).start()

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the fork server stopped (exit {self._process.wait(5)})")
        return dict(json.loads(line))

    def _answers(self) -> None:
        while True:
            try:
                answer = self._read()
            except RuntimeError as exc:
                with self._lock:
                    for future in self._waiting.values():
                        future.set_exception(exc)
                    self._waiting.clear()
                return
            with self._lock:
                future = self._waiting.pop(int(answer.pop("id")))
            future.set_result(answer)

    def submit(self, spec: dict[str, Any], env: dict[str, str] | None = None) -> Future[dict[str, Any]]:
        future: Future[dict[str, Any]] = Future()
        assert self._process.stdin is not None
        with self._lock:
            self._next += 1
            self._waiting[self._next] = future
            self._process.stdin.write(json.dumps({"id": self._next, "spec": spec, "env": env or {}}) + "\n")
            self._process.stdin.flush()
        return future

    def run(self, spec: dict[str, Any], env: dict[str, str] | None = None) -> dict[str, Any]:
        """Run a job; {"exit": code} or {"signal": number} of its process."""
        return self.submit(spec, env).result(timeout=300)

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)


# ---------------------------------------------------------------------------------------------------------------
# Worker side
# ---------------------------------------------------------------------------------------------------------------

def _ack(path: str, record: dict[str, Any]) -> None:
    """Append one acknowledgement and make it durable before going on (the side channel of INV-3)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps({**record, "t": time.time(), "pid": os.getpid()}) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def tapped_chain(profile: Any, tap: str) -> Any:
    """The profile's embedded devnet, in this process, behind a tap that appends every raw transaction sent to the
    node to the file `tap` (fsynced) before the node sees it: what "the node received" for INV-1 and INV-2 (a
    superset: a process killed between the tap and the node leaves a line the node never saw)."""
    from wallet_app.chain.devnet import Devnet, DevnetProvider
    from wallet_app.chain.web3_client import Web3ChainClient

    class Tap(DevnetProvider):
        def make_request(self, method: Any, params: Any) -> Any:
            if method == "eth_sendRawTransaction":
                _ack(tap, {"raw": str(params[0])})
            return super().make_request(method, params)

        def make_batch_request(self, requests: list[tuple[Any, Any]]) -> Any:
            for method, params in requests:
                if method == "eth_sendRawTransaction":
                    _ack(tap, {"raw": str(params[0])})
            return super().make_batch_request(requests)

    devnet = Devnet.open(profile.paths.devnet)
    return Web3ChainClient(provider=Tap(devnet), endpoint="in-process",
                           network_name=profile.config.preset.name), devnet.close


def run_job(spec: dict[str, Any], preloaded: dict[str, Any] | None = None) -> None:
    """Run `spec` as a desktop: `preloaded` are keys the fork server unlocked before forking (address -> signer);
    any other key named in spec["unlock"] is unlocked here through the profile's KeyService with the password."""
    from wallet_app.profiles import open_profile
    from wallet_app.services import build_services

    password = Path(spec["password_file"]).read_text()
    profile = open_profile(spec["home"], PROFILE)
    close_chain = None
    if spec.get("tap"):
        chain, close_chain = tapped_chain(profile, spec["tap"])
        services = build_services(profile, chain=chain)
    else:
        services = build_services(profile)
    try:
        names = load_names(profile)
        keystores = {p.stem for p in profile.paths.keystores.glob("*.json")}
        signers: dict[str, Any] = {}
        for label in spec.get("unlock", []):
            address = names[label]
            if preloaded and address in preloaded:
                signers[label] = preloaded[address]
            elif address in keystores:
                services.keys.unlock(address, password)
                signers[label] = services.keys.signer(address)
        if spec.get("go_file"):  # ready: tell the test, and wait for its signal before the first step
            _ack(spec["ack"], {"op": "ready"})
            while not Path(spec["go_file"]).exists():
                time.sleep(0.01)
        desk = Desk(Path(spec["home"]), profile, services, names, dict(signers))
        for step in spec.get("steps", []):
            if step["op"] == "verify":
                verify_restart(step, desk, preloaded or {})
            else:
                _run_step(step, spec, services, names, signers)
    finally:
        services.close()
        if close_chain is not None:
            close_chain()
        profile.close()


def _run_step(step: dict[str, Any], spec: dict[str, Any], services: Any, names: dict[str, str],
              signers: dict[str, Any]) -> None:
    queue = services.queue
    ack = spec["ack"]
    op = step["op"]
    if op == "propose":
        request = payout_request(names, step["cents"], step.get("nonce"), step.get("vault", CLIENT_VAULT))
        result = queue.propose_with(request, signers[step["who"]])
        if not result.queued:
            raise RuntimeError(f"the policy denied the proposal: {result.check.decision.reasons}")
        _ack(ack, {"op": op, "who": step["who"], "hash": result.entry.safe_tx_hash,
                   "nonce": result.entry.item.nonce, "cents": step["cents"]})
    elif op == "approve":
        if step.get("only_if_open") and queue.entry(step["hash"]).item.state not in ("proposed", "approving", "ready"):
            return  # executed meanwhile (recovery finished it): nothing to approve any more
        entry = queue.approve_with(step["hash"], signers[step["who"]])
        _ack(ack, {"op": op, "who": step["who"], "hash": entry.safe_tx_hash, "signers": list(entry.signers)})
    elif op == "import":  # the officer's signature made elsewhere (an offline signer), imported and verified
        signature = signers[step["who"]].sign_digest(bytes.fromhex(step["hash"][2:])).to_bytes()
        if step.get("only_if_open") and queue.entry(step["hash"]).item.state not in ("proposed", "approving", "ready"):
            return
        entry = queue.import_signature(step["hash"], "0x" + signature.hex(), names[step["who"]])
        _ack(ack, {"op": op, "who": step["who"], "hash": entry.safe_tx_hash, "signers": list(entry.signers)})
    elif op == "execute":
        if step.get("only_if_ready") and queue.entry(step["hash"]).item.state != "ready":
            return  # recovery already took it on (claimed, sent or mined): executing again is not the retry
        result = queue.execute_with(step["hash"], signers[step["who"]], wait_seconds=step.get("wait", 10))
        _ack(ack, {"op": op, "who": step["who"], "hash": step["hash"], "chain_tx_hash": result.chain_tx_hash,
                   "state": result.state})
    elif op == "follow":
        queue.follow(signer=signers.get(step.get("who", "")))
    elif op == "load":
        first = [e.to_json() for e in queue.load()]
        second = [e.to_json() for e in queue.load()]
        _ack(ack, {"op": op, "entries": first, "same_twice": first == second})
    elif op == "team":
        _team(step, spec, services, names, signers)
    else:
        raise ValueError(f"unknown step {op!r}")


def verify_restart(step: dict[str, Any], desk: Desk, keys: dict[str, Any]) -> None:
    """What must hold when a desktop starts again after a crash (SECURITY 6.4), checked in that new process:

    - INV-3: everything the crashed run acknowledged (its ack file, `step["acks"]`) is there and verifies;
    - INV-4, INV-5, INV-6 and M1: `check_queue_invariants`; INV-7: `check_database_health`;
    - INV-9: no password or private key in any column of any table (the files are scanned by the test);
    - INV-10: loading (verifying) the queue twice gives the same entries and changes no row; with execution,
      running recovery (`follow`) twice leaves the same rows the second time;
    - with `step["expect"]` (safeTxHash -> labels), exactly those officers' signatures count for each item, and
      every officer has journaled exactly one digest at each nonce of the workload (no second digest, no incident);
    - with `step["tap"]`: INV-1 (at most one distinct executor transaction per (EOA, nonce), unless stored as a
      fee replacement) and INV-2 (every raw transaction the node received is stored).
    A failed check raises; the report (`step["report"]`) has what was seen."""
    from sqlalchemy import select

    from wallet_app.storage.schema import metadata, queue_broadcasts

    entries = check_queue_invariants(desk)
    for ack in read_acks(Path(step["acks"])):
        if ack["op"] == "propose":
            assert ack["hash"] in entries and entries[ack["hash"]].item.proposer == desk.names[ack["who"]], ack
        elif ack["op"] in ("approve", "import"):
            assert desk.names[ack["who"]] in entries[ack["hash"]].signers, ack
    check_database_health(desk.engine)
    if step.get("twice", True):
        before = snapshot(desk.engine)
        first = [e.to_json() for e in entries.values()]
        second = [e.to_json() for e in desk.queue.load()]
        assert sorted(first, key=str) == sorted(second, key=str) and snapshot(desk.engine) == before  # INV-10
    if step.get("recover"):
        desk.queue.follow()
        once = snapshot(desk.engine)
        desk.queue.follow()
        assert snapshot(desk.engine) == once  # INV-10 for recovery
    secrets = {"password": PASSWORD.encode(), **{f"key {a}": bytes(k._key) for a, k in keys.items()}}
    with desk.engine.connect() as conn:
        dump = {t.name: repr(conn.execute(select(t)).all()).encode() for t in metadata.sorted_tables}
    assert find_secrets(dump, secrets) == []  # INV-9 in the rows
    sources = {(r.safe_tx_hash, r.owner): r.source for r in raw_queue(desk.engine)["signatures"]}
    for safe_tx_hash, labels in step.get("expect", {}).items():
        assert sorted(entries[safe_tx_hash].signers) == sorted(desk.names[label] for label in labels), safe_tx_hash
        item = entries[safe_tx_hash].item
        for label in labels:
            if sources[(safe_tx_hash, desk.names[label])] != "custos":
                continue  # imported: signed elsewhere, so not in this profile's journal
            signed = [e for e in desk.services.queue._journal.signed_at(desk.chain_id, desk.names[label], item.safe,
                                                                          item.nonce) if e.kind == "safe_tx"]
            assert ["0x" + e.digest.hex() for e in signed] == [safe_tx_hash], (label, signed)  # (a rejection may
            # stand beside it: the demo's officers burned a nonce)
    incidents = [e for e in desk.services.queue._journal.incidents() if e.nonce in step.get("nonces", [])]
    assert incidents == [], incidents
    if step.get("tap"):
        with desk.engine.connect() as conn:
            stored = conn.execute(select(queue_broadcasts)).all()
        check_node_saw(read_acks(Path(step["tap"])), stored)
    if step.get("executed"):  # the item was executed once, successfully, and its stored bytes are what was sent
        entry = entries[step["executed"]]
        assert entry.item.state in ("mined", "final") and entry.item.outcome == "success", entry.item
        sent = read_acks(Path(step["tap"]))
        assert len(sent) == 1, sent
        assert entry.item.exec_tx_hash is not None
    Path(step["report"]).write_text(json.dumps({
        "items": {h: {"state": e.state, "stored": e.item.state, "signers": list(e.signers)}
                  for h, e in entries.items()},
        "audit": len(desk.services.audit.load_all()),
    }))


def check_node_saw(sent: list[dict[str, Any]], stored: list[Any]) -> None:
    """INV-1 and INV-2 over the raw transactions the node received (the tap) and the executor transactions stored."""
    import rlp
    from eth_account import Account
    from eth_hash.auto import keccak

    by_slot: dict[tuple[str, int], set[str]] = {}
    stored_hashes = {str(r.tx_hash).lower() for r in stored}
    for line in sent:
        raw = bytes.fromhex(line["raw"].removeprefix("0x"))
        tx_hash = "0x" + keccak(raw).hex()
        assert tx_hash in stored_hashes, f"INV-2: the node received {tx_hash}, which is not stored"
        nonce = int.from_bytes(rlp.decode(raw[1:])[1], "big") if raw[0] < 0x7F else int.from_bytes(
            rlp.decode(raw)[0], "big")
        by_slot.setdefault((str(Account.recover_transaction(raw)), nonce), set()).add(tx_hash)
    replacements = {str(r.tx_hash).lower() for r in stored if r.replaces is not None}
    for slot, hashes in by_slot.items():
        assert len(hashes - replacements) <= 1, f"INV-1: {slot} was sent {sorted(hashes)}"


def _team(step: dict[str, Any], spec: dict[str, Any], services: Any, names: dict[str, str],
          signers: dict[str, Any]) -> None:
    """A desktop at work: propose its own items one by one, and between them (and after) approve every item of the
    others it sees and has not signed, until it has seen `expect` items and signed all the others' ones (or the
    deadline). Records when it first saw each item (visibility across desktops)."""
    queue = services.queue
    me = step["who"]
    address = names[me]
    signer = signers[me]
    todo = list(step["proposals"])
    seen: dict[str, float] = {}
    start_at = float(step.get("start_at", 0))
    while time.time() < start_at:
        time.sleep(0.01)
    deadline = time.time() + float(step["deadline"])
    while time.time() < deadline:
        if todo:
            item = todo.pop(0)
            result = queue.propose_with(payout_request(names, item["cents"], item["nonce"]), signer)
            if not result.queued:
                raise RuntimeError(f"denied: {result.check.decision.reasons}")
            _ack(spec["ack"], {"op": "propose", "who": me, "hash": result.entry.safe_tx_hash,
                               "nonce": result.entry.item.nonce})
        # Look at the rows (cheap); approving an item verifies it in full (`approve_with` loads its entry).
        items, _broken = queue.store.load_items()
        rows = queue.store.load_signatures([i.safe_tx_hash for i in items])
        pending = []
        for item in items:
            seen.setdefault(item.safe_tx_hash, time.time())
            signed = {r.owner for r in rows.get(item.safe_tx_hash, [])}
            if item.proposer != address and address not in signed and item.state in ("proposed", "approving", "ready"):
                pending.append(item.safe_tx_hash)
        for safe_tx_hash in pending[:1]:  # one at a time, then look again (and propose the next)
            done = queue.approve_with(safe_tx_hash, signer)
            _ack(spec["ack"], {"op": "approve", "who": me, "hash": safe_tx_hash, "signers": list(done.signers)})
        if not todo and not pending and len(seen) >= int(step["expect"]):
            break
        if not pending:
            time.sleep(0.05)
    _ack(spec["ack"], {"op": "seen", "who": me, "seen": seen, "complete": len(seen) >= int(step["expect"])})


def _serve(keystores: Path | None) -> None:
    """The fork server (see the module's docstring). With `keystores`, every key there is unlocked once, before any
    fork (with the demo password), and each child signs with them."""
    import wallet_app.queue.service
    import wallet_app.services  # noqa: F401  (the whole stack, imported once before any fork)

    preloaded: dict[str, Any] = {}
    if keystores is not None:
        for path in sorted(keystores.glob("*.json")):
            preloaded[path.stem] = keystore_signer(path)
    assert threading.active_count() == 1, "no thread may run in a process that forks"
    print(json.dumps({"ready": True}), flush=True)
    running: dict[int, int] = {}  # pid -> job id
    pending = b""
    reading = True
    while reading or running:
        if reading and select.select([0], [], [], 0.005)[0]:
            chunk = os.read(0, 1 << 16)
            reading = bool(chunk)
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                if line.strip():
                    job = json.loads(line)
                    running[_fork_job(job["spec"], job["env"], preloaded)] = int(job["id"])
        elif not reading:
            time.sleep(0.005)
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            answer: dict[str, Any] = {"id": running.pop(pid)}
            if os.WIFSIGNALED(status):
                answer["signal"] = os.WTERMSIG(status)
            else:
                answer["exit"] = os.WEXITSTATUS(status)
            print(json.dumps(answer), flush=True)


def _fork_job(spec: dict[str, Any], env: dict[str, str], preloaded: dict[str, Any]) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 1  # the child: a fresh desktop process
    try:
        log = os.open(spec.get("log", os.devnull), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.environ.update(env)
        run_job(spec, preloaded)
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        _serve(Path(argv[1]) if len(argv) > 1 else None)
        return 0
    if argv[:1] == ["run"] and len(argv) == 2:
        run_job(json.loads(argv[1]))
        return 0
    print("usage: python -m tests.support.queue_worker run SPEC_JSON | serve [KEYSTORE_DIR]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main(sys.argv[1:]))
