"""Reading the "Check a transaction" form: what a person typed, parsed strictly into the fields of a Safe transaction,
or refused with the field and a message that says what is expected. Addresses go through the checker's own address
rules (`wallet_app.policy.check_request.check_address`: 0x and 40 hex digits, a mixed-case address must be a valid
EIP-55 checksum, nothing but ASCII), imported when the form is first submitted, never at start-up."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
UINT256_MAX = 2**256 - 1
_DIGITS = re.compile(r"[0-9]+")
_HEX = re.compile(r"[0-9a-fA-F]*")
_SEPARATORS = re.compile(r"[\s_,]")
MAX_DATA_BYTES = 1_000_000


class FormError(ValueError):
    """A field that does not read; `field` names it (the form's key), `message` says why in words."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class CheckFields:
    safe: str
    to: str
    value: int
    data: bytes
    operation: int
    nonce: int | None
    proposer: str | None
    safe_tx_gas: int = 0
    base_gas: int = 0
    gas_price: int = 0
    gas_token: str = ZERO_ADDRESS
    refund_receiver: str = ZERO_ADDRESS


def parse_address(field: str, title: str, text: str, *, blank: str | None = None) -> str:
    """The core's address rules (`wallet_app.policy.check_request.check_address`); by the time a person submits the
    form the services have loaded that module, so the import costs nothing then."""
    from wallet_app.policy.check_request import CheckInputError, check_address

    typed = text.strip(" \t\r\n")
    if not typed:
        if blank is not None:
            return blank
        raise FormError(field, f"{title}: enter an address (0x followed by 40 hex digits).")
    try:
        return check_address(typed, title)
    except CheckInputError as exc:
        raise FormError(field, exc.user_message) from None


def parse_whole(field: str, title: str, text: str, *, blank: int | None = 0, unit: str = "") -> int | None:
    typed = _SEPARATORS.sub("", text)
    if not typed:
        if blank is None:
            return None
        return blank
    if not _DIGITS.fullmatch(typed):
        what = f" of {unit}" if unit else ""
        raise FormError(field, f"{title}: enter a whole number{what} (digits only, no decimal point or sign).")
    number = int(typed)
    if number > UINT256_MAX:
        raise FormError(field, f"{title}: the number is larger than a uint256 can hold.")
    return number


def parse_data(field: str, text: str) -> bytes:
    typed = "".join(text.split())
    if typed in ("", "0x", "0X"):
        return b""
    if not typed.lower().startswith("0x"):
        raise FormError(field, "Data: start with 0x, followed by the call data in hex (or leave it empty).")
    digits = typed[2:]
    if not _HEX.fullmatch(digits):
        bad = next(c for c in digits if c not in "0123456789abcdefABCDEF")
        raise FormError(field, f"Data: '{bad}' is not a hex digit; use 0-9 and a-f only.")
    if len(digits) % 2:
        raise FormError(field, f"Data: {len(digits)} hex digits is an odd number; each byte is two digits.")
    if len(digits) // 2 > MAX_DATA_BYTES:
        raise FormError(field, f"Data: more than {MAX_DATA_BYTES:,} bytes.")
    return bytes.fromhex(digits)


def parse_check_form(raw: Mapping[str, str]) -> CheckFields:
    """`raw` holds the texts of the fields by key: safe, to, value, data, operation ("0" or "1"), nonce, proposer
    ("" for none), safe_tx_gas, base_gas, gas_price, gas_token, refund_receiver."""
    safe = raw.get("safe", "")
    if not safe:
        raise FormError("safe", "Vault: choose the vault the transaction is for.")
    operation = raw.get("operation", "0")
    if operation not in ("0", "1"):
        raise FormError("operation", "Operation: choose Call or DelegateCall.")
    proposer = raw.get("proposer", "").strip()
    return CheckFields(
        safe=parse_address("safe", "Vault", safe),
        to=parse_address("to", "To", raw.get("to", "")),
        value=parse_whole("value", "Value", raw.get("value", ""), unit="wei") or 0,
        data=parse_data("data", raw.get("data", "")),
        operation=int(operation),
        nonce=parse_whole("nonce", "Nonce", raw.get("nonce", ""), blank=None),
        proposer=parse_address("proposer", "Proposer", proposer) if proposer else None,
        safe_tx_gas=parse_whole("safe_tx_gas", "safeTxGas", raw.get("safe_tx_gas", "")) or 0,
        base_gas=parse_whole("base_gas", "baseGas", raw.get("base_gas", "")) or 0,
        gas_price=parse_whole("gas_price", "gasPrice", raw.get("gas_price", ""), unit="wei") or 0,
        gas_token=parse_address("gas_token", "gasToken", raw.get("gas_token", ""), blank=ZERO_ADDRESS),
        refund_receiver=parse_address("refund_receiver", "refundReceiver", raw.get("refund_receiver", ""),
                                      blank=ZERO_ADDRESS),
    )
