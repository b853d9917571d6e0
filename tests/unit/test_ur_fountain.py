"""Xoshiro256**, the sampler and the fountain code against the bc-ur reference vectors, and K4: a fountain decoder
fed lost, repeated, reordered, foreign, oversized or forged parts refuses or ignores them and stays bounded."""

from __future__ import annotations

import json
import random
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wallet_app.ur import fountain_decoder
from wallet_app.ur.errors import URError
from wallet_app.ur.fountain import (
    FountainEncoder,
    Part,
    find_nominal_fragment_length,
    join_fragments,
    partition_message,
    xor_bytes,
)
from wallet_app.ur.fountain_decoder import MAX_SEQ_LEN, FountainDecoder
from wallet_app.ur.xoshiro import RandomSampler, Xoshiro256, choose_degree, choose_fragments, shuffle

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "bc-ur" / "bc-ur-reference-vectors.json").read_text())


def make_message(length: int, seed: str = "Wolf") -> bytes:
    """The reference tests' message: `length` bytes from Xoshiro256 seeded with `seed`."""
    return Xoshiro256(seed).next_data(length)


def describe(part: Part) -> str:
    return (f"seqNum:{part.seq_num}, seqLen:{part.seq_len}, messageLen:{part.message_len}, "
            f"checksum:{part.checksum}, data:{part.data.hex()}")


def test_xoshiro_seeded_from_text() -> None:
    rng = Xoshiro256("Wolf")
    assert [rng.next() % 100 for _ in range(100)] == VECTORS["xoshiro256_rng_1"]["expected"]


def test_xoshiro_seeded_from_a_checksum() -> None:
    rng = Xoshiro256(zlib.crc32(b"Wolf").to_bytes(4, "big"))
    assert [rng.next() % 100 for _ in range(100)] == VECTORS["xoshiro256_rng_2"]["expected"]


def test_xoshiro_next_int() -> None:
    rng = Xoshiro256("Wolf")
    assert [rng.next_int(1, 10) for _ in range(100)] == VECTORS["xoshiro256_rng_3"]["expected"]


def test_xoshiro_doubles_bytes_and_data_agree() -> None:
    a, b = Xoshiro256(b"seed"), Xoshiro256("seed")
    assert all(0.0 <= a.next_double() < 1.0 for _ in range(1000))
    assert bytes(b.next_byte() for _ in range(1000)) != b.next_data(1000)
    assert Xoshiro256("x").next_data(64) == Xoshiro256(b"x").next_data(64)


def test_random_sampler() -> None:
    case = VECTORS["random_sampler"]
    rng = Xoshiro256(case["rng_seed"])
    sampler = RandomSampler(case["probs"])
    assert [sampler.next(rng) for _ in range(case["count"])] == case["expected"]


def test_shuffle() -> None:
    case = VECTORS["shuffle"]
    rng = Xoshiro256(case["rng_seed"])
    assert [shuffle(case["values"], rng) for _ in case["expected"]] == case["expected"]


def test_a_partial_shuffle_is_the_full_shuffles_prefix() -> None:
    for count in (0, 1, 5, 30):
        assert shuffle(range(30), Xoshiro256("p"), count) == shuffle(range(30), Xoshiro256("p"))[:count]


@pytest.mark.parametrize("case", VECTORS["find_nominal_fragment_length"], ids=lambda c: str(c["max_fragment_len"]))
def test_find_nominal_fragment_length(case: dict[str, int]) -> None:
    assert find_nominal_fragment_length(case["message_len"], case["min_fragment_len"],
                                        case["max_fragment_len"]) == case["expected"]


def test_a_message_shorter_than_the_minimum_fragment_is_one_fragment() -> None:
    assert find_nominal_fragment_length(5, 10, 100) == 5
    with pytest.raises(URError):
        find_nominal_fragment_length(0, 10, 100)
    with pytest.raises(URError):
        find_nominal_fragment_length(100, 10, 9)


def test_partition_and_join() -> None:
    message = make_message(1024)
    fragment_len = find_nominal_fragment_length(len(message), 10, 100)
    fragments = partition_message(message, fragment_len)
    assert [f.hex() for f in fragments] == VECTORS["partition_and_join"]["expected_fragments_hex"]
    assert join_fragments(fragments, len(message)) == message


def test_choose_degree() -> None:
    message = make_message(1024)
    seq_len = len(partition_message(message, find_nominal_fragment_length(len(message), 10, 100)))
    degrees = [choose_degree(seq_len, Xoshiro256(f"Wolf-{nonce}")) for nonce in range(1, 201)]
    assert degrees == VECTORS["choose_degree"]["expected"]


def test_choose_fragments() -> None:
    message = make_message(1024)
    seq_len = len(partition_message(message, find_nominal_fragment_length(len(message), 10, 100)))
    checksum = zlib.crc32(message)
    chosen = [sorted(choose_fragments(seq_num, seq_len, checksum)) for seq_num in range(1, 31)]
    assert chosen == VECTORS["choose_fragments"]["expected_sorted_indexes"]


def test_xor() -> None:
    case = VECTORS["xor"]
    rng = Xoshiro256(case["rng_seed"])
    data1, data2 = rng.next_data(10), rng.next_data(10)
    assert (data1.hex(), data2.hex()) == (case["data1"], case["data2"])
    assert xor_bytes(data1, data2).hex() == case["xor"]
    assert xor_bytes(xor_bytes(data1, data2), data1) == data2


def test_fountain_encoder_parts_and_their_cbor() -> None:
    case = VECTORS["fountain_encoder"]
    encoder = FountainEncoder(make_message(256), case["max_fragment_len"])
    parts = [encoder.next_part() for _ in case["expected_part_descriptions"]]
    assert [describe(p) for p in parts] == case["expected_part_descriptions"]
    assert [p.to_cbor().hex() for p in parts] == case["expected_part_cbor_hex"]
    assert [Part.from_cbor(bytes.fromhex(h)) for h in case["expected_part_cbor_hex"]] == parts


def test_fountain_encoder_is_complete_after_each_fragment_went_out() -> None:
    encoder = FountainEncoder(make_message(256), 30)
    assert encoder.seq_len == 9 and not encoder.is_complete
    for _ in range(9):
        encoder.next_part()
    assert encoder.is_complete and encoder.seq_num == 9


def test_part_cbor_round_trip() -> None:
    part = Part(12, 8, 100, 0x12345678, bytes([1, 5, 3, 3, 5]))
    assert Part.from_cbor(part.to_cbor()) == part
    big = Part(0xFFFFFFFF, 70000, 0xFFFFFFFF, 0, bytes(300))
    assert Part.from_cbor(big.to_cbor()) == big


def test_fountain_decoder_round_trip() -> None:
    message = make_message(32767)
    encoder = FountainEncoder(message, 1000, min_fragment_len=100)
    decoder = FountainDecoder(1 << 20)
    while not decoder.is_complete:
        decoder.receive(encoder.next_part())
    assert decoder.result == message
    assert decoder.estimated_progress == 1.0
    assert decoder.received_count == decoder.expected_part_count == encoder.seq_len


def test_the_sequence_number_wraps_past_zero() -> None:
    encoder = FountainEncoder(make_message(100), 10, first_seq_num=0xFFFFFFFE)
    assert [encoder.next_part().seq_num for _ in range(3)] == [0xFFFFFFFF, 1, 2]


def feed_until_complete(decoder: FountainDecoder, parts: list[Part]) -> int:
    for used, part in enumerate(parts, 1):
        decoder.receive(part)
        if decoder.is_complete:
            return used
    return len(parts)


def test_K4_duplicates_and_reorder() -> None:
    message = random.Random(7).randbytes(5000)
    encoder = FountainEncoder(message, 100)
    parts = [encoder.next_part() for _ in range(3 * encoder.seq_len)]
    rnd = random.Random(8)
    stream = [p for p in parts if rnd.random() > 0.3]
    stream += stream[: len(stream) // 2]
    rnd.shuffle(stream)
    decoder = FountainDecoder(1 << 20)
    accepted = [decoder.receive(p) for p in stream if not decoder.is_complete]
    assert decoder.is_complete and decoder.result == message
    assert accepted.count(True) == decoder.received_count
    again = FountainDecoder(1 << 20)
    assert again.receive(parts[0]) is True
    assert again.receive(parts[0]) is False
    assert again.received_count == 1
    assert 0 < again.estimated_progress < 1


def test_K4_mixed_messages_refused() -> None:
    first = FountainEncoder(b"a" * 500, 50).next_part()
    other = FountainEncoder(b"b" * 500, 50).next_part()
    decoder = FountainDecoder(1 << 20)
    decoder.receive(first)
    with pytest.raises(URError, match=r"belongs to another message \(checksum [0-9a-f]{8}\), not the one being read"):
        decoder.receive(other)
    resized = FountainEncoder(b"a" * 500, 40).next_part()
    with pytest.raises(URError, match="sizes differ"):
        decoder.receive(Part(resized.seq_num, resized.seq_len, 500, first.checksum, resized.data))
    assert decoder.received_count == 1


def test_K4_oversized_refused() -> None:
    decoder = FountainDecoder(1_048_576)
    with pytest.raises(URError, match="the message is 1,234,567 bytes, over the limit of 1,048,576"):
        decoder.receive(Part(1, 12346, 1_234_567, 0, bytes(100)))
    too_many = MAX_SEQ_LEN + 1
    with pytest.raises(URError, match=f"split into {too_many:,} parts, over the limit"):
        decoder.receive(Part(1, too_many, too_many, 0, b"x"))
    for bad in (Part(1, 5, 100, 0, bytes(10)), Part(1, 1, 0, 0, b""), Part(1, 0, 10, 0, bytes(10))):
        with pytest.raises(URError, match="sizes are inconsistent"):
            decoder.receive(bad)
    with pytest.raises(URError, match="sequence number is 0"):
        decoder.receive(Part(0, 1, 10, 0, bytes(10)))
    assert decoder.expected_part_count == 0 and decoder.estimated_progress == 0.0


def test_K4_crc_mismatch() -> None:
    message = random.Random(3).randbytes(300)
    encoder = FountainEncoder(message, 30)
    parts = [encoder.next_part() for _ in range(encoder.seq_len)]
    forged = Part(parts[4].seq_num, parts[4].seq_len, parts[4].message_len, parts[4].checksum,
                  bytes(len(parts[4].data)))
    decoder = FountainDecoder(1 << 20)
    for part in [*parts[:4], forged, *parts[5:]]:
        decoder.receive(part)
    assert decoder.is_complete
    with pytest.raises(URError, match="does not match its checksum"):
        _ = decoder.result
    assert decoder.receive(parts[4]) is False


def test_K4_incomplete_stream_bounded() -> None:
    """Mixed parts that never free a fragment pile up only to 4 x seq_len + 100; then new ones are refused."""
    message = random.Random(4).randbytes(80)
    encoder = FountainEncoder(message, 10, first_seq_num=8)
    decoder = FountainDecoder(1 << 20)
    cap = 4 * 8 + 100
    held: set[frozenset[int]] = set()
    while len(held) < cap:
        part = encoder.next_part()
        indexes = frozenset(choose_fragments(part.seq_num, part.seq_len, part.checksum))
        if len(indexes) > 1:
            assert decoder.receive(part) is (indexes not in held)
            held.add(indexes)
    while True:
        part = encoder.next_part()
        indexes = frozenset(choose_fragments(part.seq_num, part.seq_len, part.checksum))
        if len(indexes) > 1 and indexes not in held:
            break
    with pytest.raises(URError, match=f"{cap} mixed parts are held and the message is still incomplete"):
        decoder.receive(part)
    assert not decoder.is_complete and decoder.estimated_progress == 0.0
    with pytest.raises(URError, match="not complete: 132 of about 8 parts received"):
        _ = decoder.result
    for seq_num in range(1, 9):
        decoder.receive(Part(seq_num, 8, 80, zlib.crc32(message), message[10 * (seq_num - 1) : 10 * seq_num]))
    assert decoder.result == message


def test_K4_held_fragment_references_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fountain_decoder, "MAX_HELD_REFERENCES", 40)
    encoder = FountainEncoder(random.Random(6).randbytes(2000), 100, first_seq_num=20)
    decoder = FountainDecoder(1 << 20)
    with pytest.raises(URError, match="mixed parts are held and the message is still incomplete"):
        for _ in range(1000):
            decoder.receive(encoder.next_part())
    assert decoder._references <= 40 and not decoder.is_complete


def test_K4_a_stream_without_enough_parts_stays_incomplete() -> None:
    message = random.Random(5).randbytes(2000)
    encoder = FountainEncoder(message, 100)
    parts = [encoder.next_part() for _ in range(200)]
    decoder = FountainDecoder(1 << 20)
    for _ in range(5):
        for part in parts:
            if 1 not in choose_fragments(part.seq_num, part.seq_len, part.checksum):
                decoder.receive(part)
    assert not decoder.is_complete
    assert decoder.estimated_progress == pytest.approx(19 / 20)
    assert decoder.receive(parts[1]) is True and decoder.result == message


@settings(max_examples=60, deadline=None)
@given(message=st.binary(min_size=1, max_size=3000), max_fragment_len=st.integers(10, 400), seed=st.integers(0, 2**32),
       first_seq_num=st.sampled_from([0, 0, 0, 5, 1000]))
def test_round_trip_with_losses_duplicates_and_shuffling(message: bytes, max_fragment_len: int, seed: int,
                                                         first_seq_num: int) -> None:
    encoder = FountainEncoder(message, max_fragment_len, first_seq_num=first_seq_num)
    decoder = FountainDecoder(1 << 20)
    rnd = random.Random(seed)
    for _ in range(100):
        window = [encoder.next_part() for _ in range(encoder.seq_len + 5)]
        kept = [p for p in window if rnd.random() >= 0.3]
        kept += rnd.sample(kept, len(kept) // 3)
        rnd.shuffle(kept)
        feed_until_complete(decoder, kept)
        if decoder.is_complete:
            break
    assert decoder.result == message


@settings(max_examples=300, deadline=None)
@given(cbor=st.binary(max_size=80))
def test_K4_random_cbor_only_raises_urerror(cbor: bytes) -> None:
    try:
        part = Part.from_cbor(cbor)
    except URError:
        return
    assert part.to_cbor() == cbor or Part.from_cbor(part.to_cbor()) == part
    try:
        FountainDecoder(1 << 20).receive(part)
    except URError:
        pass


@settings(max_examples=200, deadline=None)
@given(numbers=st.lists(st.integers(0, 2**64 - 1), min_size=4, max_size=4), data=st.binary(max_size=40),
       widths=st.lists(st.sampled_from([24, 25, 26, 27]), min_size=4, max_size=4))
def test_K4_any_part_header_only_raises_urerror(numbers: list[int], data: bytes, widths: list[int]) -> None:
    heads = b"".join(bytes([w]) + n.to_bytes(1 << (w - 24), "big") for n, w in zip(numbers, widths, strict=True)
                     if n < 1 << (8 << (w - 24)))
    cbor = b"\x85" + heads + bytes([0x40 | min(len(data), 23)]) + data[:23]
    decoder = FountainDecoder(1 << 16)
    try:
        decoder.receive(Part.from_cbor(cbor))
    except URError:
        pass
