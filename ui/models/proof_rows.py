"""What the Proofs page shows of a checked bundle, in plain strings: the verdict in words and a tone, one row per
check and one per claim, and the holdings of an account a proof can be made for. Pure functions: no widgets.

Every string taken from a bundle is untrusted (a bundle may come from anyone): it passes through `reveal_invisible`
and is shown only as plain text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ui.plain_text import reveal_invisible

CHECK_HEADERS = ("Result", "Check", "Detail")
CLAIM_HEADERS = ("Proven", "Kind", "Claim")


class CheckLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def detail(self) -> str: ...


class VerdictLike(Protocol):
    @property
    def valid(self) -> bool: ...
    @property
    def provisional(self) -> bool: ...
    @property
    def checks(self) -> Sequence[CheckLike]: ...
    @property
    def claims(self) -> Sequence[Mapping[str, Any]]: ...


class CheckedLike(Protocol):
    """The parts of `wallet_app.proofs.service.Checked` the page shows."""

    @property
    def verdict(self) -> VerdictLike | None: ...
    @property
    def unusable(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Row:
    texts: tuple[str, ...]
    tone: str  # of the first column (ui/tones.py)
    full: str  # the whole row, for the detail box


@dataclass(frozen=True, slots=True)
class VerdictView:
    heading: str  # VALID, VALID, PROVISIONAL, INVALID, CANNOT BE READ
    tone: str
    explanation: str
    checks: tuple[Row, ...]
    claims: tuple[Row, ...]


PROVISIONAL_TEXT = ("The proofs hold for the block header in the bundle, but nothing shows that header is the "
                    "chain's yet (it rests on fewer than two agreeing sources, or the block is not yet final).")


def _shown(value: object, limit: int = 600) -> str:
    return reveal_invisible(str(value), max_length=limit)


def describe_checked(checked: CheckedLike) -> VerdictView:
    verdict = checked.verdict
    if verdict is None:
        reason = _shown(checked.unusable or "the input is not a proof bundle")
        return VerdictView("CANNOT BE READ", "bad", f"This is not a proof bundle that can be checked: {reason}",
                           (), ())
    checks = tuple(Row(("ok" if c.ok else "FAIL", _shown(c.name, 200), _shown(c.detail)), "good" if c.ok else "bad",
                       f"{'ok' if c.ok else 'FAIL'}  {_shown(c.name, 400)}\n\n{_shown(c.detail, 4000)}")
                   for c in verdict.checks)
    claims = tuple(_claim_row(claim) for claim in verdict.claims)
    failed = sum(1 for c in verdict.checks if not c.ok)
    if not verdict.valid:
        return VerdictView("INVALID", "bad", f"{failed} of {len(checks)} checks failed: nothing in this bundle "
                           "should be relied on.", checks, claims)
    if verdict.provisional:
        return VerdictView("VALID, PROVISIONAL", "warn", PROVISIONAL_TEXT, checks, claims)
    return VerdictView("VALID", "good", f"All {len(checks)} checks held.", checks, claims)


def _claim_row(claim: Mapping[str, Any]) -> Row:
    proven = claim.get("proven") is True
    kind = _shown(claim.get("kind", ""), 60)
    text = _shown(claim.get("text", ""))
    details = "\n".join(f"{_shown(key, 40)}: {_shown(value, 2000)}" for key, value in claim.items() if key != "text")
    return Row(("yes" if proven else "NO", kind, text), "good" if proven else "warn",
               f"{'Proven' if proven else 'NOT proven'}: {_shown(claim.get('text', ''), 4000)}\n\n{details}")


# -- what can be proven -----------------------------------------------------------------------------------------
class HoldingLike(Protocol):
    @property
    def account(self) -> str: ...
    @property
    def asset(self) -> str: ...
    @property
    def token_id(self) -> int | None: ...
    @property
    def symbol(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def balance(self) -> int: ...


@dataclass(frozen=True, slots=True)
class HoldingChoice:
    text: str
    asset: str | None  # None: the native coin
    token_id: int | None


NATIVE = "native"


def holding_choices(holdings: Iterable[HoldingLike], account: str) -> list[HoldingChoice]:
    """The account's holdings with something in them, the native coin first."""
    choices: list[HoldingChoice] = []
    for h in holdings:
        if h.account.lower() != account.lower() or h.balance == 0:
            continue
        native = h.asset == NATIVE
        symbol = _shown(h.symbol or h.name or "?", 24)
        where = "native coin" if native else f"{h.asset[:8]}…{h.asset[-4:]}"
        token_id = str(h.token_id) if h.token_id is not None else ""
        token = f" #{token_id if len(token_id) <= 12 else token_id[:6] + '…' + token_id[-4:]}" if token_id else ""
        choices.append(HoldingChoice(f"{symbol}{token} ({where})", None if native else h.asset, h.token_id))
    choices.sort(key=lambda c: (c.asset is not None, c.text.casefold()))
    return choices
