"""Whether a raw transaction may go into the next block, with geth's wording for the refusals.

py-evm does not check a transaction's chain id at all and words its own refusals differently from
the nodes Custos otherwise talks to; these checks run first so that clients see familiar messages.
There is no transaction pool: a nonce above the account's next nonce is refused, not queued.
"""

from __future__ import annotations

from eth.abc import BlockHeaderAPI, SignedTransactionAPI, StateAPI, VirtualMachineAPI
from eth.vm.forks.london.headers import calculate_expected_base_fee_per_gas
from eth_utils.address import to_checksum_address

BLOB_TRANSACTION_TYPE = 3


class TransactionRejected(Exception):
    """The transaction is not admitted; the message is safe to return to the client."""

    def __init__(self, message: str, *, bad_encoding: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.bad_encoding = bad_encoding


def decode_raw_transaction(vm: VirtualMachineAPI, raw: bytes) -> SignedTransactionAPI:
    if not raw:
        raise TransactionRejected("empty transaction", bad_encoding=True)
    if raw[0] == BLOB_TRANSACTION_TYPE:
        raise TransactionRejected("blob transactions are not supported by the devnet")
    try:
        transaction = vm.get_transaction_builder().decode(raw)
        transaction.validate()
        transaction.check_signature_validity()
        transaction.sender  # noqa: B018 - recovers the sender, failing on a bad signature
    except Exception as exc:
        raise TransactionRejected(f"invalid transaction: {_first_line(exc)}", bad_encoding=True) from exc
    return transaction


def check_admission(transaction: SignedTransactionAPI, state: StateAPI, head: BlockHeaderAPI, chain_id: int) -> None:
    """Raise TransactionRejected unless `transaction` can be mined on top of `head` (whose state is given)."""
    sender = transaction.sender
    who = to_checksum_address(sender)
    tx_chain_id = transaction.chain_id
    if tx_chain_id is not None and tx_chain_id != chain_id:
        raise TransactionRejected(f"invalid chain id for signer: have {tx_chain_id} want {chain_id}")
    if transaction.gas > head.gas_limit:
        raise TransactionRejected("exceeds block gas limit")
    if transaction.gas < transaction.intrinsic_gas:
        raise TransactionRejected(
            f"intrinsic gas too low: gas {transaction.gas}, minimum needed {transaction.intrinsic_gas}"
        )
    max_fee = transaction.max_fee_per_gas
    if transaction.max_priority_fee_per_gas > max_fee:
        raise TransactionRejected(
            f"max priority fee per gas higher than max fee per gas: address {who}, "
            f"maxPriorityFeePerGas: {transaction.max_priority_fee_per_gas}, maxFeePerGas: {max_fee}"
        )
    base_fee = calculate_expected_base_fee_per_gas(head)
    if max_fee < base_fee:
        raise TransactionRejected(
            f"max fee per gas less than block base fee: address {who}, maxFeePerGas: {max_fee}, baseFee: {base_fee}"
        )
    nonce = state.get_nonce(sender)
    if transaction.nonce < nonce:
        raise TransactionRejected(f"nonce too low: address {who}, tx: {transaction.nonce} state: {nonce}")
    if transaction.nonce > nonce:
        raise TransactionRejected(
            f"nonce too high: address {who}, tx: {transaction.nonce} state: {nonce} "
            "(the devnet mines at once and keeps no queue)"
        )
    balance = state.get_balance(sender)
    cost = transaction.gas * max_fee + transaction.value
    if balance < cost:
        raise TransactionRejected(
            f"insufficient funds for gas * price + value: address {who} have {balance} want {cost}"
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]
