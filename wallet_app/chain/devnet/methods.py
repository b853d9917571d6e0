"""The `eth_*`, `net_*` and `web3_*` methods the devnet answers, on top of the ledger."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from eth.abc import BlockHeaderAPI
from eth.exceptions import VMError
from eth_utils.exceptions import ValidationError

from wallet_app import __version__
from wallet_app.chain.devnet import serialize as js
from wallet_app.chain.devnet.execution import ExecutionFailed, estimate_gas, run_call
from wallet_app.chain.devnet.fees import SUGGESTED_PRIORITY_FEE, fee_history, suggested_gas_price
from wallet_app.chain.devnet.ledger import Ledger, TransactionRejected
from wallet_app.chain.devnet.logs import find_logs
from wallet_app.chain.devnet.params import (
    BlockId,
    InvalidParams,
    Params,
    parse_address,
    parse_block_id,
    parse_bool,
    parse_call_request,
    parse_hash,
    parse_hex_data,
    parse_log_query,
    parse_quantity,
    parse_slot,
)
from wallet_app.chain.devnet.proofs import build_account_proof
from wallet_app.chain.devnet.rpc import EXECUTION_REVERTED, SERVER_ERROR, Handler, RpcFailure

CLIENT_VERSION = f"Custos-devnet/v{__version__}/py-evm"
MAX_PROOF_SLOTS = 1024


class EthMethods:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def table(self) -> dict[str, Handler]:
        methods: dict[str, Callable[[Params], object]] = {
            "web3_clientVersion": self.client_version,
            "net_version": self.net_version,
            "net_listening": self.net_listening,
            "eth_syncing": self.syncing,
            "eth_chainId": self.chain_id,
            "eth_accounts": self.accounts,
            "eth_blockNumber": self.block_number,
            "eth_gasPrice": self.gas_price,
            "eth_maxPriorityFeePerGas": self.max_priority_fee,
            "eth_feeHistory": self.fee_history,
            "eth_getBalance": self.get_balance,
            "eth_getCode": self.get_code,
            "eth_getStorageAt": self.get_storage_at,
            "eth_getTransactionCount": self.get_transaction_count,
            "eth_call": self.call,
            "eth_estimateGas": self.estimate_gas,
            "eth_sendRawTransaction": self.send_raw_transaction,
            "eth_getTransactionByHash": self.get_transaction_by_hash,
            "eth_getTransactionReceipt": self.get_transaction_receipt,
            "eth_getBlockByNumber": self.get_block_by_number,
            "eth_getBlockByHash": self.get_block_by_hash,
            "eth_getLogs": self.get_logs,
            "eth_getProof": self.get_proof,
        }
        return methods

    # -- node --

    def client_version(self, p: Params) -> object:
        p.expect(0, 0)
        return CLIENT_VERSION

    def net_version(self, p: Params) -> object:
        p.expect(0, 0)
        return str(self._ledger.chain_id)

    def net_listening(self, p: Params) -> object:
        p.expect(0, 0)
        return True

    def syncing(self, p: Params) -> object:
        p.expect(0, 0)
        return False

    def chain_id(self, p: Params) -> object:
        p.expect(0, 0)
        return js.quantity(self._ledger.chain_id)

    def accounts(self, p: Params) -> object:
        p.expect(0, 0)
        return []

    def block_number(self, p: Params) -> object:
        p.expect(0, 0)
        return js.quantity(self._ledger.head().block_number)

    # -- fees --

    def gas_price(self, p: Params) -> object:
        p.expect(0, 0)
        return js.quantity(suggested_gas_price(self._ledger.head()))

    def max_priority_fee(self, p: Params) -> object:
        p.expect(0, 0)
        return js.quantity(SUGGESTED_PRIORITY_FEE)

    def fee_history(self, p: Params) -> object:
        p.expect(2, 3)
        count = parse_quantity(p.get(0), "block count", limit=2**32)
        newest = self._state_header(parse_block_id(p.get(1)))
        percentiles = None
        if p.has(2):
            raw = p.get(2)
            if not isinstance(raw, list) or not all(
                isinstance(x, int | float) and not isinstance(x, bool) and 0 <= x <= 100 for x in raw
            ):
                raise InvalidParams("invalid reward percentiles: expected numbers from 0 to 100")
            if any(b < a for a, b in itertools.pairwise(raw)):
                raise InvalidParams("invalid reward percentiles: must be increasing")
            percentiles = tuple(float(x) for x in raw)
        return js.fee_history_json(fee_history(self._ledger, newest, count, percentiles))

    # -- state --

    def get_balance(self, p: Params) -> object:
        p.expect(1, 2)
        address, header = parse_address(p.get(0)), self._state_header(parse_block_id(p.get(1)))
        return js.quantity(self._ledger.state_at(header).get_balance(address))

    def get_code(self, p: Params) -> object:
        p.expect(1, 2)
        address, header = parse_address(p.get(0)), self._state_header(parse_block_id(p.get(1)))
        return js.data(self._ledger.state_at(header).get_code(address))

    def get_storage_at(self, p: Params) -> object:
        p.expect(2, 3)
        address, slot = parse_address(p.get(0)), parse_slot(p.get(1))
        header = self._state_header(parse_block_id(p.get(2)))
        return js.word(self._ledger.state_at(header).get_storage(address, slot))

    def get_transaction_count(self, p: Params) -> object:
        p.expect(1, 2)
        address, header = parse_address(p.get(0)), self._state_header(parse_block_id(p.get(1)))
        return js.quantity(self._ledger.state_at(header).get_nonce(address))

    def get_proof(self, p: Params) -> object:
        p.expect(2, 3)
        address = parse_address(p.get(0))
        raw_slots = p.get(1)
        if not isinstance(raw_slots, list) or len(raw_slots) > MAX_PROOF_SLOTS:
            raise InvalidParams(f"invalid storage keys: expected an array of at most {MAX_PROOF_SLOTS}")
        slots = [parse_slot(s) for s in raw_slots]
        header = self._state_header(parse_block_id(p.get(2)))
        proof = build_account_proof(self._ledger.db, header.state_root, address, slots)
        return js.proof_json(proof)

    # -- execution --

    def call(self, p: Params) -> object:
        p.expect(1, 3)
        if p.has(2):
            raise RpcFailure(SERVER_ERROR, "state overrides are not supported by the devnet")
        request, header = parse_call_request(p.get(0)), self._state_header(parse_block_id(p.get(1)))
        try:
            return js.data(run_call(self._ledger, header, request))
        except ExecutionFailed as exc:
            raise _execution_failure(exc) from exc

    def estimate_gas(self, p: Params) -> object:
        p.expect(1, 3)
        if p.has(2):
            raise RpcFailure(SERVER_ERROR, "state overrides are not supported by the devnet")
        request, header = parse_call_request(p.get(0)), self._state_header(parse_block_id(p.get(1)))
        try:
            return js.quantity(estimate_gas(self._ledger, header, request))
        except ExecutionFailed as exc:
            raise _execution_failure(exc) from exc

    def send_raw_transaction(self, p: Params) -> object:
        p.expect(1, 1)
        raw = parse_hex_data(p.get(0), "raw transaction")
        try:
            tx_hash = self._ledger.send_raw_transaction(raw)
        except TransactionRejected as exc:
            if exc.bad_encoding:
                raise InvalidParams(exc.message) from exc
            raise RpcFailure(SERVER_ERROR, exc.message) from exc
        except (ValidationError, VMError) as exc:
            raise RpcFailure(SERVER_ERROR, f"transaction rejected: {_first_line(exc)}") from exc
        return js.data(tx_hash)

    # -- history --

    def get_transaction_by_hash(self, p: Params) -> object:
        p.expect(1, 1)
        found = self._ledger.find_transaction(parse_hash(p.get(0), "transaction hash"))
        if found is None:
            return None
        header, index = found
        return js.transaction_json(self._ledger.block(header).transactions[index], header, index)

    def get_transaction_receipt(self, p: Params) -> object:
        p.expect(1, 1)
        found = self._ledger.find_transaction(parse_hash(p.get(0), "transaction hash"))
        if found is None:
            return None
        return js.receipt_json(self._ledger, *found)

    def get_block_by_number(self, p: Params) -> object:
        p.expect(1, 2)
        header = self._header(parse_block_id(p.get(0)))
        full = parse_bool(p.get(1), "full transactions flag") if p.has(1) else False
        return None if header is None else js.block_json(self._ledger.block(header), full_transactions=full)

    def get_block_by_hash(self, p: Params) -> object:
        p.expect(1, 2)
        header = self._ledger.header_by_hash(parse_hash(p.get(0), "block hash"))
        full = parse_bool(p.get(1), "full transactions flag") if p.has(1) else False
        return None if header is None else js.block_json(self._ledger.block(header), full_transactions=full)

    def get_logs(self, p: Params) -> object:
        p.expect(1, 1)
        query = parse_log_query(p.get(0))
        if query.block_hash is not None:
            header = self._ledger.header_by_hash(query.block_hash)
            if header is None:
                raise RpcFailure(SERVER_ERROR, "unknown block")
            first: int = header.block_number
            last: int = first
        else:
            first = self._bound(query.from_block)
            last = self._bound(query.to_block)
            if first > last:
                raise RpcFailure(SERVER_ERROR, "invalid block range params")
        return [js.log_json(log) for log in find_logs(self._ledger, first, last, query.log_filter)]

    # -- blocks --

    def _header(self, block: BlockId) -> BlockHeaderAPI | None:
        if block.block_hash is not None:
            return self._ledger.header_by_hash(block.block_hash)
        if block.tag == "earliest":
            return self._ledger.header_by_number(0)
        if block.tag is not None:
            return self._ledger.head()  # latest, pending, safe, finalized: all the head here
        assert block.number is not None
        return self._ledger.header_by_number(block.number)

    def _state_header(self, block: BlockId) -> BlockHeaderAPI:
        header = self._header(block)
        if header is None:
            raise RpcFailure(SERVER_ERROR, "header not found")
        return header

    def _bound(self, block: BlockId) -> int:
        """A log range bound; a number past the head is kept (nothing is found there)."""
        if block.number is not None:
            return block.number
        return self._state_header(block).block_number


def _execution_failure(exc: ExecutionFailed) -> RpcFailure:
    if exc.revert_data is not None:
        return RpcFailure(EXECUTION_REVERTED, exc.message, data=js.data(exc.revert_data))
    return RpcFailure(SERVER_ERROR, exc.message)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]
