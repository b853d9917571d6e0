"""The hand-laid Multicall3 and balance call data are byte for byte what eth_abi produces, and hostile replies fail."""

from __future__ import annotations

import random

import pytest
from eth_abi.abi import encode

from wallet_app.chain.client import Call
from wallet_app.chain.multicall import AGGREGATE3_SELECTOR, build_aggregate3, decode_aggregate3
from wallet_app.domain.abi import build_call
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import BadRpcReply
from wallet_app.holdings.calldata import (
    build_address_call,
    build_address_uint_call,
    build_plain_call,
    build_uint_call,
)

ADDRESS = "0xcA11bde05977b3631167028862bE2a173976CA11"


def random_calls(rng: random.Random, count: int) -> list[Call]:
    return [Call(to_checksum("0x" + rng.randbytes(20).hex()), rng.randbytes(rng.choice([0, 4, 36, 68, 100, 131])),
                 rng.random() < 0.7) for _ in range(count)]


@pytest.mark.parametrize("count", [0, 1, 2, 17])
def test_aggregate3_encoding_matches_eth_abi(count: int) -> None:
    calls = random_calls(random.Random(count), count)
    expected = AGGREGATE3_SELECTOR + encode(["(address,bool,bytes)[]"],
                                            [[(c.target, c.allow_failure, c.data) for c in calls]])
    assert build_aggregate3(calls) == expected


@pytest.mark.parametrize("count", [0, 1, 5, 40])
def test_aggregate3_decoding_matches_eth_abi(count: int) -> None:
    rng = random.Random(count)
    items = [(rng.random() < 0.5, rng.randbytes(rng.choice([0, 1, 32, 33, 96]))) for _ in range(count)]
    results = decode_aggregate3(encode(["(bool,bytes)[]"], [items]), count)
    assert [(r.success, r.data) for r in results] == items


def test_malformed_replies_are_refused() -> None:
    good = encode(["(bool,bytes)[]"], [[(True, b"abc")]])
    with pytest.raises(BadRpcReply):
        decode_aggregate3(good, 2)  # wrong count
    for bad in (b"", good[:-40], (2**200).to_bytes(32, "big") + good[32:],
                good[:64] + (10**9).to_bytes(32, "big") + good[96:]):
        with pytest.raises(BadRpcReply):
            decode_aggregate3(bad, 1)
    flag = bytearray(good)
    flag[127] = 2  # success flag that is not a bool
    with pytest.raises(BadRpcReply):
        decode_aggregate3(bytes(flag), 1)


def test_balance_call_data_matches_build_call() -> None:
    assert build_plain_call("decimals()") == build_call("decimals()")
    assert build_address_call("balanceOf(address)", ADDRESS) == build_call("balanceOf(address)", ADDRESS)
    assert build_uint_call("ownerOf(uint256)", 2**255 + 7) == build_call("ownerOf(uint256)", 2**255 + 7)
    assert build_address_uint_call("balanceOf(address,uint256)", ADDRESS, 3) == build_call(
        "balanceOf(address,uint256)", ADDRESS, 3)
