"""Totals of a snapshot in 10^-6 HKD: per account and for the whole institution. Holdings without a price add
nothing and are counted, so a total never silently looks complete."""

from __future__ import annotations

from dataclasses import dataclass

from wallet_app.holdings.model import HoldingsSnapshot


@dataclass(frozen=True, slots=True)
class Total:
    value_hkd: int  # 10^-6 HKD, sum of the priced holdings
    unpriced: int  # holdings with a balance but no usable price


def compute_account_totals(snapshot: HoldingsSnapshot) -> dict[str, Total]:
    values: dict[str, int] = {a.address: 0 for a in snapshot.accounts}
    unpriced: dict[str, int] = {a.address: 0 for a in snapshot.accounts}
    for holding in snapshot.holdings:
        values.setdefault(holding.account, 0)
        unpriced.setdefault(holding.account, 0)
        if holding.value_hkd is not None:
            values[holding.account] += holding.value_hkd
        elif holding.balance > 0:
            unpriced[holding.account] += 1
    return {address: Total(values[address], unpriced[address]) for address in values}


def compute_institution_total(snapshot: HoldingsSnapshot) -> Total:
    totals = compute_account_totals(snapshot).values()
    return Total(sum(t.value_hkd for t in totals), sum(t.unpriced for t in totals))
