"""Bytewords (BCR-2020-012) against the reference vectors, and K4: misread or hostile text only ever raises URError."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wallet_app.ur import bytewords
from wallet_app.ur.bytewords import Style
from wallet_app.ur.errors import URError

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "bc-ur" / "bc-ur-reference-vectors.json").read_text())
STYLES: tuple[Style, ...] = get_args(Style)


@pytest.mark.parametrize("case", VECTORS["crc32"], ids=lambda c: c["input"])
def test_crc32_vectors(case: dict[str, str]) -> None:
    assert bytewords.crc32_bytes(case["input"].encode()).hex() == case["crc32_hex"]
    assert zlib.crc32(case["input"].encode()) == int(case["crc32_hex"], 16)


def test_bytewords_1_every_style_encodes_and_decodes() -> None:
    case = VECTORS["bytewords_1"]
    data = bytes(case["input_bytes"])
    for style in STYLES:
        assert bytewords.encode(data, style) == case[style]
        assert bytewords.decode(case[style], style) == data
        assert bytewords.decode(case[style].upper(), style) == data


BAD_CHECKSUM = list(zip(VECTORS["bytewords_1"]["must_fail_bad_checksum"], STYLES, strict=True))


@pytest.mark.parametrize(("text", "style"), BAD_CHECKSUM)
def test_K4_bad_checksum(text: str, style: Style) -> None:
    with pytest.raises(URError, match="checksum does not match: the code was misread"):
        bytewords.decode(text, style)


@pytest.mark.parametrize("text", VECTORS["bytewords_1"]["must_fail_too_short_standard"])
def test_K4_too_short_is_refused(text: str) -> None:
    with pytest.raises(URError, match="too short"):
        bytewords.decode(text, "standard")


def test_bytewords_2_hundred_bytes() -> None:
    case = VECTORS["bytewords_2"]
    data = bytes(case["input_bytes"])
    assert bytewords.encode(data, "standard") == case["standard"]
    assert bytewords.encode(data, "minimal") == case["minimal"]
    assert bytewords.decode(case["standard"], "standard") == data
    assert bytewords.decode(case["minimal"], "minimal") == data
    assert bytewords.decode(bytewords.encode(data, "uri"), "uri") == data


def test_bcr_2020_012_published_example() -> None:
    case = VECTORS["bcr_2020_012_bytewords_example"]
    body = bytes.fromhex(case["body_hex"])
    assert bytewords.crc32_bytes(body).hex() == case["crc32"]
    assert bytewords.encode(body, "standard") == case["standard"]
    assert bytewords.encode(body, "minimal") == case["minimal"]
    assert bytewords.decode(case["minimal"], "minimal") == body
    payload = bytes.fromhex(case["brutal_payload_hex"])
    assert bytewords.crc32_bytes(payload).hex() == case["brutal_crc32"]
    assert bytewords.encode(payload, "minimal") == case["brutal_minimal"]
    assert bytewords.decode(case["brutal_minimal"], "minimal") == payload


def test_every_byte_value_round_trips_and_minimal_codes_are_unique() -> None:
    data = bytes(range(256))
    for style in STYLES:
        assert bytewords.decode(bytewords.encode(data, style), style) == data
    assert len(set(bytewords.encode(data, "minimal")[i : i + 2] for i in range(0, 512, 2))) == 256


@pytest.mark.parametrize(
    ("text", "style", "reason"),
    [
        ("aeadaolazmjendeot", "minimal", "odd number of letters"),
        ("aeadaolazmjendeoxx", "minimal", "'xx' is not a byteword \\(word 9\\)"),
        ("able acid also lava zoom jade need echo taxx", "standard", "'taxx' is not a byteword \\(word 9\\)"),
        ("able  acid also lava zoom jade need echo taxi", "standard", "is not a byteword"),
        ("able acid also lava zoom jade need echo taxi", "uri", "is not a byteword"),
        ("aeadaolazmjendeotï", "minimal", "is not a byteword \\(word 9\\)"),
        ("aeadaolazmjendeotéé", "minimal", "odd number"),
        ("aeadaolazmjendeo\u00e9i", "minimal", "is not a byteword"),
        ("aeadaolazmjendeoti", "brief", "unknown bytewords style"),
    ],
)
def test_K4_misread_words_are_named(text: str, style: Any, reason: str) -> None:
    with pytest.raises(URError, match=reason):
        bytewords.decode(text, style)


def test_K4_text_that_is_not_text_is_refused() -> None:
    with pytest.raises(URError):
        bytewords.decode(b"aeadaolazmjendeoti", "minimal")  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(text=st.text(), style=st.sampled_from(STYLES))
def test_K4_random_text_only_raises_urerror(text: str, style: Style) -> None:
    try:
        bytewords.decode(text, style)
    except URError:
        pass


@settings(max_examples=200, deadline=None)
@given(data=st.binary(min_size=1, max_size=300), style=st.sampled_from(STYLES), where=st.integers(0, 10_000),
       delta=st.integers(1, 255))
def test_K4_one_misread_word_never_decodes_silently(data: bytes, style: Style, where: int, delta: int) -> None:
    assert bytewords.decode(bytewords.encode(data, style), style) == data
    misread = bytearray(data + bytewords.crc32_bytes(data))
    misread[where % len(misread)] ^= delta
    encoded = bytewords.encode(bytes(misread), style)  # the misread words, plus a checksum of their own to drop
    text = encoded[:-8] if style == "minimal" else encoded.rsplit(" " if style == "standard" else "-", 4)[0]
    with pytest.raises(URError, match="checksum does not match"):
        bytewords.decode(text, style)
