"""Multicall3 batching: many reads in one eth_call, all answered at the same block."""

from __future__ import annotations

from eth_abi.abi import decode, encode

from wallet_app.chain.client import Call, CallResult
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import BadRpcReply

MULTICALL3_ADDRESS = "0xcA11bde05977b3631167028862bE2a173976CA11"
# keccak("aggregate3((address,bool,bytes)[])")[:4]
AGGREGATE3_SELECTOR = bytes.fromhex("82ad56cb")


def build_aggregate3(calls: list[Call]) -> bytes:
    items = [(to_checksum(c.target), c.allow_failure, c.data) for c in calls]
    return AGGREGATE3_SELECTOR + encode(["(address,bool,bytes)[]"], [items])


def decode_aggregate3(raw: bytes, expected: int) -> list[CallResult]:
    try:
        (results,) = decode(["(bool,bytes)[]"], raw)
    except Exception as exc:  # eth_abi raises several unrelated types for bad input
        raise BadRpcReply("The node's Multicall3 reply could not be decoded", detail=str(exc)) from None
    if len(results) != expected:
        raise BadRpcReply(f"Multicall3 answered {len(results)} results for {expected} calls")
    return [CallResult(bool(ok), bytes(data)) for ok, data in results]
