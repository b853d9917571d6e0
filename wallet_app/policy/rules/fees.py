"""The fee cap for execution.

    max_gas_price_gwei = 100          # or "2.5"

When the executor's fee quote (max fee per gas) is known, a rule whose cap it exceeds does not match. When it is not
known yet (at proposal), the rule matches and the decision carries the cap: the executor must stay under it, and the
transaction is evaluated again, with the quote, before it is sent (A15).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from wallet_app.policy.describe import format_amount
from wallet_app.policy.rules.base import Book, Condition, Env, Leaf, Miss, Relation, limit_relation
from wallet_app.policy.rules.parsing import ParseContext, parse_amount

GWEI_DECIMALS = 9


def gwei_text(wei: int) -> str:
    return format_amount(wei, GWEI_DECIMALS).rstrip("0").rstrip(".") + " gwei"


@dataclass(frozen=True, slots=True)
class FeeCap(Condition):
    key: ClassVar[str] = "max_gas_price_gwei"
    cost: ClassVar[int] = 2
    cap_wei: int

    def check(self, leaf: Leaf, env: Env) -> Miss | None:
        quote = env.facts.fee_quote
        if quote is None or quote.max_fee_per_gas <= self.cap_wei:
            return None
        return Miss(f"the network fee of {gwei_text(quote.max_fee_per_gas)} per gas is above the cap of "
                    f"{gwei_text(self.cap_wei)}")

    def describe(self, book: Book) -> str:
        return f"with a network fee of at most {gwei_text(self.cap_wei)} per gas"

    def relation(self, other: Condition) -> Relation:
        assert isinstance(other, FeeCap)
        return limit_relation(self.cap_wei, other.cap_wei)


def parse_fee_cap(value: object, ctx: ParseContext) -> FeeCap:
    return FeeCap(parse_amount(value, GWEI_DECIMALS, "max_gas_price_gwei"))
