"""The `ur:` text form against the reference vectors (every part string produced exactly and read back), and K4:
foreign, mixed, oversized, altered or garbled part strings raise URError with a reason and leave the reader usable."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wallet_app.ur import bytewords
from wallet_app.ur.errors import URError
from wallet_app.ur.fountain import Part
from wallet_app.ur.ur import (
    DEFAULT_MAX_MESSAGE_LEN,
    MAX_PART_CHARS,
    UR,
    URDecoder,
    UREncoder,
    decode_parts,
    decode_ur,
    encode_ur,
)
from wallet_app.ur.xoshiro import Xoshiro256

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "bc-ur" / "bc-ur-reference-vectors.json").read_text())
MULTIPART = VECTORS["ur_encoder_multipart"]["expected_parts"]


def cbor_bytes(data: bytes) -> bytes:
    """A CBOR byte string (major type 2) around `data`, as the reference's `bytes` URs carry."""
    n = len(data)
    if n < 24:
        return bytes([0x40 | n]) + data
    if n < 256:
        return bytes([0x58, n]) + data
    if n < 65536:
        return b"\x59" + n.to_bytes(2, "big") + data
    return b"\x5a" + n.to_bytes(4, "big") + data


def make_message_ur(length: int) -> UR:
    return UR("bytes", cbor_bytes(Xoshiro256("Wolf").next_data(length)))


def part_string(ur_type: str, part: Part) -> str:
    return f"ur:{ur_type}/{part.seq_num}-{part.seq_len}/{bytewords.encode(part.to_cbor(), 'minimal')}"


def test_every_vector_section_is_checked() -> None:
    """The sections this file, test_ur_bytewords.py and test_ur_fountain.py check; a new one fails here."""
    assert set(VECTORS) == {
        "_provenance", "crc32", "bytewords_1", "bytewords_2", "bcr_2020_012_bytewords_example",  # bytewords
        "xoshiro256_rng_1", "xoshiro256_rng_2", "xoshiro256_rng_3", "random_sampler", "shuffle",  # fountain
        "find_nominal_fragment_length", "partition_and_join", "choose_degree", "choose_fragments", "xor",
        "fountain_encoder", "round_trips_without_fixed_output",
        "single_part_ur", "ur_encoder_multipart", "bcr_2020_005_ur_example",  # here
    }
    assert len(VECTORS["round_trips_without_fixed_output"]) == 3  # the fountain and Part ones are in the fountain tests


def test_single_part_ur() -> None:
    ur = make_message_ur(50)
    encoded = encode_ur(ur)
    assert encoded == VECTORS["single_part_ur"]["expected"]
    assert decode_ur(encoded) == ur
    encoder = UREncoder(ur, 100)
    assert encoder.is_single_part and encoder.fragment_count == 1
    assert encoder.next_part() == encoder.next_part() == encoded
    decoder = URDecoder()
    assert decoder.receive(encoded.upper()) is True
    assert decoder.is_complete and decoder.result == ur and decoder.expected_type == "bytes"
    assert (decoder.received_count, decoder.expected_part_count, decoder.estimated_progress) == (1, 1, 1.0)
    assert decoder.receive(encoded) is False


def test_multipart_ur_strings_are_the_references() -> None:
    case = VECTORS["ur_encoder_multipart"]
    encoder = UREncoder(make_message_ur(256), case["max_fragment_len"])
    assert not encoder.is_single_part and encoder.fragment_count == 9
    assert [encoder.next_part() for _ in MULTIPART] == MULTIPART


@pytest.mark.parametrize("number", range(len(MULTIPART)), ids=lambda n: MULTIPART[n].split("/")[1])
def test_every_multipart_string_reads_back_as_its_part(number: int) -> None:
    text = MULTIPART[number]
    decoder = URDecoder()
    assert decoder.receive(text) is True
    assert decoder.expected_type == "bytes" and decoder.expected_part_count == 9
    assert decoder.received_count == 1
    body = text.rsplit("/", 1)[1]
    part = Part.from_cbor(bytewords.decode(body, "minimal"))
    assert (part.seq_num, part.seq_len, part.message_len) == (number + 1, 9, len(make_message_ur(256).cbor))
    assert bytewords.encode(part.to_cbor(), "minimal") == body


def test_the_reference_parts_decode_in_order_reversed_and_uppercase() -> None:
    ur = make_message_ur(256)
    assert decode_parts(MULTIPART) == ur
    assert decode_parts(reversed(MULTIPART)) == ur
    assert decode_parts([f"  {p.upper()}\n" for p in MULTIPART[:9]]) == ur
    decoder = URDecoder()
    for text in MULTIPART[:8]:
        decoder.receive(text)
    assert not decoder.is_complete and decoder.estimated_progress == pytest.approx(8 / 9)
    assert decoder.receive(MULTIPART[8]) is True
    assert decoder.result == ur and decoder.estimated_progress == 1.0
    assert decoder.receive(MULTIPART[9]) is False


def test_bcr_2020_005_example() -> None:
    case = VECTORS["bcr_2020_005_ur_example"]
    ur = decode_ur(case["ur"])
    assert ur == UR("seed", bytes.fromhex(case["untagged_cbor_hex"]))
    assert encode_ur(ur) == case["ur"]
    assert bytes.fromhex(case["tagged_cbor_hex"]).endswith(ur.cbor)


def test_multipart_round_trip_from_a_late_first_sequence_number() -> None:
    ur = make_message_ur(32767)
    encoder = UREncoder(ur, 1000, first_seq_num=100)
    decoder = URDecoder()
    for _ in range(10 * encoder.fragment_count):
        decoder.receive(encoder.next_part())
        if decoder.is_complete:
            break
    assert decoder.result == ur


def test_K4_mixed_messages_refused() -> None:
    ours = UREncoder(UR("bytes", cbor_bytes(bytes(300))), 30)
    theirs = UREncoder(UR("bytes", cbor_bytes(bytes([1]) * 300)), 30)
    decoder = URDecoder()
    decoder.receive(ours.next_part())
    with pytest.raises(URError, match="belongs to another message"):
        decoder.receive(theirs.next_part())
    with pytest.raises(URError, match="belongs to another message"):
        decoder.receive(encode_ur(UR("bytes", b"\x41\x00")))
    with pytest.raises(URError, match="'crypto-psbt' UR, not part of the 'bytes' UR being read"):
        decoder.receive(UREncoder(UR("crypto-psbt", cbor_bytes(bytes(300))), 30).next_part())
    assert decoder.received_count == 1 and not decoder.is_complete
    with pytest.raises(URError, match="do not complete the message: 1 of about 11 received"):
        decode_parts([ours.next_part()])


def test_K4_oversized_refused() -> None:
    big = UREncoder(UR("bytes", cbor_bytes(bytes(5000))), 200)
    with pytest.raises(URError, match="the message is 5,003 bytes, over the limit of 4,096"):
        URDecoder(max_message_len=4096).receive(big.next_part())
    hostile = Part(1, 12346, 1_234_567, 0, bytes(100))
    with pytest.raises(URError, match="the message is 1,234,567 bytes, over the limit of 1,048,576"):
        URDecoder().receive(part_string("bytes", hostile))
    with pytest.raises(URError, match=f"over the limit of {MAX_PART_CHARS:,} for one part"):
        URDecoder().receive("ur:bytes/1-2/" + "ae" * 60_000)
    with pytest.raises(URError, match="characters, over the limit of"):
        URDecoder().receive("ur:bytes/" + "ae" * (DEFAULT_MAX_MESSAGE_LEN + 100))
    with pytest.raises(URError, match="the message is about 110 bytes, over the limit of 100"):
        decode_ur(encode_ur(UR("bytes", bytes(110))), max_message_len=100)
    with pytest.raises(URError, match="the text is 317 characters, over the limit of 308 for one UR"):
        decode_ur(encode_ur(UR("bytes", bytes(150))), max_message_len=100)
    assert decode_ur(encode_ur(UR("bytes", bytes(60_000)))).cbor == bytes(60_000)


def test_K4_bad_checksum() -> None:
    text = MULTIPART[0]
    misread = text[:-10] + ("ae" if text[-10:-8] != "ae" else "ad") + text[-8:]
    with pytest.raises(URError, match="bytewords checksum does not match: the code was misread"):
        URDecoder().receive(misread)
    with pytest.raises(URError, match="not a byteword"):
        URDecoder().receive(text[:-2] + "qq")


def test_K4_crc_mismatch() -> None:
    ur = UR("bytes", cbor_bytes(bytes(range(200))))
    encoder = UREncoder(ur, 30)
    decoder = URDecoder()
    for number in range(encoder.fragment_count):
        text = encoder.next_part()
        if number == 2:
            part = Part.from_cbor(bytewords.decode(text.rsplit("/", 1)[1], "minimal"))
            text = part_string("bytes", Part(part.seq_num, part.seq_len, part.message_len, part.checksum,
                                             bytes(len(part.data))))
        decoder.receive(text)
    assert decoder.is_complete
    with pytest.raises(URError, match="does not match its checksum"):
        _ = decoder.result


def test_K4_a_part_labelled_as_another_is_refused() -> None:
    relabelled = MULTIPART[0].replace("/1-9/", "/2-9/")
    with pytest.raises(URError, match="labelled 2-9 but carries part 1-9"):
        URDecoder().receive(relabelled)


def test_K4_duplicates_and_reorder() -> None:
    ur = UR("bytes", cbor_bytes(random.Random(1).randbytes(4000)))
    encoder = UREncoder(ur, 150)
    parts = [encoder.next_part() for _ in range(3 * encoder.fragment_count)]
    rnd = random.Random(2)
    stream = [p for p in parts if rnd.random() >= 0.3]
    stream = stream + stream
    rnd.shuffle(stream)
    assert decode_parts(stream) == ur
    decoder = URDecoder()
    assert [decoder.receive(parts[0]), decoder.receive(parts[0].upper()), decoder.receive(parts[0])] == [
        True, False, False]


def test_K4_incomplete_stream_bounded() -> None:
    encoder = UREncoder(make_message_ur(256), 30)
    parts = [encoder.next_part() for _ in range(60)]
    without_first = [p for p in parts if p.split("/")[1] != "1-9"][:7]
    decoder = URDecoder()
    for text in without_first * 50:
        decoder.receive(text)
    assert not decoder.is_complete and decoder.received_count == 7
    with pytest.raises(URError, match="the parts do not complete the message: 7 of about 9 received"):
        decode_parts(without_first * 50)
    with pytest.raises(URError, match="no UR part was given"):
        decode_parts([])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "does not start with 'ur:'"),
        ("hello", "does not start with 'ur:'"),
        ("ur:", "path components"),
        ("ur:bytes", "path components"),
        ("ur:bytes/1-2/3-4/ae", "path components"),
        ("ur:by_tes/aeadaolazmjendeoti", "UR type"),
        ("ur:/aeadaolazmjendeoti", "UR type"),
        (f"ur:{'a' * 65}/aeadaolazmjendeoti", "UR type"),
        ("ur:bytes/1/aeadaolazmjendeoti", "not SEQNUM-SEQLEN"),
        ("ur:bytes/0-9/aeadaolazmjendeoti", "out of range"),
        ("ur:bytes/1-0/aeadaolazmjendeoti", "out of range"),
        ("ur:bytes/4294967296-9/aeadaolazmjendeoti", "out of range"),
        ("ur:bytes/٣-9/aeadaolazmjendeoti", "characters that no UR has"),
        ("ur:bytes/1-9/aeadaolazmjendeoti", "not the five-item CBOR array"),
        ("ur:bytes/aeaeaeae", "too short to hold data"),
    ],
)
def test_K4_malformed_strings_say_why(text: str, reason: str) -> None:
    with pytest.raises(URError, match=reason):
        URDecoder().receive(text)


def test_K4_a_multipart_string_is_not_a_single_ur() -> None:
    with pytest.raises(URError, match="part 1 of a 9-part UR"):
        decode_ur(MULTIPART[0])


def test_ur_type_and_cbor_are_validated() -> None:
    for bad_type in ("", "Bytes", "a/b", "a" * 65, "ur:x"):
        with pytest.raises(URError, match="UR type"):
            UR(bad_type, b"\x00")
    with pytest.raises(URError, match="no CBOR data"):
        UR("bytes", b"")
    assert UR("crypto-hdkey-2", b"\x00").type == "crypto-hdkey-2"


ur_texts = st.one_of(
    st.text(max_size=300),
    st.from_regex(r"\A[uU][rR]:[a-z0-9-]{0,8}(/[0-9]{1,4}-[0-9]{1,4})?/[a-z]{0,120}\Z"),
    st.builds(lambda t, s, b: f"ur:{t}/{s}{bytewords.encode(b, 'minimal')}", st.sampled_from(["bytes", "x-y"]),
              st.sampled_from(["", "1-1/", "2-3/", "9-9/", "12-9/"]), st.binary(min_size=1, max_size=60)),
)


@settings(max_examples=500, deadline=None)
@given(texts=st.lists(ur_texts, min_size=1, max_size=4))
def test_K4_random_strings_only_raise_urerror(texts: list[str]) -> None:
    decoder = URDecoder()
    for text in texts:
        try:
            decoder.receive(text)
        except URError:
            pass
        try:
            decode_ur(text)
        except URError:
            pass
    try:
        decode_parts(texts)
    except URError:
        pass


@settings(max_examples=200, deadline=None)
@given(fields=st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 300), st.integers(0, 5000),
                        st.integers(0, 2**32 - 1)), data=st.binary(max_size=60), mutation=st.integers(0, 10**6))
def test_K4_forged_parts_only_raise_urerror(fields: tuple[int, int, int, int], data: bytes, mutation: int) -> None:
    text = part_string("bytes", Part(*fields, data))
    damaged = [text, text[: mutation % len(text)], text[: mutation % len(text)] + text[mutation % len(text) + 1 :]]
    decoder = URDecoder(max_message_len=4096)
    for candidate in damaged:
        try:
            decoder.receive(candidate)
        except URError:
            pass


@settings(max_examples=60, deadline=None)
@given(message=st.binary(min_size=1, max_size=4000), max_fragment_len=st.integers(10, 500), seed=st.integers(0, 2**32))
def test_round_trip_with_thirty_percent_lost_shuffled_and_duplicated(message: bytes, max_fragment_len: int,
                                                                     seed: int) -> None:
    ur = UR("bytes", cbor_bytes(message))
    encoder = UREncoder(ur, max_fragment_len, first_seq_num=seed % 3 * 7)
    decoder = URDecoder()
    rnd = random.Random(seed)
    for _ in range(100):
        window = [encoder.next_part() for _ in range(encoder.fragment_count + 5)]
        kept = [p for p in window if rnd.random() >= 0.3]
        kept += rnd.sample(kept, len(kept) // 3)
        rnd.shuffle(kept)
        for text in kept:
            decoder.receive(text.upper() if rnd.random() < 0.5 else text)
        if decoder.is_complete:
            break
    assert decoder.result == ur
