"""Plain renderings of a snapshot: JSON for scripts and a text table for people.

Token names and symbols are untrusted: JSON escapes them (json.dumps keeps to ASCII), and the text table shows
control, bidi and other invisible characters as visible \\u escapes so that a token cannot rewrite the terminal
or reorder what a person reads.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from wallet_app.domain.units import format_units
from wallet_app.holdings.model import HKD_DECIMALS, FxRate, Holding, HoldingsSnapshot, Price
from wallet_app.holdings.prices import (
    REPORTS_NOW_TEXT,
    VALUE_DECIMALS,
    compute_age_seconds,
    compute_value_in_currency,
)
from wallet_app.holdings.totals import compute_account_totals, compute_institution_total


def format_hkd(value: int | None) -> str | None:
    """10^-6 HKD as a decimal string ("1234.56"), None for no value."""
    return None if value is None else format_units(value, HKD_DECIMALS, group=False)


def build_snapshot_json(snapshot: HoldingsSnapshot) -> dict[str, Any]:
    totals = compute_account_totals(snapshot)
    institution = compute_institution_total(snapshot)
    return {
        "block_number": snapshot.block_number,
        "block_hash": "0x" + snapshot.block_hash.hex(),
        "block_time": snapshot.block_time.isoformat() if snapshot.block_time else None,
        "read_at": snapshot.read_at.isoformat(),
        "accounts": [
            {"address": a.address, "label": a.label, "kind": a.kind,
             "value_hkd": format_hkd(totals[a.address].value_hkd), "unpriced": totals[a.address].unpriced}
            for a in snapshot.accounts
        ],
        "total_value_hkd": format_hkd(institution.value_hkd),
        "total_unpriced": institution.unpriced,
        "holdings": [build_holding_json(h, snapshot) for h in snapshot.holdings],
        "unreadable": list(snapshot.unreadable),
        "inconsistencies": list(snapshot.inconsistencies),
        "cross_checked_with": list(snapshot.cross_checked_with),
    }


def build_holding_json(holding: Holding, snapshot: HoldingsSnapshot) -> dict[str, Any]:
    c = holding.compliance
    return {
        "account": holding.account,
        "asset": holding.asset,
        "standard": holding.standard.value,
        "token_id": holding.token_id,
        "symbol": holding.symbol,
        "name": holding.name,
        "decimals": holding.decimals,
        "balance": holding.balance,
        "frozen": holding.frozen,
        "free": holding.free,
        "price": build_price_json(holding.price, snapshot),
        "value_hkd": format_hkd(holding.value_hkd),
        **build_value_in_currency_json(holding),
        "verified_token": holding.verified_token,
        "warnings": list(holding.warnings),
        "compliance": {"paused": c.paused, "account_frozen": c.account_frozen, "verified": c.verified,
                       "notes": list(c.notes)},
        "block_number": snapshot.block_number,
        "block_hash": "0x" + snapshot.block_hash.hex(),
    }


def build_value_in_currency_json(holding: Holding) -> dict[str, Any]:
    """The value in the price's own currency (USD for a USD NAV), beside the HKD value and never added to it."""
    value = compute_value_in_currency(holding.balance, holding.decimals, holding.price)
    return {
        "value_currency": holding.price.currency if value is not None and holding.price is not None else None,
        "value_in_currency": None if value is None else format_units(value, VALUE_DECIMALS, group=False),
    }


def build_price_json(price: Price | None, snapshot: HoldingsSnapshot) -> dict[str, Any] | None:
    return build_price_json_at(price, snapshot.block_time or snapshot.read_at)


def build_price_json_at(price: Price | None, at: datetime) -> dict[str, Any] | None:
    """A price as judged at `at` (the time of the block it was read at). `note` says why it values nothing although
    shown (null when it does, or when `stale` says it); `fx` is the HKD rate of a price in another currency."""
    if price is None:
        return None
    return {
        "per_unit": format_units(price.value, price.decimals, group=False),
        "currency": price.currency or None,
        "source": price.source,
        "updated_at": price.updated_at.isoformat() if price.updated_at else None,
        "age_seconds": compute_age_seconds(price, at),
        "stale": price.stale,
        "reports_now": price.reports_now,
        "age_note": REPORTS_NOW_TEXT if price.reports_now else None,
        "fx": _fx_json(price.fx, at),
        "note": price.note or None,
    }


def _fx_json(fx: FxRate | None, at: datetime) -> dict[str, Any] | None:
    if fx is None:
        return None
    return {
        "hkd_per_unit": format_units(fx.value, fx.decimals, group=False),
        "currency": fx.currency,
        "source": fx.source,
        "updated_at": fx.updated_at.isoformat() if fx.updated_at else None,
        "age_seconds": compute_age_seconds(fx, at),
        "stale": fx.stale,
        "reports_now": fx.reports_now,
        "age_note": REPORTS_NOW_TEXT if fx.reports_now else None,
    }


def _age_text(age: object, reports_now: bool) -> str:
    if reports_now:
        return f", {REPORTS_NOW_TEXT}"
    return f", {age // 3600} h {age % 3600 // 60} min old" if isinstance(age, int) else ""


def make_visible(text: str) -> str:
    """Untrusted text for a terminal: control, format (bidi, zero-width) and unassigned characters as \\uXXXX."""
    out = []
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"):
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def build_table_lines(snapshot: HoldingsSnapshot) -> list[str]:
    totals = compute_account_totals(snapshot)
    lines = [f"Holdings at block {snapshot.block_number} (0x{snapshot.block_hash.hex()})"]
    if snapshot.inconsistencies:
        lines.append("INCONSISTENT DATA: the providers disagree; the lower values are shown")
        lines.extend(f"  {make_visible(note)}" for note in snapshot.inconsistencies)
    by_account: dict[str, list[Holding]] = {}
    for holding in snapshot.holdings:
        by_account.setdefault(holding.account, []).append(holding)
    for account in snapshot.accounts:
        total = totals[account.address]
        unpriced = f", {total.unpriced} without price" if total.unpriced else ""
        lines.append("")
        lines.append(f"{make_visible(account.label) or '(no label)'}  [{account.kind}]  {account.address}  "
                     f"value HKD {format_hkd(total.value_hkd)}{unpriced}")
        for h in by_account.get(account.address, []):
            lines.append("    " + _row(h, snapshot))
    institution = compute_institution_total(snapshot)
    lines.append("")
    lines.append(f"Total value HKD {format_hkd(institution.value_hkd)}"
                 + (f" ({institution.unpriced} holdings without price)" if institution.unpriced else ""))
    lines.extend(f"Unreadable: {note}" for note in snapshot.unreadable)
    return lines


def _row(h: Holding, snapshot: HoldingsSnapshot) -> str:
    asset = make_visible(h.symbol) + (f" #{h.token_id}" if h.token_id is not None else "")
    balance = format_units(h.balance, h.decimals)
    parts = [f"{asset:<14}", f"{h.standard.value:<8}", f"{balance:>22}"]
    if h.frozen:
        parts.append(f"frozen {format_units(h.frozen, h.decimals)} free {format_units(h.free, h.decimals)}")
    if h.price is not None:
        price = build_price_json(h.price, snapshot) or {}
        age_text = _age_text(price.get("age_seconds"), h.price.reports_now)
        stale = ", STALE" if h.price.stale else ""
        currency = make_visible(h.price.currency) or "(currency unknown)"
        parts.append(f"@ {price['per_unit']} {currency} ({make_visible(h.price.source)}{age_text}{stale})")
        fx = price.get("fx")
        if h.price.fx is not None and isinstance(fx, dict):
            fx_age = _age_text(fx.get("age_seconds"), h.price.fx.reports_now)
            fx_stale = ", STALE" if h.price.fx.stale else ""
            parts.append(f"x {fx['hkd_per_unit']} HKD/{make_visible(h.price.fx.currency)} "
                         f"({make_visible(h.price.fx.source)}{fx_age}{fx_stale})")
    value = format_hkd(h.value_hkd)
    if value is not None:
        parts.append(f"= HKD {value}")
    elif h.price is not None and h.price.note:
        parts.append(f"no HKD value: {make_visible(h.price.note)}")
    else:
        parts.append("no price" if h.price is None else "no HKD value")
    if not h.verified_token:
        parts.append("[unreviewed token]")
    parts += [f"[warning: {w}]" for w in h.warnings]
    if h.compliance.notes:
        parts.append("; ".join(h.compliance.notes))
    return "  ".join(parts)
