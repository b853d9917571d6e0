"""The devnet's JSON-RPC dispatcher: what clients see for good, bad and odd requests, and batches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from wallet_app.chain.devnet import Devnet
from wallet_app.domain.network import DEVNET_CHAIN_ID

ALICE = Account.from_key("0x" + "a1" * 32)
SINK = "0x000000000000000000000000000000000000dEaD"
GWEI = 10**9


def signed(nonce: int, *, chain_id: int = DEVNET_CHAIN_ID, max_fee: int = 20 * GWEI, value: int = 1) -> str:
    tx = {
        "nonce": nonce,
        "to": SINK,
        "value": value,
        "gas": 21_000,
        "maxFeePerGas": max_fee,
        "maxPriorityFeePerGas": min(GWEI, max_fee),
        "chainId": chain_id,
    }
    return "0x" + bytes(ALICE.sign_transaction(tx).raw_transaction).hex()


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[Devnet]:
    with Devnet.create(tmp_path / "devnet", alloc={ALICE.address: 10**20}) as node:
        yield node


def call(devnet: Devnet, method: str, *params: Any, request_id: Any = 1) -> dict[str, Any]:
    return devnet.handle({"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)})


def result(devnet: Devnet, method: str, *params: Any) -> Any:
    reply = call(devnet, method, *params)
    assert "error" not in reply, reply
    return reply["result"]


def error(devnet: Devnet, method: str, *params: Any) -> dict[str, Any]:
    reply = call(devnet, method, *params)
    assert "result" not in reply, reply
    return dict(reply["error"])


def test_node_facts(devnet: Devnet) -> None:
    assert result(devnet, "eth_chainId") == hex(DEVNET_CHAIN_ID)
    assert result(devnet, "net_version") == str(DEVNET_CHAIN_ID)
    assert result(devnet, "web3_clientVersion").startswith("Custos-devnet/")
    assert result(devnet, "eth_accounts") == []
    assert result(devnet, "eth_blockNumber") == "0x0"
    assert int(result(devnet, "eth_gasPrice"), 16) > int(result(devnet, "eth_maxPriorityFeePerGas"), 16)
    assert result(devnet, "eth_getBalance", ALICE.address, "earliest") == hex(10**20)
    for tag in ("latest", "pending", "safe", "finalized", "0x0", {"blockNumber": "0x0"}):
        assert result(devnet, "eth_getTransactionCount", ALICE.address, tag) == "0x0"
    genesis = result(devnet, "eth_getBlockByNumber", "0x0", False)
    assert result(devnet, "eth_getBalance", ALICE.address, {"blockHash": genesis["hash"]}) == hex(10**20)
    assert result(devnet, "eth_getBlockByNumber", "0x5", False) is None
    assert result(devnet, "eth_getBlockByHash", "0x" + "00" * 32, True) is None
    assert result(devnet, "eth_getTransactionReceipt", "0x" + "00" * 32) is None
    assert result(devnet, "eth_getTransactionByHash", "0x" + "00" * 32) is None


def test_the_response_echoes_the_request_id(devnet: Devnet) -> None:
    assert call(devnet, "eth_chainId", request_id="abc")["id"] == "abc"
    assert call(devnet, "eth_chainId", request_id=7)["id"] == 7
    reply = devnet.handle({"jsonrpc": "2.0", "method": "eth_chainId"})
    assert reply["id"] is None and reply["result"] == hex(DEVNET_CHAIN_ID)


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("eth_getBalance", ["0x1234", "latest"]),
        ("eth_getBalance", []),
        ("eth_getBalance", [ALICE.address, "latest", "extra"]),
        ("eth_getBalance", [ALICE.address, "newest"]),
        ("eth_getBalance", [ALICE.address, "0x"]),
        ("eth_getStorageAt", [ALICE.address, "0x" + "1" * 65, "latest"]),
        ("eth_getBlockByNumber", ["latest", "yes"]),
        ("eth_call", ["not an object", "latest"]),
        ("eth_call", [{"to": SINK, "data": "0x1", "input": "0x2"}, "latest"]),
        ("eth_call", [{"to": SINK, "data": "0xzz"}, "latest"]),
        ("eth_getLogs", [{"topics": ["0x1234"]}]),
        ("eth_getLogs", [{"blockHash": "0x" + "00" * 32, "fromBlock": "0x0"}]),
        ("eth_getProof", [ALICE.address, "0x0", "latest"]),
        ("eth_feeHistory", ["0x2", "latest", [50, 10]]),
        ("eth_sendRawTransaction", ["0x"]),
        ("eth_sendRawTransaction", ["0xc0ffee"]),
        ("eth_sendRawTransaction", [12]),
    ],
)
def test_bad_params_get_invalid_params(devnet: Devnet, method: str, params: list[Any]) -> None:
    reply = devnet.handle({"jsonrpc": "2.0", "id": 3, "method": method, "params": params})
    assert reply["error"]["code"] == -32602, reply
    assert reply["id"] == 3


def test_params_must_be_an_array(devnet: Devnet) -> None:
    reply = devnet.handle({"jsonrpc": "2.0", "id": 1, "method": "eth_getBalance", "params": {"address": SINK}})
    assert reply["error"]["code"] == -32602


def test_unknown_methods_and_malformed_requests(devnet: Devnet) -> None:
    assert error(devnet, "eth_sendTransaction", {"from": ALICE.address})["code"] == -32601
    assert error(devnet, "debug_traceTransaction")["code"] == -32601
    for bad in (
        42,
        "text",
        None,
        {"jsonrpc": "2.0", "id": 1},
        {"jsonrpc": "1.0", "id": 1, "method": "eth_chainId"},
        {"jsonrpc": "2.0", "id": [1], "method": "eth_chainId"},
        {"jsonrpc": "2.0", "id": 1, "method": 5},
    ):
        reply = devnet.handle(bad)
        assert reply["error"]["code"] == -32600, (bad, reply)
    assert result(devnet, "eth_chainId") == hex(DEVNET_CHAIN_ID)  # still answering


def test_execution_errors_are_server_errors_with_geth_messages(devnet: Devnet) -> None:
    wrong_chain = error(devnet, "eth_sendRawTransaction", signed(0, chain_id=1))
    assert wrong_chain["code"] == -32000 and "chain id" in wrong_chain["message"]
    too_high = error(devnet, "eth_sendRawTransaction", signed(5))
    assert too_high["code"] == -32000 and "nonce too high" in too_high["message"]
    cheap = error(devnet, "eth_sendRawTransaction", signed(0, max_fee=1))
    assert "less than block base fee" in cheap["message"]
    broke = error(devnet, "eth_sendRawTransaction", signed(0, value=10**21))
    assert "insufficient funds" in broke["message"]
    assert result(devnet, "eth_blockNumber") == "0x0"  # none of them was mined

    raw = signed(0)
    result(devnet, "eth_sendRawTransaction", raw)
    replay = error(devnet, "eth_sendRawTransaction", raw)  # a mined transaction is refused, as geth does
    assert replay["code"] == -32000 and "nonce too low" in replay["message"]
    assert result(devnet, "eth_blockNumber") == "0x1"
    low = error(devnet, "eth_sendRawTransaction", signed(0, value=2))
    assert "nonce too low" in low["message"]

    assert error(devnet, "eth_getBalance", ALICE.address, "0x99") == {"code": -32000, "message": "header not found"}
    broke_call = error(devnet, "eth_call", {"from": SINK, "to": ALICE.address, "value": hex(10**30)}, "latest")
    assert broke_call["code"] == -32000 and "insufficient funds" in broke_call["message"]
    invalid_opcode = error(devnet, "eth_call", {"to": None, "data": "0xfe"}, "latest")  # INVALID in initcode
    assert invalid_opcode["code"] == -32000 and "data" not in invalid_opcode
    revert = error(devnet, "eth_call", {"data": "0x60016000fd"}, "latest")  # REVERT(0, 1) in initcode
    assert revert == {"code": 3, "message": "execution reverted", "data": "0x00"}


def test_receipt_and_transaction_objects(devnet: Devnet) -> None:
    tx_hash = result(devnet, "eth_sendRawTransaction", signed(0, value=5))
    receipt = result(devnet, "eth_getTransactionReceipt", tx_hash)
    assert receipt["status"] == "0x1" and receipt["gasUsed"] == hex(21_000) and receipt["contractAddress"] is None
    assert receipt["from"] == ALICE.address.lower() and receipt["to"] == SINK.lower()
    tx = result(devnet, "eth_getTransactionByHash", tx_hash)
    assert tx["type"] == "0x2" and tx["value"] == "0x5" and tx["chainId"] == hex(DEVNET_CHAIN_ID)
    assert tx["blockHash"] == receipt["blockHash"]
    block = result(devnet, "eth_getBlockByHash", receipt["blockHash"], True)
    assert block["transactions"] == [tx]
    assert result(devnet, "eth_getBlockByNumber", "latest", False)["transactions"] == [tx_hash]


def test_batches(devnet: Devnet) -> None:
    replies = devnet.handle(
        [
            {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
            {"jsonrpc": "2.0", "id": 2, "method": "no_such_method", "params": []},
            {"jsonrpc": "2.0", "id": 3, "method": "eth_getBalance", "params": ["bad"]},
            "garbage",
            {"jsonrpc": "2.0", "id": 5, "method": "eth_blockNumber"},
        ]
    )
    assert isinstance(replies, list)
    assert [r.get("id") for r in replies] == [1, 2, 3, None, 5]
    assert replies[0]["result"] == hex(DEVNET_CHAIN_ID)
    assert [r.get("error", {}).get("code") for r in replies] == [None, -32601, -32602, -32600, None]
    empty = devnet.handle([])
    assert isinstance(empty, dict) and empty["error"]["code"] == -32600


def test_a_closed_devnet_answers_with_an_error(tmp_path: Path) -> None:
    node = Devnet.create(tmp_path / "d", alloc={})
    node.close()
    node.close()  # idempotent
    reply = node.handle({"jsonrpc": "2.0", "id": 9, "method": "eth_chainId", "params": []})
    assert reply["id"] == 9 and reply["error"]["code"] == -32000
