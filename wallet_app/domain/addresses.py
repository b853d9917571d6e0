"""Ethereum addresses: strict parsing and EIP-55 checksums, in pure code."""

from __future__ import annotations

import re

from eth_hash.auto import keccak

from wallet_app.errors import InvalidAddress

_HEX40 = re.compile(r"^0x[0-9a-fA-F]{40}$")


def to_checksum(address: str) -> str:
    """EIP-55 form of a 0x-prefixed 20-byte hex address. Mixed case must already be a valid checksum."""
    text = address.strip()
    if not _HEX40.match(text):
        raise InvalidAddress(f"'{text[:50]}' is not an address: expected 0x followed by 40 hex digits")
    body = text[2:]
    checksummed = _eip55(body.lower())
    mixed = body != body.lower() and body != body.upper()
    if mixed and checksummed[2:] != body:
        raise InvalidAddress(
            f"'{text}' has a wrong checksum (mixed case that does not match EIP-55): it may be mistyped"
        )
    return checksummed


def _eip55(lower_hex: str) -> str:
    digest = keccak(lower_hex.encode("ascii")).hex()
    return "0x" + "".join(c.upper() if int(digest[i], 16) >= 8 else c for i, c in enumerate(lower_hex))


def address_bytes(address: str) -> bytes:
    return bytes.fromhex(to_checksum(address)[2:])


def from_bytes(raw: bytes) -> str:
    if len(raw) != 20:
        raise InvalidAddress("an address is 20 bytes")
    return _eip55(raw.hex())


def lookalike_key(address: str) -> str:
    """First 4 and last 4 hex digits after 0x, lower case. SECURITY B1 names 6 + 6; 4 + 4 catches every 6 + 6
    lookalike and the cheaper ones too (an attacker grinds fewer digits). Two different addresses with one key are
    lookalikes of each other."""
    body = address[2:].lower()
    return body[:4] + body[-4:]
