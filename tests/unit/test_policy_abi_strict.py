"""Strict decoding: the canonical encoding is accepted, every other one is refused in plain words, and the decoder
turns a refusal into an unknown call with a problem, never a guess. Also: the decoder never raises on calldata."""

from __future__ import annotations

import random
import time

import pytest
from eth_abi.abi import decode, encode

from wallet_app.domain.abi import build_call, selector
from wallet_app.holdings.model import Standard
from wallet_app.policy.abi_strict import NonCanonical, decode_strict
from wallet_app.policy.decoder import decode_safe_tx
from wallet_app.policy.describe import describe_intent
from wallet_app.policy.intent import Kind
from wallet_app.policy.multisend import PackedCall, build_batch_data, build_multisend_call
from wallet_app.policy.user_abis import parse_user_abi

SAFE = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
MULTI = "0x3Aa5ebB10DC797CAC828524e59A333d0A371443c"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
WORD = 32


def problem_of(to: str, data: bytes, operation: int = 0) -> str:
    intent = decode_safe_tx(to, 0, data, operation, safe_address=SAFE, known_multisend={MULTI},
                            standard_of=lambda _a: Standard.ERC20)
    assert intent.kind is Kind.UNKNOWN_CALL and intent.function is None, intent
    assert len(intent.problems) == 1
    return intent.problems[0]


@pytest.mark.parametrize(("types", "values"), [
    (["address", "uint256"], [BOB, 2**256 - 1]),
    (["bool", "int8", "int256", "bytes4", "uint48"], [True, -128, -(2**255), b"\x01\x02\x03\x04", 2**48 - 1]),
    (["bytes", "string"], [b"", "h\u00e9llo <b>"]),
    (["(uint256,bytes)[]", "string[2]"], [[(1, b"a" * 33), (2, b"")], ["x", ""]]),
    (["(address,(bool,bytes[])[])", "uint256[3][]"], [(BOB, [(True, [b"1", b""]), (False, [])]), [[1, 2, 3]]]),
    (["((address,uint160,uint48,uint48)[],address,uint256)"], [([(BOB, 1, 2, 3)], BOB, 4)]),
])
def test_canonical_encodings_decode_like_eth_abi(types: list[str], values: list[object]) -> None:
    data = encode(types, values)
    assert decode_strict(types, data) == decode(types, data)


def test_truncated_arguments() -> None:
    data = build_call("transfer(address,uint256)", BOB, 5)[:-1]
    assert "calldata shorter than its arguments" in problem_of(TOKEN, data)


def test_trailing_bytes_after_the_arguments() -> None:
    data = build_call("transfer(address,uint256)", BOB, 5) + b"\x00"
    assert problem_of(TOKEN, data).endswith("trailing bytes after the arguments (1 bytes)")


def test_dirty_high_bits_in_an_address_word() -> None:
    data = bytearray(build_call("transfer(address,uint256)", BOB, 5))
    data[4] = 0x01  # the first of the twelve padding bytes of the address word
    problem = problem_of(TOKEN, bytes(data))
    assert "an address word has non-zero high bits (argument 1, address)" in problem


def test_bool_that_is_neither_0_nor_1() -> None:
    data = bytearray(build_call("setApprovalForAll(address,bool)", BOB, True))
    data[-1] = 2
    assert "a bool is 2, neither 0 nor 1 (argument 2, bool)" in problem_of(TOKEN, bytes(data))


def test_uint160_overflow_in_permit2_approve() -> None:
    data = selector("approve(address,address,uint160,uint48)") + encode(
        ["address", "address", "uint256", "uint48"], [TOKEN, BOB, 2**160, 0])
    assert "does not fit in 160 bits" in problem_of(TOKEN, data)


def test_huge_dynamic_offset() -> None:
    data = selector("multiSend(bytes)") + (2**255).to_bytes(WORD, "big") + (0).to_bytes(WORD, "big")
    assert "an offset points past the end of the calldata" in problem_of(MULTI, data, operation=1)


def test_non_canonical_offset() -> None:
    good = encode(["bytes"], [b"\x01"])
    # Offset 0x40 instead of 0x20, with a gap word: decodes with a lax decoder, but is not canonical.
    shifted = (0x40).to_bytes(WORD, "big") + b"\0" * WORD + good[WORD:]
    assert decode(["bytes"], shifted) == (b"\x01",)
    with pytest.raises(NonCanonical, match="does not point where a canonical encoding"):
        decode_strict(["bytes"], shifted)


def test_huge_length() -> None:
    data = (WORD).to_bytes(WORD, "big") + (2**200).to_bytes(WORD, "big")
    with pytest.raises(NonCanonical, match="length points past the end"):
        decode_strict(["bytes"], data)


def test_huge_array_length_is_refused_without_work() -> None:
    data = build_call("safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)", SAFE, BOB, [1], [1], b"")
    head = bytearray(data)
    offset = int.from_bytes(head[4 + 2 * WORD: 4 + 3 * WORD], "big")
    head[4 + offset: 4 + offset + WORD] = (2**64).to_bytes(WORD, "big")
    assert "an array length is larger than the calldata" in problem_of(TOKEN, bytes(head))


def test_non_zero_padding_after_bytes() -> None:
    data = bytearray(encode(["bytes"], [b"\x01"]))
    data[-1] = 0xFF
    with pytest.raises(NonCanonical, match="non-zero padding after a bytes"):
        decode_strict(["bytes"], bytes(data))


def test_bytes_n_and_int_n_padding() -> None:
    with pytest.raises(NonCanonical, match="bytes4 value has non-zero padding"):
        decode_strict(["bytes4"], b"\x01\x02\x03\x04" + b"\x00" * 27 + b"\x01")
    with pytest.raises(NonCanonical, match="int8 value is not properly sign-extended"):
        decode_strict(["int8"], (0x80).to_bytes(WORD, "big"))  # -128 must be 0xff..80


def test_invalid_utf8_string() -> None:
    data = (WORD).to_bytes(WORD, "big") + (1).to_bytes(WORD, "big") + b"\xff" + b"\0" * 31
    with pytest.raises(NonCanonical, match="not valid UTF-8"):
        decode_strict(["string"], data)


def test_shared_tails_are_refused_before_any_amplification() -> None:
    """bytes[] whose 4,000 element offsets all point at one 64 KiB blob: a lax decoder would build 256 MB."""
    count, blob = 4000, 65536
    head = (WORD).to_bytes(WORD, "big") + count.to_bytes(WORD, "big")
    offsets = (count * WORD).to_bytes(WORD, "big") * count
    data = head + offsets + blob.to_bytes(WORD, "big") + b"\x01" * blob
    started = time.perf_counter()
    with pytest.raises(NonCanonical, match="canonical"):
        decode_strict(["bytes[]"], data)
    assert time.perf_counter() - started < 1.0


def test_user_abi_arguments_are_strict_too() -> None:
    abi = parse_user_abi(TOKEN, '[{"type":"function","name":"f","inputs":[{"name":"flag","type":"bool"}]}]')
    data = selector("f(bool)") + (3).to_bytes(WORD, "big")
    intent = decode_safe_tx(TOKEN, 0, data, 0, safe_address=SAFE, user_abis={TOKEN: abi})
    assert intent.kind is Kind.UNKNOWN_CALL and "neither 0 nor 1" in intent.problems[0]


def _seed_calldata() -> list[tuple[str, bytes, int]]:
    transfer = build_call("transfer(address,uint256)", BOB, 5)
    permit = selector("permit(address,((address,uint160,uint48,uint48)[],address,uint256),bytes)") + encode(
        ["address", "((address,uint160,uint48,uint48)[],address,uint256)", "bytes"],
        [SAFE, ([(TOKEN, 5, 1, 0)], BOB, 10), b"\x01" * 65])
    inner = build_multisend_call([PackedCall(0, TOKEN, 0, transfer), PackedCall(1, MULTI, 0, transfer)])
    outer = build_multisend_call([PackedCall(0, TOKEN, 0, permit), PackedCall(1, MULTI, 0, inner)])
    setup = build_call("setup(address[],uint256,address,bytes,address,address,uint256,address)",
                       [BOB], 1, BOB, b"\x01", BOB, BOB, 0, BOB)
    batch_1155 = build_call("safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)",
                            SAFE, BOB, [1, 2], [3, 4], b"xy")
    return [(TOKEN, transfer, 0), (TOKEN, permit, 0), (MULTI, outer, 1), (SAFE, setup, 0), (TOKEN, batch_1155, 0)]


def test_decoder_never_raises_on_mutated_or_random_calldata() -> None:
    """A seeded fuzz (Hypothesis is not a dependency yet): flips, truncations, insertions and random bytes over
    valid calldata of every shape; decoding and describing must always return."""
    rng = random.Random(20250221)
    seeds = _seed_calldata()
    for _ in range(3000):
        to, data, operation = rng.choice(seeds)
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            choice = rng.random()
            at = rng.randrange(len(mutated) + 1)
            if choice < 0.4 and mutated:
                mutated[min(at, len(mutated) - 1)] = rng.randrange(256)
            elif choice < 0.6:
                del mutated[at:]
            elif choice < 0.8:
                mutated[at:at] = rng.randbytes(rng.randint(1, 40))
            else:
                mutated[at:at] = rng.choice([b"\xff" * WORD, (2**64).to_bytes(WORD, "big"), b"\0" * WORD])
        if rng.random() < 0.05:
            mutated = bytearray(rng.randbytes(rng.randint(0, 300)))
        intent = decode_safe_tx(to, 0, bytes(mutated), operation, safe_address=SAFE, known_multisend={MULTI})
        describe_intent(intent, name_for=lambda _a: None, token_facts=lambda _a: ("T", 6))
        if intent.kind is Kind.BATCH and intent.clean:
            assert build_batch_data(intent) == bytes(mutated)


@pytest.mark.parametrize("types", [["fixed128x18"], ["function"], ["not a type"]])
def test_unsupported_types_are_refused_not_raised(types: list[str]) -> None:
    with pytest.raises(NonCanonical, match="not supported"):
        decode_strict(types, b"\0" * WORD)
