"""`custos history` on a fresh demo profile: the client vault's mints and its HKDH payout, read incrementally."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import func, select

from tests.integration.test_cli_demo import custos, demo_home  # noqa: F401  (module fixture reused)
from wallet_app.chain.client import BlockRef, ChainClient, LogEntry


@pytest.fixture(scope="module")
def runs(demo_home: Path) -> dict[str, Any]:
    """Every CLI run of this module, done before the devnet is opened in this process."""
    vaults = json.loads(custos(demo_home, "vaults", "list", "--json").stdout)
    vault = next(v["address"] for v in vaults if v["label"] == "Harbour client vault")
    first = json.loads(custos(demo_home, "history", "--account", vault, "--json").stdout)
    rows_after_first = count_rows(demo_home)
    return {
        "vault": vault,
        "first": first,
        "rows_after_first": rows_after_first,
        "second": json.loads(custos(demo_home, "history", "--account", vault, "--json").stdout),
        "rows_after_second": count_rows(demo_home),
        "table": custos(demo_home, "history", "--account", vault).stdout,
        "stranger": custos(demo_home, "history", "--account", "0x" + "12" * 20, check=False),
    }


def count_rows(home: Path) -> int:
    from wallet_app.profiles import open_profile
    from wallet_app.storage.schema import transfers

    profile = open_profile(home, "demo")
    try:
        with profile.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(transfers)).scalar_one())
    finally:
        profile.close()


def test_the_client_vault_history(runs: dict[str, Any]) -> None:
    history = runs["first"]
    assert all(row["account"] == runs["vault"] and row["verified_source"] is True for row in history)
    for row in history:
        assert isinstance(row["block_number"], int) and row["tx_hash"].startswith("0x") and len(row["tx_hash"]) == 66
        assert datetime.fromisoformat(row["block_time"]).tzinfo is not None
        assert row["amount"].isdigit() and isinstance(row["decimals"], int)
    payout = [r for r in history if r["direction"] == "out" and r["symbol"] == "HKDH"]
    assert len(payout) == 1
    assert payout[0]["amount"] == str(50_000 * 10**6) and payout[0]["decimals"] == 6
    assert payout[0]["counterparty_label"] == "Kowloon Pension Trust (investor)"
    mints = {(r["symbol"], r["standard"], r["token_id"], r["amount"]) for r in history
             if r["direction"] == "in" and r["counterparty"] == "0x" + "00" * 20}
    assert ("HKDH", "erc20", None, str(25_000_000 * 10**6)) in mints
    assert ("HMMF", "erc20", None, str(1_200_000 * 10**6)) in mints
    assert ("HGB29", "erc3643", None, "500") in mints
    assert ("HDEED", "erc721", "1", "1") in mints
    assert ("HFSC", "erc1155", "1", "10000") in mints
    numbers = [r["block_number"] for r in history]
    assert numbers == sorted(numbers, reverse=True)  # newest first


def test_each_transfer_is_valued_at_its_own_block(runs: dict[str, Any]) -> None:
    by_symbol = {r["symbol"]: r for r in runs["first"] if r["direction"] == "in"}
    assert by_symbol["HKDH"]["value_hkd"] == "25000000"  # the reviewed stablecoin: 1:1
    assert by_symbol["HKDH"]["price_then"]["source"] == "fixed 1:1 HKD stablecoin"
    assert by_symbol["HMMF"]["value_hkd"] == "12028080"  # 1,200,000 at the NAV of its block, 10.0234
    # HUST was subscribed at a NAV of 102.3911 USD; the NAV moved to 102.4518 afterwards: valued as it was then
    hust = by_symbol["HUST"]
    assert hust["price_then"]["per_unit"] == "102.3911" and hust["price_then"]["fx"]["hkd_per_unit"] == "7.7815"
    assert hust["value_hkd"] == "39837817.2325"  # 50,000 x 102.3911 x 7.7815
    assert by_symbol["HGB29"]["value_hkd"] is None  # minted before its price feed existed: no price then
    assert by_symbol["HDEED"]["value_hkd"] is None and by_symbol["HFSC"]["value_hkd"] is None
    payout = next(r for r in runs["first"] if r["direction"] == "out")
    assert payout["value_hkd"] == "50000"
    assert "(HKD 39837817.2325 then)" in runs["table"]


def test_a_second_run_is_incremental(runs: dict[str, Any]) -> None:
    assert runs["second"] == runs["first"]
    assert runs["rows_after_second"] == runs["rows_after_first"] > len(runs["first"])  # other accounts' too


def test_table_and_refusal(runs: dict[str, Any]) -> None:
    assert "HKDH" in runs["table"] and "Kowloon Pension Trust (investor)" in runs["table"]
    stranger = runs["stranger"]
    assert stranger.returncode == 1 and stranger.stderr.startswith("custos: ")
    assert "not one of the profile's accounts" in stranger.stderr


class CountingChain:
    """Passes everything to the real client, counting eth_getLogs queries."""

    def __init__(self, inner: ChainClient) -> None:
        self.inner = inner
        self.log_queries = 0

    def fetch_logs(self, address: str, topics: list[bytes | None], from_block: int,
                   to_block: BlockRef = "latest") -> list[LogEntry]:
        self.log_queries += 1
        return self.inner.fetch_logs(address, topics, from_block, to_block)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_an_up_to_date_index_asks_for_no_logs(demo_home: Path, runs: dict[str, Any]) -> None:
    from wallet_app.profiles import open_profile
    from wallet_app.services import build_history_service, build_services

    profile = open_profile(demo_home, "demo")
    services = build_services(profile)
    try:
        counting = CountingChain(services.chain)
        history = build_history_service(profile, cast(ChainClient, counting), services.holdings)
        views = history.fetch_history(runs["vault"])
        assert [v.to_json() for v in views] == runs["first"]
        assert counting.log_queries == 0
    finally:
        services.close()
        profile.close()
    assert count_rows(demo_home) == runs["rows_after_first"]


def test_value_over_time_on_the_demo(demo_home: Path, runs: dict[str, Any]) -> None:
    from wallet_app.holdings.totals import compute_institution_total
    from wallet_app.profiles import open_profile
    from wallet_app.services import build_services

    profile = open_profile(demo_home, "demo")
    services = build_services(profile)
    try:
        values = services.value_history
        progress: list[tuple[int, int]] = []
        points = values.sample(6, lambda done, total: progress.append((done, total)))
        first_transfer = min(r["block_number"] for r in runs["first"])
        assert points[0].block_number <= first_transfer  # the first indexed transfer of any account
        assert progress[0] == (0, len(points)) and progress[-1] == (len(points), len(points))
        assert all(p.value_hkd is not None and p.block_time is not None for p in points)
        own = values.load_own_accounts()
        latest = services.holdings.fetch_holdings(own, block=points[-1].block_number)
        assert points[-1].value_hkd == compute_institution_total(latest).value_hkd
        # the Holdings page's institution total: 89,415,024.085 HKD in the Safes, 1,550,702,000 HKD cold
        assert points[-1].value_hkd == 1_640_117_024_085_000
        blocks = [p.block_number for p in points]
        assert blocks == sorted(blocks) and len(blocks) == 6
    finally:
        services.close()
        profile.close()
