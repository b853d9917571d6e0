"""Why a token looks like spam or a lookalike, in plain words for a person to read. Pure: no network, no database.

A flag never changes what a token is: its identity stays (chain id, address), it is never merged with the reviewed
token it imitates and never priced. The rules:

- its symbol or name reads like a reviewed token's at another address (`lookalikes.skeleton`: confusable letters
  folded to Latin, case and punctuation ignored), SECURITY.md E3;
- its symbol mixes scripts or imitates Latin letters with another script, or a word of its name mixes Latin with a
  script whose letters look Latin (E3);
- its symbol or name hides invisible, control or direction-changing characters (E4);
- its symbol or name holds a web address, or bait words such as "claim" or "reward";
- only zero-value transfers ever reached the profile's accounts (address poisoning);
- unsolicited: the profile's accounts only received it and never sent any.

Transfer events are claims the token makes about itself (E7): the last two rules read them, nothing else does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from wallet_app.holdings.lookalikes import scripts_of, skeleton
from wallet_app.holdings.registry import TokenEntry
from wallet_app.holdings.views import make_visible

# Scripts whose letters pass for Latin ones (see lookalikes._CONFUSABLES); CJK next to Latin in a name is normal.
_LATIN_LOOKALIKE_SCRIPTS = frozenset({"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC"})
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_TLDS = ("com", "net", "org", "io", "xyz", "app", "finance", "fi", "site", "online", "top", "club", "info", "co",
         "me", "gg", "vip", "link", "cc", "pro", "to", "ly", "live", "fun", "network", "claims", "money", "gift",
         "shop", "store", "website", "tech", "dev", "cash", "exchange", "trade", "zone", "click", "hk", "cn")
_WEB_ADDRESS = re.compile(
    r"(https?:|www\.|t\.me/|\b[a-z0-9][a-z0-9-]*\.(?:" + "|".join(_TLDS) + r")\b)", re.IGNORECASE
)
# Words that ask a person to act ("claim now", "visit ..."); plain words of real products ("free", "bonus") are not.
_BAIT_WORDS = ("claim", "claims", "claimable", "reward", "rewards", "airdrop", "airdrops", "giveaway", "voucher",
               "vouchers", "redeem", "visit", "eligible", "winner", "prize")
_BAIT = re.compile(r"\b(" + "|".join(_BAIT_WORDS) + r")\b", re.IGNORECASE)
MAX_LISTED = 4  # code points or words named in one reason


@dataclass(frozen=True, slots=True)
class TokenActivity:
    """What the token's Transfer events say about the profile's accounts."""

    received: int = 0  # transfers into one of the accounts
    received_zero: int = 0  # of those, with a value of zero
    sent: int = 0  # transfers out of one of the accounts


def _squash(text: str) -> str:
    """What a symbol or name looks like, with spaces and punctuation dropped ("HKD-H" reads like "HKDH")."""
    return "".join(ch for ch in skeleton(text) if ch.isalnum())


def compute_lookalike_reasons(address: str, symbol: str, name: str, reviewed: Iterable[TokenEntry]) -> list[str]:
    reasons: list[str] = []
    look_symbol, look_name = _squash(symbol), _squash(name)
    for token in reviewed:
        if not token.verified or token.address.lower() == address.lower():
            continue
        shown = make_visible(token.symbol)
        if look_symbol and look_symbol == _squash(token.symbol):
            reasons.append(f"its symbol reads like {shown}, the reviewed token at {token.address}")
        elif look_name and look_name == _squash(token.name):
            reasons.append(f"its name reads like that of {shown}, the reviewed token at {token.address}")
    return reasons


def compute_script_reasons(symbol: str, name: str) -> list[str]:
    reasons: list[str] = []
    scripts = scripts_of(symbol)
    if len(scripts) > 1:
        reasons.append(f"its symbol mixes scripts ({', '.join(sorted(scripts)).lower()})")
    elif scripts and scripts != {"LATIN"} and skeleton(symbol).isascii():
        reasons.append("its symbol imitates Latin letters with another script")
    mixed = [w for w in name.split() if "LATIN" in scripts_of(w) and scripts_of(w) & _LATIN_LOOKALIKE_SCRIPTS]
    if mixed:
        reasons.append("its name mixes Latin letters with lookalike letters of another script in "
                       + ", ".join(make_visible(w) for w in mixed[:MAX_LISTED]))
    return reasons


def compute_hidden_reasons(symbol: str, name: str) -> list[str]:
    reasons: list[str] = []
    for what, text in (("symbol", symbol), ("name", name)):
        hidden = sorted({ord(ch) for ch in text
                         if unicodedata.category(ch) in _HIDDEN or (unicodedata.category(ch) == "Zs" and ch != " ")})
        if hidden:
            listed = ", ".join(f"U+{code:04X}" for code in hidden[:MAX_LISTED])
            reasons.append(f"its {what} hides invisible, control or direction-changing characters ({listed})")
    return reasons


def compute_bait_reasons(symbol: str, name: str) -> list[str]:
    text = unicodedata.normalize("NFKC", f"{symbol} {name}")  # full-width dots and letters fold to plain ones
    reasons: list[str] = []
    if _WEB_ADDRESS.search(text):
        reasons.append("its name or symbol holds a web address")
    words = sorted({m.group(1).lower() for m in _BAIT.finditer(text)})
    if words:
        reasons.append("its name or symbol uses bait words (" + ", ".join(words[:MAX_LISTED]) + ")")
    return reasons


def compute_activity_reasons(activity: TokenActivity) -> list[str]:
    reasons: list[str] = []
    if activity.received and activity.received_zero == activity.received:
        reasons.append("only zero-value transfers reached the profile's accounts (address poisoning)")
    if activity.received and not activity.sent:
        reasons.append("unsolicited: the profile's accounts only received it and never sent any")
    return reasons


def compute_spam_reasons(address: str, symbol: str, name: str, reviewed: Iterable[TokenEntry],
                         activity: TokenActivity | None = None) -> tuple[str, ...]:
    """Every reason that applies, in a fixed order; empty when none does."""
    reasons = [
        *compute_lookalike_reasons(address, symbol, name, reviewed),
        *compute_script_reasons(symbol, name),
        *compute_hidden_reasons(symbol, name),
        *compute_bait_reasons(symbol, name),
        *(compute_activity_reasons(activity) if activity is not None else []),
    ]
    return tuple(dict.fromkeys(reasons))


def join_reasons(reasons: Iterable[str]) -> str:
    """The reasons as one line for the `spam_reason` column ("" for none)."""
    return "; ".join(reasons)
