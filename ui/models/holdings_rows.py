"""Holdings as rows ready to paint: every display string, sort key and search text computed once.

`prepare_holdings` is pure Python with no Qt, so the page runs it on the worker thread right after
`fetch_holdings`; the GUI thread then only swaps the rows in. Money stays integers: amounts are formatted with
`format_units`, totals are sums of `value_hkd` integers (10^-6 HKD).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any

from ui.plain_text import reveal_invisible
from wallet_app.domain.units import format_units
from wallet_app.holdings.model import HKD_DECIMALS, STANDARD_NAMES, Account, Holding, HoldingsSnapshot, Price
from wallet_app.holdings.valuation import REPORTS_NOW_TEXT, VALUE_DECIMALS, compute_value_in_currency

NO_PRICE_TEXT = "no price"
UNREVIEWED = "unreviewed"
LOOKALIKE = "lookalike?"
WATCHED_KINDS = frozenset({"investor", "watch"})
"""Account kinds the institution follows but does not own: shown, totalled apart, not in the institution total."""

STANDARD_TEXT = STANDARD_NAMES
KIND_TEXT = {
    "vault": "vault",
    "officer": "officer",
    "issuer": "issuer",
    "investor": "investor (watch-only)",
    "watch": "watch-only",
}


class HoldingColumn(IntEnum):
    ACCOUNT = 0
    ASSET = 1
    NAME = 2
    STANDARD = 3
    BALANCE = 4
    FREE = 5
    FROZEN = 6
    PRICE = 7
    VALUE = 8
    COMPLIANCE = 9


NUMERIC_COLUMNS = frozenset(
    {HoldingColumn.BALANCE, HoldingColumn.FREE, HoldingColumn.FROZEN, HoldingColumn.PRICE, HoldingColumn.VALUE}
)


def hkd_text(value: int) -> str:
    """10^-6 HKD as exact text with at least two decimals: 1234500000 -> '1,234.50'."""
    text = format_units(value, HKD_DECIMALS)
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def short_hash(block_hash: bytes) -> str:
    hexed = block_hash.hex()
    return f"0x{hexed[:4]}…{hexed[-4:]}" if len(hexed) > 8 else f"0x{hexed}"


def short_address(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}" if len(address) > 12 else address


def token_id_text(token_id: int) -> str:
    digits = str(token_id)
    return digits if len(digits) <= 12 else f"{digits[:5]}…{digits[-4:]}"


def account_text(account: Account) -> str:
    return reveal_invisible(account.label, max_length=60) or short_address(account.address)


def price_text(price: Price | None) -> str:
    if price is None:
        return NO_PRICE_TEXT
    currency = reveal_invisible(price.currency, max_length=8) or "(currency unknown)"
    shown = f"{format_units(price.value, price.decimals)} {currency}"
    if price.stale:
        return f"{shown} (stale)"
    if price.fx is not None and price.fx.stale:
        return f"{shown} (FX stale)"
    if price.reports_now or (price.fx is not None and price.fx.reports_now):
        return f"{shown} (age unknown)"
    return shown


def _age(updated_at: datetime | None, read_at: datetime) -> str:
    if updated_at is None:
        return "time of the price unknown"
    seconds = int((read_at - updated_at).total_seconds())
    when = updated_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    if seconds < 0:
        return f"set at {when}"
    if seconds < 120:
        age = f"{seconds} s"
    elif seconds < 7200:
        age = f"{seconds // 60} min"
    elif seconds < 172_800:
        age = f"{seconds // 3600} h"
    else:
        age = f"{seconds // 86_400} days"
    return f"set at {when}, {age} old when read"


def price_tooltip(price: Price | None, read_at: datetime) -> str:
    if price is None:
        return "No usable price or NAV for this asset: its value is not counted in any total."
    exact = format_units(price.value, price.decimals, group=False)
    currency = reveal_invisible(price.currency, max_length=8) or "(currency unknown)"
    lines = [
        f"{exact} {currency} per unit",
        f"Source: {reveal_invisible(price.source, max_length=160)}",
        REPORTS_NOW_TEXT.capitalize() if price.reports_now else _age(price.updated_at, read_at).capitalize(),
    ]
    if price.stale:
        lines.append("Stale: older than the profile accepts")
    fx = price.fx
    if fx is not None:
        fx_currency = reveal_invisible(fx.currency, max_length=8)
        lines += [
            f"Converted at {format_units(fx.value, fx.decimals, group=False)} HKD per {fx_currency}",
            f"FX source: {reveal_invisible(fx.source, max_length=160)}",
            "FX " + (REPORTS_NOW_TEXT if fx.reports_now else _age(fx.updated_at, read_at)),
        ]
        if fx.stale:
            lines.append("FX rate stale: older than the profile accepts")
    if price.note:
        lines.append(f"No HKD value: {reveal_invisible(price.note, max_length=300)}")
    return "\n".join(lines)


def value_in_currency_text(holding: Holding) -> str:
    """For a value converted from another currency: a line "= 1,234.56 USD at 7.7815 HKD per USD"; "" otherwise."""
    price = holding.price
    if price is None or price.fx is None:
        return ""
    value = compute_value_in_currency(holding.balance, holding.decimals, price)
    if value is None:
        return ""
    currency = reveal_invisible(price.currency, max_length=8)
    rate = format_units(price.fx.value, price.fx.decimals, group=False)
    return f"\n= {format_units(value, VALUE_DECIMALS)} {currency} at {rate} HKD per {currency}"


def has_issue(holding: Holding) -> bool:
    c = holding.compliance
    return c.paused or c.account_frozen or c.verified is False or holding.frozen > 0


def compliance_text(holding: Holding) -> str:
    c = holding.compliance
    parts: list[str] = []
    if c.paused:
        parts.append("paused")
    if c.account_frozen:
        parts.append("account frozen")
    elif holding.frozen > 0:
        parts.append("partly frozen" if holding.frozen < holding.balance else "frozen")
    if c.verified is False:
        parts.append("holder not verified")
    if parts:
        text = ", ".join(parts)
        return text[0].upper() + text[1:]
    if c.verified is True:
        return "OK, holder verified"
    return "—"


def compliance_tooltip(holding: Holding) -> str:
    c = holding.compliance
    if c.verified is None and not (c.paused or c.account_frozen or c.notes or holding.frozen):
        return "Not a permissioned token: no transfer restrictions are read for it."
    lines = [
        f"Transfers: {'paused by the issuer' if c.paused else 'not paused'}",
        f"This account: {'frozen' if c.account_frozen else 'not frozen'}",
    ]
    if c.verified is not None:
        lines.append(f"Holder identity: {'verified' if c.verified else 'NOT verified'}")
    if holding.frozen:
        lines.append(f"Frozen amount: {format_units(holding.frozen, holding.decimals)}")
    lines.extend(f"• {reveal_invisible(note, max_length=300)}" for note in c.notes)
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class HoldingRow:
    """One holding as the table shows it. `uid` is its position in the snapshot (stable for the snapshot)."""

    uid: int
    key: tuple[str, str, int | None]  # account, asset (lower case), token id: the same holding at another block
    holding: Holding
    account: Account
    texts: tuple[str, ...]  # one display string per HoldingColumn
    sort_keys: tuple[Any, ...]  # exact Python values, one per HoldingColumn
    search: str  # casefolded symbol, name, account label, account and asset address
    issue: bool


@dataclass(frozen=True, slots=True)
class AccountTotal:
    account: Account
    holdings: int
    value_hkd: int  # 10^-6 HKD, sum over the holdings with a value
    unpriced: int  # holdings without a value (not in value_hkd)

    @property
    def watched(self) -> bool:
        return self.account.kind in WATCHED_KINDS


@dataclass(frozen=True, slots=True)
class PreparedHoldings:
    snapshot: HoldingsSnapshot
    rows: tuple[HoldingRow, ...]
    totals: tuple[AccountTotal, ...]  # one per account, in the snapshot's order
    institution_hkd: int  # accounts the institution owns (not investor or watch-only)
    institution_unpriced: int
    watched_hkd: int  # investor and watch-only accounts
    watched_unpriced: int


def _asset_text(holding: Holding, symbol: str) -> str:
    shown = symbol or short_address(holding.asset)
    if holding.token_id is not None:
        shown = f"{shown} #{token_id_text(holding.token_id)}"
    if holding.warnings:
        shown = f"({LOOKALIKE}) {shown}"  # first, so it is never elided
    return shown if holding.verified_token else f"({UNREVIEWED}) {shown}"


def _price_key(price: Price | None) -> tuple[object, ...]:
    if price is None:
        return (1, "", 0)  # after every priced row in ascending order
    # exact comparison across decimals: value / 10**decimals, cross-multiplied to a common scale
    return (0, price.currency, price.value * 10 ** (78 - min(price.decimals, 78)))


def prepare_holdings(snapshot: HoldingsSnapshot) -> PreparedHoldings:
    """Everything the Holdings page shows, computed from `snapshot` (pure: safe on any thread)."""
    accounts = {a.address.lower(): a for a in snapshot.accounts}
    revealed: dict[str, str] = {}  # the same symbols and names repeat across accounts

    def reveal(text: str, limit: int) -> str:
        shown = revealed.get(text)
        if shown is None:
            shown = revealed[text] = reveal_invisible(text, max_length=limit)
        return shown

    prices: dict[Price, str] = {}
    account_texts: dict[str, str] = {}
    rows: list[HoldingRow] = []
    for uid, h in enumerate(snapshot.holdings):
        account = accounts.get(h.account.lower()) or Account(h.account, "", "watch")
        label = account_texts.get(account.address)
        if label is None:
            label = account_texts[account.address] = account_text(account)
        symbol, name = reveal(h.symbol, 40), reveal(h.name, 80)
        if h.price is None:
            price = NO_PRICE_TEXT
        elif h.price in prices:
            price = prices[h.price]
        else:
            price = prices[h.price] = price_text(h.price)
        d = h.decimals
        texts = (
            label,
            _asset_text(h, symbol),
            name,
            STANDARD_TEXT[h.standard],
            format_units(h.balance, d),
            format_units(h.free, d),
            format_units(h.frozen, d),
            price,
            hkd_text(h.value_hkd) if h.value_hkd is not None else "—",
            compliance_text(h),
        )
        issue = has_issue(h)
        sort_keys = (
            label.casefold(),
            (symbol.casefold(), h.token_id if h.token_id is not None else -1, h.asset.lower()),
            name.casefold(),
            h.standard.value,
            h.balance,
            h.free,
            h.frozen,
            _price_key(h.price),
            h.value_hkd if h.value_hkd is not None else -1,
            (not issue, texts[HoldingColumn.COMPLIANCE].casefold()),
        )
        search = " ".join((h.symbol, symbol, h.name, name, account.label, label, account.address, h.asset))
        key = (account.address.lower(), h.asset.lower(), h.token_id)
        rows.append(HoldingRow(uid, key, h, account, texts, sort_keys, search.casefold(), issue))
    return PreparedHoldings(snapshot, tuple(rows), *_totals(snapshot, rows))


def _totals(snapshot: HoldingsSnapshot, rows: list[HoldingRow]) -> tuple[tuple[AccountTotal, ...], int, int, int, int]:
    order = [a.address.lower() for a in snapshot.accounts]
    sums: dict[str, list[int]] = {address: [0, 0, 0] for address in order}  # holdings, value, unpriced
    accounts = {a.address.lower(): a for a in snapshot.accounts}
    for row in rows:
        address = row.account.address.lower()
        if address not in sums:
            order.append(address)
            accounts[address] = row.account
            sums[address] = [0, 0, 0]
        entry = sums[address]
        entry[0] += 1
        if row.holding.value_hkd is None:
            entry[2] += 1
        else:
            entry[1] += row.holding.value_hkd
    totals = tuple(AccountTotal(accounts[a], *sums[a]) for a in order)
    own = [t for t in totals if not t.watched]
    watched = [t for t in totals if t.watched]
    return (
        totals,
        sum(t.value_hkd for t in own),
        sum(t.unpriced for t in own),
        sum(t.value_hkd for t in watched),
        sum(t.unpriced for t in watched),
    )
