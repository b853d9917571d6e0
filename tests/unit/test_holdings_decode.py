"""Hostile token answers: decoded to None or bounded text, never a crash or a wrong number."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode

from wallet_app.chain.client import CallResult
from wallet_app.holdings.decode import (
    MAX_TEXT,
    decode_address,
    decode_bool,
    decode_decimals,
    decode_text,
    decode_uint,
)


def ok(data: bytes) -> CallResult:
    return CallResult(True, data)


def test_E6_string_and_bytes32_symbols_decode() -> None:
    assert decode_text(ok(encode(["string"], ["HKDH"]))) == "HKDH"
    assert decode_text(ok(b"MKR".ljust(32, b"\0"))) == "MKR"  # bytes32 symbol, as old tokens answer


@pytest.mark.parametrize("result", [
    None,
    CallResult(False, b""),  # reverted
    CallResult(False, encode(["string"], ["revert reason"])),
    ok(b""),  # no code at the address
    ok(b"\x01\x02\x03"),  # short garbage
    ok((2**255).to_bytes(32, "big") + b"\0" * 32),  # string offset far out of range
    ok((32).to_bytes(32, "big") + (10**9).to_bytes(32, "big")),  # claims a 1 GB string
])
def test_garbage_text_is_unknown(result: CallResult | None) -> None:
    assert decode_text(result) is None


def test_E5_text_is_bounded_and_kept_as_data() -> None:
    long_name = "A" * 10_000
    assert len(decode_text(ok(encode(["string"], [long_name]))) or "") == MAX_TEXT
    hostile = "<script>alert(1)</script>\u202e\x1b[31m{0.__class__}"
    assert decode_text(ok(encode(["string"], [hostile]))) == hostile  # never interpreted, only carried
    assert decode_text(ok(b"\xff\xfe".ljust(32, b"\0"))) == "\ufffd\ufffd"  # invalid UTF-8 is replaced


@pytest.mark.parametrize(("answer", "expected"), [
    (ok((6).to_bytes(32, "big")), 6),
    (ok((0).to_bytes(32, "big")), 0),
    (ok((77).to_bytes(32, "big")), 77),
    (ok((78).to_bytes(32, "big")), None),  # absurd: treated as unknown
    (ok((2**256 - 1).to_bytes(32, "big")), None),
    (CallResult(False, b""), None),  # reverting decimals()
    (ok(b"\x06"), None),
])
def test_E6_decimals(answer: CallResult, expected: int | None) -> None:
    assert decode_decimals(answer) == expected


def test_uint_bool_address() -> None:
    assert decode_uint(ok((5).to_bytes(32, "big") + b"extra")) == 5
    assert decode_uint(CallResult(False, (5).to_bytes(32, "big"))) is None
    assert decode_bool(ok((1).to_bytes(32, "big"))) is True
    assert decode_bool(ok((0).to_bytes(32, "big"))) is False
    assert decode_bool(ok((2).to_bytes(32, "big"))) is None  # not a bool
    address = bytes.fromhex("cA11bde05977b3631167028862bE2a173976CA11")
    assert decode_address(ok(address.rjust(32, b"\0"))) == "0xcA11bde05977b3631167028862bE2a173976CA11"
    assert decode_address(ok(b"\x01" + address.rjust(31, b"\0"))) is None  # dirty upper bytes
    assert decode_address(ok(b"\0" * 32)) is None
