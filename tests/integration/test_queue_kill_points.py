"""The kill-point matrix of the approval queue (SECURITY 6.3, 6.4): every named fault point of propose, approve and
execute, on SQLite (WAL, synchronous=FULL) and on PostgreSQL.

Each cell starts from a prepared profile (below). A desktop process runs its calls with WALLET_FAULT=<point>:<hit>
and kills itself with SIGKILL there, exactly as a crash would. Then a new desktop process starts on the same profile
("restart") and, before doing anything else, checks INV-3 (every proposal and approval acknowledged earlier is
there: a desktop appends an acknowledgement to a side file only after a call returned), INV-4, INV-5, INV-6, INV-7,
INV-9 (rows) and INV-10 (see `queue_worker.verify_restart`); then it makes the same calls again, which must complete
with exactly one effect (an idempotent proposal, no second signature row, the signing journal letting the retry of
the same digest through, no second executor transaction), and checks everything again with the expected signers.
The test then greps the database files, the WAL and the desktops' logs for the password and the private keys.

The desktops are forked by a fork server (`queue_worker.ForkServer`; two cells run side by side): the stack is
imported and the demo keys unlocked once, and each job is a fresh OS process.

Workloads (Dana Ho proposes; the officers approve):
- prepared once, by a desktop that exits normally: X proposed at the next free nonce n; E proposed at the vault's
  nonce and approved by Ben. SQLite cells copy that profile; PostgreSQL cells get a database made from a template
  holding it.
- the crashed desktop makes two calls: the first returns and is acknowledged (INV-3 checks it survived), the second
  is killed at the point: Alice's signature of X is imported, then Dana proposes Y at n+1 (propose points) or Ben
  approves X (approve points); Carmen's signature of E is imported, then Alice executes E (execute points; the node
  is tapped, every raw transaction it receives appended to a file first, for INV-1 and INV-2, and on restart
  recovery (`follow`) runs twice before the calls are made again).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.postgres import PostgresServer
from tests.support.queue_worker import (
    ALICE,
    BEN,
    CARMEN,
    CLIENT_VAULT,
    DANA,
    ForkServer,
    copy_home,
    find_secrets,
    keystore_key,
    move_profile_to_postgres,
    open_desk,
    password_file,
    payout_hash,
    profile_dir,
    read_acks,
    set_profile,
    shared_demo_home,
)


@dataclass(frozen=True)
class KillPoint:
    name: str
    workload: str  # "propose", "approve" or "execute": the call the crashed desktop is killed in
    hit: int = 1  # the how-many-th time the point is reached (the import before it passes some points too)


POINTS = (
    KillPoint("propose.after_policy_before_insert", "propose"),
    KillPoint("propose.after_insert_before_commit", "propose"),
    KillPoint("propose.after_commit_before_ack", "propose"),
    KillPoint("approve.after_hash_before_sign", "approve"),
    KillPoint("approve.after_sign_before_insert", "approve"),
    KillPoint("approve.after_insert_before_commit", "approve", hit=2),
    KillPoint("approve.after_commit_before_ack", "approve"),
    KillPoint("exec.after_claim_before_sign", "execute"),
    KillPoint("exec.after_sign_before_persist", "execute"),
    KillPoint("exec.after_persist_before_send", "execute"),
    KillPoint("exec.after_send_before_broadcast_mark", "execute"),
    KillPoint("exec.after_receipt_before_mined", "execute"),
)
BACKENDS = ("sqlite", "postgresql")
LANES = 2


@dataclass
class Workload:
    prepare: list[dict[str, Any]]  # done by an earlier desktop that exited normally
    steps: list[dict[str, Any]]  # what the crashed desktop does (killed in the last), and the restarted one again
    expect: dict[str, list[str]]  # safeTxHash -> the officers whose signatures count at the end
    nonces: list[int]
    executed: str | None = None  # the item executed (once) by the end


def workloads(names: dict[str, str], chain_id: int, next_nonce: int, vault_nonce: int) -> dict[str, Workload]:
    x, y = payout_hash(names, chain_id, 1111, next_nonce), payout_hash(names, chain_id, 2222, next_nonce + 1)
    e = payout_hash(names, chain_id, 3333, vault_nonce)
    prepare = [
        {"op": "propose", "who": DANA, "cents": 1111, "nonce": next_nonce},  # X
        {"op": "propose", "who": DANA, "cents": 3333, "nonce": vault_nonce},  # E, at the vault's nonce
        {"op": "approve", "who": BEN, "hash": e},
    ]
    # The crashed desktop's first call, acknowledged before the crash: an officer's signature imported (verified
    # and stored with its audit entry; cheaper than signing here, as no policy check runs for it).
    alice_x = {"op": "import", "who": ALICE, "hash": x}
    nonces = [next_nonce, next_nonce + 1, vault_nonce]
    return {
        "propose": Workload(prepare, [alice_x, {"op": "propose", "who": DANA, "cents": 2222, "nonce": next_nonce + 1}],
                            {x: [ALICE], y: [], e: [BEN]}, nonces),
        "approve": Workload(prepare, [alice_x, {"op": "approve", "who": BEN, "hash": x}],
                            {x: [ALICE, BEN], e: [BEN]}, nonces),
        "execute": Workload(prepare, [{"op": "import", "who": CARMEN, "hash": e, "only_if_open": True},
                                      {"op": "execute", "who": ALICE, "hash": e, "only_if_ready": True}],
                            {x: [], e: [BEN, CARMEN]}, nonces, executed=e),
    }


@dataclass
class CellResult:
    crash: dict[str, Any]
    restart: dict[str, Any]
    acked: list[str]  # what the crashed desktop acknowledged before it was killed
    report: dict[str, Any]
    logs: str
    home: Path
    seconds: float


@dataclass
class Matrix:
    results: dict[tuple[str, str], CellResult]
    secrets: dict[str, bytes]
    server: PostgresServer
    databases: list[str]
    prepared: list[dict[str, Any]]  # the acknowledgements of the preparing desktop


def run_cell(server: ForkServer, point: KillPoint, work: Workload, prepared: Path, cell: Path,
             database_url: str | None) -> CellResult:
    home = copy_home(prepared, cell / "home")
    if database_url is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{profile_dir(home) / 'custos.db'}{suffix}").unlink(missing_ok=True)
        set_profile(home, database_url=database_url)
    tap = str(cell / "node.jsonl") if point.workload == "execute" else None
    base = {"home": str(home), "password_file": str(password_file(cell)), "unlock": [DANA, ALICE, BEN, CARMEN],
            "tap": tap}
    acks = cell / "acks.jsonl"
    (acks).write_text((prepared.parent / "acks.jsonl").read_text())  # the preparing desktop's acknowledgements
    started = time.monotonic()
    crashed = server.run({**base, "ack": str(acks), "log": str(cell / "crash.log"), "steps": work.steps},
                         {"WALLET_FAULT": f"{point.name}:{point.hit}"})
    acked = [a["op"] for a in read_acks(acks)][len(work.prepare):]
    verify = {"op": "verify", "acks": str(acks), "nonces": work.nonces, "tap": tap,
              "recover": point.workload == "execute"}
    restarted = server.run({**base, "ack": str(cell / "acks-restart.jsonl"), "log": str(cell / "restart.log"),
                          "steps": [{**verify, "report": str(cell / "after-crash.json")}, *work.steps,
                                    {**verify, "expect": work.expect, "executed": work.executed, "twice": False,
                                     "report": str(cell / "final.json")}]})
    seconds = time.monotonic() - started
    logs = "".join((cell / name).read_text(errors="replace")[-4000:] for name in ("crash.log", "restart.log")
                   if (cell / name).exists())
    report = json.loads((cell / "final.json").read_text()) if (cell / "final.json").exists() else {}
    return CellResult(crashed, restarted, acked, report, logs, home, seconds)


@pytest.fixture(scope="module")
def matrix(postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    demo = shared_demo_home(tmp_path_factory.getbasetemp())
    root = tmp_path_factory.mktemp("kill")
    prepared = copy_home(demo, root / "prepared" / "home")
    with open_desk(prepared) as desk:
        names = dict(desk.names)
        chain_id = desk.chain_id
        next_nonce = desk.next_nonce()
        vault_nonce = next(int(v.nonce) for v in desk.services.vaults.fetch_vaults()
                           if v.address == names[CLIENT_VAULT])
        keystores = desk.profile.paths.keystores
    work = workloads(names, chain_id, next_nonce, vault_nonce)
    server = ForkServer(keystores)
    keys = ThreadPoolExecutor(1)  # the test's own copy of the secrets (INV-9), decrypted while the cells run
    secrets_later = keys.submit(lambda: {"password": b"custos-demo", **{
        f"key {p.stem}": keystore_key(p) for p in sorted(keystores.glob("*.json"))}})
    databases: dict[str, str] = {}
    template = postgres_server.create_database("kill_template")
    try:
        done = server.run({"home": str(prepared), "password_file": str(password_file(root)),
                             "unlock": [DANA, ALICE, BEN, CARMEN], "ack": str(prepared.parent / "acks.jsonl"),
                             "log": str(prepared.parent / "prepare.log"), "steps": work["propose"].prepare})
        assert done == {"exit": 0}, (prepared.parent / "prepare.log").read_text()[-3000:]
        move_profile_to_postgres(copy_home(prepared, root / "template" / "home"), postgres_server.url(template))
        cells = [(b, p) for b in BACKENDS for p in POINTS]
        for backend, point in cells:
            if backend == "postgresql":
                name = f"kill_{len(databases)}_{template[-8:]}"
                postgres_server.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                databases[point.name] = name

        def one(cell: tuple[str, KillPoint]) -> tuple[tuple[str, str], CellResult]:
            backend, point = cell
            url = postgres_server.url(databases[point.name]) if backend == "postgresql" else None
            return (backend, point.name), run_cell(server, point, work[point.workload], prepared,
                                                   root / f"{backend}-{point.name}", url)

        with ThreadPoolExecutor(LANES) as pool:
            results = dict(pool.map(one, cells))
        secrets = secrets_later.result()
        keys.shutdown()
        yield Matrix(results, secrets, postgres_server, list(databases.values()),
                     read_acks(prepared.parent / "acks.jsonl"))
    finally:
        server.close()
        for name in [*databases.values(), template]:
            postgres_server.drop_database(name)


CELLS = [pytest.param(backend, point, id=f"{backend}-{point.name}") for backend in BACKENDS for point in POINTS]


@pytest.mark.parametrize(("backend", "point"), CELLS)
def test_kill_point(matrix: Matrix, backend: str, point: KillPoint) -> None:
    result = matrix.results[(backend, point.name)]
    assert [a["op"] for a in matrix.prepared] == ["propose", "propose", "approve"]
    assert result.crash == {"signal": 9}, f"not killed at {point.name}: {result.crash}\n{result.logs}"
    assert result.acked == ["import"]  # its first call returned and was acknowledged; it was killed in the second
    assert result.restart == {"exit": 0}, f"the restarted desktop failed:\n{result.logs}"
    assert result.report["items"], result.report
    # INV-9 in the files: the SQLite database and its WAL, the desktops' logs and side files, the whole profile
    # directory except the (encrypted) keystores.
    blobs = {str(p): p.read_bytes() for p in result.home.rglob("*")
             if p.is_file() and "keystores" not in p.parts}
    blobs.update({str(p): p.read_bytes() for p in result.home.parent.glob("*")
                  if p.is_file() and p.name != "password.txt"})  # (the password file the desktop was given)
    assert find_secrets(blobs, matrix.secrets) == []


def test_kill_points_leave_no_secret_in_the_postgresql_files(matrix: Matrix) -> None:
    """INV-9 on PostgreSQL: the heap and index files of every cell's database, and the server's WAL."""
    data = matrix.server.data
    with open_oids(matrix) as oids:
        files = [p for oid in oids for p in (data / "base" / str(oid)).glob("*") if p.is_file()]
    files += [p for p in (data / "pg_wal").glob("*") if p.is_file()]
    assert files
    blobs = {str(p): p.read_bytes() for p in files}
    assert sum(len(b) for b in blobs.values()) > 0
    assert find_secrets(blobs, matrix.secrets) == []


class open_oids:
    def __init__(self, matrix: Matrix) -> None:
        import psycopg

        self._conn = psycopg.connect(matrix.server.conninfo(), autocommit=True)
        self._names = matrix.databases

    def __enter__(self) -> list[int]:
        self._conn.execute("CHECKPOINT")  # what the cells committed is in the data files too, not only the WAL
        rows = self._conn.execute("SELECT oid FROM pg_database WHERE datname = ANY(%s)", (self._names,)).fetchall()
        return [int(r[0]) for r in rows]

    def __exit__(self, *_exc: object) -> None:
        self._conn.close()


def test_the_matrix_covers_every_named_point_of_the_code() -> None:
    """A new fault point in propose, approve or execute must get its row here."""
    import re

    source = "".join(p.read_text() for p in (Path(__file__).parents[2] / "wallet_app" / "queue").glob("*.py"))
    named = set(re.findall(r'faultpoint\("((?:propose|approve|exec)\.[a-z_]+)"\)', source))
    assert named <= {p.name for p in POINTS}, named - {p.name for p in POINTS}
    assert {p.name for p in POINTS if p.workload == "queue"} <= named
