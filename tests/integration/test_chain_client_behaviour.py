"""One ChainClient behaviour suite, run against the embedded devnet and against a real anvil node."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import rlp
from eth_account import Account
from eth_hash.auto import keccak
from trie import HexaryTrie
from web3 import HTTPProvider

from tests.integration.conftest import ANVIL_CHAIN_ID, ANVIL_KEY, rpc
from wallet_app.chain.artifacts import load_artifact
from wallet_app.chain.client import Call
from wallet_app.chain.devnet import Devnet, DevnetProvider
from wallet_app.chain.multicall import MULTICALL3_ADDRESS
from wallet_app.chain.sending import OutgoingTx, sign_and_send
from wallet_app.chain.web3_client import Web3ChainClient
from wallet_app.demo.deployer import Deployer
from wallet_app.demo.institution import MULTICALL3_SENDER
from wallet_app.domain.abi import build_call
from wallet_app.errors import CallReverted, ChainIdMismatch, TransactionRejected

MULTICALL3_TX = Path(__file__).resolve().parents[1] / "vectors" / "multicall3_presigned_tx.hex"
DEVNET_KEY = bytes.fromhex("11" * 32)
OTHER = "0x000000000000000000000000000000000000dEaD"


@dataclass
class Backend:
    name: str
    client: Web3ChainClient
    chain_id: int
    key: bytes

    @property
    def sender(self) -> str:
        return str(Account.from_key(self.key).address)


def _install_multicall3(backend: Backend) -> None:
    sign_and_send(backend.client, backend.key, backend.chain_id, OutgoingTx(MULTICALL3_SENDER, value=10**17))
    raw = bytes.fromhex(MULTICALL3_TX.read_text().strip().removeprefix("0x"))
    backend.client.wait_for_receipt(backend.client.send_raw_transaction(raw))


@pytest.fixture(scope="module", params=["devnet", "anvil"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    if request.param == "devnet":
        state = tmp_path_factory.mktemp("devnet") / "devnet"
        sender = Account.from_key(DEVNET_KEY).address
        devnet = Devnet.create(state, chain_id=4242, alloc={sender: 10**24})
        b = Backend("devnet", Web3ChainClient(provider=DevnetProvider(devnet), endpoint="in-process"), 4242,
                    DEVNET_KEY)
        _install_multicall3(b)
        yield b
        devnet.close()
    else:
        url = request.getfixturevalue("anvil_url")
        b = Backend("anvil", Web3ChainClient(provider=HTTPProvider(url), endpoint=url), ANVIL_CHAIN_ID, ANVIL_KEY)
        _install_multicall3(b)
        yield b


@pytest.fixture(scope="module")
def token(backend: Backend) -> str:
    deployer = Deployer(backend.client, backend.chain_id, backend.key)
    artifact = load_artifact("HKDStablecoin")
    address = deployer.deploy(artifact.bytecode, artifact.abi)
    deployer.send(address, "mint(address,uint256)", backend.sender, 1_000_000)
    return address


def test_connect_checks_the_chain_id(backend: Backend) -> None:
    assert backend.client.connect(backend.chain_id) >= 1
    with pytest.raises(ChainIdMismatch, match=f"on chain {backend.chain_id}"):
        backend.client.connect(backend.chain_id + 1)


def test_value_transfer_moves_balance_and_nonce(backend: Backend) -> None:
    client = backend.client
    before, nonce = client.fetch_balance(OTHER), client.fetch_transaction_count(backend.sender)
    receipt = sign_and_send(client, backend.key, backend.chain_id, OutgoingTx(OTHER, value=12345))
    assert receipt.status == 1
    assert client.fetch_balance(OTHER) == before + 12345
    assert client.fetch_transaction_count(backend.sender) == nonce + 1
    assert client.fetch_block(receipt.block_number).number == receipt.block_number


def test_calls_logs_and_reverts(backend: Backend, token: str) -> None:
    client = backend.client
    assert int.from_bytes(client.call(token, build_call("decimals()")), "big") == 6
    balance = client.call(token, build_call("balanceOf(address)", backend.sender))
    assert int.from_bytes(balance, "big") == 1_000_000
    transfer_topic = keccak(b"Transfer(address,address,uint256)")
    logs = client.fetch_logs(token, [transfer_topic], 0)
    assert any(int.from_bytes(log.data, "big") == 1_000_000 for log in logs)
    with pytest.raises(CallReverted):
        client.call(token, build_call("transfer(address,uint256)", OTHER, 10**30), sender=backend.sender)


def test_multicall_answers_every_call_at_one_block(backend: Backend, token: str) -> None:
    results = backend.client.multicall([
        Call(token, build_call("decimals()")),
        Call(MULTICALL3_ADDRESS, build_call("getChainId()")),
        Call(token, build_call("transfer(address,uint256)", OTHER, 10**30)),  # reverts, allowed to fail
    ])
    assert [r.success for r in results] == [True, True, False]
    assert int.from_bytes(results[1].data, "big") == backend.chain_id


def test_proofs_verify_against_the_block_state_root(backend: Backend, token: str) -> None:
    client = backend.client
    block = client.fetch_block("latest")
    # ERC-20 balances live in mapping slot 0 in OpenZeppelin 5: keccak(holder . slot)
    holder_slot = int.from_bytes(keccak(bytes(12) + bytes.fromhex(backend.sender[2:]) + bytes(32)), "big")
    proof = client.fetch_proof(token, [holder_slot], block.number)
    account = HexaryTrie.get_from_proof(
        block.state_root, keccak(bytes.fromhex(token[2:])), [rlp.decode(n) for n in proof.account_proof]
    )
    _nonce, _balance, storage_root, code_hash = rlp.decode(account)
    assert storage_root == proof.storage_hash
    assert code_hash == proof.code_hash == keccak(client.fetch_code(token))
    stored = HexaryTrie.get_from_proof(
        storage_root, keccak(holder_slot.to_bytes(32, "big")),
        [rlp.decode(n) for n in proof.storage_proofs[0].proof],
    )
    assert int.from_bytes(rlp.decode(stored), "big") == proof.storage_proofs[0].value > 0


def test_storage_fees_and_code(backend: Backend, token: str) -> None:
    client = backend.client
    assert len(client.fetch_storage_at(token, 2)) == 32
    fees = client.fetch_fees()
    assert fees.base_fee >= 0 and fees.priority_fee >= 0
    assert client.fetch_code(OTHER) == b""
    assert client.fetch_code(token).startswith(b"\x60\x80")


def test_a_replayed_transaction_is_rejected_clearly(backend: Backend) -> None:
    account = Account.from_key(backend.key)
    client = backend.client
    fees = client.fetch_fees()
    signed = account.sign_transaction({
        "type": 2, "chainId": backend.chain_id, "nonce": client.fetch_transaction_count(account.address),
        "gas": 21000, "maxPriorityFeePerGas": fees.priority_fee, "maxFeePerGas": 2 * fees.base_fee + fees.priority_fee,
        "to": OTHER, "value": 1,
    })
    client.wait_for_receipt(client.send_raw_transaction(bytes(signed.raw_transaction)))
    with pytest.raises(TransactionRejected):
        client.send_raw_transaction(bytes(signed.raw_transaction))


def test_anvil_helper_rpc_is_loopback_only(anvil_url: str) -> None:
    assert anvil_url.startswith("http://127.0.0.1:")
    assert int(str(rpc(anvil_url, "eth_chainId", [])), 16) == ANVIL_CHAIN_ID


