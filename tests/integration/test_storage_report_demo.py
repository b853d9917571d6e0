"""`custos storage report` on a real demo profile and its embedded devnet (issue 15, item 5): the units per storage
tier equal balances read directly from the chain at the report's block, the JSON has exactly the documented keys,
the treasury is not counted, each report is in the audit log, and `--out FILE.pdf` writes a PDF through the desktop's
writer (and is refused without one).

The demo's policy marks the client vault (warm) and the cold account vault as holding client assets, the treasury
(hot) as not. The fixture has the issuer mint so much HKDH into the cold vault that HKDH sits above 98 % cold
whatever the demo seeded, while the client vault's property deed (0 % cold) stays below the threshold.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import decode

from tests.integration.test_cli_demo import custos, demo_home  # noqa: F401  (module fixture reused)
from wallet_app.chain.client import BlockRef, ChainClient
from wallet_app.demo.deployer import Deployer
from wallet_app.demo.setup import DEMO_PASSWORD
from wallet_app.domain.abi import build_call
from wallet_app.holdings.model import NATIVE, Standard
from wallet_app.holdings.registry import TokenRegistry
from wallet_app.keys.keystore import decrypt_keystore, load_keystore_file
from wallet_app.profiles import Profile, open_profile
from wallet_app.services import Services, build_services

REPO = Path(__file__).resolve().parents[2]
KEYS = {"block_number", "block_hash", "threshold_pct", "assets", "vaults"}
ASSET_KEYS = {"asset", "symbol", "total", "tiers", "value_hkd", "cold_share_pct", "below_threshold"}


@dataclass(frozen=True)
class Setup:
    home: Path
    cold: str
    hkdh: str
    vaults: list[tuple[str, str, bool]]  # the policy's (address, storage, client_assets)


def _labels(profile: Profile) -> dict[str, str]:
    return {entry.label: address for address, entry in profile.load_labels().items()}


def _prepare(profile: Profile, services: Services) -> tuple[str, str, list[tuple[str, str, bool]]]:
    document = services.policy.active().document
    (cold,) = [v.address for v in document.vaults if v.client_assets and v.storage == "cold"]  # the demo's
    tokens = {t.symbol: t.address for t in TokenRegistry(engine=profile.engine,
                                                         chain_id=profile.config.chain_id).load_tokens()}
    hkdh = tokens["HKDH"]
    elsewhere = sum(uint(services.chain, hkdh, "balanceOf(address)", v.address) for v in document.vaults
                    if v.client_assets and v.address != cold)
    issuer = _labels(profile)["Harbour issuer agent"]
    key = decrypt_keystore(load_keystore_file(profile.paths.keystores / f"{issuer}.json"), DEMO_PASSWORD)
    Deployer(services.chain, profile.config.chain_id, key).send(hkdh, "mint(address,uint256)", cold, 50 * elsewhere)
    return cold, hkdh, [(v.address, v.storage, v.client_assets) for v in document.vaults]


@pytest.fixture(scope="module")
def setup(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Setup:
    import shutil

    home = tmp_path_factory.mktemp("storage-report") / "home"
    shutil.copytree(demo_home, home)
    profile = open_profile(home, "demo")
    try:
        services = build_services(profile)
        try:
            made = _prepare(profile, services)
        finally:
            services.close()
    finally:
        profile.close()
    return Setup(home, *made)


@pytest.fixture(scope="module")
def runs(setup: Setup, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every CLI run of this module, before the `chain` fixture opens the devnet in this process."""
    out = tmp_path_factory.mktemp("storage-pdf")
    report = custos(setup.home, "storage", "report", "--json")
    pdf = out / "storage.pdf"
    env = {**os.environ, "CUSTOS_HOME": "", "QT_QPA_PLATFORM": "offscreen"}
    with_pdf = subprocess.run([sys.executable, "-m", "ui.cli_entry", "--home", str(setup.home), "storage", "report",
                               "--out", str(pdf)], capture_output=True, text=True, env=env, timeout=300, cwd=REPO)
    return {
        "json": json.loads(report.stdout),
        "json_stderr": report.stderr,
        "text": custos(setup.home, "storage", "report").stdout,
        "earlier": json.loads(custos(setup.home, "storage", "report", "--json", "--block",
                                     str(json.loads(report.stdout)["block_number"] - 1)).stdout),
        "no_writer": custos(setup.home, "storage", "report", "--out", str(out / "refused.pdf"), check=False),
        "with_pdf": with_pdf,
        "pdf": pdf,
        "again": subprocess.run([sys.executable, "-m", "ui.cli_entry", "--home", str(setup.home), "storage",
                                 "report", "--out", str(pdf)], capture_output=True, text=True, env=env, timeout=300,
                                cwd=REPO),
    }


@pytest.fixture(scope="module")
def chain(setup: Setup, runs: dict[str, Any]) -> Iterator[tuple[ChainClient, Services, TokenRegistry]]:
    profile = open_profile(setup.home, "demo")
    services = build_services(profile)
    try:
        yield services.chain, services, TokenRegistry(engine=profile.engine, chain_id=profile.config.chain_id)
    finally:
        services.close()
        profile.close()


def uint(client: ChainClient, target: str, signature: str, *args: object, block: BlockRef = "latest") -> int:
    (value,) = decode(["uint256"], client.call(target, build_call(signature, *args), block=block))
    return int(value)


def direct_units(client: ChainClient, registry: TokenRegistry, vault: str, block: int) -> dict[str, int]:
    """What `vault` holds at `block`, per asset, read with balanceOf (and the coin balance) here, not by Custos."""
    units = {NATIVE: client.fetch_balance(vault, block)}
    for token in registry.load_tokens():
        if token.standard in (Standard.ERC20, Standard.ERC3643, Standard.ERC721):
            units[token.address] = uint(client, token.address, "balanceOf(address)", vault, block=block)
        elif token.standard is Standard.ERC1155:
            units[token.address] = sum(uint(client, token.address, "balanceOf(address,uint256)", vault, token_id,
                                            block=block) for token_id in range(0, 8))
    return units


def test_the_json_has_exactly_the_documented_keys(runs: dict[str, Any], setup: Setup) -> None:
    report = runs["json"]
    assert set(report) == KEYS and runs["json_stderr"] == ""
    assert report["threshold_pct"] == "98.00"
    for asset in report["assets"]:
        assert set(asset) == ASSET_KEYS and set(asset["tiers"]) == {"hot", "warm", "cold"}
        assert isinstance(asset["total"], int) and all(isinstance(v, int) for v in asset["tiers"].values())
        assert asset["total"] == sum(asset["tiers"].values()) > 0
        assert asset["value_hkd"] is None or isinstance(asset["value_hkd"], str)
    assert [(v["address"], v["storage"], v["client_assets"]) for v in report["vaults"]] == setup.vaults
    assert all(set(v) == {"address", "storage", "client_assets"} for v in report["vaults"])


def test_every_tier_equals_balances_summed_directly_from_the_chain(runs: dict[str, Any], setup: Setup,
                                                                   chain: tuple[ChainClient, Services, TokenRegistry],
                                                                   ) -> None:
    client, _services, registry = chain
    for report in (runs["json"], runs["earlier"]):
        block = report["block_number"]
        assert client.fetch_block(block).hash.hex() == report["block_hash"][2:]
        expected: dict[str, dict[str, int]] = {}
        for address, storage, client_assets in setup.vaults:
            if not client_assets:
                continue  # the treasury is not counted
            for asset, units in direct_units(client, registry, address, block).items():
                tiers = expected.setdefault(asset, {"hot": 0, "warm": 0, "cold": 0})
                tiers[storage] += units
        expected = {asset: tiers for asset, tiers in expected.items() if sum(tiers.values())}
        assert {a["asset"]: a["tiers"] for a in report["assets"]} == expected
        for asset in report["assets"]:
            tiers, total = asset["tiers"], asset["total"]
            share = tiers["cold"] * 10000 // total
            assert asset["cold_share_pct"] == f"{share // 100}.{share % 100:02d}"
            assert asset["below_threshold"] is (tiers["cold"] * 10000 < 9800 * total)


def test_hkdh_is_above_the_threshold_and_the_deed_below(runs: dict[str, Any], setup: Setup) -> None:
    by_symbol = {a["symbol"]: a for a in runs["json"]["assets"]}
    assert by_symbol["HKDH"]["asset"] == setup.hkdh and by_symbol["HKDH"]["below_threshold"] is False
    assert by_symbol["HKDH"]["value_hkd"] is not None  # a fixed 1:1 HKD stablecoin
    assert by_symbol["HDEED"]["below_threshold"] is True and by_symbol["HDEED"]["cold_share_pct"] == "0.00"
    if not any(storage == "hot" and client for _address, storage, client in setup.vaults):
        assert all(a["tiers"]["hot"] == 0 for a in runs["json"]["assets"])  # the hot treasury is not counted
    before = {a["symbol"]: a for a in runs["earlier"]["assets"]}
    assert before["HKDH"]["tiers"]["cold"] < by_symbol["HKDH"]["tiers"]["cold"]  # the mint is in the last block


def test_the_text_flags_assets_below_the_threshold(runs: dict[str, Any]) -> None:
    text = runs["text"]
    assert "Cold-storage threshold: 98.00 %" in text
    deed = next(line for line in text.splitlines() if line.startswith("HDEED "))
    assert "BELOW 98.00 %" in deed
    hkdh = next(line for line in text.splitlines() if line.startswith("HKDH "))
    assert hkdh.rstrip().endswith("ok")
    assert "Harbour treasury" in text and "not counted" in text


def test_pdf_is_written_by_the_desktop_writer_and_refused_without_one(runs: dict[str, Any]) -> None:
    refused = runs["no_writer"]
    assert refused.returncode == 1 and "no PDF writer" in refused.stderr and refused.stdout == ""
    written = runs["with_pdf"]
    assert written.returncode == 0, written.stderr
    assert runs["pdf"].read_bytes().startswith(b"%PDF") and "Wrote the storage report" in written.stdout
    again = runs["again"]
    assert again.returncode == 1 and "already exists" in again.stderr


def test_each_report_is_in_the_audit_log(runs: dict[str, Any],
                                        chain: tuple[ChainClient, Services, TokenRegistry]) -> None:
    _client, services, _registry = chain
    entries = services.audit.load_entries(action="storage_report")
    assert len(entries) == 4  # --json, text, --block, and the PDF (the refused runs read nothing)
    newest = entries[0]
    assert newest.actor == "operator"
    detail = newest.details()
    assert detail["threshold_bp"] == 9800 and detail["complete"] is True
    assert "HDEED" in {b["symbol"] for b in detail["below_threshold"]}
    assert "HKDH" not in {b["symbol"] for b in detail["below_threshold"]}
    blocks = {e.details()["block"] for e in entries}
    assert blocks == {runs["json"]["block_number"], runs["earlier"]["block_number"]}
    exports = [e.details() for e in services.audit.load_entries(action="export")]
    exports = [e for e in exports if e.get("kind") == "storage report"]
    assert len(exports) == 1 and exports[0]["file"] == "storage.pdf" and exports[0]["format"] == "pdf"
