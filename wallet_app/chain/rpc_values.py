"""Strict parsing of JSON-RPC values: a malformed reply is a clear error, never a wrong number."""

from __future__ import annotations

import re
from typing import Any

from wallet_app.errors import BadRpcReply

_QUANTITY = re.compile(r"^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$")
_DATA = re.compile(r"0x[0-9a-fA-F]*")  # fullmatch, even length checked apart: a repeated group is slow on 1 MB


def quantity(value: Any, what: str) -> int:
    if not isinstance(value, str) or not _QUANTITY.match(value) or len(value) > 66:
        raise BadRpcReply(f"The node sent an invalid {what}: {str(value)[:40]!r}")
    return int(value, 16)


def data(value: Any, what: str, *, size: int | None = None) -> bytes:
    if not isinstance(value, str) or len(value) % 2 or not _DATA.fullmatch(value):
        raise BadRpcReply(f"The node sent invalid {what}: {str(value)[:40]!r}")
    raw = bytes.fromhex(value[2:])
    if size is not None and len(raw) != size:
        raise BadRpcReply(f"The node sent {what} of {len(raw)} bytes, expected {size}")
    return raw


def field(obj: Any, key: str, what: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise BadRpcReply(f"The node's {what} lacks '{key}'")
    return obj[key]


def block_param(block: int | str) -> str:
    return hex(block) if isinstance(block, int) else block


def hexdata(raw: bytes) -> str:
    return "0x" + raw.hex()
