"""Lookalike tokens (E3): a symbol that mixes scripts, or reads like another token's symbol at another address.

A token's identity is (chain id, address), never its symbol: lookalikes are flagged for a person to see and are never
merged with the token they imitate.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict

from wallet_app.holdings.registry import TokenEntry

# Letters that render like Latin ones (Cyrillic and Greek capitals and small letters), mapped to what they imitate.
_CONFUSABLES = str.maketrans(
    "\u0410\u0412\u0421\u0415\u041d\u0406\u0408\u041a\u041c\u041e\u0420\u0405\u0422\u0425\u0423\u0430\u0435\u0456\u0458\u043e\u0440\u0441\u0455"
    "\u0445\u0443\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7\u03b1\u03bf\u03c1\u03b9\u03c4\u03c5\u03c7\u03bd",
    "ABCEHIJKMOPSTXYaeijopcsxyABEZHIKMNOPTYXaopituxv",
)


def skeleton(symbol: str) -> str:
    """What a symbol looks like: compatibility-normalised, confusable letters folded to Latin, case-folded."""
    return unicodedata.normalize("NFKC", symbol).translate(_CONFUSABLES).casefold().strip()


def scripts_of(text: str) -> set[str]:
    scripts = set()
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "UNKNOWN")
            scripts.add(name.split(" ")[0])
    return scripts


def compute_token_warnings(tokens: list[TokenEntry]) -> dict[str, tuple[str, ...]]:
    """Warnings per token address; tokens without any are absent."""
    by_look: dict[str, list[TokenEntry]] = defaultdict(list)
    for token in tokens:
        if token.symbol.strip():
            by_look[skeleton(token.symbol)].append(token)
    warnings: dict[str, list[str]] = defaultdict(list)
    for token in tokens:
        mixed = scripts_of(token.symbol)
        if len(mixed) > 1:
            warnings[token.address].append(f"its symbol mixes scripts ({', '.join(sorted(mixed)).lower()})")
        elif mixed and mixed != {"LATIN"} and skeleton(token.symbol).isascii():
            warnings[token.address].append("its symbol imitates Latin letters with other scripts")
        twins = [t for t in by_look.get(skeleton(token.symbol), []) if t.address != token.address]
        for twin in twins:
            warnings[token.address].append(f"it reads like the symbol of another token at {twin.address}")
    return {address: tuple(items) for address, items in warnings.items()}
