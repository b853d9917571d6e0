import pytest

from wallet_app.domain.units import format_units, parse_units
from wallet_app.errors import InvalidAmount


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (0, 18, "0"),
        (1, 18, "0.000000000000000001"),
        (10**18, 18, "1"),
        (1_234_567_890_000, 6, "1,234,567.89"),
        (5, 0, "5"),
        (-1_500_000, 6, "-1.5"),
    ],
)
def test_format_units_is_exact(value: int, decimals: int, text: str) -> None:
    assert format_units(value, decimals) == text


def test_format_without_grouping() -> None:
    assert format_units(1_234_567_000_000, 6, group=False) == "1234567"


@pytest.mark.parametrize(
    ("text", "decimals", "value"),
    [("1", 18, 10**18), ("0.000001", 6, 1), ("1,250.50", 6, 1_250_500_000), (" 7 ", 0, 7)],
)
def test_parse_units_round_trips(text: str, decimals: int, value: int) -> None:
    assert parse_units(text, decimals) == value
    assert parse_units(format_units(value, decimals), decimals) == value


@pytest.mark.parametrize("bad", ["", "-1", "1e6", "0x10", "1.2.3", "abc", "NaN", "1.", ".5"])
def test_parse_units_refuses_anything_but_plain_decimals(bad: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_units(bad, 6)


def test_parse_units_refuses_more_decimals_than_the_asset_has() -> None:
    with pytest.raises(InvalidAmount, match="6 decimals"):
        parse_units("1.0000001", 6)


def test_parse_units_refuses_overflow() -> None:
    with pytest.raises(InvalidAmount):
        parse_units(str(2**256), 0)
