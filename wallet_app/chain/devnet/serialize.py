"""py-evm objects to JSON-RPC result objects, in the shape geth returns them (hex quantities and data)."""

from __future__ import annotations

from typing import Any

import rlp
from eth._utils.address import generate_contract_address
from eth.abc import BlockAPI, BlockHeaderAPI, SignedTransactionAPI

from wallet_app.chain.devnet.fees import FeeHistory, base_fee_of
from wallet_app.chain.devnet.ledger import Ledger
from wallet_app.chain.devnet.logs import FoundLog, block_logs
from wallet_app.chain.devnet.proofs import AccountProof

Json = dict[str, Any]

LEGACY_TYPE = 0
ACCESS_LIST_TYPE = 1
SET_CODE_TYPE = 4


def quantity(value: int) -> str:
    return hex(value)


def data(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def word(value: int) -> str:
    return data(value.to_bytes(32, "big"))


def block_json(block: BlockAPI, *, full_transactions: bool) -> Json:
    header = block.header
    result = header_json(header)
    result["size"] = quantity(len(rlp.encode(block)))
    result["uncles"] = []
    result["withdrawals"] = []
    if full_transactions:
        result["transactions"] = [transaction_json(tx, header, index) for index, tx in enumerate(block.transactions)]
    else:
        result["transactions"] = [data(tx.hash) for tx in block.transactions]
    return result


def header_json(header: BlockHeaderAPI) -> Json:
    return {
        "number": quantity(header.block_number),
        "hash": data(header.hash),
        "parentHash": data(header.parent_hash),
        "nonce": data(header.nonce),
        "sha3Uncles": data(header.uncles_hash),
        "logsBloom": data(header.bloom.to_bytes(256, "big")),
        "transactionsRoot": data(header.transaction_root),
        "stateRoot": data(header.state_root),
        "receiptsRoot": data(header.receipt_root),
        "miner": data(header.coinbase),
        "difficulty": quantity(header.difficulty),
        "extraData": data(header.extra_data),
        "gasLimit": quantity(header.gas_limit),
        "gasUsed": quantity(header.gas_used),
        "timestamp": quantity(header.timestamp),
        "mixHash": data(header.mix_hash),
        "baseFeePerGas": quantity(base_fee_of(header)),
        **_later_fork_fields(header),
    }


def _later_fork_fields(header: BlockHeaderAPI) -> Json:
    """Shanghai, Cancun and Prague header fields (all present on the devnet's Prague blocks)."""
    fields: Json = {}
    for key, name, encode in (
        ("withdrawalsRoot", "withdrawals_root", data),
        ("blobGasUsed", "blob_gas_used", quantity),
        ("excessBlobGas", "excess_blob_gas", quantity),
        ("parentBeaconBlockRoot", "parent_beacon_block_root", data),
        ("requestsHash", "requests_hash", data),
    ):
        value = getattr(header, name, None)
        if value is not None:
            fields[key] = encode(value)
    return fields


def transaction_type(tx: SignedTransactionAPI) -> int:
    type_id = getattr(tx, "type_id", None)
    return LEGACY_TYPE if type_id is None else int(type_id)


def effective_gas_price(tx: SignedTransactionAPI, base_fee: int) -> int:
    return min(tx.max_fee_per_gas, base_fee + tx.max_priority_fee_per_gas)


def transaction_json(tx: SignedTransactionAPI, header: BlockHeaderAPI, index: int) -> Json:
    tx_type = transaction_type(tx)
    result: Json = {
        "type": quantity(tx_type),
        "hash": data(tx.hash),
        "nonce": quantity(tx.nonce),
        "blockHash": data(header.hash),
        "blockNumber": quantity(header.block_number),
        "transactionIndex": quantity(index),
        "from": data(tx.sender),
        "to": data(tx.to) if tx.to else None,
        "value": quantity(tx.value),
        "gas": quantity(tx.gas),
        "gasPrice": quantity(effective_gas_price(tx, base_fee_of(header))),
        "input": data(tx.data),
        "r": quantity(tx.r),
        "s": quantity(tx.s),
    }
    if tx_type == LEGACY_TYPE:
        result["v"] = quantity(tx.v)  # type: ignore[attr-defined]
        if tx.chain_id is not None:
            result["chainId"] = quantity(tx.chain_id or 0)  # always set on typed transactions
        return result
    result["chainId"] = quantity(tx.chain_id or 0)  # always set on typed transactions
    result["v"] = result["yParity"] = quantity(tx.y_parity)
    result["accessList"] = [
        {"address": data(address), "storageKeys": [word(slot) for slot in slots]} for address, slots in tx.access_list
    ]
    if tx_type != ACCESS_LIST_TYPE:
        result["maxFeePerGas"] = quantity(tx.max_fee_per_gas)
        result["maxPriorityFeePerGas"] = quantity(tx.max_priority_fee_per_gas)
    if tx_type == SET_CODE_TYPE:
        result["authorizationList"] = [
            {
                "chainId": quantity(a.chain_id),
                "address": data(a.address),
                "nonce": quantity(a.nonce),
                "yParity": quantity(a.y_parity),
                "r": quantity(a.r),
                "s": quantity(a.s),
            }
            for a in tx.authorization_list
        ]
    return result


def receipt_json(ledger: Ledger, header: BlockHeaderAPI, index: int) -> Json:
    block = ledger.block(header)
    receipts = ledger.receipts(block)
    tx, receipt = block.transactions[index], receipts[index]
    previous_cumulative = receipts[index - 1].gas_used if index else 0
    logs = [log for log in block_logs(ledger, header) if log.tx_index == index]
    contract = generate_contract_address(tx.sender, tx.nonce) if not tx.to else None
    return {
        "type": quantity(transaction_type(tx)),
        "transactionHash": data(tx.hash),
        "transactionIndex": quantity(index),
        "blockHash": data(header.hash),
        "blockNumber": quantity(header.block_number),
        "from": data(tx.sender),
        "to": data(tx.to) if tx.to else None,
        "cumulativeGasUsed": quantity(receipt.gas_used),
        "gasUsed": quantity(receipt.gas_used - previous_cumulative),
        "effectiveGasPrice": quantity(effective_gas_price(tx, base_fee_of(header))),
        "contractAddress": data(contract) if contract else None,
        "logs": [log_json(log) for log in logs],
        "logsBloom": data(receipt.bloom.to_bytes(256, "big")),
        "status": quantity(1 if receipt.state_root == b"\x01" else 0),
    }


def log_json(log: FoundLog) -> Json:
    return {
        "address": data(log.address),
        "topics": [data(t) for t in log.topics],
        "data": data(log.data),
        "blockNumber": quantity(log.block_number),
        "blockHash": data(log.block_hash),
        "transactionHash": data(log.tx_hash),
        "transactionIndex": quantity(log.tx_index),
        "logIndex": quantity(log.log_index),
        "removed": False,
    }


def proof_json(proof: AccountProof) -> Json:
    return {
        "address": data(proof.address),
        "balance": quantity(proof.balance),
        "codeHash": data(proof.code_hash),
        "nonce": quantity(proof.nonce),
        "storageHash": data(proof.storage_hash),
        "accountProof": [data(node) for node in proof.account_proof],
        "storageProof": [
            {"key": word(p.slot), "value": quantity(p.value), "proof": [data(n) for n in p.proof]}
            for p in proof.storage_proofs
        ],
    }


def fee_history_json(history: FeeHistory) -> Json:
    result: Json = {
        "oldestBlock": quantity(history.oldest_block),
        "baseFeePerGas": [quantity(f) for f in history.base_fee_per_gas],
        "gasUsedRatio": list(history.gas_used_ratio),
    }
    if history.reward is not None:
        result["reward"] = [[quantity(r) for r in rewards] for rewards in history.reward]
    return result
