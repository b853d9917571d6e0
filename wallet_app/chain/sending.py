"""Build, sign and send an EIP-1559 transaction from a key held in memory, and wait for its receipt."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account

from wallet_app.chain.client import ChainClient, Receipt
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import TransactionRejected

GAS_MARGIN_PERCENT = 25


@dataclass(frozen=True, slots=True)
class OutgoingTx:
    to: str | None  # None deploys a contract
    data: bytes = b""
    value: int = 0
    gas: int | None = None


def sign_and_send(client: ChainClient, private_key: bytes, chain_id: int, tx: OutgoingTx) -> Receipt:
    account = Account.from_key(private_key)
    sender = account.address
    gas = tx.gas or _padded(client.estimate_gas(sender, tx.to, tx.data, tx.value))
    fees = client.fetch_fees()
    fields: dict[str, object] = {
        "type": 2,
        "chainId": chain_id,
        "nonce": client.fetch_transaction_count(sender, "pending"),
        "gas": gas,
        "maxPriorityFeePerGas": fees.priority_fee,
        "maxFeePerGas": 2 * fees.base_fee + fees.priority_fee,
        "value": tx.value,
        "data": tx.data,
    }
    if tx.to is not None:
        fields["to"] = to_checksum(tx.to)
    signed = account.sign_transaction(fields)
    tx_hash = client.send_raw_transaction(bytes(signed.raw_transaction))
    receipt = client.wait_for_receipt(tx_hash)
    if receipt.status != 1:
        raise TransactionRejected(f"Transaction 0x{tx_hash.hex()} was mined but failed (status 0)")
    return receipt


def _padded(estimate: int) -> int:
    return estimate * (100 + GAS_MARGIN_PERCENT) // 100
