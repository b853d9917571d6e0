"""`custos holdings` on a fresh demo profile: every balance equals a direct read, compliance and NAV as seeded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import decode

from tests.integration.test_cli_demo import custos, demo_home  # noqa: F401  (module fixture reused)
from wallet_app.chain.client import ChainClient
from wallet_app.domain.abi import build_call
from wallet_app.holdings.registry import TokenRegistry


@pytest.fixture(scope="module")
def runs(demo_home: Path) -> dict[str, Any]:
    """Every CLI run of this module, done before the `chain` fixture opens the devnet in this process."""
    report = json.loads(custos(demo_home, "holdings", "--json").stdout)
    vault = by_label(report)["Harbour client vault"]
    earlier = str(report["block_number"] - 1)
    return {
        "report": report,
        "one": json.loads(custos(demo_home, "holdings", "--account", vault, "--block", earlier, "--json").stdout),
        "table": custos(demo_home, "holdings").stdout,
        "bad": custos(demo_home, "holdings", "--account", "0x123", check=False),
    }


@pytest.fixture(scope="module")
def report(runs: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = runs["report"]
    return result


@pytest.fixture(scope="module")
def chain(demo_home: Path, report: dict[str, Any]) -> Iterator[tuple[ChainClient, TokenRegistry]]:
    from wallet_app.profiles import open_profile
    from wallet_app.services import build_services

    profile = open_profile(demo_home, "demo")
    services = build_services(profile)
    try:
        yield services.chain, TokenRegistry(engine=profile.engine, chain_id=profile.config.chain_id)
    finally:
        services.close()
        profile.close()


def uint(client: ChainClient, target: str, signature: str, *args: object) -> int:
    (value,) = decode(["uint256"], client.call(target, build_call(signature, *args)))
    return int(value)


def rows(report: dict[str, Any], symbol: str) -> dict[str, dict[str, Any]]:
    return {h["account"]: h for h in report["holdings"] if h["symbol"] == symbol}


def by_label(report: dict[str, Any]) -> dict[str, str]:
    return {a["label"]: a["address"] for a in report["accounts"]}


def test_every_balance_equals_a_direct_read(report: dict[str, Any],
                                            chain: tuple[ChainClient, TokenRegistry]) -> None:
    client, registry = chain
    assert client.fetch_block(report["block_number"]).hash.hex() == report["block_hash"][2:]
    accounts = [a["address"] for a in report["accounts"]]
    assert len(accounts) == 3 + 5 + 4  # vaults (cold included), issuer, officers and operations (keys), investors
    holdings = report["holdings"]
    for holding in holdings:
        assert holding["block_number"] == report["block_number"] and holding["block_hash"] == report["block_hash"]
        assert isinstance(holding["balance"], int) and isinstance(holding["decimals"], int)
    for token in registry.load_tokens():
        for account in accounts:
            listed = [h for h in holdings if h["asset"] == token.address and h["account"] == account]
            if token.standard.value in ("erc20", "erc3643"):
                direct = uint(client, token.address, "balanceOf(address)", account)
                assert sum(h["balance"] for h in listed) == direct, (token.symbol, account)
            elif token.standard.value == "erc721":
                assert len(listed) == uint(client, token.address, "balanceOf(address)", account)
                for h in listed:
                    (owner,) = decode(["address"], client.call(token.address,
                                                               build_call("ownerOf(uint256)", h["token_id"])))
                    assert owner.lower() == account.lower() and h["balance"] == 1
            else:
                for h in listed:
                    direct = uint(client, token.address, "balanceOf(address,uint256)", account, h["token_id"])
                    assert h["balance"] == direct > 0
                for token_id in (1, 2):
                    direct = uint(client, token.address, "balanceOf(address,uint256)", account, token_id)
                    assert direct == sum(h["balance"] for h in listed if h["token_id"] == token_id)
    for account in accounts:
        native = [h for h in holdings if h["asset"] == "native" and h["account"] == account]
        assert [h["balance"] for h in native] == [client.fetch_balance(account, report["block_number"])]


def test_bond_compliance_states_of_the_investors(report: dict[str, Any]) -> None:
    names = by_label(report)
    bond = rows(report, "HGB29")
    pension = bond[names["Kowloon Pension Trust (investor)"]]
    assert (pension["balance"], pension["frozen"], pension["free"]) == (50, 0, 50)
    assert pension["compliance"] == {"paused": False, "account_frozen": False, "verified": True, "notes": []}
    lion = bond[names["Lion Rock Family Office (investor)"]]
    assert (lion["balance"], lion["frozen"], lion["free"]) == (20, 20, 0)
    assert lion["compliance"]["account_frozen"] is True and lion["compliance"]["verified"] is True
    endowment = bond[names["Victoria Harbour Endowment (investor)"]]
    assert (endowment["balance"], endowment["frozen"], endowment["free"]) == (30, 10, 20)
    assert endowment["compliance"]["account_frozen"] is False
    pending = bond[names["Pending KYC Ltd (investor, not verified)"]]
    assert pending["balance"] == 0 and pending["compliance"]["verified"] is False
    assert any("not verified" in note for note in pending["compliance"]["notes"])
    assert all(h["price"]["per_unit"] == "10120" for h in bond.values())  # the demo's bond price feed
    assert pension["value_hkd"] == "506000"  # 50 bonds at 10,120 HKD; frozen bonds are valued too
    assert all(h["standard"] == "erc3643" for h in bond.values())


def test_nav_of_the_fund_and_the_stablecoin(report: dict[str, Any]) -> None:
    names = by_label(report)
    fund = rows(report, "HMMF")
    endowment = fund[names["Victoria Harbour Endowment (investor)"]]
    assert endowment["balance"] == 42_500 * 10**6 and endowment["decimals"] == 6
    assert endowment["value_hkd"] == "425994.5"  # 42,500 units at NAV 10.0234 HKD
    price = endowment["price"]
    assert price["per_unit"] == "10.0234" and price["currency"] == "HKD" and price["stale"] is False
    assert price["source"].startswith("NAV feed 0x") and price["age_seconds"] >= 0
    client_vault = rows(report, "HKDH")[names["Harbour client vault"]]
    assert client_vault["value_hkd"] == "24950000" and client_vault["price"]["source"] == "fixed 1:1 HKD stablecoin"
    vault_total = next(a for a in report["accounts"] if a["label"] == "Harbour client vault")["value_hkd"]
    # 24,950,000 HKDH + 1,200,000 HMMF x 10.0234 + 500 HGB29 x 10,120 + 50,000 HUST x 102.4518 USD x 7.7815 HKD/USD
    assert vault_total == "81899514.085"


def test_deed_ids_and_share_classes(report: dict[str, Any]) -> None:
    names = by_label(report)
    deeds = sorted((h["account"], h["token_id"]) for h in report["holdings"] if h["symbol"] == "HDEED")
    assert deeds == sorted([(names["Harbour client vault"], 1), (names["Kowloon Pension Trust (investor)"], 2)])
    shares = sorted((h["account"], h["token_id"], h["balance"]) for h in report["holdings"] if h["symbol"] == "HFSC")
    assert shares == sorted([
        (names["Harbour client vault"], 1, 10_000), (names["Harbour treasury"], 2, 2_500),
        (names["Kowloon Pension Trust (investor)"], 1, 1_000), (names["Victoria Harbour Endowment (investor)"], 2, 300),
    ])
    assert all(h["value_hkd"] is None for h in report["holdings"] if h["standard"] in ("erc721", "erc1155"))


def test_one_account_at_an_earlier_block_and_the_table(runs: dict[str, Any]) -> None:
    report, one, table, bad = runs["report"], runs["one"], runs["table"], runs["bad"]
    vault = by_label(report)["Harbour client vault"]
    assert one["block_number"] == report["block_number"] - 1 and [a["address"] for a in one["accounts"]] == [vault]
    assert {h["account"] for h in one["holdings"]} == {vault}
    assert "Harbour client vault" in table and "HMMF" in table and "NAV feed" in table
    assert bad.returncode == 1 and bad.stderr.startswith("custos: ") and len(bad.stderr.splitlines()) == 1



def feed_answer(client: ChainClient, feed: str, block: int) -> tuple[int, int, int]:
    """(answer, decimals, updatedAt) read straight from an AggregatorV3 feed at `block`."""
    (decimals,) = decode(["uint8"], client.call(feed, build_call("decimals()"), block=block))
    _round, answer, _started, updated_at, _answered = decode(
        ["uint80", "int256", "uint256", "uint256", "uint80"], client.call(feed, build_call("latestRoundData()"),
                                                                          block=block))
    return int(answer), int(decimals), int(updated_at)


def test_the_usd_fund_is_valued_through_the_fx_feed(report: dict[str, Any],
                                                    chain: tuple[ChainClient, TokenRegistry]) -> None:
    from fractions import Fraction

    client, registry = chain
    names = by_label(report)
    hust = next(t for t in registry.load_tokens() if t.symbol == "HUST")
    assert hust.nav_feed is not None and hust.decimals == 6
    fund = rows(report, "HUST")
    assert set(fund) == {names["Harbour client vault"], names["Lion Rock Family Office (investor)"]}
    vault = fund[names["Harbour client vault"]]
    price = vault["price"]
    assert price["currency"] == "USD" and price["per_unit"] == "102.4518" and price["stale"] is False
    assert price["source"].startswith(f"NAV feed {hust.nav_feed}") and price["note"] is None
    fx = price["fx"]
    assert fx["currency"] == "USD" and fx["hkd_per_unit"] == "7.7815" and fx["stale"] is False
    fx_feed = fx["source"].split()[2]
    block = report["block_number"]
    nav, nav_decimals, _ = feed_answer(client, hust.nav_feed, block)
    rate, rate_decimals, _ = feed_answer(client, fx_feed, block)
    for holding in fund.values():
        balance = uint(client, hust.address, "balanceOf(address)", holding["account"])
        assert holding["balance"] == balance
        by_hand = Fraction(balance, 10**6) * Fraction(nav, 10**nav_decimals) * Fraction(rate, 10**rate_decimals)
        micro = by_hand * 10**6 // 1  # rounded down to 10^-6 HKD
        assert Fraction(holding["value_hkd"]) == Fraction(micro, 10**6)
        usd = Fraction(balance, 10**6) * Fraction(nav, 10**nav_decimals)
        assert holding["value_currency"] == "USD" and Fraction(holding["value_in_currency"]) == usd
    assert vault["value_hkd"] == "39861434.085"  # 50,000 x 102.4518 x 7.7815, exactly
