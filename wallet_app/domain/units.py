"""Exact conversion between integer base units and decimal text. Money never passes through float."""

from __future__ import annotations

import re

from wallet_app.errors import InvalidAmount

_DECIMAL = re.compile(r"^(?P<int>\d+)(?:\.(?P<frac>\d+))?$")
MAX_UINT256 = 2**256 - 1


def format_units(value: int, decimals: int, *, group: bool = True) -> str:
    """Render base units as an exact decimal string, trailing zeros of the fraction dropped."""
    if decimals < 0:
        raise ValueError("decimals must not be negative")
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**decimals)
    whole_text = f"{whole:,}" if group else str(whole)
    frac_text = str(frac).rjust(decimals, "0").rstrip("0") if decimals else ""
    return f"{sign}{whole_text}.{frac_text}" if frac_text else f"{sign}{whole_text}"


def parse_units(text: str, decimals: int) -> int:
    """Parse a non-negative decimal amount into base units; refuse anything inexact or out of range."""
    cleaned = text.strip().replace("_", "").replace(",", "")
    match = _DECIMAL.match(cleaned)
    if match is None:
        raise InvalidAmount(f"'{text.strip()[:40]}' is not a plain decimal amount such as 1250.50")
    frac = match.group("frac") or ""
    if len(frac) > decimals:
        raise InvalidAmount(f"this asset has {decimals} decimals; '{cleaned[:40]}' has more")
    value: int = int(match.group("int")) * 10**decimals + int(frac.ljust(decimals, "0") or "0")
    if value > MAX_UINT256:
        raise InvalidAmount("the amount is larger than any token can hold")
    return value
