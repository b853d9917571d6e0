"""Reading JSON-RPC parameters into typed values; anything malformed raises InvalidParams (-32602).

Lenient where nodes are lenient: addresses in any letter case, quantities with leading zeros or as
JSON integers, storage slots as quantities or 32-byte words, EIP-1898 block objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from eth_typing import Address

from wallet_app.chain.devnet.execution import ZERO_ADDRESS, CallRequest
from wallet_app.chain.devnet.logs import LogFilter

BLOCK_TAGS = frozenset({"latest", "pending", "earliest", "safe", "finalized"})
MAX_UINT256 = 2**256 - 1
_HEX = re.compile(r"0[xX]([0-9a-fA-F]*)")


class InvalidParams(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class BlockId:
    tag: str | None = None
    number: int | None = None
    block_hash: bytes | None = None

    @classmethod
    def latest(cls) -> BlockId:
        return cls(tag="latest")


@dataclass(frozen=True, slots=True)
class LogQuery:
    log_filter: LogFilter
    from_block: BlockId
    to_block: BlockId
    block_hash: bytes | None


class Params:
    """Positional parameters of one call."""

    def __init__(self, raw: object) -> None:
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            raise InvalidParams("params must be an array")
        self._values: list[Any] = raw

    def expect(self, minimum: int, maximum: int) -> None:
        count = len(self._values)
        if count < minimum:
            raise InvalidParams(f"missing value for required argument {count}")
        if count > maximum:
            raise InvalidParams(f"too many arguments, want at most {maximum}")

    def get(self, index: int) -> Any:
        return self._values[index] if index < len(self._values) else None

    def has(self, index: int) -> bool:
        return index < len(self._values) and self._values[index] is not None


def parse_hex_data(value: object, what: str = "data") -> bytes:
    if not isinstance(value, str) or not (match := _HEX.fullmatch(value)):
        raise InvalidParams(f"invalid {what}: expected 0x-prefixed hex")
    digits = match.group(1)
    if len(digits) % 2:
        raise InvalidParams(f"invalid {what}: odd number of hex digits")
    return bytes.fromhex(digits)


def parse_quantity(value: object, what: str = "quantity", *, limit: int = MAX_UINT256) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and (match := _HEX.fullmatch(value)) and match.group(1):
        number = int(match.group(1), 16)
    else:
        raise InvalidParams(f"invalid {what}: expected a 0x-prefixed hex quantity")
    if not 0 <= number <= limit:
        raise InvalidParams(f"invalid {what}: out of range")
    return number


def parse_address(value: object, what: str = "address") -> Address:
    raw = parse_hex_data(value, what)
    if len(raw) != 20:
        raise InvalidParams(f"invalid {what}: expected 20 bytes")
    return Address(raw)


def parse_hash(value: object, what: str = "hash") -> bytes:
    raw = parse_hex_data(value, what)
    if len(raw) != 32:
        raise InvalidParams(f"invalid {what}: expected 32 bytes")
    return raw


def parse_slot(value: object) -> int:
    """A storage slot given as a quantity or a word of up to 32 bytes."""
    if isinstance(value, str) and (match := _HEX.fullmatch(value)) and 0 < len(match.group(1)) <= 64:
        return int(match.group(1), 16)
    raise InvalidParams("invalid storage slot: expected hex of at most 32 bytes")


def parse_bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidParams(f"invalid {what}: expected true or false")
    return value


def parse_block_id(value: object) -> BlockId:
    if value is None:
        return BlockId.latest()
    if isinstance(value, str) and value in BLOCK_TAGS:
        return BlockId(tag=value)
    if isinstance(value, str) and len(value) == 66:
        return BlockId(block_hash=parse_hash(value, "block hash"))
    if isinstance(value, dict):
        if "blockHash" in value:
            return BlockId(block_hash=parse_hash(value["blockHash"], "block hash"))
        if "blockNumber" in value:
            return parse_block_id(value["blockNumber"])
        raise InvalidParams("invalid block: object needs blockHash or blockNumber")
    return BlockId(number=parse_quantity(value, "block number", limit=2**63 - 1))


def parse_call_request(value: object) -> CallRequest:
    if not isinstance(value, dict):
        raise InvalidParams("invalid transaction: expected an object")
    payload = value.get("input")
    legacy_payload = value.get("data")
    if payload is not None and legacy_payload is not None and payload != legacy_payload:
        raise InvalidParams('both "data" and "input" are set and not equal')
    payload = payload if payload is not None else legacy_payload
    to = value.get("to")
    return CallRequest(
        sender=parse_address(value["from"], "from") if value.get("from") is not None else ZERO_ADDRESS,
        to=parse_address(to, "to") if to is not None else None,
        gas=parse_quantity(value["gas"], "gas") if value.get("gas") is not None else None,
        value=parse_quantity(value["value"], "value") if value.get("value") is not None else 0,
        data=parse_hex_data(payload, "input") if payload is not None else b"",
        access_list=_parse_access_list(value.get("accessList")),
    )


def _parse_access_list(value: object) -> tuple[tuple[Address, tuple[int, ...]], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidParams("invalid accessList: expected an array")
    entries = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("storageKeys", []), list):
            raise InvalidParams("invalid accessList entry")
        keys = tuple(parse_slot(k) for k in item.get("storageKeys", []))
        entries.append((parse_address(item.get("address"), "accessList address"), keys))
    return tuple(entries)


def parse_log_query(value: object) -> LogQuery:
    if not isinstance(value, dict):
        raise InvalidParams("invalid filter: expected an object")
    block_hash = parse_hash(value["blockHash"], "blockHash") if value.get("blockHash") is not None else None
    if block_hash is not None and (value.get("fromBlock") is not None or value.get("toBlock") is not None):
        raise InvalidParams("invalid filter: cannot specify both blockHash and fromBlock/toBlock")
    return LogQuery(
        log_filter=LogFilter(
            addresses=_parse_addresses(value.get("address")), topics=_parse_topics(value.get("topics"))
        ),
        from_block=parse_block_id(value.get("fromBlock")),
        to_block=parse_block_id(value.get("toBlock")),
        block_hash=block_hash,
    )


def _parse_addresses(value: object) -> tuple[bytes, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(parse_address(a, "filter address") for a in value)
    return (parse_address(value, "filter address"),)


def _parse_topics(value: object) -> tuple[tuple[bytes, ...] | None, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > 4:
        raise InvalidParams("invalid topics: expected an array of at most 4 positions")
    positions: list[tuple[bytes, ...] | None] = []
    for position in value:
        if position is None:
            positions.append(None)
        elif isinstance(position, list):
            if any(option is None for option in position) or not position:
                positions.append(None)  # a wildcard among the options, or no options: anything
            else:
                positions.append(tuple(parse_hash(option, "topic") for option in position))
        else:
            positions.append((parse_hash(position, "topic"),))
    while positions and positions[-1] is None:
        positions.pop()
    return tuple(positions)
