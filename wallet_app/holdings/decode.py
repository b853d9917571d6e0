"""Decoding what tokens answer. Every answer is hostile until proven otherwise: bad answers become None, not crashes.

Token names and symbols are data: they are decoded as text and kept as text, never interpreted, evaluated or used
to look anything up. Only their length is bounded, so a token cannot flood a table.
"""

from __future__ import annotations

from eth_abi.abi import decode

from wallet_app.chain.client import CallResult
from wallet_app.domain.addresses import from_bytes

MAX_DECIMALS = 77  # 10**78 does not fit in a uint256: a token claiming more decimals is not telling the truth
MAX_TEXT = 128  # characters of a token name or symbol kept for display
UINT256_MAX = 2**256 - 1


def decode_uint(result: CallResult | None) -> int | None:
    """A uint256 answer, or None when the call failed or answered something else."""
    if result is None or not result.success or len(result.data) < 32:
        return None
    return int.from_bytes(result.data[:32], "big")


def decode_int(result: CallResult | None, index: int = 0) -> int | None:
    """The int256 word at `index` of an answer (two's complement), or None."""
    if result is None or not result.success or len(result.data) < 32 * (index + 1):
        return None
    return int.from_bytes(result.data[32 * index : 32 * (index + 1)], "big", signed=True)


def decode_word(result: CallResult | None, index: int) -> int | None:
    """The unsigned word at `index` of a multi-value answer, or None."""
    if result is None or not result.success or len(result.data) < 32 * (index + 1):
        return None
    return int.from_bytes(result.data[32 * index : 32 * (index + 1)], "big")


def decode_bool(result: CallResult | None) -> bool | None:
    """A strict bool: the word must be 0 or 1."""
    value = decode_uint(result)
    if value is None or value > 1:
        return None
    return value == 1


def decode_address(result: CallResult | None) -> str | None:
    """An address answer (upper 12 bytes must be zero), or None; the zero address counts as no address."""
    value = decode_uint(result)
    if value is None or value >> 160:
        return None
    if value == 0:
        return None
    return from_bytes(value.to_bytes(20, "big"))


def decode_decimals(result: CallResult | None) -> int | None:
    """`decimals()`: None when it reverts, answers garbage or claims more than 77 decimals (unknown, not huge)."""
    value = decode_uint(result)
    if value is None or value > MAX_DECIMALS:
        return None
    return value


def decode_text(result: CallResult | None) -> str | None:
    """`name()`/`symbol()`: an ABI string, or the bytes32 that old tokens (MKR, SAI) answer; None otherwise."""
    if result is None or not result.success or not result.data:
        return None
    data = result.data
    if len(data) >= 64:
        try:
            (text,) = decode(["string"], data)
        except Exception:  # eth_abi raises several unrelated types for bad input
            text = None
        if isinstance(text, str):
            return bound_text(text)
    if len(data) == 32:
        return bound_text(data.rstrip(b"\0").decode("utf-8", errors="replace"))
    return None


def bound_text(text: str) -> str:
    """Text from a token, cut to MAX_TEXT characters and stripped of NULs (which terminals and databases mangle)."""
    cleaned = text.replace("\0", "")
    return cleaned if len(cleaned) <= MAX_TEXT else cleaned[: MAX_TEXT - 1] + "…"
