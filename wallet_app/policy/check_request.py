"""What a person (or the approval queue) asks the policy checker about: the raw fields of one Safe transaction, checked
strictly before anything is read from the chain.

Addresses follow `wallet_app.domain.addresses`: 0x and 40 hex digits, all lower case, all upper case or with a valid
EIP-55 checksum (B3). Only ASCII is accepted, surrounding ASCII spaces aside: a Cyrillic letter, a full-width digit, a
zero-width or bidi character or a no-break space is refused, never normalised away (B4). Whole numbers are Python ints
(never bools) from 0 to 2**256-1; the operation is 0 (CALL) or 1 (DELEGATECALL).
"""

from __future__ import annotations

from dataclasses import dataclass

from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.safe_tx import ZERO_ADDRESS
from wallet_app.domain.units import MAX_UINT256
from wallet_app.errors import InvalidAddress, WalletError

_ASCII_SPACE = " \t\r\n"


class CheckInputError(WalletError, ValueError):
    """A field of the transaction to check is not one a Safe transaction can have; nothing was read or recorded."""

    code = "check_input"


@dataclass(frozen=True)
class CheckRequest:
    safe: str
    to: str
    value: int = 0
    data: bytes = b""
    operation: int = 0
    safe_tx_gas: int = 0
    base_gas: int = 0
    gas_price: int = 0
    gas_token: str = ZERO_ADDRESS
    refund_receiver: str = ZERO_ADDRESS
    nonce: int | None = None  # None: the vault's next nonce
    proposer: str | None = None
    approvers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckedFields:
    """A request's fields after validation: addresses EIP-55, numbers in range."""

    safe: str
    to: str
    value: int
    data: bytes
    operation: int
    safe_tx_gas: int
    base_gas: int
    gas_price: int
    gas_token: str
    refund_receiver: str
    nonce: int | None
    proposer: str | None
    approvers: tuple[str, ...]


def check_address(value: object, what: str) -> str:
    """`value` as an EIP-55 address, or CheckInputError naming `what`."""
    if not isinstance(value, str):
        raise CheckInputError(f"{what} must be an address (0x and 40 hex digits), not {type(value).__name__}")
    text = value.strip(_ASCII_SPACE)
    if not text.isascii():
        shown = text.encode("ascii", "backslashreplace").decode("ascii")[:60]
        raise CheckInputError(f"{what} '{shown}' holds characters that are not plain ASCII (a lookalike letter, a "
                              "full-width digit, an invisible or bidi character?): type it again")
    try:
        return to_checksum(text)
    except InvalidAddress as exc:
        raise CheckInputError(f"{what}: {exc.user_message}") from None


def check_uint(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CheckInputError(f"{what} must be a whole number, not {type(value).__name__}")
    if value < 0:
        raise CheckInputError(f"{what} must not be negative ({value})")
    if value > MAX_UINT256:
        raise CheckInputError(f"{what} must be below 2**256 (a uint256)")
    return value


def check_request(request: CheckRequest) -> CheckedFields:
    """The request's fields, checked; CheckInputError on the first field that is not acceptable."""
    data = request.data
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CheckInputError(f"data must be bytes, not {type(data).__name__}")
    operation = request.operation
    if isinstance(operation, bool) or operation not in (0, 1):
        raise CheckInputError(f"operation must be 0 (CALL) or 1 (DELEGATECALL), not {operation!r}")
    approvers = request.approvers
    if isinstance(approvers, str) or not isinstance(approvers, (tuple, list)):
        raise CheckInputError("approvers must be a tuple of addresses")
    return CheckedFields(
        safe=check_address(request.safe, "the vault (safe)"),
        to=check_address(request.to, "to"),
        value=check_uint(request.value, "value"),
        data=bytes(data),
        operation=int(operation),
        safe_tx_gas=check_uint(request.safe_tx_gas, "safe_tx_gas"),
        base_gas=check_uint(request.base_gas, "base_gas"),
        gas_price=check_uint(request.gas_price, "gas_price"),
        gas_token=check_address(request.gas_token, "gas_token"),
        refund_receiver=check_address(request.refund_receiver, "refund_receiver"),
        nonce=None if request.nonce is None else check_uint(request.nonce, "nonce"),
        proposer=None if request.proposer is None else check_address(request.proposer, "proposer"),
        approvers=tuple(dict.fromkeys(check_address(a, "an approver") for a in approvers)),
    )
