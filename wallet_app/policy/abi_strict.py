"""Strict ABI decoding: only the one canonical encoding of the arguments is accepted.

Before eth_abi sees the bytes, a walk over the types checks the layout: every offset points exactly where a standard
encoder puts that value's data (so no overlapping or shared tails, which also bounds the work on hostile input),
lengths stay inside the calldata, nothing trails the arguments, and every static word is clean (address and uintN
high bits zero, bool 0 or 1, intN properly sign-extended, bytesN padding zero). eth_abi then decodes in strict mode and
the values are re-encoded and compared with the input, a second, independent check.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from eth_abi.abi import decode, encode
from eth_abi.grammar import ABIType, BasicType, TupleType, parse

WORD = 32


class NonCanonical(ValueError):
    """The arguments are not the canonical encoding of their types; the message is plain words for a person."""


def decode_strict(types: Sequence[str], data: bytes) -> tuple[object, ...]:
    """Values of `types` encoded in `data` (the call data after the selector), or NonCanonical."""
    try:
        parsed = [_parsed(t) for t in types]
    except Exception:  # eth_abi's grammar raises several types; user ABIs are validated before they get here
        raise NonCanonical("the function's types are not supported by the strict decoder") from None
    _Layout(data).check_arguments(parsed)
    try:
        values = tuple(decode(list(types), data, strict=True))
    except Exception as exc:  # eth_abi raises several unrelated types; the layout walk should already have refused
        raise NonCanonical(f"the arguments do not decode ({type(exc).__name__})") from None
    if encode(list(types), values) != data:
        raise NonCanonical("the arguments are not in canonical encoding")
    return values


@functools.lru_cache(maxsize=1024)
def _parsed(type_string: str) -> ABIType:
    parsed: ABIType = parse(type_string)
    return parsed


def type_text(t: ABIType) -> str:
    """The canonical type string of a parsed type (eth_abi's method is untyped)."""
    return str(t.to_type_str())  # type: ignore[no-untyped-call]


def _static_size(t: ABIType) -> int:
    if t.arrlist:
        return int(t.arrlist[-1][0]) * _static_size(t.item_type)
    if isinstance(t, TupleType):
        return sum(_static_size(c) for c in t.components)
    return WORD


def _head_size(t: ABIType) -> int:
    return WORD if t.is_dynamic else _static_size(t)


class _Layout:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._where = ""

    def check_arguments(self, types: list[ABIType]) -> None:
        end = self._tuple(types, 0, top_level=True)
        if end < len(self._data):
            raise NonCanonical(f"trailing bytes after the arguments ({len(self._data) - end} bytes)")

    def _fail(self, reason: str) -> NonCanonical:
        return NonCanonical(f"{reason}{self._where}")

    def _need(self, end: int) -> None:
        if end > len(self._data):
            raise self._fail("calldata shorter than its arguments")

    def _word(self, at: int) -> int:
        self._need(at + WORD)
        return int.from_bytes(self._data[at : at + WORD], "big")

    def _tuple(self, types: Sequence[ABIType], start: int, *, top_level: bool = False) -> int:
        """Check a tuple's encoding at `start`; return where its last tail ends."""
        head_end = start + sum(_head_size(t) for t in types)
        self._need(head_end)
        pos, tail = start, head_end
        for index, t in enumerate(types):
            if top_level:
                self._where = f" (argument {index + 1}, {type_text(t)})"
            if t.is_dynamic:
                offset = self._word(pos)
                if start + offset != tail:
                    if start + offset >= len(self._data):
                        raise self._fail("an offset points past the end of the calldata")
                    raise self._fail("an offset does not point where a canonical encoding puts the data")
                tail = self._dynamic(t, tail)
            else:
                self._static(t, pos)
            pos += _head_size(t)
        return tail

    def _dynamic(self, t: ABIType, at: int) -> int:
        if t.arrlist:
            item = t.item_type
            dims = t.arrlist[-1]
            if dims:
                return self._tuple([item] * int(dims[0]), at)
            count = self._word(at)
            if count * _head_size(item) > len(self._data) - at - WORD:
                raise self._fail("an array length is larger than the calldata")
            return self._tuple([item] * count, at + WORD)
        if isinstance(t, TupleType):
            return self._tuple(t.components, at)
        length = self._word(at)
        padded = -(-length // WORD) * WORD
        if length > len(self._data):
            raise self._fail("a length points past the end of the calldata")
        self._need(at + WORD + padded)
        body = self._data[at + WORD : at + WORD + length]
        if any(self._data[at + WORD + length : at + WORD + padded]):
            raise self._fail("non-zero padding after a bytes or string value")
        if isinstance(t, BasicType) and t.base == "string":
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                raise self._fail("a string is not valid UTF-8") from None
        return at + WORD + padded

    def _static(self, t: ABIType, at: int) -> None:
        if t.arrlist:
            size = _static_size(t.item_type)
            for i in range(int(t.arrlist[-1][0])):
                self._static(t.item_type, at + i * size)
            return
        if isinstance(t, TupleType):
            for c in t.components:
                self._static(c, at)
                at += _static_size(c)
            return
        assert isinstance(t, BasicType)
        self._need(at + WORD)
        word = self._data[at : at + WORD]
        value = int.from_bytes(word, "big")
        if t.base == "address" and value >> 160:
            raise self._fail("an address word has non-zero high bits")
        if t.base == "bool" and value > 1:
            raise self._fail(f"a bool is {value}, neither 0 nor 1")
        if t.base == "uint" and value >> int(t.sub or 256):
            raise self._fail(f"a uint{t.sub} value does not fit in {t.sub} bits")
        if t.base == "int":
            bits = int(t.sub or 256)
            signed = value - (1 << 256) if value >> 255 else value
            if not -(1 << (bits - 1)) <= signed < 1 << (bits - 1):
                raise self._fail(f"an int{bits} value is not properly sign-extended")
        if t.base == "bytes" and t.sub is not None and any(word[int(t.sub) :]):
            raise self._fail(f"a bytes{t.sub} value has non-zero padding")
        if t.base not in ("address", "bool", "uint", "int", "bytes"):
            raise self._fail(f"type {type_text(t)} is not supported by the strict decoder")
