"""`custos feeds` and `custos tokens set-feed` on a fresh demo profile: list the demo's feeds, refuse what must be
refused, unlink HUST from its NAV feed (HUST then has no HKD value), link it again (the value returns), and remove
and re-add the USD/HKD FX feed, checked on chain."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_cli_demo import custos, demo_home  # noqa: F401  (module fixture reused)


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(result.stdout)


def hust_values(report: dict[str, Any], hust: str) -> list[str | None]:
    return [h["value_hkd"] for h in report["holdings"] if h["asset"] == hust]


@pytest.fixture(scope="module")
def runs(demo_home: Path) -> dict[str, Any]:
    """Every CLI run of this module, in order."""
    registry = {t["symbol"]: t["address"] for t in as_json(custos(demo_home, "tokens", "list", "--json"))}
    out: dict[str, Any] = {"registry": registry}
    out["feeds"] = feeds = as_json(custos(demo_home, "feeds", "list", "--json"))
    out["table"] = custos(demo_home, "feeds", "list").stdout
    by_label = {f["label"]: f["address"] for f in feeds}
    hust_nav, fx = by_label["HUST NAV in USD, published daily"], by_label["USD/HKD reference rate"]
    hmmf_nav = by_label["HMMF NAV, published daily"]
    out.update(hust_nav=hust_nav, fx=fx, hmmf_nav=hmmf_nav)
    out["add_existing"] = {f["label"]: custos(demo_home, "feeds", "add", f["address"], "--kind", f["kind"],
                                              "--currency", f["currency"], "--max-age-hours", "1", check=False)
                           for f in feeds}
    out["add_lower"] = custos(demo_home, "feeds", "add", fx.lower(), "--kind", "fx", "--currency", "USD",
                              "--max-age-hours", "25", check=False)
    out["add_token"] = custos(demo_home, "feeds", "add", registry["HKDH"], "--kind", "nav", "--currency", "HKD",
                              "--max-age-hours", "26", check=False)
    out["remove_linked"] = custos(demo_home, "feeds", "remove", hmmf_nav, check=False)
    out["holdings_before"] = as_json(custos(demo_home, "holdings", "--json"))
    out["unlink"] = custos(demo_home, "tokens", "set-feed", registry["HUST"], "--none")
    out["holdings_unlinked"] = as_json(custos(demo_home, "holdings", "--json"))
    out["feeds_unlinked"] = as_json(custos(demo_home, "feeds", "list", "--json"))
    out["link_stablecoin"] = custos(demo_home, "tokens", "set-feed", registry["HKDH"], hust_nav, check=False)
    out["link_fx"] = custos(demo_home, "tokens", "set-feed", registry["HUST"], fx, check=False)
    out["relink"] = custos(demo_home, "tokens", "set-feed", registry["HUST"], hust_nav)
    out["holdings_relinked"] = as_json(custos(demo_home, "holdings", "--json"))
    out["remove_fx"] = custos(demo_home, "feeds", "remove", fx)
    out["holdings_no_fx"] = as_json(custos(demo_home, "holdings", "--json"))
    out["readd_fx"] = as_json(custos(demo_home, "feeds", "add", fx, "--kind", "fx", "--currency", "USD",
                                     "--max-age-hours", "25", "--label", "USD/HKD reference rate", "--json"))
    out["holdings_after"] = as_json(custos(demo_home, "holdings", "--json"))
    return out


def one_line_error(result: subprocess.CompletedProcess[str], text: str) -> None:
    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith("custos: ") and result.stderr.strip().count("\n") == 0, result.stderr
    assert text in result.stderr and "Traceback" not in result.stderr


def test_the_demo_feeds_are_listed_with_their_tokens(runs: dict[str, Any]) -> None:
    registry = runs["registry"]
    feeds = {f["address"]: f for f in runs["feeds"]}
    assert len(feeds) == 4
    hust_nav, fx, hmmf_nav = feeds[runs["hust_nav"]], feeds[runs["fx"]], feeds[runs["hmmf_nav"]]
    assert (hust_nav["kind"], hust_nav["currency"], hust_nav["max_age_hours"]) == ("nav", "USD", 26)
    assert [t["address"] for t in hust_nav["tokens"]] == [registry["HUST"]]
    assert [t["address"] for t in hmmf_nav["tokens"]] == [registry["HMMF"]]
    assert (fx["kind"], fx["currency"], fx["max_age_hours"], fx["reports_now"]) == ("fx", "USD", 25, False)
    assert fx["tokens"] == [] and [t["symbol"] for t in fx["converts_for"]] == ["HUST"]
    assert all(f["note"] == "" for f in runs["feeds"])
    assert f"nav USD  max 26 h  {runs['hust_nav']}  HUST NAV in USD, published daily" in runs["table"]
    assert f"linked: HUST {registry['HUST']}" in runs["table"]


def test_adding_an_existing_feed_or_a_token_is_refused(runs: dict[str, Any]) -> None:
    for label, result in runs["add_existing"].items():
        one_line_error(result, f"is already a configured {'fx' if 'USD/HKD' in label else 'nav'} feed")
        assert "never added twice or overwritten" in result.stderr
    one_line_error(runs["add_lower"], f"{runs['fx']} is already a configured fx feed in USD")
    one_line_error(runs["add_token"], "does not answer latestRoundData() like an AggregatorV3 feed")


def test_a_linked_feed_is_not_removed(runs: dict[str, Any]) -> None:
    one_line_error(runs["remove_linked"], f"is the NAV feed of HMMF {runs['registry']['HMMF']}; unlink it first")


def test_unlinking_hust_leaves_it_without_value_and_relinking_brings_it_back(runs: dict[str, Any]) -> None:
    hust = runs["registry"]["HUST"]
    before = hust_values(runs["holdings_before"], hust)
    assert before and all(v is not None for v in before)
    assert f"HUST {hust} has no NAV feed now" in runs["unlink"].stdout
    unlinked = hust_values(runs["holdings_unlinked"], hust)
    assert unlinked == [None] * len(before)
    assert next(f for f in runs["feeds_unlinked"] if f["address"] == runs["hust_nav"])["tokens"] == []
    assert f"HUST {hust} takes its NAV from {runs['hust_nav']} now (USD per unit" in runs["relink"].stdout
    assert f"converted to HKD by the USD/HKD FX feed {runs['fx']}" in runs["relink"].stdout
    assert hust_values(runs["holdings_relinked"], hust) == before


def test_set_feed_refuses_a_stablecoin_and_an_fx_feed(runs: dict[str, Any]) -> None:
    one_line_error(runs["link_stablecoin"], "is a stablecoin, valued at a fixed 1:1 HKD rate")
    one_line_error(runs["link_fx"], "is configured as a feed of kind fx, not nav")


def test_removing_and_re_adding_the_fx_feed(runs: dict[str, Any]) -> None:
    hust = runs["registry"]["HUST"]
    assert f"Removed the fx feed {runs['fx']} (USD)" in runs["remove_fx"].stdout
    assert f"these tokens have no HKD value: HUST {hust}" in runs["remove_fx"].stdout
    rows = [h for h in runs["holdings_no_fx"]["holdings"] if h["asset"] == hust]
    assert rows and all(h["value_hkd"] is None and h["value_in_currency"] is not None for h in rows)
    assert all("no USD/HKD FX feed is configured" in h["price"]["note"] for h in rows)
    added = runs["readd_fx"]
    assert added["feed"]["address"] == runs["fx"] and added["feed"]["label"] == "USD/HKD reference rate"
    assert (added["reading"]["decimals"], added["reading"]["answer_text"]) == (8, "7.7815")
    assert added["reading"]["description"] == "USD / HKD exchange rate" and added["reading"]["age_seconds"] >= 0
    assert f"converts to HKD the USD NAV of HUST {hust}" in added["notes"]
    assert hust_values(runs["holdings_after"], hust) == hust_values(runs["holdings_before"], hust)
