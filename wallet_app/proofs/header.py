"""Block headers for proof checks: an eth_getBlockByNumber result or an RLP header read strictly, re-encoded in the
Ethereum field order, and hashed, so a proof's state root can be tied to a block hash anyone can look up.

Layouts: pre-London (15 fields), London (+ baseFeePerGas), Shanghai (+ withdrawalsRoot), Cancun (+ blobGasUsed,
excessBlobGas, parentBeaconBlockRoot) and Prague (+ requestsHash); later forks that add no header field (Osaka, OP Stack
Isthmus and Jovian) keep the Prague layout. OP Stack chains use the same layouts.

JSON is read as JSON-RPC specifies it: quantities are "0x"-prefixed hex without leading zeros ("0x0", "0x1a"), and a
quantity written with leading zeros ("0x01") is refused rather than repaired, since a node that writes it is not
speaking JSON-RPC and its other fields deserve no more trust; data is "0x"-prefixed hex of whole bytes. Hex digits may
be upper or lower case (checksummed addresses are common and the case carries no value). An optional field given as
null counts as absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import rlp
from eth_utils.crypto import keccak

from wallet_app.proofs.errors import ProofInvalid, UnusableInput

QUANTITY = -1  # a length of -1 marks a quantity (an integer); 0 marks data of any length
ANY = 0
MAX_QUANTITY_BYTES = 32

BASE_FIELDS: tuple[tuple[str, int], ...] = (
    ("parentHash", 32),
    ("sha3Uncles", 32),
    ("miner", 20),
    ("stateRoot", 32),
    ("transactionsRoot", 32),
    ("receiptsRoot", 32),
    ("logsBloom", 256),
    ("difficulty", QUANTITY),
    ("number", QUANTITY),
    ("gasLimit", QUANTITY),
    ("gasUsed", QUANTITY),
    ("timestamp", QUANTITY),
    ("extraData", ANY),
    ("mixHash", 32),
    ("nonce", 8),
)
# Each fork's added fields, in order; a fork's fields come together, and only after every earlier fork's.
LATER_FIELDS: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = (
    ("London", (("baseFeePerGas", QUANTITY),)),
    ("Shanghai", (("withdrawalsRoot", 32),)),
    ("Cancun", (("blobGasUsed", QUANTITY), ("excessBlobGas", QUANTITY), ("parentBeaconBlockRoot", 32))),
    ("Prague", (("requestsHash", 32),)),
)
HEADER_KEYS = frozenset(key for key, _ in BASE_FIELDS) | {key for _, group in LATER_FIELDS for key, _ in group}
# Keys a block result carries beside its header fields (body, totals, client extras); anything else is reported when
# the hash does not match, as the sign of a header field Custos does not know.
NON_HEADER_KEYS = frozenset(
    "hash size totalDifficulty transactions uncles withdrawals sealFields author l1BlockNumber sendCount sendRoot "
    "signature step timestampNano epoch requests".split()
)


def _layouts() -> dict[int, tuple[str, tuple[tuple[str, int], ...]]]:
    layouts = {len(BASE_FIELDS): ("pre-London", BASE_FIELDS)}
    fields = BASE_FIELDS
    for fork, group in LATER_FIELDS:
        fields = fields + group
        layouts[len(fields)] = (fork, fields)
    return layouts


LAYOUTS = _layouts()  # field count -> (fork name, fields)


@dataclass(frozen=True, slots=True)
class Header:
    number: int
    hash: bytes  # keccak256(rlp)
    parent_hash: bytes
    state_root: bytes
    timestamp: int
    withdrawals_root: bytes | None  # on OP Stack Isthmus and later, the L2ToL1MessagePasser's storage root
    fork: str  # plain name of the header layout: "pre-London", "London", "Shanghai", "Cancun", "Prague"
    rlp: bytes  # the RLP-encoded header


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _hex_digits(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise UnusableInput(f"the block's {key} is not a hex string: {_short(value)}")
    if not value.startswith("0x"):
        raise UnusableInput(f'the block\'s {key} does not start with "0x": {_short(value)}')
    digits = value[2:]
    if any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise UnusableInput(f"the block's {key} is not hex: {_short(value)}")
    return digits


def _data(key: str, value: object, length: int) -> bytes:
    digits = _hex_digits(key, value)
    if len(digits) % 2:
        raise UnusableInput(f"the block's {key} has an odd number of hex digits: {_short(value)}")
    raw = bytes.fromhex(digits)
    if length and len(raw) != length:
        raise UnusableInput(f"the block's {key} is {len(raw)} bytes, not {length}: {_short(value)}")
    return raw


def _quantity(key: str, value: object) -> int:
    digits = _hex_digits(key, value)
    if not digits:
        raise UnusableInput(f'the block\'s {key} is "0x" with no digits; zero is written "0x0"')
    if len(digits) > 1 and digits[0] == "0":
        raise UnusableInput(
            f"the block's {key} has leading zeros ({_short(value)}); JSON-RPC quantities are written without them, "
            f'e.g. "0x{digits.lstrip("0") or "0"}"'
        )
    if len(digits) > 2 * MAX_QUANTITY_BYTES:
        raise UnusableInput(f"the block's {key} is larger than 256 bits: {_short(value)}")
    return int(digits, 16)


def _rlp_item(key: str, value: object, length: int) -> bytes:
    if length == QUANTITY:
        number = _quantity(key, value)
        return number.to_bytes((number.bit_length() + 7) // 8, "big")
    return _data(key, value, length)


def _layout_of(block: Mapping[str, object]) -> tuple[str, tuple[tuple[str, int], ...]]:
    fork, fields = "pre-London", BASE_FIELDS
    missing_fork: tuple[str, list[str]] | None = None
    for group_fork, group in LATER_FIELDS:
        present = [key for key, _ in group if block.get(key) is not None]
        absent = [key for key, _ in group if block.get(key) is None]
        if present and absent:
            raise UnusableInput(
                f"the block has {', '.join(present)} but not {', '.join(absent)}: a {group_fork} header has all of them"
            )
        if not present:
            missing_fork = missing_fork or (group_fork, absent)
            continue
        if missing_fork is not None:
            raise UnusableInput(
                f"the block has the {group_fork} field {present[0]} but not the {missing_fork[0]} field "
                f"{missing_fork[1][0]}: a header carries every earlier fork's fields"
            )
        fork, fields = group_fork, fields + group
    return fork, fields


def _header(fork: str, items: list[bytes], data: bytes) -> Header:
    withdrawals_root = items[16] if len(items) > 16 else None
    return Header(
        number=int.from_bytes(items[8], "big"),
        hash=keccak(data),
        parent_hash=items[0],
        state_root=items[3],
        timestamp=int.from_bytes(items[11], "big"),
        withdrawals_root=withdrawals_root,
        fork=fork,
        rlp=data,
    )


def header_from_json(block: Mapping[str, object]) -> Header:
    """The header of an eth_getBlockByNumber result, RLP-encoded and hashed. The claimed "hash" is not checked."""
    if not isinstance(block, Mapping):
        raise UnusableInput(f"the block is not a JSON object: {_short(block)}")
    fork, fields = _layout_of(block)
    items = []
    for key, length in fields:
        if block.get(key) is None:
            raise UnusableInput(f"the block has no {key}, which every header carries")
        items.append(_rlp_item(key, block[key], length))
    return _header(fork, items, rlp.encode(items))


def claimed_hash(block: Mapping[str, object]) -> bytes:
    """The block's "hash" field, read as 32 bytes."""
    if not isinstance(block, Mapping):
        raise UnusableInput(f"the block is not a JSON object: {_short(block)}")
    if block.get("hash") is None:
        raise UnusableInput("the block has no hash")
    return _data("hash", block["hash"], 32)


def check_block_json(block: Mapping[str, object]) -> Header:
    """The header of a block result, which must hash to the block's own "hash" (ProofInvalid if it does not)."""
    header = header_from_json(block)
    claimed = claimed_hash(block)
    if header.hash != claimed:
        message = (
            f"the header does not hash to its block hash 0x{claimed.hex()}: "
            f"keccak256 of its fields is 0x{header.hash.hex()}"
        )
        unknown = sorted(str(key) for key in block if key not in HEADER_KEYS and key not in NON_HEADER_KEYS)
        if unknown:
            message += f"; the node may be on a fork Custos does not know: fields {', '.join(unknown)}"
        raise ProofInvalid(message)
    return header


def _rlp_span(data: bytes, at: int, end: int) -> tuple[bool, int, int]:
    """Whether the RLP item at `at` is a list, and where its payload starts and stops; read without recursion."""
    first = data[at]
    if first < 0x80:
        return False, at, at + 1
    is_list, short = first >= 0xC0, first - (0xC0 if first >= 0xC0 else 0x80)
    start, length = at + 1, short
    if short > 55:
        start = at + 1 + short - 55
        length = int.from_bytes(data[at + 1 : start], "big")
    if start + length > end:
        raise UnusableInput("the header is not valid RLP: an item runs past the end of its list")
    return is_list, start, start + length


def _rlp_items(data: bytes) -> tuple[str, list[bytes]]:
    if not isinstance(data, bytes | bytearray):
        raise UnusableInput(f"the RLP header is not bytes: {_short(data)}")
    data = bytes(data)
    if not data:
        raise UnusableInput("the header is not valid RLP: it is empty")
    is_list, at, end = _rlp_span(data, 0, len(data))
    if not is_list or end != len(data):
        raise UnusableInput("the RLP header is not a list, or has bytes after it")
    decoded = []
    while at < end:
        is_list, start, at = _rlp_span(data, at, end)
        if is_list:
            raise UnusableInput("the RLP header is not a flat list of byte strings")
        decoded.append(data[start:at])
    if len(decoded) not in LAYOUTS:
        counts = ", ".join(str(count) for count in LAYOUTS)
        raise UnusableInput(f"the RLP header has {len(decoded)} fields; a header has {counts}")
    if rlp.encode(decoded) != data:
        raise UnusableInput("the RLP header is not in canonical encoding")
    fork, fields = LAYOUTS[len(decoded)]
    for (key, length), item in zip(fields, decoded, strict=True):
        if length == QUANTITY and (item[:1] == b"\x00" or len(item) > MAX_QUANTITY_BYTES):
            raise UnusableInput(
                f"the RLP header's {key} is not a canonical integer of at most 256 bits: 0x{item.hex()}"
            )
        if length > 0 and len(item) != length:
            raise UnusableInput(f"the RLP header's {key} is {len(item)} bytes, not {length}")
    return fork, decoded


def header_from_rlp(data: bytes) -> Header:
    """A header from its RLP encoding (15, 16, 17, 20 or 21 fields); the hash is keccak256 of the bytes given."""
    fork, items = _rlp_items(data)
    return _header(fork, items, bytes(data))


def header_to_json(header: Header) -> dict[str, str]:
    """The header's fields as JSON-RPC writes them, with its "hash"."""
    _, items = _rlp_items(header.rlp)
    _, fields = LAYOUTS[len(items)]
    result = {"hash": "0x" + header.hash.hex()}
    for (key, length), item in zip(fields, items, strict=True):
        result[key] = hex(int.from_bytes(item, "big")) if length == QUANTITY else "0x" + item.hex()
    return result
