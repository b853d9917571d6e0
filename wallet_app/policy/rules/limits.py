"""Amount limits per transfer: in the asset's own units and in HKD.

    when = { assets = ["HKDH"], max_amount = "50000.00", max_hkd = "50000.00" }
    when = { max_amount = { HKDH = "50000.00", HMMF = "4000" } }      # one limit per asset

Amounts are decimal texts, converted to exact base units with the decimals pinned in `[[assets]]`. The limit is
inclusive: an amount equal to the limit matches, one base unit more does not (I3). An HKD value is the amount times
the asset's price, rounded up; a missing, stale or unverifiable price makes an HKD limit unknown, which never allows.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

from wallet_app.holdings.model import HKD_DECIMALS, Price
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
from wallet_app.policy.rules.parsing import ParseContext, Problem, expect_table, parse_amount

NO_AMOUNT = Miss("it has no amount to compare with the limit")
OTHER_ASSET = Miss("the rule sets no limit for this asset")


def hkd_text(value: int) -> str:
    return "HKD " + format_amount(value, HKD_DECIMALS)


def value_in_hkd(amount: int, decimals: int, price: Price | None) -> tuple[int | None, str]:
    """(value in 10^-6 HKD rounded up, "") or (None, why there is no usable price)."""
    if price is None:
        return None, "there is no price for it"
    if price.stale:
        return None, f"its price from {price.source} is stale"
    if price.reports_now:
        return None, f"the age of its price from {price.source} cannot be told"
    if price.note:
        return None, price.note
    if price.value <= 0:
        return None, f"its price from {price.source} is not positive"
    numerator = amount * price.value * 10**HKD_DECIMALS
    denominator = 10 ** (decimals + price.decimals)
    if price.currency != "HKD" or price.fx is not None:
        fx = price.fx
        if fx is None or fx.currency != price.currency:
            return None, f"its price is in {price.currency or 'an unknown currency'} with no FX rate to HKD"
        if fx.stale or fx.reports_now or fx.value <= 0:
            return None, f"the {fx.currency}/HKD rate from {fx.source} is stale or of unknown age"
        numerator *= fx.value
        denominator *= 10**fx.decimals
    return -(-numerator // denominator), ""


class Limit(Condition):
    """A per-transfer limit: its amount in words, for the rule's line."""

    @abstractmethod
    def limit_text(self, book: Book) -> str: ...


@dataclass(frozen=True, slots=True)
class MaxAmount(Limit):
    key: ClassVar[str] = "max_amount"
    cost: ClassVar[int] = 3
    limits: tuple[tuple[str, int], ...]  # (asset key, base units), sorted
    by_key: dict[str, int] = field(compare=False, repr=False)

    def check(self, leaf: Leaf, env: Env) -> Miss | None:
        if leaf.amount is None or leaf.asset is None:
            return NO_AMOUNT
        limit = self.by_key.get(leaf.asset)
        if limit is None:
            return OTHER_ASSET
        if leaf.amount <= limit:
            return None
        asset = env.book.assets_by_key[leaf.asset]
        return Miss(f"{format_amount(leaf.amount, asset.decimals)} {asset.symbol} is above the limit of "
                    f"{format_amount(limit, asset.decimals)} {asset.symbol} per transfer")

    def limit_text(self, book: Book) -> str:
        assets = sorted(((book.assets_by_key[k], v) for k, v in self.limits), key=lambda pair: pair[0].symbol)
        return " or ".join(f"{format_amount(v, a.decimals)} {a.symbol}" for a, v in assets)

    def describe(self, book: Book) -> str:
        return f"up to {self.limit_text(book)} per transfer"

    def relation(self, other: Condition) -> Relation:
        assert isinstance(other, MaxAmount)
        if set(self.by_key) != set(other.by_key):
            return "different"
        return combine_relations(limit_relation(v, other.by_key[k]) for k, v in self.limits)

    @property
    def asset_keys(self) -> frozenset[str]:
        return frozenset(self.by_key)


def parse_max_amount(value: object, ctx: ParseContext) -> MaxAmount:
    limits: dict[str, int] = {}
    if isinstance(value, dict):
        for symbol, text in expect_table(value, "max_amount").items():
            asset = ctx.book.assets.get(symbol)
            if asset is None:
                raise Problem(f"max_amount sets a limit in '{symbol}', which is not in [[assets]]", key="max_amount")
            if ctx.rule_assets is not None and asset not in ctx.rule_assets:
                raise Problem(f"max_amount sets a limit in {symbol}, which is not among the rule's assets",
                              key="max_amount")
            limits[asset.key] = parse_amount(text, asset.decimals, f"max_amount for {symbol}")
        missing = [a.symbol for a in ctx.rule_assets or () if a.key not in limits]
        if missing:
            raise Problem(f"max_amount sets no limit for {', '.join(missing)}", key="max_amount")
    else:
        if not ctx.rule_assets:
            raise Problem("max_amount as one amount needs the rule's `assets` (it is read in their decimals); "
                          "or write one limit per asset: max_amount = { HKDH = \"50000.00\" }", key="max_amount")
        for asset in ctx.rule_assets:
            limits[asset.key] = parse_amount(value, asset.decimals, f"max_amount in {asset.symbol}")
    return MaxAmount(tuple(sorted(limits.items())), limits)


@dataclass(frozen=True, slots=True)
class MaxHkd(Limit):
    key: ClassVar[str] = "max_hkd"
    cost: ClassVar[int] = 4
    limit: int  # 10^-6 HKD

    def check(self, leaf: Leaf, env: Env) -> Miss | None:
        if leaf.hkd is None:
            return Miss(f"its value in HKD cannot be told ({leaf.hkd_problem}): the HKD limit fails closed",
                        unknown=True)
        if leaf.hkd <= self.limit:
            return None
        return Miss(f"it is worth {hkd_text(leaf.hkd)}, above the limit of {hkd_text(self.limit)} per transfer")

    def limit_text(self, book: Book) -> str:
        return hkd_text(self.limit)

    def describe(self, book: Book) -> str:
        return f"worth up to {hkd_text(self.limit)} per transfer"

    def relation(self, other: Condition) -> Relation:
        assert isinstance(other, MaxHkd)
        return limit_relation(self.limit, other.limit)


def parse_max_hkd(value: object, ctx: ParseContext) -> MaxHkd:
    return MaxHkd(parse_amount(value, HKD_DECIMALS, "max_hkd"))
