"""The devnet served as HTTP JSON-RPC on loopback: another process uses it through web3's HTTPProvider,
malformed traffic gets JSON-RPC or HTTP errors without stopping the server, a busy port is reported,
and `endpoint.json` / `find_served_endpoint` tell other processes where to connect.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from eth_account import Account

from wallet_app.chain.devnet import Devnet, DevnetServer, find_served_endpoint, serve_devnet
from wallet_app.errors import PortInUse

ALICE = Account.from_key("0x" + "a1" * 32)
SINK = "0x000000000000000000000000000000000000dEaD"


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[Devnet]:
    with Devnet.create(tmp_path / "devnet", alloc={ALICE.address: 10**20}) as node:
        yield node


@pytest.fixture
def server(devnet: Devnet) -> Iterator[DevnetServer]:
    server = serve_devnet(devnet, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=5)
        assert not thread.is_alive()  # serve_forever returned


def post(url: str, body: bytes, *, content_type: str = "application/json", host: str | None = None) -> tuple[int, Any]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    headers = {"Content-Type": content_type}
    if host is not None:
        headers["Host"] = host
    try:
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        try:
            return response.status, json.loads(payload)
        except ValueError:
            return response.status, payload
    finally:
        connection.close()


def rpc(url: str, method: str, *params: Any) -> Any:
    status, reply = post(
        url, json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    )
    assert status == 200
    return reply


_CLIENT = r"""
import json, sys
from eth_account import Account
from web3 import Web3
w3 = Web3(Web3.HTTPProvider(sys.argv[1]))
sender = Account.from_key(sys.argv[2])
tx = {"to": sys.argv[3], "value": 777, "gas": 21000, "nonce": w3.eth.get_transaction_count(sender.address),
      "maxFeePerGas": 2 * w3.eth.gas_price, "maxPriorityFeePerGas": w3.eth.max_priority_fee, "chainId": w3.eth.chain_id}
receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction))
print(json.dumps({"connected": w3.is_connected(), "chain_id": w3.eth.chain_id, "status": receipt["status"],
                  "balance_before": int(sys.argv[4]), "balance": w3.eth.get_balance(sender.address),
                  "sink": w3.eth.get_balance(sys.argv[3]), "block": w3.eth.block_number}))
"""


def test_another_process_reads_and_sends_over_http(devnet: Devnet, server: DevnetServer) -> None:
    assert urlsplit(server.url).hostname == "127.0.0.1"
    child = subprocess.run(
        [sys.executable, "-c", _CLIENT, server.url, ALICE.key.hex(), SINK, str(10**20)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    seen = json.loads(child.stdout)
    assert seen["connected"] is True and seen["chain_id"] == devnet.chain_id
    assert seen["status"] == 1 and seen["sink"] == 777 and seen["block"] == 1
    assert seen["balance"] < 10**20 - 777
    assert devnet.handle({"jsonrpc": "2.0", "id": 1, "method": "eth_getBalance", "params": [SINK, "latest"]})[
        "result"
    ] == hex(777)  # the same chain, seen in-process


def test_garbage_and_oversized_requests_get_errors_and_the_server_keeps_working(server: DevnetServer) -> None:
    status, reply = post(server.url, b"{this is not json")
    assert status == 200 and reply["error"]["code"] == -32700 and reply["id"] is None
    status, reply = post(server.url, b"[" * 100_000)  # deep nesting
    assert status == 200 and reply["error"]["code"] == -32700
    status, reply = post(server.url, json.dumps({"jsonrpc": "2.0", "id": 4, "method": "eth_nope"}).encode())
    assert reply["error"]["code"] == -32601 and reply["id"] == 4
    status, reply = post(
        server.url, json.dumps({"jsonrpc": "2.0", "id": 5, "method": "eth_getCode", "params": [1]}).encode()
    )
    assert reply["error"]["code"] == -32602
    status, _ = post(server.url, b"{}", content_type="text/plain")
    assert status == 415
    status, _ = post(server.url, b"{}", host="evil.example:80")
    assert status == 403

    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    connection.putrequest("POST", "/")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(5 * 1024 * 1024))
    connection.endheaders()  # the body never comes: the size alone is refused
    response = connection.getresponse()
    assert response.status == 413 and json.loads(response.read())["error"]["code"] == -32600
    connection.close()

    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_blockNumber", "params": []} for i in range(3)]
    status, reply = post(server.url, json.dumps(batch).encode())
    assert status == 200 and [r["result"] for r in reply] == ["0x0"] * 3
    assert rpc(server.url, "eth_chainId")["result"] == hex(1_770_177)


def test_get_and_options_answer_briefly(server: DevnetServer) -> None:
    parts = urlsplit(server.url)
    for method in ("GET", "OPTIONS"):
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        connection.request(method, "/")
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200 and b"JSON-RPC" in body
        connection.close()


def test_a_busy_port_raises_port_in_use(devnet: Devnet) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse, match=rf"^Port {port} on 127\.0\.0\.1 is already in use\.$"):
            serve_devnet(devnet, port)
    assert not (devnet.state_dir / "endpoint.json").exists()


def test_endpoint_file_names_the_live_server_only(devnet: Devnet) -> None:
    state = devnet.state_dir
    assert find_served_endpoint(state) is None
    server = serve_devnet(devnet, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = json.loads((state / "endpoint.json").read_text())
    assert endpoint == {"url": server.url, "pid": os.getpid()}
    assert find_served_endpoint(state) == server.url
    server.shutdown()
    server.shutdown()  # idempotent
    thread.join(timeout=5)
    assert not (state / "endpoint.json").exists()
    assert find_served_endpoint(state) is None
    with pytest.raises(OSError):
        rpc(server.url, "eth_chainId")


def test_a_stale_endpoint_file_is_ignored(tmp_path: Path) -> None:
    state = tmp_path / "devnet"
    Devnet.create(state, alloc={}).close()
    (state / "endpoint.json").write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": 999_999_999}))
    assert find_served_endpoint(state) is None  # nobody holds the lock
    with Devnet.open(state):
        assert find_served_endpoint(state) is None  # the lock holder is not the pid in the file
    (state / "endpoint.json").write_text("{not json")
    assert find_served_endpoint(state) is None
