"""Safe's MultiSend packed encoding: for each call, operation (1 byte), to (20), value (32), data length (32), data.

Parsing never raises: a malformed entry stops the walk, and what could not be read is returned as `rest` with a
plain-language problem. The encoder is the inverse, used to show that a decoded batch re-encodes to the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eth_abi.abi import encode

from wallet_app.domain.addresses import address_bytes
from wallet_app.policy.intent import Intent
from wallet_app.policy.selectors import MULTI_SEND
from wallet_app.policy.values import checksum

HEADER = 1 + 20 + 32 + 32
MAX_CALLS = 256  # calls read in one Safe transaction, all nested batches together


@dataclass(frozen=True, slots=True)
class PackedCall:
    operation: int
    to: str
    value: int
    data: bytes


@dataclass(frozen=True, slots=True)
class PackedBatch:
    calls: tuple[PackedCall, ...]
    rest: bytes = b""  # bytes after the last entry that could be read
    problem: str | None = None


def parse_packed(transactions: bytes, *, budget: int = MAX_CALLS) -> PackedBatch:
    """The calls packed in `transactions`, at most `budget` of them (what is left of MAX_CALLS)."""
    calls: list[PackedCall] = []
    at = 0
    while at < len(transactions):
        number = len(calls) + 1
        if len(calls) >= budget:
            return _stop(calls, transactions, at, f"more than {MAX_CALLS} calls in one transaction: the rest is "
                         "not decoded")
        if len(transactions) - at < HEADER:
            return _stop(calls, transactions, at, f"MultiSend entry {number} truncated: {len(transactions) - at} "
                         f"bytes left where an entry needs at least {HEADER}")
        operation = transactions[at]
        if operation > 1:
            return _stop(calls, transactions, at, f"MultiSend entry {number} has operation {operation}; only 0 "
                         "(CALL) and 1 (DELEGATECALL) exist")
        to = checksum("0x" + transactions[at + 1 : at + 21].hex())
        value = int.from_bytes(transactions[at + 21 : at + 53], "big")
        length = int.from_bytes(transactions[at + 53 : at + 85], "big")
        if length > len(transactions) - at - HEADER:
            return _stop(calls, transactions, at, f"MultiSend entry {number} truncated: its data length is {length} "
                         f"bytes but only {len(transactions) - at - HEADER} remain")
        calls.append(PackedCall(operation, to, value, transactions[at + HEADER : at + HEADER + length]))
        at += HEADER + length
    return PackedBatch(tuple(calls))


def _stop(calls: list[PackedCall], transactions: bytes, at: int, problem: str) -> PackedBatch:
    return PackedBatch(tuple(calls), transactions[at:], problem)


def encode_packed(calls: Iterable[PackedCall]) -> bytes:
    return b"".join(
        bytes([c.operation]) + address_bytes(c.to) + c.value.to_bytes(32, "big") + len(c.data).to_bytes(32, "big")
        + c.data
        for c in calls
    )


def build_multisend_call(calls: Iterable[PackedCall]) -> bytes:
    """Call data of multiSend(bytes) for `calls`."""
    return MULTI_SEND.selector + encode(["bytes"], [encode_packed(calls)])


def build_batch_data(batch: Intent) -> bytes:
    """The multiSend call data a decoded batch stands for, rebuilt from its children alone."""
    return build_multisend_call(PackedCall(int(c.operation), c.target, c.value, c.data) for c in batch.children)
