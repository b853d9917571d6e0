"""Approval queue throughput: proposals plus approvals per second with three concurrent writers, on SQLite and on
PostgreSQL, against bare SQL inserts of the same rows.

Setup (not timed): `custos demo init` in a temporary home; its devnet served on loopback (`custos devnet serve`) so
that every writer process reads the same chain over HTTP, as desktops of a team would read their node.
Measured, for DURATION seconds after a common start, by WRITERS processes at once:
  - Custos: each writer loops over "Dana Ho proposes a payout of HKDH from the client vault to an investor (its own
    nonces, so writers never collide at a nonce), Alice approves it, Ben approves it" through `QueueService`
    (`propose_with`, `approve_with`): each call checks the policy (vault, owners and nonce read from the chain, the
    transaction decoded, priced and simulated on the node, velocity counted over the queue, the decision recorded
    with its audit entry), signs through the signing journal (committed before the key signs), and writes the row
    with its hash-chained, signed audit entry in one transaction. The keys are unlocked once before the clock
    starts (scrypt is not what is measured). One operation = one proposal or one approval.
      SQLite: the three writers share one profile (one database file: WAL, synchronous=FULL).
      PostgreSQL: three profiles (desktops) on one database of a private server on loopback started with fsync=on
      and full_page_writes=on (the test server runs with fsync off; a benchmark should not).
  - peer: the same rows (a queue item, then two signature rows, each in a transaction of its own, as the queue
    commits them) written by the same number of processes with bare SQLAlchemy Core inserts into a database of the
    same schema and durability settings: no policy, no chain, no signing, no journal, no audit, no verification.
Printed: operations per second for both, the ratio, the median latency of each call, the share of the writers' time
spent inside the policy check and waiting on the node (every JSON-RPC request, policy or not: the EVM runs the
simulations and multicalls in the devnet server's process), and the requests per operation.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and this file is named like the standard library's
# `queue` (which urllib3, under web3, imports): take the folder off the path before anything imports it.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import json  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

REPO = HERE.parent
sys.path.insert(0, str(REPO))  # for tests.support, shared with the integration tests

from tests.support.anvil import free_port, rpc  # noqa: E402
from tests.support.postgres import start_postgres  # noqa: E402
from tests.support.queue_worker import (  # noqa: E402
    ALICE,
    BEN,
    DANA,
    PASSWORD,
    copy_home,
    load_names,
    move_profile_to_postgres,
    payout_request,
    profile_dir,
)

DURATION = float(os.environ.get("BENCH_QUEUE_SECONDS", "10"))
WRITERS = int(os.environ.get("BENCH_QUEUE_WRITERS", "3"))
CUSTOS = [sys.executable, "-m", "wallet_app.cli"]


# -- the writers (each in a process of its own) --------------------------------------------------------------------

def custos_writer(spec: dict[str, Any]) -> dict[str, Any]:
    from wallet_app.profiles import open_profile
    from wallet_app.services import build_services

    profile = open_profile(spec["home"], "demo")
    services = build_services(profile)
    names = load_names(profile)
    signers = {}
    for label in (DANA, ALICE, BEN):
        services.keys.unlock(names[label], PASSWORD)
        signers[label] = services.keys.signer(names[label])
    checker = services.policy_checker
    original = checker.check
    in_policy = [0.0]

    def timed_check(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            in_policy[0] += time.perf_counter() - started

    checker.check = timed_check  # the instance the queue holds: every policy check it makes is timed
    chain = services.chain
    request = chain._request
    on_node = [0.0, 0]

    def timed_request(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return request(*args, **kwargs)
        finally:
            on_node[0] += time.perf_counter() - started
            on_node[1] += 1

    chain._request = timed_request  # every JSON-RPC request of this desktop (policy, verification, signing)
    queue = services.queue
    latencies: dict[str, list[float]] = {"propose": [], "approve": []}
    while time.time() < spec["start_at"]:
        time.sleep(0.005)
    in_policy[0], on_node[0], on_node[1] = 0.0, 0.0, 0
    end = spec["start_at"] + spec["duration"]
    k = 0
    busy = 0.0
    while time.time() < end:
        nonce = spec["first_nonce"] + spec["index"] + spec["writers"] * k
        started = time.perf_counter()
        result = queue.propose_with(payout_request(names, 10_000 * spec["index"] + k + 1, nonce), signers[DANA])
        latencies["propose"].append(time.perf_counter() - started)
        if not result.queued:
            raise SystemExit(f"the policy denied a benchmark payout: {result.check.decision.reasons}")
        for who in (ALICE, BEN):
            if time.time() >= end:
                break
            started = time.perf_counter()
            queue.approve_with(result.entry.safe_tx_hash, signers[who])
            latencies["approve"].append(time.perf_counter() - started)
        k += 1
    busy = sum(latencies["propose"]) + sum(latencies["approve"])
    services.close()
    profile.close()
    return {"latencies": latencies, "policy_seconds": in_policy[0], "busy_seconds": busy, "node_seconds": on_node[0],
            "requests": on_node[1]}


def peer_writer(spec: dict[str, Any]) -> dict[str, Any]:
    """Bare inserts of the same rows: an item, then two signature rows, one transaction each."""
    from sqlalchemy import insert

    from wallet_app.storage.database import create_database_engine
    from wallet_app.storage.schema import queue_items, queue_signatures

    engine = create_database_engine(spec["url"])  # same pragmas (SQLite WAL, synchronous=FULL) as the profile's
    template = spec["row"]
    latencies: list[float] = []
    while time.time() < spec["start_at"]:
        time.sleep(0.005)
    end = spec["start_at"] + spec["duration"]
    from datetime import UTC, datetime

    while time.time() < end:
        key = "0x" + secrets.token_hex(32)
        now = datetime.now(UTC)
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(queue_items).values(**template, chain_id=spec["chain_id"], safe_tx_hash=key,
                                                    proposed_at=now, updated_at=now))
        latencies.append(time.perf_counter() - started)
        for owner in spec["owners"]:
            if time.time() >= end:
                break
            started = time.perf_counter()
            with engine.begin() as conn:
                conn.execute(insert(queue_signatures).values(
                    chain_id=spec["chain_id"], safe_tx_hash=key, owner=owner, signature="0x" + secrets.token_hex(65),
                    source="custos", added_at=now, added_by="peer"))
            latencies.append(time.perf_counter() - started)
    engine.dispose()
    return {"latencies": latencies}


# -- the harness ------------------------------------------------------------------------------------------------

def run_writers(kind: str, specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    start_at = time.time() + 8.0  # every writer has imported, opened its profile and unlocked its keys by then
    processes = []
    for spec in specs:
        spec.update(start_at=start_at, duration=DURATION)
        processes.append(subprocess.Popen([sys.executable, __file__, kind, json.dumps(spec)], cwd=REPO,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = []
    for process in processes:
        out, err = process.communicate(timeout=DURATION + 120)
        if process.returncode != 0:
            raise SystemExit(f"a {kind} writer failed: {err[-3000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def report(title: str, custos: list[dict[str, Any]], peer: list[dict[str, Any]]) -> None:
    proposals = sum(len(r["latencies"]["propose"]) for r in custos)
    approvals = sum(len(r["latencies"]["approve"]) for r in custos)
    ours = (proposals + approvals) / DURATION
    rows = sum(len(r["latencies"]) for r in peer) / DURATION
    busy = max(sum(r["busy_seconds"] for r in custos), 1e-9)
    policy = sum(r["policy_seconds"] for r in custos) / busy
    node = sum(r["node_seconds"] for r in custos) / busy
    requests = sum(r["requests"] for r in custos) / max(proposals + approvals, 1)
    p50 = {k: 1000 * statistics.median([x for r in custos for x in r["latencies"][k]] or [0.0])
           for k in ("propose", "approve")}
    peer_p50 = 1000 * statistics.median([x for r in peer for x in r["latencies"]] or [0.0])
    print(f"{title}, {WRITERS} writers, {DURATION:.0f} s:")
    print(f"  {'Custos queue':<46} {ours:9.2f} ops/s  ({proposals} proposals + {approvals} approvals; median "
          f"propose {p50['propose']:.0f} ms, approve {p50['approve']:.0f} ms)")
    print(f"  {'':<46} where the writers' time went: {policy:.0%} in the policy check, {node:.0%} waiting on "
          f"the node in all ({requests:.0f} JSON-RPC requests per operation)")
    print(f"  {'peer: bare SQL inserts of the same rows':<46} {rows:9.1f} rows/s (median {peer_p50:.1f} ms)")
    print(f"  ratio: the peer writes {rows / max(ours, 1e-9):,.0f}x as many rows; Custos does "
          f"{ours / max(rows, 1e-9):.4f}x the peer's rate")


def peer_row(names: dict[str, str], chain_id: int) -> dict[str, Any]:
    from wallet_app.domain.safe_tx import Operation, SafeTx
    from wallet_app.queue.records import safe_tx_to_row

    request = payout_request(names, 1, 10**6)
    tx = SafeTx(safe=request.safe, chain_id=chain_id, version="1.4.1", to=request.to, value=0, data=request.data,
                operation=Operation.CALL, nonce=10**6)
    return {**safe_tx_to_row(tx), "proposer": names[DANA], "proposer_signature": "0x" + "11" * 65,
            "state": "proposed", "state_reason": ""}


def main() -> None:
    from wallet_app.profiles import open_profile
    from wallet_app.storage.database import open_database, sqlite_url

    root = Path(tempfile.mkdtemp(prefix="custos-bench-queue-"))
    server = None
    devnet = None
    try:
        base = root / "base"
        subprocess.run([*CUSTOS, "--home", str(base), "demo", "init"], check=True, capture_output=True, cwd=REPO)
        pristine = copy_home(base, root / "pristine")
        port = free_port()
        devnet = subprocess.Popen([*CUSTOS, "--home", str(base), "devnet", "serve", "--port", str(port)], cwd=REPO,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                rpc(f"http://127.0.0.1:{port}", "eth_chainId", [])
                break
            except OSError:
                if devnet.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("custos devnet serve did not start") from None
                time.sleep(0.1)
        profile = open_profile(base, "demo")
        names = load_names(profile)
        chain_id = profile.config.chain_id
        profile.close()
        from tests.support.queue_worker import open_desk

        first_nonce = 0
        with open_desk(pristine) as desk:
            first_nonce = desk.next_nonce()
        print("chain: the demo devnet (py-evm) served on loopback HTTP by `custos devnet serve`; every writer reads "
              "it")

        # SQLite: three writers on one profile; the peer on a copy of the same database file.
        specs = [{"home": str(base), "index": i, "writers": WRITERS, "first_nonce": first_nonce}
                 for i in range(WRITERS)]
        custos_sqlite = run_writers("custos", specs)
        peer_db = root / "peer.db"
        shutil.copy(profile_dir(pristine) / "custos.db", peer_db)
        row = peer_row(names, chain_id)
        owners = [names[ALICE], names[BEN]]
        peer_sqlite = run_writers("peer", [{"url": sqlite_url(peer_db), "row": row, "chain_id": chain_id,
                                            "owners": owners} for _ in range(WRITERS)])
        report("SQLite (WAL, synchronous=FULL)", custos_sqlite, peer_sqlite)

        # PostgreSQL: three desktops (profiles) on one database; the peer on a database of the same schema.
        server = start_postgres(fsync="on", full_page_writes="on", synchronous_commit="on")
        shared = server.create_database("bench_queue")
        move_profile_to_postgres(copy_home(pristine, root / "pg-base"), server.url(shared))
        specs = []
        for i in range(WRITERS):
            desk = copy_home(root / "pg-base", root / f"desk{i}")
            served = profile_dir(desk) / "devnet"
            shutil.rmtree(served)
            served.symlink_to(profile_dir(base) / "devnet")  # the chain the server holds: every desk reads it
            specs.append({"home": str(desk), "index": i, "writers": WRITERS, "first_nonce": first_nonce})
        custos_pg = run_writers("custos", specs)
        peer_name = server.create_database("bench_peer")
        open_database(server.url(peer_name)).dispose()  # the schema, by Custos's migrations
        peer_pg = run_writers("peer", [{"url": server.url(peer_name), "row": row, "chain_id": chain_id,
                                        "owners": owners} for _ in range(WRITERS)])
        report("PostgreSQL 15 (loopback, fsync=on)", custos_pg, peer_pg)
    finally:
        if devnet is not None and devnet.poll() is None:
            devnet.send_signal(signal.SIGINT)
            try:
                devnet.wait(20)
            except subprocess.TimeoutExpired:
                devnet.kill()
        if server is not None:
            server.remove()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in ("custos", "peer"):
        writer = custos_writer if sys.argv[1] == "custos" else peer_writer
        print(json.dumps(writer(json.loads(sys.argv[2]))))
    else:
        main()
