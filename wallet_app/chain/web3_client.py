"""`ChainClient` over a web3.py 8 provider (HTTP for real nodes, in-process for the embedded devnet).

Requests go through the provider without web3's default middleware: Custos checks the chain id itself on connect,
and the default validation middleware would add an eth_chainId round trip to every call. Replies are parsed strictly
by `rpc_values`, so a malformed reply is an error and never a wrong number.
"""

from __future__ import annotations

import time
from typing import Any

from web3.providers.base import BaseProvider

from wallet_app.chain import rpc_values as rv
from wallet_app.chain.client import (
    AccountProof,
    BlockHeader,
    BlockRef,
    Call,
    CallResult,
    FeeQuote,
    LogEntry,
    Receipt,
    StorageProof,
    TransactionInfo,
)
from wallet_app.chain.multicall import MULTICALL3_ADDRESS, build_aggregate3, decode_aggregate3
from wallet_app.chain.web3_errors import translate
from wallet_app.domain.addresses import from_bytes, to_checksum
from wallet_app.errors import BadRpcReply, CallReverted, ChainIdMismatch, RpcError, TransactionRejected

_REVERT_CODES = {3, -32000, -32015}


class Web3ChainClient:
    def __init__(self, *, provider: BaseProvider, endpoint: str, network_name: str = "") -> None:
        self._provider = provider
        self._endpoint = endpoint
        self._network_name = network_name

    @property
    def endpoint(self) -> str:
        return self._endpoint

    def _request(self, method: str, params: list[Any]) -> Any:
        try:
            response = self._provider.make_request(method, params)  # type: ignore[arg-type]
        except Exception as exc:
            raise translate(exc, self._endpoint) from None
        if not isinstance(response, dict):
            raise BadRpcReply(f"The node at {self._endpoint} sent a reply that is not a JSON-RPC object")
        error = response.get("error")
        if error is not None:
            code = error.get("code") if isinstance(error, dict) else None
            message = str(error.get("message", "")) if isinstance(error, dict) else str(error)
            if method in ("eth_call", "eth_estimateGas") and code in _REVERT_CODES and "revert" in message.lower():
                raw = error.get("data") if isinstance(error, dict) else None
                revert = rv.data(raw, "revert data") if isinstance(raw, str) else b""
                raise CallReverted(f"The call reverted: {message[:200]}", revert_data=revert)
            if method == "eth_sendRawTransaction":
                raise TransactionRejected(f"The node rejected the transaction: {message[:200]}")
            raise RpcError(f"The node refused {method}: {message[:200]}")
        if "result" not in response:
            raise BadRpcReply(f"The node's reply to {method} has neither result nor error")
        return response["result"]

    # -- connection ---------------------------------------------------------------------------------------
    def connect(self, expected_chain_id: int) -> int:
        chain_id = self.fetch_chain_id()
        if chain_id != expected_chain_id:
            name = f" ({self._network_name})" if self._network_name else ""
            raise ChainIdMismatch(
                f"The node at {self._endpoint} is on chain {chain_id}, but this profile is pinned to chain "
                f"{expected_chain_id}{name}. Nothing was sent."
            )
        return self.fetch_block_number()

    def fetch_chain_id(self) -> int:
        return rv.quantity(self._request("eth_chainId", []), "chain id")

    def fetch_block_number(self) -> int:
        return rv.quantity(self._request("eth_blockNumber", []), "block number")

    def fetch_block_reply(self, block: BlockRef = "latest") -> dict[str, Any]:
        raw = self._request("eth_getBlockByNumber", [rv.block_param(block), False])
        if raw is None:
            raise RpcError(f"The node has no block {block}")
        if not isinstance(raw, dict):
            raise BadRpcReply(f"The node's reply to eth_getBlockByNumber {block} is not an object")
        return raw

    def fetch_block(self, block: BlockRef = "latest") -> BlockHeader:
        raw = self.fetch_block_reply(block)
        base_fee = raw.get("baseFeePerGas") if isinstance(raw, dict) else None
        return BlockHeader(
            number=rv.quantity(rv.field(raw, "number", "block"), "block number"),
            hash=rv.data(rv.field(raw, "hash", "block"), "block hash", size=32),
            timestamp=rv.quantity(rv.field(raw, "timestamp", "block"), "timestamp"),
            state_root=rv.data(rv.field(raw, "stateRoot", "block"), "state root", size=32),
            base_fee=None if base_fee is None else rv.quantity(base_fee, "base fee"),
        )

    # -- accounts -----------------------------------------------------------------------------------------
    def fetch_balance(self, address: str, block: BlockRef = "latest") -> int:
        params = [to_checksum(address), rv.block_param(block)]
        return rv.quantity(self._request("eth_getBalance", params), "balance")

    def fetch_code(self, address: str, block: BlockRef = "latest") -> bytes:
        return rv.data(self._request("eth_getCode", [to_checksum(address), rv.block_param(block)]), "code")

    def fetch_storage_at(self, address: str, slot: int, block: BlockRef = "latest") -> bytes:
        params = [to_checksum(address), hex(slot), rv.block_param(block)]
        value = rv.data(self._request("eth_getStorageAt", params), "storage value")
        if len(value) > 32:
            raise BadRpcReply("The node sent a storage value longer than 32 bytes")
        return value.rjust(32, b"\0")

    def fetch_transaction_count(self, address: str, block: BlockRef = "latest") -> int:
        params = [to_checksum(address), rv.block_param(block)]
        return rv.quantity(self._request("eth_getTransactionCount", params), "nonce")

    # -- calls --------------------------------------------------------------------------------------------
    def call(self, target: str, data: bytes, *, block: BlockRef | bytes = "latest",
             sender: str | None = None, value: int = 0) -> bytes:
        tx: dict[str, str] = {"to": to_checksum(target), "data": rv.hexdata(data)}
        if sender is not None:
            tx["from"] = to_checksum(sender)
        if value:
            tx["value"] = hex(value)
        where: object = rv.block_param(block) if not isinstance(block, bytes) else {
            "blockHash": rv.hexdata(block), "requireCanonical": True}  # EIP-1898: pinned to that very block
        return rv.data(self._request("eth_call", [tx, where]), "call result")

    def multicall(self, calls: list[Call], *, block: BlockRef = "latest") -> list[CallResult]:
        if not calls:
            return []
        raw = self.call(MULTICALL3_ADDRESS, build_aggregate3(calls), block=block)
        return decode_aggregate3(raw, len(calls))

    def estimate_gas(self, sender: str, target: str | None, data: bytes, value: int = 0) -> int:
        tx: dict[str, str] = {"from": to_checksum(sender), "data": rv.hexdata(data), "value": hex(value)}
        if target is not None:
            tx["to"] = to_checksum(target)
        return rv.quantity(self._request("eth_estimateGas", [tx]), "gas estimate")

    # -- logs and proofs ----------------------------------------------------------------------------------
    def fetch_logs(
        self, address: str | None, topics: list[bytes | None], from_block: int, to_block: BlockRef = "latest"
    ) -> list[LogEntry]:
        query: dict[str, object] = {
            "topics": [None if t is None else rv.hexdata(t) for t in topics],
            "fromBlock": rv.block_param(from_block),
            "toBlock": rv.block_param(to_block),
        }
        if address is not None:  # None: the logs of every contract
            query["address"] = to_checksum(address)
        raw = self._request("eth_getLogs", [query])
        if not isinstance(raw, list):
            raise BadRpcReply("The node's log list is not a list")
        return [_log(item) for item in raw]

    def fetch_proof_reply(self, address: str, slots: list[int], block: BlockRef = "latest") -> dict[str, Any]:
        keys = [rv.hexdata(s.to_bytes(32, "big")) for s in slots]
        raw = self._request("eth_getProof", [to_checksum(address), keys, rv.block_param(block)])
        if not isinstance(raw, dict):
            raise BadRpcReply(f"The node's reply to eth_getProof for {to_checksum(address)} is not an object")
        return raw

    def fetch_proof(self, address: str, slots: list[int], block: BlockRef = "latest") -> AccountProof:
        raw = self.fetch_proof_reply(address, slots, block)
        storage = rv.field(raw, "storageProof", "proof")
        if not isinstance(storage, list) or len(storage) != len(slots):
            raise BadRpcReply("The node's storage proofs do not match the requested slots")
        return AccountProof(
            address=to_checksum(str(rv.field(raw, "address", "proof"))),
            balance=rv.quantity(rv.field(raw, "balance", "proof"), "balance"),
            nonce=rv.quantity(rv.field(raw, "nonce", "proof"), "nonce"),
            code_hash=rv.data(rv.field(raw, "codeHash", "proof"), "code hash", size=32),
            storage_hash=rv.data(rv.field(raw, "storageHash", "proof"), "storage hash", size=32),
            account_proof=_nodes(rv.field(raw, "accountProof", "proof")),
            storage_proofs=tuple(
                StorageProof(
                    key=slot,
                    value=rv.quantity(rv.field(item, "value", "storage proof"), "storage value"),
                    proof=_nodes(rv.field(item, "proof", "storage proof")),
                )
                for slot, item in zip(slots, storage, strict=True)
            ),
        )

    # -- transactions -------------------------------------------------------------------------------------
    def fetch_fees(self) -> FeeQuote:
        header = self.fetch_block("latest")
        tip = rv.quantity(self._request("eth_maxPriorityFeePerGas", []), "priority fee")
        return FeeQuote(base_fee=header.base_fee or 0, priority_fee=tip)

    def send_raw_transaction(self, raw: bytes) -> bytes:
        return rv.data(self._request("eth_sendRawTransaction", [rv.hexdata(raw)]), "transaction hash", size=32)

    def fetch_receipt(self, tx_hash: bytes) -> Receipt | None:
        raw = self._request("eth_getTransactionReceipt", [rv.hexdata(tx_hash)])
        if raw is None:
            return None
        contract = raw.get("contractAddress") if isinstance(raw, dict) else None
        logs = rv.field(raw, "logs", "receipt")
        if not isinstance(logs, list):
            raise BadRpcReply("The receipt's logs are not a list")
        return Receipt(
            transaction_hash=rv.data(rv.field(raw, "transactionHash", "receipt"), "transaction hash", size=32),
            block_number=rv.quantity(rv.field(raw, "blockNumber", "receipt"), "block number"),
            status=rv.quantity(rv.field(raw, "status", "receipt"), "status"),
            gas_used=rv.quantity(rv.field(raw, "gasUsed", "receipt"), "gas used"),
            contract_address=None if contract is None else to_checksum(str(contract)),
            logs=tuple(_log(item) for item in logs),
            block_hash=rv.data(raw.get("blockHash"), "block hash", size=32) if raw.get("blockHash") else b"",
        )

    def fetch_transaction(self, tx_hash: bytes) -> TransactionInfo | None:
        raw = self._request("eth_getTransactionByHash", [rv.hexdata(tx_hash)])
        if raw is None:
            return None
        number = raw.get("blockNumber") if isinstance(raw, dict) else None
        return TransactionInfo(
            hash=rv.data(rv.field(raw, "hash", "transaction"), "transaction hash", size=32),
            sender=to_checksum(str(rv.field(raw, "from", "transaction"))),
            nonce=rv.quantity(rv.field(raw, "nonce", "transaction"), "nonce"),
            block_number=None if number is None else rv.quantity(number, "block number"),
            recipient=None if raw.get("to") is None else to_checksum(
                "0x" + rv.data(raw.get("to"), "transaction recipient", size=20).hex()),
            value=rv.quantity(raw.get("value", "0x0"), "value"),
        )

    def wait_for_receipt(self, tx_hash: bytes, timeout: float = 30.0) -> Receipt:
        deadline = time.monotonic() + timeout
        delay = 0.05
        while True:
            receipt = self.fetch_receipt(tx_hash)
            if receipt is not None:
                return receipt
            if time.monotonic() >= deadline:
                raise RpcError(f"No receipt for transaction 0x{tx_hash.hex()} after {timeout:.0f} s")
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def _nodes(raw: Any) -> tuple[bytes, ...]:
    if not isinstance(raw, list):
        raise BadRpcReply("A proof is not a list of nodes")
    return tuple(rv.data(node, "proof node") for node in raw)


def _log(raw: Any) -> LogEntry:
    topics = rv.field(raw, "topics", "log")
    if not isinstance(topics, list):
        raise BadRpcReply("A log's topics are not a list")
    return LogEntry(
        address=from_bytes(rv.data(rv.field(raw, "address", "log"), "log address", size=20)),
        topics=tuple(rv.data(t, "log topic", size=32) for t in topics),
        data=rv.data(rv.field(raw, "data", "log"), "log data"),
        block_number=rv.quantity(rv.field(raw, "blockNumber", "log"), "block number"),
        transaction_hash=rv.data(rv.field(raw, "transactionHash", "log"), "transaction hash", size=32),
        log_index=rv.quantity(rv.field(raw, "logIndex", "log"), "log index"),
    )
