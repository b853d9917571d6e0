"""A small, strict CBOR codec (RFC 8949) for what arrives through QR codes.

Only the subset BC-UR registry items use: unsigned and negative integers up to 64 bits, byte and text strings, arrays,
maps with integer or text keys, tags, and the simple values false, true and null. Encoding is the core deterministic
encoding of RFC 8949 section 4.2.1 (shortest arguments, definite lengths, map keys sorted by their encoded bytes), so
the same item always gives the same bytes. Decoding refuses anything outside that subset (indefinite lengths, floats,
undefined and other simple values, duplicate keys, trailing bytes) and checks every length against the bytes that are
left before it allocates, so hostile input costs at most its own size. Every refusal is a one-line `URError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from wallet_app.ur.errors import URError

_UINT64 = 1 << 64
_MAJOR_UINT, _MAJOR_NEGINT, _MAJOR_BYTES, _MAJOR_TEXT, _MAJOR_ARRAY, _MAJOR_MAP, _MAJOR_TAG, _MAJOR_SIMPLE = range(8)
_SIMPLE_VALUES = {20: False, 21: True, 22: None}
_MAX_DEPTH_LIMIT = 256  # a bound on the caller's own setting: the decoder recurses once per level


@dataclass(frozen=True)
class Tagged:
    """A CBOR tag (major type 6) around one item, e.g. Tagged(304, {...}) for a crypto-keypath."""

    tag: int
    value: object


def dumps(obj: object) -> bytes:
    """Deterministic CBOR of `obj` (int, bytes, str, list/tuple, dict with int or str keys, Tagged, bool, None)."""
    out = bytearray()
    _encode(obj, out)
    return bytes(out)


def _head(major: int, value: int, out: bytearray) -> None:
    if value < 24:
        out.append(major << 5 | value)
    elif value < 1 << 8:
        out.append(major << 5 | 24)
        out.append(value)
    elif value < 1 << 16:
        out.append(major << 5 | 25)
        out += value.to_bytes(2, "big")
    elif value < 1 << 32:
        out.append(major << 5 | 26)
        out += value.to_bytes(4, "big")
    else:
        out.append(major << 5 | 27)
        out += value.to_bytes(8, "big")


def _encode(obj: object, out: bytearray) -> None:
    if obj is None or isinstance(obj, bool):
        out.append(0xF6 if obj is None else (0xF5 if obj else 0xF4))
    elif isinstance(obj, int):
        if not -_UINT64 <= obj < _UINT64:
            raise URError(f"CBOR cannot encode the integer {obj}: it does not fit in 64 bits")
        if obj >= 0:
            _head(_MAJOR_UINT, obj, out)
        else:
            _head(_MAJOR_NEGINT, -1 - obj, out)
    elif isinstance(obj, bytes):
        _head(_MAJOR_BYTES, len(obj), out)
        out += obj
    elif isinstance(obj, str):
        try:
            raw = obj.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise URError("CBOR cannot encode text that is not valid Unicode (a lone surrogate)") from exc
        _head(_MAJOR_TEXT, len(raw), out)
        out += raw
    elif isinstance(obj, list | tuple):
        _head(_MAJOR_ARRAY, len(obj), out)
        for element in obj:
            _encode(element, out)
    elif isinstance(obj, dict):
        _encode_map(obj, out)
    elif isinstance(obj, Tagged):
        if isinstance(obj.tag, bool) or not isinstance(obj.tag, int) or not 0 <= obj.tag < _UINT64:
            raise URError(f"CBOR cannot encode the tag {obj.tag!r}: a tag is an unsigned 64-bit integer")
        _head(_MAJOR_TAG, obj.tag, out)
        _encode(obj.value, out)
    else:
        raise URError(f"CBOR cannot encode a value of type {type(obj).__name__}")


def _encode_map(obj: dict[object, object], out: bytearray) -> None:
    entries: list[tuple[bytes, object]] = []
    for key, value in obj.items():
        if isinstance(key, bool) or not isinstance(key, int | str):
            raise URError(f"CBOR map keys must be integers or text, not {type(key).__name__}")
        entries.append((dumps(key), value))
    entries.sort(key=lambda entry: entry[0])  # RFC 8949 4.2.1: bytewise lexicographic order of the encoded keys
    _head(_MAJOR_MAP, len(entries), out)
    for encoded_key, value in entries:
        out += encoded_key
        _encode(value, out)


def loads(data: bytes, *, max_depth: int = 16, max_items: int = 100_000) -> object:
    """The one CBOR item in `data`, decoded strictly; URError for anything malformed, unsupported or too large."""
    if not 0 <= max_depth <= _MAX_DEPTH_LIMIT or max_items < 1:
        raise ValueError(f"loads needs 0 <= max_depth <= {_MAX_DEPTH_LIMIT} and max_items >= 1")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise URError(f"CBOR input must be bytes, not {type(data).__name__}")
    decoder = _Decoder(bytes(data), max_depth, max_items)
    if not decoder.data:
        raise URError("CBOR input is empty")
    item = decoder.item(0)
    if decoder.pos != len(decoder.data):
        extra = len(decoder.data) - decoder.pos
        raise URError(f"CBOR has {extra} trailing bytes after the item, at byte {decoder.pos}")
    return item


class _Decoder:
    def __init__(self, data: bytes, max_depth: int, max_items: int) -> None:
        self.data = data
        self.pos = 0
        self.max_depth = max_depth
        self.items_left = max_items

    def _take(self, count: int, what: str) -> bytes:
        if count > len(self.data) - self.pos:
            raise URError(
                f"CBOR {what} at byte {self.pos} needs {count} bytes but only {len(self.data) - self.pos} are left"
            )
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def _count(self, needed: int, start: int) -> None:
        self.items_left -= needed
        if self.items_left < 0:
            raise URError(f"CBOR has too many items (limit reached at byte {start})")

    def item(self, depth: int) -> object:
        start = self.pos
        self._count(1, start)
        initial = self._take(1, "item")[0]
        major, info = initial >> 5, initial & 0x1F
        if major == _MAJOR_SIMPLE:
            return self._simple(info, start)
        if info == 31:
            raise URError(f"CBOR indefinite-length or break item at byte {start} is not allowed")
        if info > 27:
            raise URError(f"CBOR item at byte {start} uses a reserved length code ({info})")
        value = info if info < 24 else int.from_bytes(self._take(1 << (info - 24), "argument"), "big")
        if major == _MAJOR_UINT:
            return value
        if major == _MAJOR_NEGINT:
            return -1 - value
        if major in (_MAJOR_BYTES, _MAJOR_TEXT):
            return self._string(major, value, start)
        if depth >= self.max_depth:
            raise URError(f"CBOR nesting deeper than {self.max_depth} levels at byte {start}")
        if major == _MAJOR_ARRAY:
            self._check_room(value, 1, start)
            return [self.item(depth + 1) for _ in range(value)]
        if major == _MAJOR_MAP:
            self._check_room(value, 2, start)
            return self._map(value, depth, start)
        return Tagged(value, self.item(depth + 1))

    def _simple(self, info: int, start: int) -> object:
        if info in _SIMPLE_VALUES:
            return _SIMPLE_VALUES[info]
        if info in (25, 26, 27):
            raise URError(f"CBOR floating-point number at byte {start} is not allowed")
        if info == 23:
            raise URError(f"CBOR 'undefined' at byte {start} is not allowed")
        if info == 31:
            raise URError(f"CBOR indefinite-length or break item at byte {start} is not allowed")
        raise URError(f"CBOR simple value at byte {start} is not allowed (only false, true and null are)")

    def _check_room(self, count: int, per_entry: int, start: int) -> None:
        """Every item takes at least one byte: a count larger than the bytes left is a lie, refused before use."""
        if count * per_entry > len(self.data) - self.pos:
            raise URError(
                f"CBOR container at byte {start} claims {count} entries but only {len(self.data) - self.pos} "
                "bytes are left"
            )

    def _string(self, major: int, length: int, start: int) -> bytes | str:
        raw = self._take(length, "byte string" if major == _MAJOR_BYTES else "text string")
        if major == _MAJOR_BYTES:
            return raw
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise URError(f"CBOR text string at byte {start} is not valid UTF-8") from exc

    def _map(self, count: int, depth: int, start: int) -> dict[int | str, object]:
        result: dict[int | str, object] = {}
        for _ in range(count):
            key_at = self.pos
            key = self.item(depth + 1)
            if isinstance(key, bool) or not isinstance(key, int | str):
                raise URError(f"CBOR map key at byte {key_at} must be an integer or text")
            if key in result:
                raise URError(f"CBOR map at byte {start} has the key {key!r:.40} twice")
            result[key] = self.item(depth + 1)
        return result
