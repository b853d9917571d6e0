"""Bad nodes give one clear error each: unreachable, wrong chain, malformed replies."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from web3 import HTTPProvider

from tests.integration.conftest import free_port
from wallet_app.chain.monitor import NetworkMonitor
from wallet_app.chain.web3_client import Web3ChainClient
from wallet_app.domain.network import ConnectionState
from wallet_app.errors import BadRpcReply, NodeUnreachable, RpcError

REPLIES: dict[str, object] = {}


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        request = json.loads(self.rfile.read(length))
        reply = REPLIES.get(request["method"], {"jsonrpc": "2.0", "id": request["id"], "result": "0x1"})
        body = reply if isinstance(reply, bytes) else json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def bad_node() -> Iterator[Web3ChainClient]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    yield Web3ChainClient(provider=HTTPProvider(url), endpoint=url)
    server.shutdown()
    REPLIES.clear()


def test_an_unreachable_node_is_a_one_line_error() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    client = Web3ChainClient(provider=HTTPProvider(url, request_kwargs={"timeout": 2}), endpoint=url)
    with pytest.raises(NodeUnreachable, match="does not answer"):
        client.connect(1)
    status = NetworkMonitor(chain=client, network_name="Test", chain_id=1).fetch_status()
    assert status.state is ConnectionState.DISCONNECTED and status.block_number is None
    assert "does not answer" in status.message


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ({"jsonrpc": "2.0", "id": 1, "result": "12"}, BadRpcReply),  # not hex
        ({"jsonrpc": "2.0", "id": 1, "result": "0x" + "f" * 80}, BadRpcReply),  # absurdly large
        ({"jsonrpc": "2.0", "id": 1, "result": None}, BadRpcReply),
        ({"jsonrpc": "2.0", "id": 1}, BadRpcReply),
        ({"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": "boom"}}, RpcError),
        (b"<html>not json</html>", BadRpcReply),
    ],
)
def test_malformed_replies_are_refused(bad_node: Web3ChainClient, reply: object, expected: type) -> None:
    REPLIES["eth_getBalance"] = reply
    with pytest.raises(expected):
        bad_node.fetch_balance("0x000000000000000000000000000000000000dEaD")


def test_F1_a_node_on_another_chain_shows_as_wrong_chain(bad_node: Web3ChainClient) -> None:
    REPLIES["eth_chainId"] = {"jsonrpc": "2.0", "id": 1, "result": "0xa"}
    status = NetworkMonitor(chain=bad_node, network_name="Ethereum", chain_id=1).fetch_status()
    assert status.state is ConnectionState.WRONG_CHAIN
    assert "chain 10" in status.message and "pinned to chain 1" in status.message


def test_a_malformed_proof_is_refused(bad_node: Web3ChainClient) -> None:
    REPLIES["eth_getProof"] = {"jsonrpc": "2.0", "id": 1, "result": {"address": "0x00", "storageProof": []}}
    with pytest.raises(BadRpcReply):
        bad_node.fetch_proof("0x000000000000000000000000000000000000dEaD", [0])
