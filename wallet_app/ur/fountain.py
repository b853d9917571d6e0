"""Fountain codes for multi-part URs: split a message into fragments, emit parts that each carry one fragment or
the XOR of several, and rebuild the message from any sufficient set of parts, in any order.

The part format is a five-item CBOR array read and written here by a tiny strict codec of its own. The decoder, with
the limits it applies to untrusted parts, is fountain_decoder.py, which builds on this module.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from wallet_app.ur.errors import URError
from wallet_app.ur.xoshiro import choose_fragments

_UINT32 = 0xFFFFFFFF


def find_nominal_fragment_length(message_len: int, min_fragment_len: int, max_fragment_len: int) -> int:
    """The fragment length of the fewest equal fragments no longer than `max_fragment_len`.

    Fragment counts are tried up to ceil(message_len / min_fragment_len), as the JavaScript reference does: the same
    answer as the C++ one wherever that finds a length, and a message shorter than `min_fragment_len` is one fragment.
    """
    if message_len < 1 or min_fragment_len < 1 or max_fragment_len < min_fragment_len:
        raise URError("fragment lengths need a non-empty message and 1 <= min_fragment_len <= max_fragment_len")
    fragment_len = message_len
    for fragment_count in range(1, -(-message_len // min_fragment_len) + 1):
        fragment_len = -(-message_len // fragment_count)
        if fragment_len <= max_fragment_len:
            break
    return fragment_len


def partition_message(message: bytes, fragment_len: int) -> list[bytes]:
    """`message` cut into `fragment_len` pieces, the last padded with zero bytes."""
    padded = bytes(message) + bytes(-len(message) % fragment_len)
    return [padded[i : i + fragment_len] for i in range(0, len(padded), fragment_len)]


def join_fragments(fragments: list[bytes], message_len: int) -> bytes:
    return b"".join(fragments)[:message_len]


def xor_bytes(a: bytes, b: bytes) -> bytes:
    """Byte-wise XOR of two equal-length strings, through Python's big integers rather than a per-byte loop."""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


@dataclass(frozen=True, slots=True)
class Part:
    """One fountain part: which message (seq_len, message_len, checksum), which mix (seq_num) and its bytes."""

    seq_num: int
    seq_len: int
    message_len: int
    checksum: int
    data: bytes

    def __post_init__(self) -> None:
        for name in ("seq_num", "seq_len", "message_len", "checksum"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value <= _UINT32:
                raise URError(f"the part's {name} {value!r} is not a 32-bit unsigned integer")
        if not isinstance(self.data, bytes):
            raise URError("the part's data is not bytes")

    def to_cbor(self) -> bytes:
        """The CBOR array [seq_num, seq_len, message_len, checksum, data], every head minimal."""
        numbers = (self.seq_num, self.seq_len, self.message_len, self.checksum)
        return b"".join([_head(4, 5), *(_head(0, n) for n in numbers), _head(2, len(self.data)), self.data])

    @classmethod
    def from_cbor(cls, cbor: bytes) -> Part:
        """Read exactly that array: definite lengths, no trailing bytes; non-minimal integer heads are tolerated."""
        major, count, pos = _read_head(cbor, 0)
        if major != 4 or count != 5:
            raise URError("the part is not the five-item CBOR array a multi-part UR carries")
        numbers = []
        for _ in range(4):
            major, value, pos = _read_head(cbor, pos)
            if major != 0:
                raise URError("the part's header holds something other than unsigned integers")
            numbers.append(value)
        major, length, pos = _read_head(cbor, pos)
        if major != 2:
            raise URError("the part's data is not a CBOR byte string")
        if length != len(cbor) - pos:
            raise URError("the part's data length does not match its bytes: the part is cut or has extra bytes")
        seq_num, seq_len, message_len, checksum = numbers
        return cls(seq_num, seq_len, message_len, checksum, bytes(cbor[pos:]))


def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise URError(f"{value} does not fit a CBOR head")


def _read_head(cbor: bytes, pos: int) -> tuple[int, int, int]:
    """(major type, argument, next position) of the CBOR head at `pos`; indefinite lengths are refused."""
    if pos >= len(cbor):
        raise URError("the part's CBOR ends early: the part is cut")
    initial = cbor[pos]
    info = initial & 31
    if info < 24:
        return initial >> 5, info, pos + 1
    if info > 27:
        raise URError("the part's CBOR uses an indefinite or reserved length, which a UR part never has")
    end = pos + 1 + (1 << (info - 24))
    if end > len(cbor):
        raise URError("the part's CBOR ends early: the part is cut")
    return initial >> 5, int.from_bytes(cbor[pos + 1 : end], "big"), end


class FountainEncoder:
    """Parts 1..seq_len carry one fragment each; every later part XORs a pseudo-random set of fragments."""

    def __init__(self, message: bytes, max_fragment_len: int, first_seq_num: int = 0, min_fragment_len: int = 10):
        if not isinstance(message, bytes | bytearray) or not 0 < len(message) <= _UINT32:
            raise URError("a fountain-coded message is 1 to 4,294,967,295 bytes")
        if not 0 <= first_seq_num <= _UINT32:
            raise URError("the first sequence number is a 32-bit unsigned integer")
        self.message_len = len(message)
        self.checksum = zlib.crc32(message)
        self.fragment_len = find_nominal_fragment_length(self.message_len, min_fragment_len, max_fragment_len)
        self._fragments = partition_message(bytes(message), self.fragment_len)
        self._values: list[int] | None = None
        self.seq_num = first_seq_num

    @property
    def seq_len(self) -> int:
        return len(self._fragments)

    @property
    def is_complete(self) -> bool:
        """True once every fragment has gone out alone at least once (when started at sequence number 0)."""
        return self.seq_num >= self.seq_len

    def next_part(self) -> Part:
        """The next part; the sequence number wraps after 2**32 - 1 to 1, never to 0, which no decoder accepts."""
        self.seq_num = self.seq_num % _UINT32 + 1
        indexes = choose_fragments(self.seq_num, self.seq_len, self.checksum)
        if len(indexes) == 1:
            data = self._fragments[indexes[0]]
        else:
            if self._values is None:
                self._values = [int.from_bytes(f, "big") for f in self._fragments]
            mixed = 0
            for index in indexes:
                mixed ^= self._values[index]
            data = mixed.to_bytes(self.fragment_len, "big")
        return Part(self.seq_num, self.seq_len, self.message_len, self.checksum, data)

