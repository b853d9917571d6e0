"""E3: lookalike symbols are flagged, and tokens are told apart by address, never merged by symbol."""

from wallet_app.holdings.lookalikes import compute_token_warnings, skeleton
from wallet_app.holdings.model import Standard
from wallet_app.holdings.registry import TokenEntry

REAL = "0x00000000000000000000000000000000000000A1"
FAKE = "0x00000000000000000000000000000000000000B2"
OTHER = "0x00000000000000000000000000000000000000C3"


def token(address: str, symbol: str) -> TokenEntry:
    return TokenEntry(address, Standard.ERC20, symbol, symbol, 6)


def test_E3_a_cyrillic_lookalike_symbol_is_flagged_on_both_tokens() -> None:
    warnings = compute_token_warnings([token(REAL, "USDC"), token(FAKE, "USD\u0421"), token(OTHER, "HKDH")])
    assert any("another token at " + REAL in w for w in warnings[FAKE])
    assert any("another token at " + FAKE in w for w in warnings[REAL])
    assert any("mixes scripts" in w for w in warnings[FAKE])
    assert OTHER not in warnings


def test_E3_a_greek_tau_and_an_all_cyrillic_imitation_are_flagged() -> None:
    warnings = compute_token_warnings([token(REAL, "USDT"), token(FAKE, "USD\u03a4")])
    assert FAKE in warnings and REAL in warnings
    alone = compute_token_warnings([token(FAKE, "\u0410\u0412\u0421")])  # "ABC" in Cyrillic letters
    assert any("imitates Latin letters" in w for w in alone[FAKE])


def test_E3_the_same_symbol_at_two_addresses_is_flagged_not_merged() -> None:
    warnings = compute_token_warnings([token(REAL, "HKDH"), token(FAKE, "hkdh ")])
    assert set(warnings) == {REAL, FAKE}
    assert skeleton("\uff35\uff33\uff24\uff23") == skeleton("usdc")  # full-width letters normalise too


def test_plain_distinct_symbols_carry_no_warning() -> None:
    assert compute_token_warnings([token(REAL, "HKDH"), token(FAKE, "HMMF"), token(OTHER, "")]) == {}
