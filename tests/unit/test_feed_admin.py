"""FeedAdmin: configure price feeds (checked on chain in one Multicall3 round trip), remove them, and link a token to
its NAV feed. A real SQLite profile database (migrated) and a fake chain (tests/unit/token_fakes.py)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from eth_abi.abi import encode
from sqlalchemy import Engine, insert, select

from tests.unit.token_fakes import HEAD, Answer, FakeTokenChain, const, erc20, text, word
from wallet_app import cli
from wallet_app.chain.multicall import MULTICALL3_ADDRESS
from wallet_app.cli import feeds as cli_feeds
from wallet_app.cli import tokens as cli_tokens
from wallet_app.domain.abi import selector
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import ConfigError, InvalidAddress
from wallet_app.holdings.feed_admin import FeedAdmin, parse_max_age_hours
from wallet_app.holdings.feeds import FeedRegistry
from wallet_app.holdings.model import Standard
from wallet_app.holdings.prices import compute_price_feeds
from wallet_app.holdings.registry import TokenEntry, TokenRegistry
from wallet_app.storage.database import open_database, sqlite_url
from wallet_app.storage.schema import price_feeds, tokens

CHAIN_ID = 1770177
NOW = 1_800_000_000
HKDH = to_checksum("0x" + "11" * 20)
HMMF = to_checksum("0x" + "12" * 20)
HUST = to_checksum("0x" + "13" * 20)
PENDING = to_checksum("0x" + "14" * 20)  # added by address, unreviewed
ODD = to_checksum("0x" + "15" * 20)  # a role this version does not write
HMMF_NAV = to_checksum("0x" + "a1" * 20)  # configured, HKD, linked to HMMF
HUST_NAV = to_checksum("0x" + "a2" * 20)  # on chain, not configured; HUST's role already names it
USD_FX = to_checksum("0x" + "a3" * 20)  # on chain, not configured
EUR_FX = to_checksum("0x" + "a4" * 20)  # configured FX for EUR
OTHER_FEED = to_checksum("0x" + "a5" * 20)  # on chain, not configured
NO_CODE = to_checksum("0x" + "de" * 20)
A6, A7, A8 = (to_checksum("0x" + b * 20) for b in ("a6", "a7", "a8"))  # more feeds on chain, for one test each


def feed(decimals: int | None = 8, answer: int = 7_7815_0000, updated_at: int = NOW - 3600,
         description: str | None = "USD / HKD exchange rate", round_data: bytes | None = None
         ) -> dict[bytes, Answer]:
    table: dict[bytes, Answer] = {}
    if decimals is not None:
        table[selector("decimals()")] = const(word(decimals))
    data = round_data if round_data is not None else encode(
        ["uint80", "int256", "uint256", "uint256", "uint80"], [7, answer, updated_at, updated_at, 7])
    table[selector("latestRoundData()")] = const(data)
    if description is not None:
        table[selector("description()")] = text(description)
    return table


def make_chain(feeds: dict[str, dict[bytes, Answer]] | None = None) -> FakeTokenChain:
    contracts = {
        MULTICALL3_ADDRESS: {selector("getBlockNumber()"): const(word(HEAD)),
                             selector("getCurrentBlockTimestamp()"): const(word(NOW))},
        HKDH: erc20("HKDH", "Harbour HKD", 6),
        HMMF_NAV: feed(answer=10_0234_0000, description="HMMF NAV"),
        HUST_NAV: feed(answer=102_4518_0000, description="HUST / USD net asset value per unit"),
        USD_FX: feed(),
        EUR_FX: feed(answer=8_5000_0000, description="EUR / HKD"),
        OTHER_FEED: feed(answer=1_0000_0000, description="other"),
    }
    contracts.update(feeds or {})
    return FakeTokenChain(contracts=contracts)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(sqlite_url(tmp_path / "custos.db"))
    token = {"chain_id": CHAIN_ID, "standard": "erc20", "decimals": 6}
    with engine.begin() as conn:
        conn.execute(insert(tokens), [{"reviewed": True, "source": "registry", **row} for row in [
            {**token, "address": HKDH, "symbol": "HKDH", "name": "Harbour HKD", "role": "stablecoin"},
            {**token, "address": HMMF, "symbol": "HMMF", "name": "Money market", "role": f"nav-feed:{HMMF_NAV}"},
            {**token, "address": HUST, "symbol": "HUST", "name": "US Treasury", "role": f"nav-feed:{HUST_NAV}"},
            {**token, "address": PENDING, "symbol": "PEND", "name": "Pending", "role": "", "reviewed": False,
             "source": "added"},
            {**token, "address": ODD, "symbol": "ODD", "name": "Odd", "role": "collateral"},
        ]])  # one set of keys for every row: executemany takes the first row's
        conn.execute(insert(price_feeds), [
            {"chain_id": CHAIN_ID, "address": HMMF_NAV, "kind": "nav", "currency": "HKD", "max_age_seconds": 26 * 3600,
             "reports_now": False, "label": "HMMF NAV, daily"},
            {"chain_id": CHAIN_ID, "address": EUR_FX, "kind": "fx", "currency": "EUR", "max_age_seconds": 25 * 3600,
             "reports_now": False, "label": ""},
        ])
    yield engine
    engine.dispose()


def make_admin(engine: Engine, chain: FakeTokenChain | None = None) -> FeedAdmin:
    return FeedAdmin(engine=engine, chain=chain or make_chain(), chain_id=CHAIN_ID)  # type: ignore[arg-type]


def feed_rows(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {str(r.address): dict(r._mapping) for r in conn.execute(select(price_feeds))}


def role_of(engine: Engine, token: str) -> str:
    entry = TokenRegistry(engine=engine, chain_id=CHAIN_ID).load_token(token)
    assert entry is not None
    return entry.role


def add(admin: FeedAdmin, address: str, kind: str = "nav", currency: str = "USD", hours: int = 26,
        **extra: Any) -> Any:
    return admin.add_feed(address, kind=kind, currency=currency, max_age_seconds=hours * 3600, **extra)


# -- listing ------------------------------------------------------------------------------------------------------
def test_list_shows_every_feed_with_its_linked_tokens(engine: Engine) -> None:
    views = {v.address: v for v in make_admin(engine).load_feeds()}
    assert set(views) == {HMMF_NAV, EUR_FX}
    hmmf = views[HMMF_NAV]
    assert (hmmf.kind, hmmf.currency, hmmf.max_age_hours, hmmf.reports_now, hmmf.label) == (
        "nav", "HKD", 26, False, "HMMF NAV, daily")
    assert [(t.symbol, t.address, t.reviewed) for t in hmmf.tokens] == [("HMMF", HMMF, True)]
    assert views[EUR_FX].tokens == () and views[EUR_FX].converts_for == () and views[EUR_FX].note == ""
    assert hmmf.to_json() == {
        "address": HMMF_NAV, "kind": "nav", "currency": "HKD", "max_age_hours": 26, "max_age_seconds": 93600,
        "reports_now": False, "label": "HMMF NAV, daily", "note": "", "converts_for": [],
        "tokens": [{"address": HMMF, "symbol": "HMMF", "reviewed": True}]}


def test_list_an_empty_profile_and_rows_the_valuation_does_not_use(engine: Engine, tmp_path: Path) -> None:
    empty = open_database(sqlite_url(tmp_path / "empty.db"))
    assert make_admin(empty).load_feeds() == []
    empty.dispose()
    with engine.begin() as conn:
        conn.execute(insert(price_feeds), [
            {"chain_id": CHAIN_ID, "address": OTHER_FEED, "kind": "twap", "currency": "HKD", "max_age_seconds": 60,
             "reports_now": False, "label": ""},
            {"chain_id": CHAIN_ID, "address": USD_FX, "kind": "fx", "currency": "EUR", "max_age_seconds": 60,
             "reports_now": False, "label": ""},  # a second EUR feed, written behind Custos's back
            {"chain_id": CHAIN_ID + 1, "address": HUST_NAV, "kind": "nav", "currency": "USD",
             "max_age_seconds": 60, "reports_now": False, "label": "another chain"},
        ])
    views = {v.address: v for v in make_admin(engine).load_feeds()}
    assert set(views) == {HMMF_NAV, EUR_FX, OTHER_FEED, USD_FX}
    assert "kind 'twap' is not one this version reads" in views[OTHER_FEED].note
    assert views[USD_FX].note == views[EUR_FX].note == "more than one EUR/HKD FX feed is configured, so none is used"


def test_an_fx_feed_lists_the_tokens_it_converts(engine: Engine) -> None:
    admin = make_admin(engine)
    add(admin, HUST_NAV, "nav", "USD")
    add(admin, USD_FX, "fx", "USD", 25)
    views = {v.address: v for v in admin.load_feeds()}
    assert [t.symbol for t in views[USD_FX].converts_for] == ["HUST"]
    assert [t.symbol for t in views[HUST_NAV].tokens] == ["HUST"]
    assert views[HMMF_NAV].converts_for == ()


# -- adding ---------------------------------------------------------------------------------------------------------
def test_adding_a_nav_feed_checks_it_in_one_round_trip_and_records_it(engine: Engine) -> None:
    chain = make_chain()
    added = add(make_admin(engine, chain), HUST_NAV.lower(), "nav", "USD", reports_now=False, label=" HUST NAV ")
    assert chain.multicalls == [5]  # decimals, latestRoundData, description, block number and time: one call
    row = feed_rows(engine)[HUST_NAV]
    assert (row["kind"], row["currency"], row["max_age_seconds"], row["reports_now"], row["label"]) == (
        "nav", "USD", 26 * 3600, False, "HUST NAV")
    reading = added.reading
    assert (reading.decimals, reading.answer, reading.answer_text, reading.age_seconds, reading.block_number) == (
        8, 102_4518_0000, "102.4518", 3600, HEAD)
    assert reading.description == "HUST / USD net asset value per unit"
    assert [t.symbol for t in added.feed.tokens] == ["HUST"]  # its role already named it
    notes = "\n".join(added.notes)
    assert "answer 102.4518 USD per unit" in notes and f"values HUST {HUST}" in notes
    assert "no USD/HKD FX feed is configured: tokens taking their NAV from it show a USD value but no HKD" in notes
    assert "1 h 0 min before block 5000" in notes and "STALE" not in notes
    rule = FeedRegistry(engine=engine, chain_id=CHAIN_ID).load_feeds().nav(HUST_NAV)
    assert rule is not None and (rule.currency, rule.max_age_seconds) == ("USD", 26 * 3600)
    payload = json.loads(json.dumps(added.to_json()))
    assert payload["reading"]["answer"] == 102_4518_0000 and payload["reading"]["age_seconds"] == 3600
    assert payload["feed"]["address"] == HUST_NAV and payload["notes"] == list(added.notes)


def test_adding_an_fx_feed_says_what_it_converts(engine: Engine) -> None:
    admin = make_admin(engine)
    add(admin, HUST_NAV, "nav", "USD")
    added = add(admin, USD_FX, "fx", "USD", 25)
    notes = "\n".join(added.notes)
    assert "answer 7.7815 HKD per 1 USD" in notes and f"converts to HKD the USD NAV of HUST {HUST}" in notes
    assert feed_rows(engine)[USD_FX]["kind"] == "fx"
    lone = add(make_admin(engine), OTHER_FEED, "fx", "JPY", 25)
    assert "converts nothing yet: no token takes its NAV from a JPY nav feed" in lone.notes


def test_a_nav_feed_in_hkd_values_no_token_until_one_is_linked(engine: Engine) -> None:
    added = add(make_admin(engine), OTHER_FEED, "nav", "HKD")
    assert f"values no token yet: link one with custos tokens set-feed TOKEN {OTHER_FEED}" in added.notes
    assert not any("FX" in note for note in added.notes)


def test_freshness_notes_stale_reports_now_and_same_block(engine: Engine) -> None:
    chain = make_chain({A6: feed(updated_at=NOW - 30 * 3600),
                        A7: feed(updated_at=NOW),
                        A8: feed(updated_at=NOW + 60)})
    admin = make_admin(engine, chain)
    stale = add(admin, A6, "nav", "HKD", 26)
    assert "STALE: older than its maximum age of 26 h; it values nothing until the feed updates" in stale.notes
    assert "1 d 6 h before block 5000" in "\n".join(stale.notes)
    same = add(admin, A7, "nav", "HKD", 26)
    assert any("remove it and add it again with --reports-now" in note for note in same.notes)
    future = add(admin, A8, "nav", "HKD", 26)
    assert any("later than the time of block 5000" in note for note in future.notes)


def test_a_reports_now_feed_says_its_age_is_unknown(engine: Engine) -> None:
    added = add(make_admin(engine, make_chain({A6: feed(updated_at=NOW)})), A6, "nav", "HKD", 26, reports_now=True)
    assert feed_rows(engine)[A6]["reports_now"] is True
    assert any("reports every answer as current, so its age is unknown" in note for note in added.notes)
    assert not any("--reports-now" in note for note in added.notes)


def test_a_feed_without_description_is_accepted_and_its_text_is_kept_as_said(engine: Engine) -> None:
    chain = make_chain({A6: feed(description=None),
                        A7: feed(description="USD\u202e/HKD\u200b")})
    admin = make_admin(engine, chain)
    assert add(admin, A6, "fx", "USD").reading.description is None
    tricky = add(admin, A7, "nav", "HKD").reading
    assert tricky.description == "USD\u202e/HKD\u200b"  # kept; shown made visible (see the CLI test)


def test_decimals_up_to_36_are_sane(engine: Engine) -> None:
    chain = make_chain({A6: feed(decimals=36),
                        A7: feed(decimals=0, answer=7)})
    admin = make_admin(engine, chain)
    assert add(admin, A6, "nav", "HKD").reading.decimals == 36
    assert add(admin, A7, "nav", "HKD").reading.answer_text == "7"


# -- refusals before the chain is asked -------------------------------------------------------------------------
def refused(engine: Engine, chain: FakeTokenChain, match: str, call: Callable[[FeedAdmin], object],
            error: type[Exception] = ConfigError) -> None:
    before = feed_rows(engine)
    with pytest.raises(error, match=match):
        call(make_admin(engine, chain))
    assert feed_rows(engine) == before


@pytest.mark.parametrize("spelling", [HMMF_NAV, HMMF_NAV.lower(), "0x" + HMMF_NAV[2:].upper()])
def test_an_existing_feed_is_refused_never_overwritten(engine: Engine, spelling: str) -> None:
    chain = make_chain()
    refused(engine, chain, r"is already a configured nav feed in HKD \(HMMF NAV, daily\); a feed is never added "
            "twice or overwritten: remove it first", lambda a: add(a, spelling, "fx", "USD", 1))
    assert chain.multicalls == []


def test_a_second_fx_feed_for_a_currency_is_refused(engine: Engine) -> None:
    chain = make_chain()
    refused(engine, chain, f"{EUR_FX} is already the EUR/HKD FX feed; with two, the valuation would use neither",
            lambda a: add(a, USD_FX, "fx", "EUR", 25))
    assert chain.multicalls == []
    add(make_admin(engine, chain), USD_FX, "nav", "EUR", 25)  # a NAV feed in EUR is another matter


def test_an_fx_feed_for_hkd_is_refused(engine: Engine) -> None:
    refused(engine, make_chain(), "never HKD", lambda a: add(a, USD_FX, "fx", "HKD", 25))


@pytest.mark.parametrize("code", ["usd", "US", "USDT", "U5D", "\uff35SD", "", "US D", "HK$"])
def test_a_currency_must_be_three_upper_case_letters(engine: Engine, code: str) -> None:
    refused(engine, make_chain(), "is not a currency code: give three upper-case letters", lambda a: add(a, USD_FX,
            "nav", code))


def test_the_kind_is_nav_or_fx(engine: Engine) -> None:
    refused(engine, make_chain(), "kind is nav or fx", lambda a: add(a, USD_FX, "twap", "USD"))


@pytest.mark.parametrize(("seconds", "match"), [(0, "more than 0"), (-3600, "more than 0"),
                                                (30 * 86_400 + 1, "at most 30 days")])
def test_the_maximum_age_is_positive_and_at_most_30_days(engine: Engine, seconds: int, match: str) -> None:
    refused(engine, make_chain(), match, lambda a: a.add_feed(USD_FX, kind="fx", currency="USD",
                                                              max_age_seconds=seconds))
    assert make_admin(engine).add_feed(USD_FX, kind="fx", currency="USD", max_age_seconds=30 * 86_400)


@pytest.mark.parametrize(("text", "seconds"), [("26", 93_600), ("0.5", 1800), (" 720 ", 2_592_000), ("1e1", 36_000)])
def test_max_age_hours_parse(text: str, seconds: int) -> None:
    assert parse_max_age_hours(text) == seconds


@pytest.mark.parametrize(("text", "match"), [("abc", "not a number"), ("nan", "not a number"),
                                             ("inf", "not a number"), ("", "not a number"), ("0", "more than 0"),
                                             ("-1", "more than 0"), ("0.0001", "more than 0"),
                                             ("720.01", "at most 30 days")])
def test_max_age_hours_refused(text: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        parse_max_age_hours(text)


@pytest.mark.parametrize(("label", "match"), [("a\nb", "control or invisible"), ("USD\u202eDSU", "invisible"),
                                              ("x" * 121, "at most 120 characters")])
def test_a_label_is_plain_text(engine: Engine, label: str, match: str) -> None:
    refused(engine, make_chain(), match, lambda a: add(a, USD_FX, "fx", "USD", label=label))


def test_a_bad_address_is_refused(engine: Engine) -> None:
    refused(engine, make_chain(), "is not an address", lambda a: add(a, "0x1234"), InvalidAddress)


# -- refusals from the chain --------------------------------------------------------------------------------------
NOT_A_ROUND = r"does not answer latestRoundData\(\) like an AggregatorV3 feed"
BAD_FEEDS: dict[str, tuple[dict[bytes, Answer], str]] = {
    "no decimals": (feed(decimals=None), r"does not answer decimals\(\) like an AggregatorV3 feed"),
    "decimals 37": (feed(decimals=37), r"answers decimals\(\) = 37; a feed's decimals are 0 to 36"),
    "huge decimals": (feed(decimals=2**255), r"decimals\(\) = \d{20}\.\.\.; a feed's decimals are 0 to 36"),
    "no round": ({selector("decimals()"): const(word(8))}, NOT_A_ROUND),
    "short round": (feed(round_data=word(1) * 4), NOT_A_ROUND),
    "zero answer": (feed(answer=0), "answers 0 as its latest price; a price must be more than 0"),
    "negative answer": (feed(answer=-5), "answers -5 as its latest price; a price must be more than 0"),
    "no update time": (feed(updated_at=0), r"no usable update time \(updatedAt 0\)"),
    "absurd update time": (feed(updated_at=2**64), r"no usable update time \(updatedAt 18446744073709551616\)"),
}


@pytest.mark.parametrize("case", sorted(BAD_FEEDS))
def test_what_does_not_answer_like_a_feed_is_refused(engine: Engine, case: str) -> None:
    table, match = BAD_FEEDS[case]
    chain = make_chain({A6: table})
    refused(engine, chain, match + "; nothing was added", lambda a: add(a, A6, "nav", "HKD"))
    assert chain.multicalls == [5]


def test_no_contract_and_a_token_are_refused(engine: Engine) -> None:
    refused(engine, make_chain(), f"{NO_CODE}: no contract at this address; nothing was added",
            lambda a: add(a, NO_CODE))
    refused(engine, make_chain(), r"does not answer latestRoundData\(\) like an AggregatorV3 feed",
            lambda a: add(a, HKDH))


# -- removing -----------------------------------------------------------------------------------------------------
def test_a_linked_feed_is_not_removed_and_says_which_token(engine: Engine) -> None:
    refused(engine, make_chain(), f"{HMMF_NAV} is the NAV feed of HMMF {HMMF}; unlink it first "
            r"\(custos tokens set-feed TOKEN --none\); nothing was removed", lambda a: a.remove_feed(HMMF_NAV))


def test_remove_an_unconfigured_feed_is_refused(engine: Engine) -> None:
    refused(engine, make_chain(), f"{USD_FX} is not a configured price feed", lambda a: a.remove_feed(USD_FX))


def test_remove_a_feed_no_token_links_to(engine: Engine) -> None:
    admin = make_admin(engine)
    removed = admin.remove_feed(EUR_FX.lower())
    assert removed.feed.address == EUR_FX and removed.notes == ()
    assert set(feed_rows(engine)) == {HMMF_NAV}


def test_removing_an_fx_feed_names_the_tokens_left_without_hkd_value(engine: Engine) -> None:
    admin = make_admin(engine)
    add(admin, HUST_NAV, "nav", "USD")
    add(admin, USD_FX, "fx", "USD", 25)
    removed = admin.remove_feed(USD_FX)
    assert removed.notes == (f"without this USD/HKD rate these tokens have no HKD value: HUST {HUST}",)
    assert USD_FX not in feed_rows(engine)


# -- linking a token to its NAV feed -------------------------------------------------------------------------
def test_set_feed_links_a_token_to_a_configured_nav_feed(engine: Engine) -> None:
    admin = make_admin(engine)
    add(admin, OTHER_FEED, "nav", "HKD", label="other")
    change = admin.set_token_feed(HMMF.lower(), OTHER_FEED.lower())
    assert change.changed and change.previous == HMMF_NAV and change.feed is not None
    assert change.token.nav_feed == OTHER_FEED and role_of(engine, HMMF) == f"nav-feed:{OTHER_FEED}"
    assert change.notes[0] == f"HMMF {HMMF} takes its NAV from {OTHER_FEED} now (HKD per unit, other)"
    assert change.notes[1] == f"it took its NAV from {HMMF_NAV} before"
    assert [t.symbol for t in change.feed.tokens] == ["HMMF"]
    book = FeedRegistry(engine=engine, chain_id=CHAIN_ID).load_feeds()
    assert compute_price_feeds(change.token, book) == [OTHER_FEED]  # the valuation reads it


def test_set_feed_to_a_foreign_currency_feed_says_whether_it_converts(engine: Engine) -> None:
    admin = make_admin(engine)
    add(admin, HUST_NAV, "nav", "USD")
    admin.set_token_feed(HUST, None)
    change = admin.set_token_feed(HUST, HUST_NAV)
    assert change.changed and change.previous is None
    assert any("no USD/HKD FX feed is configured" in note for note in change.notes)
    add(admin, USD_FX, "fx", "USD", 25)
    admin.set_token_feed(HUST, None)
    again = admin.set_token_feed(HUST, HUST_NAV)
    assert f"its USD NAV is converted to HKD by the USD/HKD FX feed {USD_FX}" in again.notes


def test_set_feed_none_clears_the_link(engine: Engine) -> None:
    admin = make_admin(engine)
    change = admin.set_token_feed(HMMF, None)
    assert change.changed and change.previous == HMMF_NAV and change.feed is None
    assert role_of(engine, HMMF) == "" and change.token.nav_feed is None
    assert change.notes == (f"HMMF {HMMF} has no NAV feed now: it shows no price and no HKD value",
                            f"it took its NAV from {HMMF_NAV} before")
    assert admin.load_feed(HMMF_NAV).tokens == ()  # type: ignore[union-attr]
    admin.remove_feed(HMMF_NAV)  # no longer linked: it can go
    unchanged = admin.set_token_feed(HMMF, None)
    assert not unchanged.changed and unchanged.notes == (f"HMMF {HMMF} has no NAV feed; nothing changed",)


def test_set_feed_to_the_same_feed_changes_nothing(engine: Engine) -> None:
    change = make_admin(engine).set_token_feed(HMMF, HMMF_NAV)
    assert not change.changed and "already takes its NAV from" in change.notes[0]


def test_set_feed_of_an_unreviewed_token_says_it_is_not_priced_yet(engine: Engine) -> None:
    change = make_admin(engine).set_token_feed(PENDING, HMMF_NAV)
    assert change.changed and role_of(engine, PENDING) == f"nav-feed:{HMMF_NAV}"
    assert change.notes[-1] == "the token is unreviewed: it is priced only once an administrator approves it"


@pytest.mark.parametrize("feed_address", [HMMF_NAV, None])
def test_a_stablecoin_never_has_a_feed(engine: Engine, feed_address: str | None) -> None:
    with pytest.raises(ConfigError, match=f"HKDH {HKDH} is a stablecoin, valued at a fixed 1:1 HKD rate: it cannot "
                                          "have a NAV feed; nothing changed"):
        make_admin(engine).set_token_feed(HKDH, feed_address)
    assert role_of(engine, HKDH) == "stablecoin"


def test_set_feed_refusals(engine: Engine) -> None:
    admin = make_admin(engine)
    stranger = to_checksum("0x" + "99" * 20)
    with pytest.raises(ConfigError, match=f"{stranger} is not in the token registry; add it first"):
        admin.set_token_feed(stranger, HMMF_NAV)
    with pytest.raises(ConfigError, match=f"{USD_FX} is not a configured price feed; add it first"):
        admin.set_token_feed(HMMF, USD_FX)
    with pytest.raises(ConfigError, match=f"{EUR_FX} is configured as a feed of kind fx, not nav"):
        admin.set_token_feed(HMMF, EUR_FX)
    with pytest.raises(ConfigError, match="has the registry role 'collateral', which this command does not change"):
        admin.set_token_feed(ODD, HMMF_NAV)
    with pytest.raises(InvalidAddress):
        admin.set_token_feed(HMMF, "0xnope")
    assert (role_of(engine, HMMF), role_of(engine, ODD)) == (f"nav-feed:{HMMF_NAV}", "collateral")


def test_the_registry_writes_a_role_only_while_it_is_what_was_read(engine: Engine) -> None:
    registry = TokenRegistry(engine=engine, chain_id=CHAIN_ID)
    with pytest.raises(ConfigError, match="its role changed meanwhile; nothing changed"):
        registry.save_role(HMMF, "", expected="")
    with pytest.raises(ConfigError, match="not in the token registry"):
        registry.save_role("0x" + "99" * 20, "", expected="")
    for bad in ("stablecoin", f"nav-feed:{HMMF_NAV.lower()}", "nav-feed:0x12"):
        with pytest.raises(ValueError, match="a role written here"):
            registry.save_role(HMMF, bad, expected=f"nav-feed:{HMMF_NAV}")
    saved = registry.save_role(HMMF, f"nav-feed:{USD_FX}", expected=f"nav-feed:{HMMF_NAV}")
    assert saved.role == f"nav-feed:{USD_FX}" and isinstance(saved, TokenEntry)
    assert saved.standard is Standard.ERC20


# -- the command line, over the same service -----------------------------------------------------------------------
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], admin: FeedAdmin,
            *argv: str) -> tuple[int, str, str]:
    def with_services(_args: argparse.Namespace, work: Callable[[Any], Any]) -> Any:
        return work(SimpleNamespace(feeds=admin))

    for command_module in (cli_feeds, cli_tokens):  # `feeds ...` and `tokens set-feed`
        monkeypatch.setattr(command_module, "with_services", with_services)
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_feeds_list_add_remove_and_set_feed(engine: Engine, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    chain = make_chain({A6: feed(description="USD\u202e/HKD")})
    admin = make_admin(engine, chain)
    code, out, _ = run_cli(monkeypatch, capsys, admin, "feeds", "list")
    assert code == 0
    assert f"nav HKD  max 26 h  {HMMF_NAV}  HMMF NAV, daily\n    linked: HMMF {HMMF}\n" in out
    code, out, _ = run_cli(monkeypatch, capsys, admin, "feeds", "add", A6, "--kind", "fx",
                           "--currency", "USD", "--max-age-hours", "24.5", "--label", "rate", "--reports-now")
    assert code == 0
    assert out.startswith(f"Added the fx feed {A6} (USD, max 24.5 h); it describes "
                          "itself as \"USD\\u202e/HKD\"\n    answer 7.7815 HKD per 1 USD\n")
    assert "\u202e" not in out
    code, out, _ = run_cli(monkeypatch, capsys, admin, "feeds", "list", "--json")
    listed = {f["address"]: f for f in json.loads(out)}
    assert listed[A6]["max_age_seconds"] == 88_200
    assert listed[A6]["reports_now"] is True
    code, out, err = run_cli(monkeypatch, capsys, admin, "feeds", "add", HMMF_NAV, "--kind", "nav", "--currency",
                             "HKD", "--max-age-hours", "26", "--json")
    assert code == 1 and out == "" and err.startswith("custos: ") and err.count("\n") == 1
    assert "is already a configured nav feed" in err
    code, _out, err = run_cli(monkeypatch, capsys, admin, "feeds", "add", OTHER_FEED, "--kind", "nav", "--currency",
                              "HKD", "--max-age-hours", "0")
    assert code == 1 and "more than 0" in err and chain.multicalls == [5]
    code, out, _ = run_cli(monkeypatch, capsys, admin, "feeds", "add", OTHER_FEED, "--kind", "nav", "--currency",
                           "HKD", "--max-age-hours", "26", "--json")
    assert code == 0 and json.loads(out)["reading"]["answer_text"] == "1"
    code, out, _ = run_cli(monkeypatch, capsys, admin, "tokens", "set-feed", HMMF, "--none")
    assert code == 0 and out.startswith(f"HMMF {HMMF} has no NAV feed now")
    code, out, _ = run_cli(monkeypatch, capsys, admin, "tokens", "set-feed", HMMF, OTHER_FEED)
    assert code == 0 and out.startswith(f"HMMF {HMMF} takes its NAV from {OTHER_FEED} now")
    for argv in (("tokens", "set-feed", HMMF), ("tokens", "set-feed", HMMF, OTHER_FEED, "--none")):
        code, _out, err = run_cli(monkeypatch, capsys, admin, *argv)
        assert code == 1 and "Give either FEED" in err
    code, _out, err = run_cli(monkeypatch, capsys, admin, "feeds", "remove", OTHER_FEED)
    assert code == 1 and f"is the NAV feed of HMMF {HMMF}" in err
    code, out, _ = run_cli(monkeypatch, capsys, admin, "feeds", "remove", HMMF_NAV)
    assert code == 0 and out == f"Removed the nav feed {HMMF_NAV} (HKD)\n"
