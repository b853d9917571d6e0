"""`eth_call` and `eth_estimateGas`: run a message against a block's state and throw the changes away.

Calls pay no gas (base fee and gas price are zero, as py-evm's own "costless" execution does), so
the sender needs a balance only for the value it sends. The block context is the chosen block itself.
Gas estimation searches for the smallest gas limit that succeeds, stopping within 1.5% as geth does;
the answer always is a limit that was seen to succeed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth.abc import BlockHeaderAPI, ComputationAPI, SignedTransactionAPI, StateAPI
from eth.exceptions import Revert
from eth.vm.spoof import SpoofTransaction
from eth_abi.abi import decode as abi_decode
from eth_typing import Address
from eth_utils.address import to_checksum_address

from wallet_app.chain.devnet.ledger import Ledger

ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")
ZERO_ADDRESS = Address(b"\x00" * 20)
_ESTIMATE_TOLERANCE_PER_MILLE = 15

AccessList = tuple[tuple[Address, tuple[int, ...]], ...]


@dataclass(frozen=True, slots=True)
class CallRequest:
    sender: Address = ZERO_ADDRESS
    to: Address | None = None  # None creates a contract
    gas: int | None = None
    value: int = 0
    data: bytes = b""
    access_list: AccessList = field(default_factory=tuple)


class ExecutionFailed(Exception):
    """The message failed; `revert_data` is set when it ended in REVERT."""

    def __init__(self, message: str, *, revert_data: bytes | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.revert_data = revert_data


def run_call(ledger: Ledger, header: BlockHeaderAPI, request: CallRequest) -> bytes:
    session = _Session(ledger, header, request)
    computation = session.run(session.cap)
    if computation.is_error:
        raise _failure(computation)
    return computation.output


def estimate_gas(ledger: Ledger, header: BlockHeaderAPI, request: CallRequest) -> int:
    session = _Session(ledger, header, request)
    cap = session.cap
    computation = session.run(cap)
    if computation.is_error:
        failure = _failure(computation)
        if failure.revert_data is None and "out of gas" in failure.message.lower():
            raise ExecutionFailed(f"gas required exceeds allowance ({cap})")
        raise failure
    used = cap - computation.get_gas_remaining()  # before refunds, intrinsic gas included
    low, high = max(used - 1, 0), cap
    # Most messages need exactly what they used (transfers), or a little more (63/64 rule, stipends).
    for probe in (used, min(high, (used + 2300) * 64 // 63)):
        if low < probe < high:
            if session.succeeds(probe):
                high = probe
                break
            low = probe
    while high - low > max(1, high * _ESTIMATE_TOLERANCE_PER_MILLE // 1000):
        middle = (low + high) // 2
        if session.succeeds(middle):
            high = middle
        else:
            low = middle
    return high


class _Session:
    """One state to run the same message against with different gas limits."""

    def __init__(self, ledger: Ledger, header: BlockHeaderAPI, request: CallRequest) -> None:
        self._state: StateAPI = ledger.free_state_at(header)
        self._vm = ledger.chain.get_vm(header)
        self._chain_id = ledger.chain_id
        self._request = request
        self.cap = min(request.gas, header.gas_limit) if request.gas is not None else header.gas_limit

    def run(self, gas: int) -> ComputationAPI:
        """Raises ExecutionFailed if the message is not even valid (funds for value, intrinsic gas)."""
        state, request = self._state, self._request
        builder: Any = self._vm.get_transaction_builder()  # Prague's builder makes type-2 messages
        unsigned = builder.new_unsigned_dynamic_fee_transaction(
            chain_id=self._chain_id,
            nonce=state.get_nonce(request.sender),
            max_priority_fee_per_gas=0,
            max_fee_per_gas=0,
            gas=gas,
            to=request.to if request.to is not None else Address(b""),
            value=request.value,
            data=request.data,
            access_list=request.access_list,
        )
        message: SignedTransactionAPI = SpoofTransaction(unsigned, from_=request.sender)  # type: ignore[assignment]
        snapshot = state.snapshot()
        try:
            return state.apply_transaction(message)
        except Exception as exc:
            raise ExecutionFailed(_invalid_message(exc, request)) from exc
        finally:
            state.revert(snapshot)

    def succeeds(self, gas: int) -> bool:
        try:
            return not self.run(gas).is_error
        except ExecutionFailed:
            return False


def _failure(computation: ComputationAPI) -> ExecutionFailed:
    error = computation.error
    if isinstance(error, Revert):
        data = bytes(error.args[0]) if error.args and isinstance(error.args[0], bytes) else b""
        reason = decode_revert_reason(data)
        message = f"execution reverted: {reason}" if reason else "execution reverted"
        return ExecutionFailed(message, revert_data=data)
    text = str(error).strip() or type(error).__name__
    return ExecutionFailed(text.splitlines()[0][:200])


def decode_revert_reason(data: bytes) -> str | None:
    """The text of a Solidity `Error(string)` revert, if that is what `data` holds."""
    if data[:4] != ERROR_STRING_SELECTOR:
        return None
    try:
        (reason,) = abi_decode(["string"], data[4:])
    except Exception:
        return None
    return str(reason)


def _invalid_message(exc: Exception, request: CallRequest) -> str:
    text = str(exc)
    if "balance" in text.lower():
        return f"insufficient funds for transfer: address {to_checksum_address(request.sender)}"
    if "intrinsic" in text.lower() or "gas" in text.lower():
        return f"intrinsic gas too low: {text.splitlines()[0][:160]}"
    return f"invalid call: {(text.splitlines()[0] if text else type(exc).__name__)[:160]}"
