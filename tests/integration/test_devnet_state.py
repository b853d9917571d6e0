"""The devnet's state directory: one process at a time (DevnetBusy names the holder), a crash mid-stream
leaves complete blocks only, a damaged state raises DevnetCorrupt and stays untouched, and quarantine
moves it aside so that a new devnet can be created.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from wallet_app.chain.devnet import Devnet, find_served_endpoint, quarantine
from wallet_app.errors import DevnetBusy, DevnetCorrupt, DevnetError

ALICE = Account.from_key("0x" + "a1" * 32)
SINK = "0x000000000000000000000000000000000000dEaD"


def call(devnet: Devnet, method: str, *params: Any) -> Any:
    reply = devnet.handle({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    assert "error" not in reply, reply
    return reply["result"]


def fingerprint(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_size, stat.st_mtime_ns


@pytest.fixture
def state(tmp_path: Path) -> Path:
    path = tmp_path / "devnet"
    Devnet.create(path, alloc={ALICE.address: 10**20}).close()
    return path


_HOLDER = r"""
import sys, threading
from wallet_app.chain.devnet import Devnet, serve_devnet
node = Devnet.open(sys.argv[1])
server = None
if sys.argv[2] == "serve":
    server = serve_devnet(node, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
print(server.url if server else "ready", flush=True)
sys.stdin.readline()
if server:
    server.shutdown()
node.close()
"""


@pytest.fixture
def holder(state: Path) -> Iterator[Any]:
    processes: list[subprocess.Popen[str]] = []

    def start(mode: str) -> tuple[subprocess.Popen[str], str]:
        process = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(state), mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line, process.stderr.read() if process.stderr else ""
        return process, line

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_a_second_opener_gets_devnet_busy_naming_the_serving_process(state: Path, holder: Any) -> None:
    process, url = holder("serve")
    with pytest.raises(DevnetBusy) as busy:
        Devnet.open(state)
    assert (
        busy.value.user_message
        == f"The devnet in {state} is in use by process {process.pid}; it serves JSON-RPC at {url}."
    )
    assert find_served_endpoint(state) == url
    with pytest.raises(DevnetBusy):
        Devnet.create(state, alloc={})
    with pytest.raises(DevnetBusy):
        quarantine(state)

    process.communicate("stop\n", timeout=20)
    assert process.returncode == 0
    assert find_served_endpoint(state) is None
    with Devnet.open(state) as node:  # free again
        assert call(node, "eth_blockNumber") == "0x0"


def test_devnet_busy_says_when_the_holder_does_not_serve(state: Path) -> None:
    with Devnet.open(state):
        with pytest.raises(DevnetBusy, match=rf"in use by process {os.getpid()}; it does not serve JSON-RPC\.$"):
            Devnet.open(state)  # a second opener in the same process is refused too


_WRITER = r"""
import sys
from eth_account import Account
from wallet_app.chain.devnet import Devnet
sender = Account.from_key(sys.argv[2])
with Devnet.open(sys.argv[1]) as node:
    for nonce in range(100000):
        tx = {"to": sys.argv[3], "value": 1, "gas": 21000, "nonce": nonce, "maxFeePerGas": 10**10,
              "maxPriorityFeePerGas": 10**9, "chainId": node.chain_id}
        raw = "0x" + bytes(sender.sign_transaction(tx).raw_transaction).hex()
        reply = node.handle({"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": [raw]})
        assert "result" in reply, reply
        print(nonce, flush=True)
"""


def test_a_killed_writer_leaves_complete_blocks_and_the_lock_free(state: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(state), ALICE.key.hex(), SINK],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for _ in range(25):
        assert process.stdout.readline(), process.stderr.read() if process.stderr else ""
    os.kill(process.pid, signal.SIGKILL)  # somewhere in the middle of mining or committing a block
    process.wait(timeout=10)

    with Devnet.open(state) as node:
        height = int(call(node, "eth_blockNumber"), 16)
        assert height >= 25
        # every block holds exactly one of the transfers, and the state agrees with the blocks
        assert int(call(node, "eth_getTransactionCount", ALICE.address, "latest"), 16) == height
        assert int(call(node, "eth_getBalance", SINK, "latest"), 16) == height
        head = call(node, "eth_getBlockByNumber", "latest", False)
        assert len(head["transactions"]) == 1
        assert call(node, "eth_getTransactionReceipt", head["transactions"][0])["status"] == "0x1"


def test_a_file_that_is_not_a_database_raises_devnet_corrupt_and_is_left_untouched(state: Path) -> None:
    db = state / "chain.sqlite3"
    db.write_bytes(b"this is not a SQLite database, it is garbage\n" * 1000)
    before = fingerprint(db)
    with pytest.raises(DevnetCorrupt) as corrupt:
        Devnet.open(state)
    message = corrupt.value.user_message
    assert "\n" not in message and str(db) in message and "untouched" in message
    assert fingerprint(db) == before
    with pytest.raises(DevnetError, match="already exists"):
        Devnet.create(state, alloc={})  # creating never overwrites it either
    assert fingerprint(db) == before
    assert Devnet.exists(state)


def test_a_missing_head_block_raises_devnet_corrupt(state: Path) -> None:
    db = state / "chain.sqlite3"
    with sqlite3.connect(db) as conn:  # lose the block body of the head
        head_hash = conn.execute("SELECT value FROM kv WHERE key = ?", (b"v1:canonical_head_hash",)).fetchone()[0]
        assert conn.execute("DELETE FROM kv WHERE key = ?", (head_hash,)).rowcount == 1
    conn.close()
    before = fingerprint(db)
    with pytest.raises(DevnetCorrupt, match="cannot be used"):
        Devnet.open(state)
    assert fingerprint(db) == before
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM kv WHERE key = ?", (b"v1:canonical_head_hash",))
    conn.close()
    with pytest.raises(DevnetCorrupt):
        Devnet.open(state)


def test_quarantine_moves_the_state_aside_and_a_new_devnet_can_be_created(state: Path) -> None:
    db = state / "chain.sqlite3"
    db.write_bytes(b"\x00" * 4096)
    before = fingerprint(db)
    with pytest.raises(DevnetCorrupt):
        Devnet.open(state)

    moved_to = quarantine(state)
    assert moved_to.parent == state and moved_to.name.startswith("quarantine-")
    assert hashlib.sha256((moved_to / "chain.sqlite3").read_bytes()).hexdigest() == before[0]
    assert not Devnet.exists(state)
    with pytest.raises(DevnetError, match="no devnet"):
        Devnet.open(state)

    with Devnet.create(state, alloc={ALICE.address: 5}) as node:
        assert call(node, "eth_getBalance", ALICE.address, "latest") == "0x5"
    second = quarantine(state)  # a second quarantine in the same second gets its own folder
    assert second != moved_to and (second / "chain.sqlite3").exists()
    assert (moved_to / "chain.sqlite3").exists()
    with pytest.raises(DevnetError):
        quarantine(state)  # nothing left to move


def test_exists_create_and_close(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "devnet"
    assert not Devnet.exists(path)
    with pytest.raises(DevnetError):
        Devnet.open(path)
    node = Devnet.create(path, alloc={ALICE.address: 1})
    assert Devnet.exists(path) and node.chain_id == 1_770_177 and node.state_dir == path
    node.close()
    node.close()  # idempotent
    with pytest.raises(DevnetError, match="already exists"):
        Devnet.create(path, alloc={})
    with pytest.raises(ValueError):
        Devnet.create(tmp_path / "other", chain_id=0, alloc={})
    with pytest.raises(ValueError):
        Devnet.create(tmp_path / "other", alloc={"0xnot-an-address": 1})
    assert not Devnet.exists(tmp_path / "other")
