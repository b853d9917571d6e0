"""Decoded ABI values as plain text, and the small typed accessors the decoder uses on them."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from eth_abi.grammar import ABIType, TupleType, parse

from wallet_app.domain.addresses import to_checksum
from wallet_app.policy.abi_strict import type_text
from wallet_app.policy.intent import Arg

MAX_RENDERED = 2000  # characters of one rendered argument; the rest is summarised


@functools.lru_cache(maxsize=8192)
def checksum(address: str) -> str:
    """to_checksum, remembered: the same vault, tokens and counterparties recur in every decoded call."""
    return to_checksum(address)


def render_args(names: Sequence[str], types: Sequence[str], values: Sequence[object]) -> tuple[Arg, ...]:
    return tuple(
        Arg(name or f"arg{i + 1}", t, _clip(render(parse(t), v))) for i, (name, t, v) in enumerate(zip(
            names, types, values, strict=True))
    )


def render(t: ABIType, value: object) -> str:
    """Addresses checksummed, integers in decimal, bytes as 0x hex, strings as given (untrusted: shown as plain
    text), tuples in parentheses and arrays in brackets."""
    if t.arrlist:
        assert isinstance(value, (tuple, list))
        return "[" + ", ".join(render(t.item_type, v) for v in value) + "]"
    if isinstance(t, TupleType):
        assert isinstance(value, (tuple, list))
        return "(" + ", ".join(render(c, v) for c, v in zip(t.components, value, strict=True)) + ")"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str) and type_text(t) == "address":
        return checksum(value)
    return str(value)


def _clip(text: str) -> str:
    if len(text) <= MAX_RENDERED:
        return text
    return text[:MAX_RENDERED] + f"… ({len(text) - MAX_RENDERED} more characters)"


def as_address(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a decoded address")
    return checksum(value)


def as_int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected a decoded integer")
    return value


def as_tuple(value: object) -> tuple[object, ...]:
    if not isinstance(value, (tuple, list)):
        raise TypeError("expected a decoded tuple or array")
    return tuple(value)
