"""`FeedAdmin`: an administrator configures the profile's price feeds and links tokens to their NAV feed.

The holdings value a token from a feed only when the feed has a row in `price_feeds` (its kind, currency and maximum
age; see `feeds`) and the token's registry role names it ("nav-feed:<address>"). This service writes both.

Adding a feed asks the chain first, in one Multicall3 round trip at one block: the address must answer `decimals()`
(0 to 36) and `latestRoundData()` with an answer above 0 and an `updatedAt` above 0, like an AggregatorV3 feed.
`description()` is read when the feed has one; it is the feed's own words (untrusted text), shown, never used. The
same round trip reads the block's number and time from Multicall3, so the answer's age is judged as the holdings
judge it: at the block read.

Refused, with nothing written: an address already configured (never overwritten), a currency that is not three
upper-case letters, an FX feed for HKD, a second FX feed for a currency that has one (the valuation would use
neither), a maximum age that is not positive or is over 30 days, and an address that does not answer like a feed.
A feed a token links to is not removed. A token's NAV feed must be a configured "nav" feed; a stablecoin (fixed
1:1 HKD) never has one.

With an `audit` log each change (a feed added or removed, a token's NAV feed named) is an audit entry
(`feed_change`) in the transaction of the change.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from wallet_app.audit import actions
from wallet_app.chain.client import Call, CallResult, ChainClient
from wallet_app.chain.multicall import MULTICALL3_ADDRESS
from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.units import format_units
from wallet_app.errors import ConfigError
from wallet_app.holdings.calldata import build_plain_call
from wallet_app.holdings.decode import decode_int, decode_text, decode_uint, decode_word
from wallet_app.holdings.feeds import FX, HKD, NAV, FeedBook, FeedRule, normalise_currency
from wallet_app.holdings.registry import NAV_FEED_ROLE, TokenEntry, TokenRegistry
from wallet_app.holdings.views import make_visible
from wallet_app.storage.schema import price_feeds, tokens

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog

KINDS = (NAV, FX)
MAX_FEED_DECIMALS = 36
MAX_AGE_LIMIT_SECONDS = 30 * 86_400
MAX_LABEL = 120
_CURRENCY = re.compile(r"[A-Z]{3}")
_PROBES = ("decimals()", "latestRoundData()", "description()")
_BLOCK_PROBES = ("getBlockNumber()", "getCurrentBlockTimestamp()")  # Multicall3's own: the block read at


@dataclass(frozen=True, slots=True)
class LinkedToken:
    address: str
    symbol: str  # as the token said it: untrusted text
    reviewed: bool

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "symbol": self.symbol, "reviewed": self.reviewed}

    def describe(self) -> str:
        return f"{make_visible(self.symbol) or '(no symbol)'} {self.address}" + ("" if self.reviewed else
                                                                                " (unreviewed)")


@dataclass(frozen=True, slots=True)
class FeedView:
    """One row of `price_feeds`, with the tokens that name it and, for an FX feed, the tokens it converts."""

    address: str
    kind: str
    currency: str
    max_age_seconds: int
    reports_now: bool
    label: str  # an administrator's words
    tokens: tuple[LinkedToken, ...] = ()  # tokens whose role "nav-feed:" names this feed
    converts_for: tuple[LinkedToken, ...] = ()  # FX: tokens whose NAV feed is in this currency
    note: str = ""  # why this row values nothing; "" when it is used

    @property
    def max_age_hours(self) -> int | float:
        hours = self.max_age_seconds / 3600
        return int(hours) if hours.is_integer() else round(hours, 4)

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "kind": self.kind, "currency": self.currency,
                "max_age_hours": self.max_age_hours, "max_age_seconds": self.max_age_seconds,
                "reports_now": self.reports_now, "label": self.label,
                "tokens": [t.to_json() for t in self.tokens],
                "converts_for": [t.to_json() for t in self.converts_for], "note": self.note}


@dataclass(frozen=True, slots=True)
class FeedReading:
    """What a feed answered, and the block it answered at."""

    decimals: int
    answer: int  # > 0
    updated_at: int  # seconds since the epoch, > 0
    description: str | None  # the feed's own words (untrusted); None when it has no description()
    block_number: int | None
    block_timestamp: int | None

    @property
    def answer_text(self) -> str:
        return format_units(self.answer, self.decimals, group=False)

    @property
    def age_seconds(self) -> int | None:
        """How old the answer was at the block read (never negative); None when the block's time is unknown."""
        return None if self.block_timestamp is None else max(self.block_timestamp - self.updated_at, 0)

    def to_json(self) -> dict[str, Any]:
        return {"decimals": self.decimals, "answer": self.answer, "answer_text": self.answer_text,
                "updated_at": datetime.fromtimestamp(self.updated_at, UTC).isoformat(),
                "age_seconds": self.age_seconds, "description": self.description,
                "block_number": self.block_number}


@dataclass(frozen=True, slots=True)
class FeedAdded:
    feed: FeedView
    reading: FeedReading
    notes: tuple[str, ...]  # what it values, how fresh it is: plain words

    def to_json(self) -> dict[str, Any]:
        return {"feed": self.feed.to_json(), "reading": self.reading.to_json(), "notes": list(self.notes)}


@dataclass(frozen=True, slots=True)
class FeedRemoved:
    feed: FeedView
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TokenFeedChange:
    token: TokenEntry  # as saved
    previous: str | None  # the NAV feed it named before
    feed: FeedView | None  # the NAV feed it names now
    changed: bool
    notes: tuple[str, ...] = field(default=())


def parse_max_age_hours(text: str) -> int:
    """`--max-age-hours` (a decimal number of hours, more than 0 and at most 30 days) in whole seconds."""
    try:
        hours = Decimal(text.strip())
    except InvalidOperation:
        raise ConfigError(f"'{text[:20]}' is not a number of hours") from None
    if not hours.is_finite():
        raise ConfigError(f"'{text[:20]}' is not a number of hours")
    seconds = int(hours * 3600)
    check_max_age(seconds)
    return seconds


def check_max_age(seconds: int) -> None:
    if seconds <= 0:
        raise ConfigError("The maximum age must be more than 0 (at least one second)")
    if seconds > MAX_AGE_LIMIT_SECONDS:
        raise ConfigError(f"The maximum age must be at most 30 days ({MAX_AGE_LIMIT_SECONDS // 3600} hours): an "
                          "older answer is no price")


def check_currency(text: str) -> str:
    """Three upper-case ASCII letters, the shape of an ISO 4217 code."""
    code = text.strip()
    if not _CURRENCY.fullmatch(code):
        raise ConfigError(f"'{make_visible(code[:12])}' is not a currency code: give three upper-case letters "
                          "(ISO 4217), like HKD or USD")
    return code


def check_label(text: str) -> str:
    label = text.strip()
    if len(label) > MAX_LABEL:
        raise ConfigError(f"A feed's label is at most {MAX_LABEL} characters")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp") for c in label):
        raise ConfigError(f"The label '{make_visible(label)}' holds control or invisible characters; give plain text")
    return label


def format_age(seconds: int) -> str:
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def format_hours(view: FeedView) -> str:
    return f"{view.max_age_hours} h"


@dataclass(frozen=True, slots=True)
class _Row:
    address: str
    kind: str
    currency: str
    max_age_seconds: int
    reports_now: bool
    label: str

    def rule(self) -> FeedRule | None:
        """The rule the valuation reads this row by (see `FeedRegistry.load_feeds`), or None when it skips it."""
        currency = normalise_currency(self.currency)
        if self.kind not in KINDS or currency is None or self.max_age_seconds <= 0:
            return None
        try:
            address = to_checksum(self.address)
        except ValueError:
            return None
        return FeedRule(address, self.kind, currency, self.max_age_seconds, self.reports_now, self.label)


class FeedAdmin:
    def __init__(self, *, engine: Engine, chain: ChainClient, chain_id: int, audit: AuditLog | None = None) -> None:
        self._engine = engine
        self._chain = chain
        self._chain_id = chain_id
        self._audit = audit
        self._registry = TokenRegistry(engine=engine, chain_id=chain_id, audit=audit)

    # -- reading ----------------------------------------------------------------------------------------------
    def load_feeds(self) -> list[FeedView]:
        """Every configured feed of the profile's chain, with the tokens linked to it; no network."""
        rows = self._load_rows()
        return self._build_views(rows, self._registry.load_tokens())

    def load_feed(self, address: str) -> FeedView | None:
        wanted = to_checksum(address).lower()
        return next((v for v in self.load_feeds() if v.address.lower() == wanted), None)

    # -- adding -----------------------------------------------------------------------------------------------
    def add_feed(self, address: str, *, kind: str, currency: str, max_age_seconds: int, reports_now: bool = False,
                 label: str = "") -> FeedAdded:
        """Check `address` answers like an AggregatorV3 feed and record it. Everything that can be refused without
        the chain is refused before it is asked."""
        feed = to_checksum(address)
        if kind not in KINDS:
            raise ConfigError(f"A feed's kind is nav or fx, not '{make_visible(kind[:12])}'")
        code = check_currency(currency)
        if kind == FX and code == HKD:
            raise ConfigError("An FX feed gives HKD per unit of another currency: --currency names that currency "
                              "(like USD), never HKD")
        check_max_age(max_age_seconds)
        label = check_label(label)
        self._refuse_conflicts(self._load_rows(), feed, kind, code)
        reading = self.fetch_reading(feed)
        row = {"chain_id": self._chain_id, "address": feed, "kind": kind, "currency": code,
               "max_age_seconds": max_age_seconds, "reports_now": reports_now, "label": label}
        try:
            with self._engine.begin() as conn:
                self._refuse_conflicts(self._read_rows(conn), feed, kind, code)  # added meanwhile by another process
                conn.execute(insert(price_feeds).values(**row))
                if self._audit is not None:
                    self._audit.append(conn, actor=actions.OPERATOR, action=actions.FEED_CHANGE, subject=feed,
                                       detail={"change": "feed added", "kind": kind, "currency": code,
                                               "max_age_seconds": max_age_seconds, "reports_now": reports_now,
                                               "label": label, "description": (reading.description or "")[:200]})
        except IntegrityError:
            self._refuse_conflicts(self._load_rows(), feed, kind, code)
            raise
        rows = self._load_rows()
        views = self._build_views(rows, self._registry.load_tokens())
        view = next(v for v in views if v.address == feed)
        return FeedAdded(view, reading, tuple(self._describe_use(view, reading, views)))

    def fetch_reading(self, address: str) -> FeedReading:
        """decimals(), latestRoundData() and description() of `address`, with the block's number and time, in one
        Multicall3 round trip. Raises ConfigError when it does not answer like an AggregatorV3 feed."""
        feed = to_checksum(address)
        calls = [Call(feed, build_plain_call(p)) for p in _PROBES]
        calls += [Call(MULTICALL3_ADDRESS, build_plain_call(p)) for p in _BLOCK_PROBES]
        answers = self._chain.multicall(calls)
        decimals, round_data, description, block_number, block_time = answers
        refused = "; nothing was added"
        if all(r.success and not r.data for r in (decimals, round_data, description)):
            raise ConfigError(f"{feed}: no contract at this address{refused}")
        value = decode_uint(decimals)
        if value is None:
            raise ConfigError(f"{feed} does not answer decimals() like an AggregatorV3 feed{refused}")
        if value > MAX_FEED_DECIMALS:
            raise ConfigError(f"{feed} answers decimals() = {_shorten(value)}; a feed's decimals are 0 to "
                              f"{MAX_FEED_DECIMALS}{refused}")
        answer, updated_at = _decode_round(round_data)
        if answer is None or updated_at is None:
            raise ConfigError(f"{feed} does not answer latestRoundData() like an AggregatorV3 feed{refused}")
        if answer <= 0:
            raise ConfigError(f"{feed} answers {_shorten(answer)} as its latest price; a price must be more than "
                              f"0{refused}")
        if updated_at == 0 or updated_at >= 2**63:
            raise ConfigError(f"{feed} gives its latest round no usable update time (updatedAt "
                              f"{_shorten(updated_at)}){refused}")
        return FeedReading(value, answer, updated_at, decode_text(description), decode_uint(block_number),
                           decode_uint(block_time))

    # -- removing ---------------------------------------------------------------------------------------------
    def remove_feed(self, address: str) -> FeedRemoved:
        """Remove a configured feed no token links to. Removing an FX feed leaves the tokens it converted without
        an HKD value: they are named."""
        feed = to_checksum(address)
        view = self.load_feed(feed)
        if view is None:
            raise ConfigError(f"{feed} is not a configured price feed")
        self._refuse_linked(view)
        with self._engine.begin() as conn:
            linked = [str(r.address) for r in conn.execute(
                select(tokens.c.address, tokens.c.role).where(tokens.c.chain_id == self._chain_id))
                if _role_names(str(r.role), feed)]
            if linked:
                raise ConfigError(f"{feed} is linked to {', '.join(linked)} meanwhile; nothing was removed")
            conn.execute(delete(price_feeds).where(price_feeds.c.chain_id == self._chain_id,
                                                   price_feeds.c.address == view.address))
            if self._audit is not None:
                self._audit.append(conn, actor=actions.OPERATOR, action=actions.FEED_CHANGE, subject=view.address,
                                   detail={"change": "feed removed", "kind": view.kind, "currency": view.currency})
        notes = []
        if view.converts_for:
            names = ", ".join(t.describe() for t in view.converts_for)
            notes.append(f"without this {view.currency}/HKD rate these tokens have no HKD value: {names}")
        return FeedRemoved(view, tuple(notes))

    # -- linking a token --------------------------------------------------------------------------------------
    def set_token_feed(self, token: str, feed: str | None) -> TokenFeedChange:
        """Name `feed` (a configured NAV feed) as the NAV feed of `token`, or, with None, name none."""
        address = to_checksum(token)
        feed_address = None if feed is None else to_checksum(feed)
        entry = self._registry.load_token(address)
        if entry is None:
            raise ConfigError(f"{address} is not in the token registry; add it first (custos tokens add)")
        name = f"{make_visible(entry.symbol) or '(no symbol)'} {entry.address}"
        if entry.stablecoin:
            raise ConfigError(f"{name} is a stablecoin, valued at a fixed 1:1 HKD rate: it cannot have a NAV "
                              "feed; nothing changed")
        if entry.role and not entry.role.startswith(NAV_FEED_ROLE):
            raise ConfigError(f"{name} has the registry role '{make_visible(entry.role)}', which this command does "
                              "not change; nothing changed")
        previous = entry.nav_feed
        views = self.load_feeds()
        if feed_address is None:
            if not entry.role:
                return TokenFeedChange(entry, None, None, False, (f"{name} has no NAV feed; nothing changed",))
            saved = self._registry.save_role(address, "", expected=entry.role)
            notes = [f"{name} has no NAV feed now: it shows no price and no HKD value"]
            if previous is not None:
                notes.append(f"it took its NAV from {previous} before")
            return TokenFeedChange(saved, previous, None, True, tuple(notes))
        view = self._configured_nav(feed_address, views)
        if previous == view.address:
            return TokenFeedChange(entry, previous, view, False,
                                   (f"{name} already takes its NAV from {view.address}; nothing changed",))
        saved = self._registry.save_role(address, NAV_FEED_ROLE + view.address, expected=entry.role)
        views = self.load_feeds()
        view = next(v for v in views if v.address == view.address)
        notes = [f"{name} takes its NAV from {view.address} now ({view.currency} per unit"
                 + (f", {make_visible(view.label)})" if view.label else ")")]
        if previous is not None:
            notes.append(f"it took its NAV from {previous} before")
        if view.currency != HKD:
            notes.append(self._describe_fx(view.currency, views))
        if not entry.verified:
            notes.append("the token is unreviewed: it is priced only once an administrator approves it")
        return TokenFeedChange(saved, previous, view, True, tuple(notes))

    # -- internals --------------------------------------------------------------------------------------------
    def _configured_nav(self, feed: str, views: list[FeedView]) -> FeedView:
        view = next((v for v in views if v.address.lower() == feed.lower()), None)
        if view is None:
            raise ConfigError(f"{feed} is not a configured price feed; add it first (custos feeds add)")
        if view.kind != NAV:
            raise ConfigError(f"{view.address} is configured as a feed of kind {make_visible(view.kind)}, not nav: "
                              "a token's NAV comes from a nav feed")
        if view.note:
            raise ConfigError(f"{view.address} cannot value a token: {view.note}")
        return view

    def _refuse_conflicts(self, rows: list[_Row], feed: str, kind: str, currency: str) -> None:
        known = next((r for r in rows if r.address.lower() == feed.lower()), None)
        if known is not None:
            label = f" ({make_visible(known.label)})" if known.label else ""
            raise ConfigError(f"{feed} is already a configured {known.kind} feed in {known.currency}{label}; a feed "
                              "is never added twice or overwritten: remove it first to change it")
        if kind == FX:
            other = next((r for r in rows if r.kind == FX and r.currency.strip().upper() == currency), None)
            if other is not None:
                raise ConfigError(f"{other.address} is already the {currency}/HKD FX feed; with two, the valuation "
                                  "would use neither: remove it first to replace it")

    @staticmethod
    def _refuse_linked(view: FeedView) -> None:
        if view.tokens:
            names = ", ".join(t.describe() for t in view.tokens)
            raise ConfigError(f"{view.address} is the NAV feed of {names}; unlink it first (custos tokens set-feed "
                              "TOKEN --none); nothing was removed")

    def _load_rows(self) -> list[_Row]:
        with self._engine.connect() as conn:
            return self._read_rows(conn)

    def _read_rows(self, conn: Connection) -> list[_Row]:
        query = select(price_feeds).where(price_feeds.c.chain_id == self._chain_id).order_by(price_feeds.c.address)
        out = []
        for row in conn.execute(query):
            address = str(row.address)
            try:
                address = to_checksum(address)
            except ValueError:
                pass  # shown as stored; it values nothing
            out.append(_Row(address, str(row.kind), str(row.currency), int(row.max_age_seconds),
                            bool(row.reports_now), str(row.label or "")))
        return out

    @staticmethod
    def _build_views(rows: list[_Row], entries: list[TokenEntry]) -> list[FeedView]:
        rules = [r for r in (row.rule() for row in rows) if r is not None]
        book = FeedBook(rules)
        nav_currency = {r.address: r.currency for r in rules if r.kind == NAV}
        views = []
        for row in rows:
            rule = row.rule()
            linked = tuple(_linked(t) for t in entries if t.nav_feed is not None
                           and t.nav_feed.lower() == row.address.lower())
            converts: tuple[LinkedToken, ...] = ()
            note = ""
            if rule is None:
                note = _describe_unusable(row)
            elif rule.kind == FX:
                if rule.currency == HKD:
                    note = "an FX feed for HKD is never used (HKD needs no conversion)"
                elif book.fx(rule.currency) is None:
                    note = book.describe_missing_fx(rule.currency)
                else:
                    converts = tuple(_linked(t) for t in entries if not t.stablecoin
                                     and nav_currency.get(t.nav_feed or "") == rule.currency)
            views.append(FeedView(row.address, row.kind, row.currency, row.max_age_seconds, row.reports_now,
                                  row.label, linked, converts, note))
        return views

    def _describe_use(self, view: FeedView, reading: FeedReading, views: list[FeedView]) -> Iterable[str]:
        if view.kind == NAV:
            yield f"answer {reading.answer_text} {view.currency} per unit"
            if view.tokens:
                yield "values " + ", ".join(t.describe() for t in view.tokens)
            else:
                yield f"values no token yet: link one with custos tokens set-feed TOKEN {view.address}"
            if view.currency != HKD:
                yield self._describe_fx(view.currency, views)
        else:
            yield f"answer {reading.answer_text} HKD per 1 {view.currency}"
            if view.converts_for:
                yield f"converts to HKD the {view.currency} NAV of " + ", ".join(t.describe()
                                                                                   for t in view.converts_for)
            else:
                yield f"converts nothing yet: no token takes its NAV from a {view.currency} nav feed"
        yield from _describe_freshness(view, reading)

    @staticmethod
    def _describe_fx(currency: str, views: list[FeedView]) -> str:
        fx = [v for v in views if v.kind == FX and v.currency.strip().upper() == currency]
        if len(fx) == 1 and not fx[0].note:
            return f"its {currency} NAV is converted to HKD by the {currency}/HKD FX feed {fx[0].address}"
        why = fx[0].note if fx else f"no {currency}/HKD FX feed is configured"
        return (f"{why}: tokens taking their NAV from it show a {currency} value but no HKD value until there is "
                "one (custos feeds add ADDRESS --kind fx --currency " + currency + " ...)")


def _describe_freshness(view: FeedView, reading: FeedReading) -> Iterable[str]:
    updated = datetime.fromtimestamp(reading.updated_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    block = f"block {reading.block_number}" if reading.block_number is not None else "the block read"
    age = reading.age_seconds
    if view.reports_now:
        yield (f"updated {updated}; the feed reports every answer as current, so its age is unknown: values resting "
               "on it are marked so")
        return
    if age is None:
        yield f"updated {updated}; the block's time is unknown, so its age is too"
        return
    if reading.block_timestamp is not None and reading.updated_at > reading.block_timestamp:
        yield f"updated {updated}, later than the time of {block}: check the feed"
        return
    yield f"updated {updated}, {format_age(age)} before {block}"
    if age > view.max_age_seconds:
        yield (f"STALE: older than its maximum age of {format_hours(view)}; it values nothing until the feed "
               "updates")
    elif age == 0:
        yield ("its answer is as new as the block: if the feed always reports the current time, remove it and add it "
               "again with --reports-now")


def _decode_round(result: CallResult | None) -> tuple[int | None, int | None]:
    """(answer, updatedAt) of latestRoundData() (five words), or Nones."""
    if result is None or not result.success or len(result.data) < 5 * 32:
        return None, None
    return decode_int(result, 1), decode_word(result, 3)


def _shorten(value: int) -> str:
    text = str(value)
    return text if len(text) <= 24 else text[:20] + "..."


def _linked(token: TokenEntry) -> LinkedToken:
    return LinkedToken(token.address, token.symbol, token.verified)


def _role_names(role: str, feed: str) -> bool:
    if not role.startswith(NAV_FEED_ROLE):
        return False
    return role[len(NAV_FEED_ROLE):].strip().lower() == feed.lower()


def _describe_unusable(row: _Row) -> str:
    if row.kind not in KINDS:
        return f"kind '{make_visible(row.kind)}' is not one this version reads, so it values nothing"
    if normalise_currency(row.currency) is None:
        return f"currency '{make_visible(row.currency)}' is not a currency code, so it values nothing"
    if row.max_age_seconds <= 0:
        return "its maximum age is not positive, so it values nothing"
    return "its address is not a valid address, so it values nothing"
