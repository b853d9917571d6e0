"""Rolling-window (velocity) limits: what the vault sends in any period, this transfer included (I4).

    velocity = { period_hours = 24, max_hkd = "200000.00" }
    velocity = { period_hours = 168, max_amount = { HKDH = "1000000.00" } }

The spent figure comes from the caller: every outgoing transfer of the vault since `now - period` that is executed,
queued or pending (on any desktop sharing the queue), excluding the transaction being decided, whichever rule allowed
them. The earlier transfers of the same batch are added, then this one; the limit is inclusive. A figure the caller
cannot give, or a transfer without a fresh price, is unknown: it never allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from wallet_app.holdings.model import HKD_DECIMALS
from wallet_app.policy.describe import format_amount
from wallet_app.policy.rules.base import (
    Book,
    Condition,
    Env,
    Leaf,
    Miss,
    Relation,
    combine_relations,
    limit_relation,
)
from wallet_app.policy.rules.limits import hkd_text
from wallet_app.policy.rules.parsing import (
    ParseContext,
    Problem,
    check_keys,
    expect_int,
    expect_table,
    parse_amount,
)

KEYS = ("period_hours", "max_hkd", "max_amount")


@dataclass(frozen=True, slots=True)
class Velocity(Condition):
    key: ClassVar[str] = "velocity"
    cost: ClassVar[int] = 9  # asks the caller's figures: last
    period_seconds: int
    max_hkd: int | None
    max_amounts: tuple[tuple[str, int], ...]  # (asset key, base units)

    def check(self, leaf: Leaf, env: Env) -> Miss | None:
        since = env.facts.now - timedelta(seconds=self.period_seconds)
        if self.max_hkd is not None:
            miss = self._check_hkd(leaf, env, since)
            if miss is not None:
                return miss
        for asset_key, limit in self.max_amounts:
            if leaf.asset != asset_key or leaf.amount is None:
                continue
            spent = env.facts.spent_amount(env.facts.safe, asset_key, since) if env.facts.spent_amount else None
            asset = env.book.assets_by_key[asset_key]
            if spent is None:
                return Miss(f"the {asset.symbol} sent in the last {self._period()} is not known: the velocity limit "
                            "fails closed", unknown=True)
            total = spent + env.batch_amounts.get(asset_key, 0) + leaf.amount
            if total > limit:
                return Miss(f"{asset.symbol} sent in the last {self._period()} would be "
                            f"{format_amount(total, asset.decimals)}, above the limit of "
                            f"{format_amount(limit, asset.decimals)}")
        return None

    def _check_hkd(self, leaf: Leaf, env: Env, since: datetime) -> Miss | None:
        assert self.max_hkd is not None
        if leaf.hkd is None or env.batch_hkd_unknown:
            why = leaf.hkd_problem or "an earlier call"
            return Miss(f"a transfer of this transaction has no usable HKD price ({why}): the velocity limit fails "
                        "closed", unknown=True)
        spent = env.facts.spent_hkd(env.facts.safe, since) if env.facts.spent_hkd else None
        if spent is None:
            return Miss(f"what the vault sent in the last {self._period()} is not known: the velocity limit fails "
                        "closed", unknown=True)
        total = spent + env.batch_hkd + leaf.hkd
        if total > self.max_hkd:
            return Miss(f"the vault's transfers in the last {self._period()} would reach {hkd_text(total)} "
                        f"({hkd_text(spent)} already, {hkd_text(env.batch_hkd + leaf.hkd)} in this transaction), "
                        f"above the limit of {hkd_text(self.max_hkd)}")
        return None

    def _period(self) -> str:
        hours = self.period_seconds // 3600
        if hours % 24 == 0 and hours > 24:
            return f"{hours // 24} days"
        return f"{hours} hours" if hours != 1 else "hour"

    def describe(self, book: Book) -> str:
        limits = [hkd_text(self.max_hkd)] if self.max_hkd is not None else []
        limits += sorted(f"{format_amount(v, book.assets_by_key[k].decimals)} {book.assets_by_key[k].symbol}"
                         for k, v in self.max_amounts)
        return f"while the vault sends at most {' and '.join(limits)} in any {self._period()}"

    def relation(self, other: Condition) -> Relation:
        assert isinstance(other, Velocity)
        if (self.max_hkd is None) != (other.max_hkd is None) or \
                {k for k, _ in self.max_amounts} != {k for k, _ in other.max_amounts}:
            return "different"
        theirs = dict(other.max_amounts)
        parts = [limit_relation(v, theirs[k]) for k, v in self.max_amounts]
        if self.max_hkd is not None and other.max_hkd is not None:
            parts.append(limit_relation(self.max_hkd, other.max_hkd))
        parts.append(limit_relation(other.period_seconds, self.period_seconds))  # a shorter period allows more
        return combine_relations(parts)


def parse_velocity(value: object, ctx: ParseContext) -> Velocity:
    table = expect_table(value, "velocity")
    check_keys(table, KEYS, "velocity", required=("period_hours",))
    period = expect_int(table["period_hours"], "velocity period_hours", minimum=1) * 3600
    max_hkd = parse_amount(table["max_hkd"], HKD_DECIMALS, "velocity max_hkd") if "max_hkd" in table else None
    amounts = {}
    if "max_amount" in table:
        for symbol, text in expect_table(table["max_amount"], "velocity max_amount").items():
            asset = ctx.book.assets.get(symbol)
            if asset is None:
                raise Problem(f"velocity sets a limit in '{symbol}', which is not in [[assets]]", key="velocity")
            amounts[asset.key] = parse_amount(text, asset.decimals, f"velocity max_amount for {symbol}")
    if max_hkd is None and not amounts:
        raise Problem("velocity needs max_hkd or max_amount", key="velocity")
    return Velocity(period, max_hkd, tuple(sorted(amounts.items())))
