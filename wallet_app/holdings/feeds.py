"""The price feeds a profile trusts, with the rule each is read by (the `price_feeds` table, migration 0004).

A feed of kind "nav" gives a token's NAV (or price) per unit in its `currency`; a token names its NAV feed by its
registry role "nav-feed:<address>". A feed of kind "fx" gives the HKD price of one unit of its `currency`
(HKD per USD, say). An answer older than the feed's `max_age_seconds` at the block it is read at is stale. A
`reports_now` feed always reports the block's own time as `updatedAt`, so its age says nothing about how old the
answer really is.

Decision (conservative): a NAV feed the profile has not configured is still read and its answer shown, but it values
nothing in HKD: its currency and its maximum age are unknown, and taking them for HKD and a default age could value a
USD fund at a seventh of its worth, or value a feed that stopped long ago. An administrator configures the feed (one
row in `price_feeds`) to have it valued. Likewise two FX feeds for one currency give no rate at all (which of them is
right is not for Custos to guess).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import Engine, select

from wallet_app.domain.addresses import to_checksum
from wallet_app.storage.schema import price_feeds

NAV = "nav"
FX = "fx"
HKD = "HKD"
MAX_CURRENCY = 8  # the column's width


@dataclass(frozen=True, slots=True)
class FeedRule:
    address: str  # checksummed
    kind: str  # NAV or FX
    currency: str  # upper-case code: for NAV the price's currency, for FX the currency one unit of which is priced
    max_age_seconds: int
    reports_now: bool = False  # updatedAt is always the block's time: the answer's age is unknown
    label: str = ""  # an administrator's words, shown as plain text


def normalise_currency(text: str) -> str | None:
    """An upper-case currency code of letters and digits (up to 8), or None."""
    code = text.strip().upper()
    if not code or len(code) > MAX_CURRENCY or not code.isascii() or not code.isalnum():
        return None
    return code


class FeedBook:
    """The configured feeds, looked up by address (NAV) or by currency (FX). Pure; built by `FeedRegistry`."""

    def __init__(self, rules: Iterable[FeedRule] = ()) -> None:
        self._nav: dict[str, FeedRule] = {}
        fx: dict[str, list[FeedRule]] = defaultdict(list)
        for given in rules:
            try:
                rule = replace(given, address=to_checksum(given.address))
            except ValueError:
                continue
            if rule.kind == NAV:
                self._nav[rule.address] = rule
            elif rule.kind == FX and rule.currency != HKD:
                fx[rule.currency].append(rule)
        self._fx = {currency: found[0] for currency, found in fx.items() if len(found) == 1}
        self._ambiguous = {currency for currency, found in fx.items() if len(found) > 1}

    def nav(self, address: str) -> FeedRule | None:
        try:
            return self._nav.get(to_checksum(address))
        except ValueError:
            return None

    def fx(self, currency: str) -> FeedRule | None:
        """The feed giving HKD per one unit of `currency`; None when there is none, or more than one."""
        return self._fx.get(currency.upper())

    def describe_missing_fx(self, currency: str) -> str:
        """Why `fx(currency)` gave nothing, in plain words."""
        code = currency.upper()
        if code in self._ambiguous:
            return f"more than one {code}/HKD FX feed is configured, so none is used"
        return f"no {code}/HKD FX feed is configured"

    def __len__(self) -> int:
        return len(self._nav) + len(self._fx)


class FeedRegistry:
    def __init__(self, *, engine: Engine, chain_id: int) -> None:
        self._engine = engine
        self._chain_id = chain_id

    def load_feeds(self) -> FeedBook:
        """The profile's feeds on its chain. Rows this version cannot use (unknown kind, bad address or currency, a
        maximum age that is not positive) are left out, so that feed values nothing."""
        query = select(price_feeds).where(price_feeds.c.chain_id == self._chain_id).order_by(price_feeds.c.address)
        with self._engine.connect() as conn:
            rows = list(conn.execute(query))
        rules = []
        for row in rows:
            kind, currency, max_age = str(row.kind), normalise_currency(str(row.currency)), int(row.max_age_seconds)
            if kind not in (NAV, FX) or currency is None or max_age <= 0:
                continue
            try:
                address = to_checksum(str(row.address))
            except ValueError:
                continue
            rules.append(FeedRule(address, kind, currency, max_age, bool(row.reports_now), str(row.label or "")))
        return FeedBook(rules)
