"""Function selectors and call data, built by our own code from signatures."""

from __future__ import annotations

from eth_abi.abi import encode
from eth_hash.auto import keccak


def selector(signature: str) -> bytes:
    return keccak(signature.encode("ascii"))[:4]


def build_call(signature: str, *args: object) -> bytes:
    """Call data for `signature` (e.g. 'balanceOf(address)') with `args` encoded by its parameter types."""
    params = signature[signature.index("(") + 1 : -1]
    types = _split_types(params)
    return selector(signature) + (encode(types, list(args)) if types else b"")


def _split_types(params: str) -> list[str]:
    types: list[str] = []
    depth = 0
    current = ""
    for char in params:
        if char == "," and depth == 0:
            types.append(current)
            current = ""
            continue
        depth += char == "("
        depth -= char == ")"
        current += char
    if current:
        types.append(current)
    return types
