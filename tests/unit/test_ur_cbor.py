"""The strict CBOR codec under BC-UR (SECURITY K4: invalid CBOR from a QR code must never crash Custos).

Known answers are the examples of RFC 8949 Appendix A ("Examples of Encoded CBOR Data Items") that fall inside the
subset Custos uses; the Appendix's floats, undefined, simple values and indefinite-length items are the refusals.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wallet_app.errors import WalletError
from wallet_app.ur.cbor import Tagged, dumps, loads
from wallet_app.ur.errors import URError

# RFC 8949 Appendix A: (value, encoding) for integers, simple values, strings, arrays, maps and tags.
RFC8949_APPENDIX_A = [
    (0, "00"),
    (1, "01"),
    (10, "0a"),
    (23, "17"),
    (24, "1818"),
    (25, "1819"),
    (100, "1864"),
    (1000, "1903e8"),
    (1000000, "1a000f4240"),
    (1000000000000, "1b000000e8d4a51000"),
    (18446744073709551615, "1bffffffffffffffff"),
    (-18446744073709551616, "3bffffffffffffffff"),
    (-1, "20"),
    (-10, "29"),
    (-100, "3863"),
    (-1000, "3903e7"),
    (False, "f4"),
    (True, "f5"),
    (None, "f6"),
    (Tagged(0, "2013-03-21T20:04:00Z"), "c074323031332d30332d32315432303a30343a30305a"),
    (Tagged(1, 1363896240), "c11a514b67b0"),
    (Tagged(23, bytes.fromhex("01020304")), "d74401020304"),
    (Tagged(24, bytes.fromhex("6449455446")), "d818456449455446"),
    (Tagged(32, "http://www.example.com"), "d82076687474703a2f2f7777772e6578616d706c652e636f6d"),
    (Tagged(2, bytes.fromhex("010000000000000000")), "c249010000000000000000"),  # the bignum 2^64, kept as a tag
    (b"", "40"),
    (bytes.fromhex("01020304"), "4401020304"),
    ("", "60"),
    ("a", "6161"),
    ("IETF", "6449455446"),
    ('"\\', "62225c"),
    ("\u00fc", "62c3bc"),
    ("\u6c34", "63e6b0b4"),
    ("\U00010151", "64f0908591"),
    ([], "80"),
    ([1, 2, 3], "83010203"),
    ([1, [2, 3], [4, 5]], "8301820203820405"),
    (list(range(1, 26)), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
    ({}, "a0"),
    ({1: 2, 3: 4}, "a201020304"),
    ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
    (["a", {"b": "c"}], "826161a161626163"),
    ({"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"}, "a56161614161626142616361436164614461656145"),
]

# RFC 8949 Appendix A items outside the subset: floats, undefined, simple values, indefinite lengths.
RFC8949_REFUSED = {
    "half float 0.0": "f90000",
    "half float -0.0": "f98000",
    "double 1.1": "fb3ff199999999999a",
    "single 100000.0": "fa47c35000",
    "half Infinity": "f97c00",
    "half NaN": "f97e00",
    "double -4.1": "fbc010666666666666",
    "tag 1 around a double": "c1fb41d452d9ec200000",
    "undefined": "f7",
    "simple(16)": "f0",
    "simple(255)": "f8ff",
    "indefinite byte string": "5f42010243030405ff",
    "indefinite text string": "7f657374726561646d696e67ff",
    "indefinite empty array": "9fff",
    "indefinite nested arrays": "9f018202039f0405ffff",
    "indefinite inner array": "83018202039f0405ff",
    "indefinite map": "bf61610161629f0203ffff",
    "indefinite inner map": "826161bf61626163ff",
    "indefinite map with -2": "bf6346756ef563416d7421ff",
}


@pytest.mark.parametrize(("value", "encoded"), RFC8949_APPENDIX_A, ids=[e for _, e in RFC8949_APPENDIX_A])
def test_rfc8949_appendix_a_encodes_and_decodes(value: object, encoded: str) -> None:
    assert dumps(value).hex() == encoded
    assert loads(bytes.fromhex(encoded)) == value


@pytest.mark.parametrize("encoded", RFC8949_REFUSED.values(), ids=list(RFC8949_REFUSED))
def test_K4_cbor_outside_the_subset_refused(encoded: str) -> None:
    with pytest.raises(URError) as caught:
        loads(bytes.fromhex(encoded))
    assert "\n" not in str(caught.value)


def test_urerror_is_a_wallet_error_and_a_value_error() -> None:
    error = URError("x")
    assert isinstance(error, WalletError) and isinstance(error, ValueError)
    assert error.code == "ur"


def test_map_keys_are_written_in_canonical_order() -> None:
    """RFC 8949 4.2.1: keys sorted by their encoded bytes, so 10 < 100 < -1 < "z" < "aa" whatever the dict order."""
    assert dumps({"aa": 0, "z": 0, -1: 0, 100: 0, 10: 0}).hex() == "a50a00186400200061" + "7a00" + "62616100"


def test_tuples_encode_as_arrays_and_lengths_are_shortest() -> None:
    assert dumps((1, 2)) == dumps([1, 2])
    assert dumps(b"\x00" * 24).hex().startswith("5818")
    assert dumps("x" * 256).hex().startswith("790100")


@pytest.mark.parametrize(
    "value",
    [1 << 64, -(1 << 64) - 1, 1.5, {1, 2}, {(1,): 2}, {True: 1}, Tagged(-1, 0), Tagged(1 << 64, 0), "\ud800"],
    ids=["2^64", "-2^64-1", "float", "set", "tuple key", "bool key", "negative tag", "huge tag", "lone surrogate"],
)
def test_K4_cbor_unencodable_values_refused(value: object) -> None:
    with pytest.raises(URError):
        dumps(value)


def test_K4_cbor_duplicate_keys_refused() -> None:
    with pytest.raises(URError, match="twice"):
        loads(bytes.fromhex("a2010201" + "03"))
    with pytest.raises(URError, match="twice"):
        loads(bytes.fromhex("a2616101616102"))


def test_K4_cbor_trailing_bytes_refused() -> None:
    with pytest.raises(URError, match="trailing"):
        loads(bytes.fromhex("0100"))


def test_K4_cbor_empty_and_non_bytes_input_refused() -> None:
    with pytest.raises(URError, match="empty"):
        loads(b"")
    with pytest.raises(URError, match="bytes"):
        loads("00")  # type: ignore[arg-type]


def test_K4_cbor_non_int_non_text_map_keys_refused() -> None:
    for encoded in ("a14100f6", "a1f400", "a18000", "a1f600", "a1c10100"):  # bytes, false, array, null, tag keys
        with pytest.raises(URError, match="key"):
            loads(bytes.fromhex(encoded))


def test_K4_cbor_invalid_utf8_refused() -> None:
    for encoded in ("61ff", "62c328", "63eda080", "62c0af"):  # invalid, truncated, surrogate, overlong
        with pytest.raises(URError, match="UTF-8"):
            loads(bytes.fromhex(encoded))


def test_K4_cbor_lengths_beyond_the_input_refused_before_allocating() -> None:
    """A header may claim 2^64 - 1 bytes or entries; the claim is checked against what is left, not trusted."""
    for encoded in ("5bffffffffffffffff", "7bffffffffffffffff00", "9bffffffffffffffff", "bbffffffffffffffff0000"):
        with pytest.raises(URError, match="left"):
            loads(bytes.fromhex(encoded))
    with pytest.raises(URError, match="left"):
        loads(bytes.fromhex("1a0001"))  # a 4-byte argument with 2 bytes present
    with pytest.raises(URError, match="left"):
        loads(bytes.fromhex("83"))


def test_K4_cbor_reserved_length_codes_and_break_refused() -> None:
    for encoded in ("1c", "1d", "1e", "ff", "3f", "df", "f818", "fc", "fd"):
        with pytest.raises(URError):
            loads(bytes.fromhex(encoded))


def test_K4_cbor_depth_limit() -> None:
    nested: object = 0
    for _ in range(16):
        nested = [nested]
    assert loads(dumps(nested)) == nested
    with pytest.raises(URError, match="deeper"):
        loads(dumps([nested]))
    with pytest.raises(URError, match="deeper"):
        loads(dumps(Tagged(1, Tagged(2, 0))), max_depth=1)
    with pytest.raises(URError, match="deeper"):
        loads(b"\x81" * 100_000 + b"\x00")  # no recursion error, however deep the input claims to go


def test_K4_cbor_item_limit() -> None:
    assert loads(dumps(list(range(9))), max_items=10) == list(range(9))
    with pytest.raises(URError, match="too many"):
        loads(dumps(list(range(10))), max_items=10)
    with pytest.raises(URError, match="too many"):
        loads(dumps({i: i for i in range(5)}), max_items=10)  # keys count too


def test_loads_refuses_a_silly_depth_setting() -> None:
    with pytest.raises(ValueError, match="max_depth"):
        loads(b"\x00", max_depth=10_000)


def test_errors_are_one_line_and_show_outside_text_escaped() -> None:
    with pytest.raises(URError) as caught:
        loads(b"\xa2" + dumps("\u202eevil\n") + b"\x01" + dumps("\u202eevil\n") + b"\x02")
    assert "\u202e" not in str(caught.value) and "\n" not in str(caught.value)


# Hypothesis: random bytes only ever raise URError; random nested values round-trip byte for byte.

cbor_keys = st.one_of(st.integers(-(1 << 64), (1 << 64) - 1), st.text(max_size=8))
cbor_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(1 << 64), (1 << 64) - 1),
        st.binary(max_size=40),
        st.text(max_size=20),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(cbor_keys, children, max_size=5),
        st.builds(Tagged, st.integers(0, (1 << 64) - 1), children),
    ),
    max_leaves=30,
)


@given(st.binary(max_size=200))
@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
def test_K4_cbor_random_bytes_only_raise_urerror(data: bytes) -> None:
    try:
        loads(data)
    except URError:
        pass


@given(cbor_values)
@settings(max_examples=500)
def test_K4_cbor_mutated_valid_items_only_raise_urerror(value: object) -> None:
    encoded = dumps(value)
    for cut in range(len(encoded)):
        for data in (encoded[:cut], encoded[:cut] + bytes([(encoded[cut] + 0x21) % 256]) + encoded[cut + 1 :]):
            try:
                loads(data)
            except URError:
                pass


@given(cbor_values)
@settings(max_examples=500)
def test_dumps_loads_round_trip(value: object) -> None:
    encoded = dumps(value)
    decoded = loads(encoded, max_depth=64)
    assert decoded == value
    assert dumps(decoded) == encoded
