"""The embedded devnet as a chain: state that survives a real process restart, strictly increasing block
timestamps, EIP-1186 proofs that verify against the block's state root, and the web3.py API through
`DevnetProvider` (contract deployment, calls, reverts with their data, logs, receipts, concurrent use).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import rlp
from eth_account import Account
from eth_utils import keccak, to_checksum_address
from trie import HexaryTrie
from trie.exceptions import BadTrieProof
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError

from wallet_app.chain.devnet import Devnet, DevnetProvider
from wallet_app.domain.network import DEVNET_CHAIN_ID

ALICE = Account.from_key("0x" + "a1" * 32)
BOB = Account.from_key("0x" + "b0" * 32)
SINK = "0x000000000000000000000000000000000000dEaD"
STORED_TOPIC = keccak(text="Stored(uint256)")
GWEI = 10**9


def storage_contract_runtime() -> bytes:
    """Empty calldata: return slot 0. 32 bytes: store them in slot 0 and emit Stored(value) (LOG1).
    Anything else: revert with the calldata as revert data. Uses PUSH0 (Shanghai)."""
    code = bytearray()
    code += bytes([0x36, 0x80, 0x15, 0x60, 0x00, 0x57])  # CALLDATASIZE DUP1 ISZERO PUSH1 <get> JUMPI
    code += bytes([0x60, 0x20, 0x14, 0x60, 0x00, 0x57])  # PUSH1 32 EQ PUSH1 <set> JUMPI
    code += bytes([0x36, 0x5F, 0x5F, 0x37, 0x36, 0x5F, 0xFD])  # CALLDATACOPY(0,0,size) REVERT(0,size)
    get = len(code)
    code += bytes([0x5B, 0x50, 0x5F, 0x54, 0x5F, 0x52, 0x60, 0x20, 0x5F, 0xF3])  # MSTORE(0,SLOAD(0)) RETURN
    put = len(code)
    code += bytes([0x5B, 0x5F, 0x35, 0x80, 0x5F, 0x55, 0x5F, 0x52, 0x7F]) + STORED_TOPIC
    code += bytes([0x60, 0x20, 0x5F, 0xA1, 0x00])  # LOG1(0, 32, topic) STOP
    code[4], code[10] = get, put
    return bytes(code)


def storage_contract_initcode(initial: int = 42) -> bytes:
    runtime = storage_contract_runtime()
    prefix = bytes([0x60, initial, 0x5F, 0x55])  # SSTORE(0, initial)
    copier = bytes([0x60, len(runtime), 0x80, 0x60, len(prefix) + 9, 0x5F, 0x39, 0x5F, 0xF3])
    return prefix + copier + runtime


def signed(
    account: Any,
    nonce: int,
    *,
    to: str | None = SINK,
    value: int = 0,
    data: bytes = b"",
    gas: int = 21_000,
    chain_id: int = DEVNET_CHAIN_ID,
) -> bytes:
    tx: dict[str, Any] = {
        "nonce": nonce,
        "gas": gas,
        "maxFeePerGas": 20 * GWEI,
        "maxPriorityFeePerGas": GWEI,
        "value": value,
        "data": data,
        "chainId": chain_id,
    }
    if to is not None:
        tx["to"] = to
    return bytes(account.sign_transaction(tx).raw_transaction)


def send(w3: Web3, raw: bytes) -> Any:
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(raw), timeout=5)
    return receipt


@pytest.fixture
def devnet(tmp_path: Path) -> Any:
    with Devnet.create(tmp_path / "devnet", alloc={ALICE.address: 10**24, BOB.address: 10**22}) as node:
        yield node


@pytest.fixture
def w3(devnet: Devnet) -> Web3:
    return Web3(DevnetProvider(devnet))


@pytest.fixture
def contract(w3: Web3) -> str:
    receipt = send(w3, signed(ALICE, 0, to=None, data=storage_contract_initcode(), gas=200_000))
    assert receipt["status"] == 1
    return str(receipt["contractAddress"])


_CHILD = r"""
import json, sys
from wallet_app.chain.devnet import Devnet
state_dir, contract, raw = sys.argv[1], sys.argv[2], sys.argv[3]
def rpc(node, method, *params):
    reply = node.handle({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    return reply["result"]
with Devnet.open(state_dir) as node:
    head = rpc(node, "eth_getBlockByNumber", "latest", False)
    seen = {
        "chain_id": node.chain_id,
        "block": int(rpc(node, "eth_blockNumber"), 16),
        "head_timestamp": int(head["timestamp"], 16),
        "balance": int(rpc(node, "eth_getBalance", sys.argv[4], "latest"), 16),
        "nonce": int(rpc(node, "eth_getTransactionCount", sys.argv[4], "latest"), 16),
        "code": rpc(node, "eth_getCode", contract, "latest"),
        "slot0": rpc(node, "eth_getStorageAt", contract, "0x0", "latest"),
        "call": rpc(node, "eth_call", {"to": contract}, "latest"),
    }
    tx_hash = rpc(node, "eth_sendRawTransaction", raw)
    seen["new_block_timestamp"] = int(rpc(node, "eth_getBlockByNumber", "latest", False)["timestamp"], 16)
    seen["new_status"] = rpc(node, "eth_getTransactionReceipt", tx_hash)["status"]
print(json.dumps(seen))
"""


def test_state_survives_a_real_process_restart(tmp_path: Path) -> None:
    state = tmp_path / "devnet"
    chain_id = 31_337_001
    with Devnet.create(state, chain_id=chain_id, alloc={ALICE.address: 10**24}) as node:
        w3 = Web3(DevnetProvider(node))
        initcode = storage_contract_initcode()
        address = send(w3, signed(ALICE, 0, to=None, data=initcode, gas=200_000, chain_id=chain_id))["contractAddress"]
        send(w3, signed(ALICE, 1, to=address, data=(7).to_bytes(32, "big"), gas=60_000, chain_id=chain_id))
        send(w3, signed(ALICE, 2, value=12_345, chain_id=chain_id))
        expected_balance = w3.eth.get_balance(ALICE.address)
        head = w3.eth.get_block("latest")
        runtime = storage_contract_runtime()

    child = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD,
            str(state),
            address,
            "0x" + signed(ALICE, 3, value=1, chain_id=chain_id).hex(),
            ALICE.address,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    seen = json.loads(child.stdout)
    assert seen["chain_id"] == 31_337_001
    assert seen["block"] == head["number"] == 3
    assert seen["balance"] == expected_balance
    assert seen["nonce"] == 3
    assert seen["code"] == "0x" + runtime.hex()
    assert int(seen["slot0"], 16) == 7 and int(seen["call"], 16) == 7
    assert seen["head_timestamp"] == head["timestamp"]
    assert seen["new_block_timestamp"] > head["timestamp"]  # the clock continues across restarts
    assert seen["new_status"] == "0x1"

    with Devnet.open(state) as node:  # and the child's block is durable too
        w3 = Web3(DevnetProvider(node))
        assert w3.eth.block_number == 4
        assert w3.eth.get_transaction_count(ALICE.address) == 4
        assert w3.eth.get_balance(SINK) == 12_346


def test_block_timestamps_strictly_increase_even_within_one_second(w3: Web3) -> None:
    for nonce in range(6):
        w3.eth.send_raw_transaction(signed(ALICE, nonce, value=1))
    blocks = [w3.eth.get_block(n) for n in range(w3.eth.block_number + 1)]
    assert [b["number"] for b in blocks] == list(range(7))  # every transaction got its own block
    assert all(len(b["transactions"]) == 1 for b in blocks[1:])
    stamps = [b["timestamp"] for b in blocks]
    assert all(later > earlier for earlier, later in itertools.pairwise(stamps))


def test_get_proof_verifies_against_the_state_root_and_a_tampered_proof_does_not(w3: Web3, contract: str) -> None:
    send(w3, signed(ALICE, 1, to=contract, data=(7).to_bytes(32, "big"), gas=60_000))
    deployed_at = w3.eth.block_number - 1

    for block, slot0 in (("latest", 7), (deployed_at, 42)):
        header = w3.eth.get_block(block)
        proof = w3.eth.get_proof(contract, [0, 1], block)
        account_nodes = [rlp.decode(bytes(n)) for n in proof["accountProof"]]
        account_rlp = HexaryTrie.get_from_proof(header["stateRoot"], keccak(bytes.fromhex(contract[2:])), account_nodes)
        assert account_rlp == rlp.encode(
            [proof["nonce"], proof["balance"], bytes(proof["storageHash"]), bytes(proof["codeHash"])]
        )
        assert bytes(proof["codeHash"]) == keccak(storage_contract_runtime())
        proven = {}
        for entry in proof["storageProof"]:
            nodes = [rlp.decode(bytes(n)) for n in entry["proof"]]
            leaf = HexaryTrie.get_from_proof(bytes(proof["storageHash"]), keccak(bytes(entry["key"])), nodes)
            value = int.from_bytes(rlp.decode(leaf), "big") if leaf else 0
            assert value == int.from_bytes(bytes(entry["value"]), "big")  # what the node claims is what is proven
            proven[int.from_bytes(bytes(entry["key"]), "big")] = value
        assert proven == {0: slot0, 1: 0}

    proof = w3.eth.get_proof(contract, [0], "latest")
    tampered = [bytearray(bytes(n)) for n in proof["accountProof"]]
    tampered[-1][-1] ^= 0x01
    with pytest.raises(BadTrieProof):
        HexaryTrie.get_from_proof(
            w3.eth.get_block("latest")["stateRoot"],
            keccak(bytes.fromhex(contract[2:])),
            [rlp.decode(bytes(n)) for n in tampered],
        )


def test_proof_of_an_absent_account(w3: Web3) -> None:
    nobody = to_checksum_address("0x" + "42" * 20)
    proof = w3.eth.get_proof(nobody, [], "latest")
    assert proof["balance"] == 0 and proof["nonce"] == 0
    assert bytes(proof["codeHash"]) == keccak(b"")
    nodes = [rlp.decode(bytes(n)) for n in proof["accountProof"]]
    assert (
        HexaryTrie.get_from_proof(w3.eth.get_block("latest")["stateRoot"], keccak(bytes.fromhex("42" * 20)), nodes)
        == b""
    )


def test_calls_reverts_and_gas_estimates_through_web3(w3: Web3, contract: str) -> None:
    assert int.from_bytes(w3.eth.call({"to": contract}), "big") == 42
    error_string = (
        bytes.fromhex("08c379a0") + (32).to_bytes(32, "big") + (3).to_bytes(32, "big") + b"abc".ljust(32, b"\0")
    )
    with pytest.raises(ContractLogicError, match="execution reverted: abc") as reverted:
        w3.eth.call({"to": contract, "data": error_string})
    assert reverted.value.data == "0x" + error_string.hex()
    with pytest.raises(ContractCustomError) as custom:
        w3.eth.call({"to": contract, "data": "0xdeadbeef"})
    assert custom.value.data == "0xdeadbeef"

    estimate = w3.eth.estimate_gas({"from": ALICE.address, "to": contract, "data": (9).to_bytes(32, "big")})
    receipt = send(w3, signed(ALICE, 1, to=contract, data=(9).to_bytes(32, "big"), gas=estimate))
    assert receipt["status"] == 1  # the estimate is enough
    assert estimate <= receipt["gasUsed"] * 1.02 + 2300
    with pytest.raises(ContractLogicError):
        w3.eth.estimate_gas({"from": ALICE.address, "to": contract, "data": "0xdeadbeef"})
    assert w3.eth.estimate_gas({"from": ALICE.address, "to": SINK, "value": 1}) == 21_000


def test_receipts_transactions_blocks_and_logs(w3: Web3, contract: str) -> None:
    receipts = [send(w3, signed(ALICE, n, to=contract, data=(n * 10).to_bytes(32, "big"), gas=60_000)) for n in (1, 2)]
    other = send(w3, signed(BOB, 0, to=contract, data=(99).to_bytes(32, "big"), gas=60_000))
    failed = send(w3, signed(BOB, 1, to=contract, data=b"\x01", gas=60_000))
    assert failed["status"] == 0 and failed["logs"] == []

    tx = w3.eth.get_transaction(other["transactionHash"])
    assert tx["from"] == BOB.address and tx["to"] == contract and tx["blockNumber"] == other["blockNumber"]
    block = w3.eth.get_block(other["blockHash"], full_transactions=True)
    assert block["transactions"][0]["hash"] == other["transactionHash"]
    assert w3.eth.get_block(other["blockNumber"])["hash"] == other["blockHash"]
    assert other["logs"][0]["topics"] == [STORED_TOPIC]

    every = w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": contract})
    assert [int.from_bytes(bytes(log["data"]), "big") for log in every] == [10, 20, 99]
    by_topic = w3.eth.get_logs({"fromBlock": 0, "topics": [[STORED_TOPIC, keccak(b"other")]]})
    assert len(by_topic) == 3
    assert w3.eth.get_logs({"fromBlock": 0, "topics": [None, keccak(b"absent")]}) == []
    assert w3.eth.get_logs({"fromBlock": 0, "topics": [keccak(b"absent")]}) == []
    assert w3.eth.get_logs({"fromBlock": 0, "address": [SINK, contract]}) == every
    one_block = w3.eth.get_logs({"blockHash": receipts[1]["blockHash"]})
    assert one_block == [receipts[1]["logs"][0]]
    assert (
        w3.eth.get_logs({"fromBlock": receipts[1]["blockNumber"], "toBlock": receipts[1]["blockNumber"]}) == one_block
    )


def test_fees_follow_the_london_base_fee(w3: Web3) -> None:
    genesis = w3.eth.get_block(0)
    assert genesis["gasLimit"] == 30_000_000 and genesis["baseFeePerGas"] == GWEI
    receipt = send(w3, signed(ALICE, 0, value=1))
    block = w3.eth.get_block(receipt["blockNumber"])
    assert block["baseFeePerGas"] == GWEI * 7 // 8  # an empty parent lowers it by 1/8
    assert receipt["effectiveGasPrice"] == block["baseFeePerGas"] + GWEI
    assert w3.eth.max_priority_fee == GWEI
    history = w3.eth.fee_history(2, "latest", [50])
    assert history["oldestBlock"] == 0 and len(history["baseFeePerGas"]) == 3
    assert history["reward"] == [[0], [GWEI]]


def test_web3_batch_requests(w3: Web3) -> None:
    with w3.batch_requests() as batch:
        batch.add(w3.eth.get_balance(ALICE.address))
        batch.add(w3.eth.get_block(0))
        batch.add(w3.eth.get_transaction_count(BOB.address))
        balance, genesis, nonce = batch.execute()
    assert balance == 10**24 and genesis["number"] == 0 and nonce == 0


def test_many_threads_share_one_devnet(w3: Web3) -> None:
    senders = [Account.from_key(keccak(text=f"sender {i}")) for i in range(4)]
    for nonce, sender in enumerate(senders):
        send(w3, signed(ALICE, nonce, to=sender.address, value=10**18))
    raws = {s.address: [signed(s, n, value=1) for n in range(8)] for s in senders}
    errors: list[BaseException] = []

    def work(address: str) -> None:
        try:
            for raw in raws[address]:
                w3.eth.send_raw_transaction(raw)
                w3.eth.get_balance(address)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s.address,)) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert [w3.eth.get_transaction_count(s.address) for s in senders] == [8] * 4
    assert w3.eth.block_number == 4 + 32
