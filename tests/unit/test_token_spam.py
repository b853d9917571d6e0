"""Spam and lookalike flags (E3, E4, bait, address poisoning, unsolicited airdrops): pure rules, plain words."""

from __future__ import annotations

from wallet_app.holdings.model import Standard
from wallet_app.holdings.registry import TokenEntry
from wallet_app.holdings.token_spam import TokenActivity, compute_spam_reasons, join_reasons

HKDH = TokenEntry("0x" + "11" * 20, Standard.ERC20, "HKDH", "Harbour HKD", 6, "stablecoin")
HMMF = TokenEntry("0x" + "22" * 20, Standard.ERC20, "HMMF", "Harbour HKD Money Market Fund", 6)
UNREVIEWED = TokenEntry("0x" + "33" * 20, Standard.ERC20, "ZZZ", "Someone's token", 6, verified=False,
                        source="added")
REVIEWED = [HKDH, HMMF, UNREVIEWED]
NEW = "0x" + "99" * 20


def reasons(symbol: str, name: str = "A token", activity: TokenActivity | None = None) -> tuple[str, ...]:
    return compute_spam_reasons(NEW, symbol, name, REVIEWED, activity)


def test_an_ordinary_token_is_not_flagged() -> None:
    assert reasons("GOLD", "Harbour Gold Certificate") == ()
    assert reasons("HKDG", "港元 Harbour Gold 黄金") == ()  # CJK next to Latin is normal in Hong Kong
    assert reasons("TXF", "Tax-Free Municipal Bond 2031") == ()
    assert reasons("ABC", "A token", TokenActivity(received=3, received_zero=1, sent=2)) == ()


def test_E3_a_homoglyph_symbol_is_a_lookalike_and_mixes_scripts() -> None:
    found = reasons("HKD\u041d")  # Cyrillic EN, looks like H
    assert f"its symbol reads like HKDH, the reviewed token at {HKDH.address}" in found
    assert "its symbol mixes scripts (cyrillic, latin)" in found
    greek = reasons("\u0397\u039c\u039c\u03a1")  # Greek capitals that read "HMMP"
    assert "its symbol imitates Latin letters with another script" in greek


def test_E3_the_same_symbol_at_another_address_is_a_lookalike() -> None:
    assert reasons("HKDH", "Harbour HKD")[0].startswith("its symbol reads like HKDH")
    assert reasons("hkd-h")[0].startswith("its symbol reads like HKDH")  # case and punctuation ignored
    assert compute_spam_reasons(HKDH.address, "HKDH", "Harbour HKD", REVIEWED) == ()  # not its own lookalike


def test_E3_a_name_copied_from_a_reviewed_token_is_a_lookalike() -> None:
    expected = f"its name reads like that of HKDH, the reviewed token at {HKDH.address}"
    assert reasons("HKD2", "Harbour  HKD") == (expected,)
    assert "mixes Latin letters" in " ".join(reasons("XYZ", "H\u0430rbour fund"))  # Cyrillic a inside a word


def test_E3_only_reviewed_tokens_are_imitated() -> None:
    assert reasons("ZZZ", "Someone's token") == ()


def test_E4_invisible_and_direction_changing_characters_are_named() -> None:
    found = reasons("USD\u200bC", "Harbour \u202eDKH")
    assert "its symbol hides invisible, control or direction-changing characters (U+200B)" in found
    assert "its name hides invisible, control or direction-changing characters (U+202E)" in found
    assert any("U+00A0" in r for r in reasons("HK\u00a0D"))  # a no-break space passes for a space
    assert any("U+000A" in r for r in reasons("USDC", "USDC\n✓ Verified"))  # E5


def test_bait_words_and_web_addresses() -> None:
    found = reasons("HKDH", "HKDH reward voucher - claim now")
    assert "its name or symbol uses bait words (claim, reward, voucher)" in found
    web = "its name or symbol holds a web address"
    assert web in reasons("GIFT", "Visit http://127.0.0.1/ to redeem")
    assert web in reasons("GIFT", "go to www.")
    assert web in reasons("GIFT", "\uff48\uff54\uff54\uff50\uff53\uff1a")  # full-width "https:" folds to ASCII
    assert reasons("CLM", "Reclaimed Timber Fund") == ()  # a bait word must stand alone


def test_address_poisoning_and_unsolicited_airdrops() -> None:
    poisoned = reasons("ABC", activity=TokenActivity(received=2, received_zero=2, sent=0))
    assert poisoned == ("only zero-value transfers reached the profile's accounts (address poisoning)",
                        "unsolicited: the profile's accounts only received it and never sent any")
    assert reasons("ABC", activity=TokenActivity(received=1, received_zero=0, sent=0)) == (
        "unsolicited: the profile's accounts only received it and never sent any",)
    assert reasons("ABC", activity=TokenActivity()) == ()  # nothing received: nothing to judge


def test_reasons_join_into_one_line() -> None:
    joined = join_reasons(reasons("HKD\u041d", "claim now", TokenActivity(received=1, received_zero=1)))
    assert "\n" not in joined and joined.count("; ") == 4
    assert join_reasons(()) == ""
