"""Reading values of the policy file strictly: exact types, EIP-55 addresses, decimal amounts, no unknown keys.

A refusal raises `Problem` with a plain reason and the key it is about; the document parser adds the line number.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from eth_hash.auto import keccak

from wallet_app.domain.units import parse_units
from wallet_app.errors import InvalidAmount
from wallet_app.policy.rules.base import Asset, Book

_HEX40 = re.compile(r"0x[0-9a-fA-F]{40}")  # B3/B4: nothing else, no whitespace, no look-alike characters
_HEX32 = re.compile(r"0x[0-9a-fA-F]{64}")


class Problem(Exception):
    """Why a part of the policy file is refused. `key` names the key it is about, for finding its line."""

    def __init__(self, reason: str, *, key: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.key = key


@dataclass(frozen=True, slots=True)
class ParseContext:
    book: Book
    zone: ZoneInfo
    zone_name: str  # how times are labelled in plain words, e.g. "HKT"
    closed: frozenset[date]  # the calendar's closed days
    rule_id: str
    rule_assets: tuple[Asset, ...] | None = None  # the rule's `assets` condition, once read


def check_keys(table: Mapping[str, Any], allowed: Collection[str], where: str, *,
               required: Collection[str] = (), noun: str = "key") -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise Problem(f"unknown {noun} '{key}' in {where}{hint}; known: {', '.join(sorted(allowed))}", key=key)
    for key in required:
        if key not in table:
            raise Problem(f"{where} needs '{key}'")


def expect_table(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Problem(f"{what} must be a table such as {{ key = value }}")
    return value


def expect_str(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Problem(f"{what} must be a non-empty text in quotes")
    return value


def expect_int(value: object, what: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Problem(f"{what} must be a whole number")
    if value < minimum:
        raise Problem(f"{what} must be at least {minimum}")
    return value


def expect_bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise Problem(f"{what} must be true or false")
    return value


def expect_str_list(value: object, what: str, *, allow_single: bool = False) -> tuple[str, ...]:
    if allow_single and isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise Problem(f"{what} must be a non-empty list of texts in quotes, such as [\"a\", \"b\"]")
    items = tuple(expect_str(v, f"each entry of {what}") for v in value)
    if len(set(items)) != len(items):
        raise Problem(f"{what} names an entry twice")
    return items


def parse_address(value: object, what: str, *, key: str | None = None) -> str:
    """An EIP-55 checksummed address, exactly as written: one wrong-case letter, an all-lowercase address, a space or
    a look-alike character is refused (B3, B4)."""
    if not isinstance(value, str) or not _HEX40.fullmatch(value):
        shown = value[:50] if isinstance(value, str) else type(value).__name__
        raise Problem(f"{what} '{shown}' is not an address: expected 0x followed by 40 hex digits and nothing else",
                      key=key)
    if eip55(value) == value:
        return value
    body = value[2:]
    if body not in (body.lower(), body.upper()):
        raise Problem(f"{what} {value} has a bad EIP-55 checksum (a letter in the wrong case): it may be "
                      "mistyped", key=key)
    raise Problem(f"{what} {value} is not written with its EIP-55 checksum (mixed case); all-lowercase or "
                  "all-uppercase addresses are refused in a policy", key=key)


_LETTERS = bytes(0x20 if chr(i) in "abcdef" else 0 for i in range(256))  # the case bit of a hex letter
_HIGH_NIBBLE = bytes(0x20 if chr(i) in "89abcdef" else 0 for i in range(256))  # a digest nibble of 8 or more


def eip55(address: str) -> str:
    """The EIP-55 form of a 0x-and-40-hex address (same result as domain.addresses.to_checksum, which the tests
    check), computed with whole-string operations: a policy may list 100,000 contacts."""
    lower = address[2:].lower().encode("ascii")
    nibbles = keccak(lower).hex()[:40].encode("ascii")
    flips = int.from_bytes(lower.translate(_LETTERS), "big") & int.from_bytes(nibbles.translate(_HIGH_NIBBLE), "big")
    return "0x" + (int.from_bytes(lower, "big") ^ flips).to_bytes(40, "big").decode("ascii")


def parse_code_hash(value: object, what: str) -> bytes:
    if not isinstance(value, str) or not _HEX32.fullmatch(value):
        raise Problem(f"{what} must be 0x followed by 64 hex digits (the keccak-256 of the contract's runtime code)",
                      key="code_hash")
    return bytes.fromhex(value[2:])


def parse_amount(value: object, decimals: int, what: str) -> int:
    """A decimal amount in quotes ("50000.00", "50,000.00") or a whole number, as exact base units; never a float."""
    if isinstance(value, float):
        raise Problem(f"{what} is written as a number with a decimal point, which TOML reads as an inexact float: "
                      f"write it in quotes, e.g. \"{value}\"")
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise Problem(f"{what} must be an amount in quotes such as \"50000.00\"")
    if isinstance(value, int):
        if value < 0:
            raise Problem(f"{what} must not be negative")
        value = str(value)
    try:
        return parse_units(value, decimals)
    except InvalidAmount as exc:
        raise Problem(f"{what}: {exc.user_message}") from None


def parse_hours(value: object, what: str) -> int:
    """Whole hours, returned as seconds."""
    return expect_int(value, what, minimum=0) * 3600
