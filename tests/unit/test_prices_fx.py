"""Feeds per profile and HKD conversion: NAV in USD x FX, exact and rounded down once; stale NAV, stale FX, no FX
feed, a bad FX answer, feeds that report every answer as current, unconfigured feeds and unreviewed tokens."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

from sqlalchemy import insert

from wallet_app.chain.client import CallResult
from wallet_app.domain.addresses import to_checksum
from wallet_app.holdings.feeds import FeedBook, FeedRegistry, FeedRule
from wallet_app.holdings.model import Account, Compliance, Holding, HoldingsSnapshot, Standard
from wallet_app.holdings.prices import (
    REPORTS_NOW_TEXT,
    UNCONFIGURED_NOTE,
    build_price_plan,
    compute_age_seconds,
    compute_value_hkd,
    compute_value_in_currency,
    evaluate_token_price,
    feed_keys,
)
from wallet_app.holdings.registry import TokenEntry
from wallet_app.holdings.statement import build_statement, render_csv
from wallet_app.holdings.views import build_holding_json, build_table_lines
from wallet_app.storage.database import open_database, sqlite_url
from wallet_app.storage.schema import price_feeds

NOW = 1_800_000_000
HUST = to_checksum("0x" + "a1" * 20)
HMMF = to_checksum("0x" + "a2" * 20)
NAV_USD = to_checksum("0x" + "b1" * 20)
NAV_HKD = to_checksum("0x" + "b2" * 20)
FX_USD = to_checksum("0x" + "c1" * 20)
VAULT = to_checksum("0x" + "11" * 20)
DAY = 86_400

FUND = TokenEntry(HUST, Standard.ERC20, "HUST", "US Treasury fund", 6, role=f"nav-feed:{NAV_USD}")
HKD_FUND = TokenEntry(HMMF, Standard.ERC20, "HMMF", "HKD fund", 6, role=f"nav-feed:{NAV_HKD}")
NAV_RULE = FeedRule(NAV_USD, "nav", "USD", DAY + 7200, label="HUST NAV")
FX_RULE = FeedRule(FX_USD, "fx", "USD", DAY)
BOOK = FeedBook([NAV_RULE, FX_RULE, FeedRule(NAV_HKD, "nav", "HKD", DAY)])


def word(value: int) -> bytes:
    return value.to_bytes(32, "big", signed=value < 0)


def answers(feed: str, answer: int, updated_at: int, decimals: int = 8) -> dict[object, CallResult]:
    decimals_key, round_key = feed_keys(feed)
    return {decimals_key: CallResult(True, word(decimals)),
            round_key: CallResult(True, word(3) + word(answer) + word(updated_at) + word(updated_at) + word(3))}


def price_of(token: TokenEntry, results: dict[object, CallResult], book: FeedBook = BOOK):  # type: ignore[no-untyped-def]
    return evaluate_token_price(token, book, results, block_timestamp=NOW)  # type: ignore[arg-type]


def test_nav_in_usd_times_fx_is_exact_and_rounded_down_once() -> None:
    balance, nav, fx = 1_234_567_891_234, 1_02345678, 7_78150000  # 1,234,567.891234 HUST at 1.02345678 USD
    results = {**answers(NAV_USD, nav, NOW - 3600), **answers(FX_USD, fx, NOW - 600)}
    price = price_of(FUND, results)
    assert price is not None and price.currency == "USD" and price.fx is not None and not price.note
    assert price.fx.value == fx and price.fx.decimals == 8 and price.fx.currency == "USD"
    exact = Fraction(balance, 10**6) * Fraction(nav, 10**8) * Fraction(fx, 10**8)  # HKD
    value = compute_value_hkd(balance, 6, price)
    assert value == int(exact * 10**6)  # floor: exact is positive
    assert value == 9_832_134_406_244  # 9,832,134.406244 HKD, worked by hand
    assert compute_value_in_currency(balance, 6, price) == int(Fraction(balance, 10**6) * Fraction(nav, 10**8) * 10**6)
    # one rounding at the end, not one per step: 10^-6 unit at 0.5 USD is 0.5 micro-USD (0 if rounded first), which
    # is 3.89075 micro-HKD: 3
    assert compute_value_hkd(1, 6, replace(price, value=50_000_000)) == 3


def test_rounding_is_down_never_up() -> None:
    results = {**answers(NAV_USD, 1, NOW), **answers(FX_USD, 99_999_999, NOW)}  # 1e-8 USD x 0.99999999 HKD/USD
    price = price_of(FUND, results)
    assert compute_value_hkd(10**6 * 10**6, 6, price) == 9_999  # 1,000,000 units: 9,999.9999 micro-HKD -> down


def test_a_stale_nav_is_shown_with_its_age_and_values_nothing() -> None:
    results = {**answers(NAV_USD, 1_00000000, NOW - 2 * DAY), **answers(FX_USD, 7_78150000, NOW)}
    price = price_of(FUND, results)
    assert price is not None and price.stale and price.fx is not None and not price.fx.stale
    assert compute_value_hkd(10**6, 6, price) is None and compute_value_in_currency(10**6, 6, price) is None
    assert compute_age_seconds(price, datetime.fromtimestamp(NOW, UTC)) == 2 * DAY


def test_a_stale_fx_rate_gives_no_hkd_value_but_the_price_stays() -> None:
    results = {**answers(NAV_USD, 1_00000000, NOW - 60), **answers(FX_USD, 7_78150000, NOW - DAY - 1)}
    price = price_of(FUND, results)
    assert price is not None and not price.stale and price.fx is not None and price.fx.stale
    assert "USD/HKD rate is stale" in price.note
    assert compute_value_hkd(10**6, 6, price) is None
    assert compute_value_in_currency(10**6, 6, price) == 10**6  # 1 USD: still shown in its own currency


def test_no_fx_feed_or_two_of_them_give_no_hkd_value_with_a_clear_note() -> None:
    results = answers(NAV_USD, 1_00000000, NOW)
    alone = price_of(FUND, results, FeedBook([NAV_RULE]))
    assert alone is not None and alone.fx is None and alone.note == "no USD/HKD FX feed is configured"
    assert compute_value_hkd(10**6, 6, alone) is None
    twice = FeedBook([NAV_RULE, FX_RULE, FeedRule(to_checksum("0x" + "c2" * 20), "fx", "USD", DAY)])
    ambiguous = price_of(FUND, {**results, **answers(FX_USD, 7_78150000, NOW)}, twice)
    assert ambiguous is not None and "more than one USD/HKD FX feed" in ambiguous.note
    assert compute_value_hkd(10**6, 6, ambiguous) is None


def test_an_fx_answer_of_zero_or_less_or_none_gives_no_rate() -> None:
    for bad in ({**answers(NAV_USD, 10**8, NOW), **answers(FX_USD, 0, NOW)},
                {**answers(NAV_USD, 10**8, NOW), **answers(FX_USD, -7_78150000, NOW)},
                answers(NAV_USD, 10**8, NOW)):
        price = price_of(FUND, bad)
        assert price is not None and price.fx is None and "gave no usable answer" in price.note
        assert compute_value_hkd(10**6, 6, price) is None


def test_a_feed_that_reports_now_is_valued_marked_and_never_aged() -> None:
    book = FeedBook([FeedRule(NAV_USD, "nav", "USD", DAY, reports_now=True),
                     FeedRule(FX_USD, "fx", "USD", DAY, reports_now=True)])
    price = price_of(FUND, {**answers(NAV_USD, 1_00000000, NOW), **answers(FX_USD, 7_80000000, NOW)}, book)
    assert price is not None and price.reports_now and price.fx is not None and price.fx.reports_now
    assert not price.stale and compute_value_hkd(10**6, 6, price) == 7_800_000
    at = datetime.fromtimestamp(NOW + 5 * DAY, UTC)
    assert compute_age_seconds(price, at) is None and compute_age_seconds(price.fx, at) is None
    snapshot = HoldingsSnapshot(1, b"\1" * 32, at, (), (), block_time=at)
    shown = build_holding_json(holding(price, 10**6), snapshot)
    assert shown["price"]["age_note"] == REPORTS_NOW_TEXT and shown["price"]["age_seconds"] is None
    assert shown["price"]["fx"]["age_note"] == REPORTS_NOW_TEXT and shown["value_hkd"] == "7.8"
    # a feed configured as reporting now that answers an old time is not reporting now: its age counts
    old = price_of(FUND, {**answers(NAV_USD, 10**8, NOW - 2 * DAY), **answers(FX_USD, 7_8 * 10**7, NOW)}, book)
    assert old is not None and old.stale and compute_value_hkd(10**6, 6, old) is None


def test_hkd_nav_needs_no_fx_and_unconfigured_feeds_value_nothing() -> None:
    price = price_of(HKD_FUND, answers(NAV_HKD, 10_0234_0000, NOW - 60))
    assert price is not None and price.currency == "HKD" and price.fx is None
    assert compute_value_hkd(42_500 * 10**6, 6, price) == 425_994_500_000
    unconfigured = price_of(HKD_FUND, answers(NAV_HKD, 10_0234_0000, NOW - 60), FeedBook())
    assert unconfigured is not None and unconfigured.currency == "" and unconfigured.note == UNCONFIGURED_NOTE
    assert compute_value_hkd(10**6, 6, unconfigured) is None
    assert compute_value_in_currency(10**6, 6, unconfigured) is None


def test_unreviewed_tokens_are_never_priced_and_their_feeds_never_read() -> None:
    unreviewed = TokenEntry(HUST, Standard.ERC20, "HUST", "x", 6, role=f"nav-feed:{NAV_USD}", verified=False)
    stable = TokenEntry(HMMF, Standard.ERC20, "HKDH", "x", 6, role="stablecoin", verified=False)
    results = {**answers(NAV_USD, 10**8, NOW), **answers(FX_USD, 7_78150000, NOW)}
    assert price_of(unreviewed, results) is None and price_of(stable, results) is None
    assert len(build_price_plan([unreviewed, stable], BOOK)) == 0


def test_the_plan_reads_each_feed_once_and_fx_only_when_needed() -> None:
    twin = TokenEntry(to_checksum("0x" + "a3" * 20), Standard.ERC20, "HUST2", "x", 6, role=f"nav-feed:{NAV_USD}")
    plan = build_price_plan([FUND, twin, HKD_FUND], BOOK)
    assert sorted({str(key[1]) for key in plan.keys}) == sorted({NAV_USD, FX_USD, NAV_HKD})  # type: ignore[index]
    assert len(plan) == 6
    assert len(build_price_plan([FUND], FeedBook())) == 2  # unconfigured: the NAV feed alone, for display


def test_feed_rows_are_loaded_and_bad_rows_left_out(tmp_path: Path) -> None:
    engine = open_database(sqlite_url(tmp_path / "custos.sqlite"))
    rows = [
        {"address": NAV_USD.lower(), "kind": "nav", "currency": " usd ", "max_age_seconds": 93_600, "label": "NAV"},
        {"address": FX_USD, "kind": "fx", "currency": "USD", "max_age_seconds": 3_600, "reports_now": True},
        {"address": NAV_HKD, "kind": "weird", "currency": "HKD", "max_age_seconds": 60},
        {"address": HMMF, "kind": "nav", "currency": "HKD", "max_age_seconds": 0},
        {"address": HUST, "kind": "nav", "currency": "U$D", "max_age_seconds": 60},
    ]
    with engine.begin() as conn:
        conn.execute(insert(price_feeds), [{"chain_id": 7, "reports_now": False, "label": "", **r} for r in rows])
        conn.execute(insert(price_feeds).values(chain_id=8, address=NAV_HKD, kind="nav", currency="HKD",
                                                max_age_seconds=60, reports_now=False, label=""))
    book = FeedRegistry(engine=engine, chain_id=7).load_feeds()
    assert book.nav(NAV_USD) == FeedRule(NAV_USD, "nav", "USD", 93_600, False, "NAV")
    assert book.fx("usd") == FeedRule(FX_USD, "fx", "USD", 3_600, True, "")
    assert book.nav(NAV_HKD) is None and book.nav(HMMF) is None and book.nav(HUST) is None and len(book) == 2


def holding(price: object, balance: int) -> Holding:
    value = compute_value_hkd(balance, 6, price)  # type: ignore[arg-type]
    return Holding(VAULT, HUST, Standard.ERC20, None, "HUST", "US Treasury fund", 6, balance, 0, price,  # type: ignore[arg-type]
                   value, Compliance(), True)


def test_json_table_and_statement_show_the_fx_and_why_there_is_no_value() -> None:
    at = datetime.fromtimestamp(NOW, UTC)
    fresh = price_of(FUND, {**answers(NAV_USD, 1_00250000, NOW - 3600), **answers(FX_USD, 7_78150000, NOW - 60)})
    stale_fx = price_of(FUND, {**answers(NAV_USD, 1_00250000, NOW - 3600), **answers(FX_USD, 7_78150000, 1)})
    holdings = (holding(fresh, 2_000 * 10**6), holding(stale_fx, 10**6))
    snapshot = HoldingsSnapshot(9, b"\2" * 32, at, (Account(VAULT, "Vault", "vault"),), holdings, block_time=at)
    shown = build_holding_json(holdings[0], snapshot)
    assert shown["value_hkd"] == "15601.9075" and shown["value_currency"] == "USD"
    assert shown["value_in_currency"] == "2005"
    assert shown["price"]["currency"] == "USD" and shown["price"]["fx"]["hkd_per_unit"] == "7.7815"
    assert shown["price"]["fx"]["age_seconds"] == 60 and shown["price"]["note"] is None
    other = build_holding_json(holdings[1], snapshot)
    assert other["value_hkd"] is None and "stale" in other["price"]["note"] and other["price"]["fx"]["stale"]
    lines = "\n".join(build_table_lines(snapshot))
    assert "x 7.7815 HKD/USD" in lines and "= HKD 15601.9075" in lines and "no HKD value: the USD/HKD rate" in lines
    csv = render_csv(build_statement(snapshot, VAULT, chain_id=7, network="devnet"))
    assert "1.0025 USD x 7.7815 HKD per USD," in csv and f"FX feed {FX_USD}" in csv
    assert "no HKD value: the USD/HKD rate is stale" in csv
