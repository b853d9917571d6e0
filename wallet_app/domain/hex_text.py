"""Hashes and other byte strings written for people: in full, in groups of four hex digits for reading aloud and
comparing out of band, or shortened for a table cell. The command line and the desktop both write them this way."""

from __future__ import annotations


def hex_text(value: bytes | str | None) -> str:
    """'0x' and lowercase hex digits, from bytes or from a hex string (with or without 0x); '' for None."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return "0x" + str(value).strip().removeprefix("0x").removeprefix("0X").lower()


def chunk_hex(value: bytes | str | None, *, group: int = 4, per_line: int = 0) -> str:
    """'0x 1a2b 3c4d …': the digits in groups of `group`, `per_line` groups a line (0: one line)."""
    digits = hex_text(value)[2:]
    if not digits:
        return ""
    groups = [digits[i:i + group] for i in range(0, len(digits), group)]
    if per_line <= 0 or len(groups) <= per_line:
        return "0x " + " ".join(groups)
    lines = [" ".join(groups[i:i + per_line]) for i in range(0, len(groups), per_line)]
    return "0x " + "\n   ".join(lines)


def short_hex(value: bytes | str | None, *, head: int = 6, tail: int = 4) -> str:
    """'0x1a2b3c…9f0e' for tables; the whole value goes in the tooltip."""
    text = hex_text(value)
    digits = text[2:]
    if len(digits) <= head + tail + 1:
        return text
    return f"0x{digits[:head]}…{digits[-tail:]}"
