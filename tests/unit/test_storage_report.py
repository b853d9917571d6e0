"""The storage-tier report (issue 15, item 5), pure: per asset the units in hot, warm and cold client vaults, the cold
share rounded down, the threshold compared exactly in integers, the treasury not counted, NFTs and the native coin,
the symbol from the policy, and the JSON and text a script or a person reads."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from tests.unit.test_policy_rules import CLIENT, HDEED, HGB29, HKDH, HMMF, TREASURY, address
from tests.unit.test_policy_vault_section import COLD, with_vaults
from wallet_app.cli.storage import build_report_json, build_report_lines
from wallet_app.holdings.model import NATIVE, Compliance, Holding, HoldingsSnapshot, Standard
from wallet_app.holdings.storage_report import (
    STORAGE_REPORT,
    NoClientAssetVaults,
    StorageAsset,
    StoragePolicy,
    build_audit_detail,
    build_storage_report,
    compute_cold_share_bp,
    fetch_storage_report,
    is_below_threshold,
    record_storage_report,
)
from wallet_app.policy.document import parse_policy
from wallet_app.policy.vault_section import format_pct

HOT = address("hot client vault")
SHARES = address("fund share classes")
SPAM = address("spam token")
REQUIRED_KEYS = {"block_number", "threshold_pct", "assets", "vaults"}
ASSET_KEYS = {"asset", "symbol", "total", "tiers", "value_hkd", "cold_share_pct", "below_threshold"}


@dataclass(frozen=True)
class Vault:
    address: str
    storage: str
    client_assets: bool
    label: str = "a vault"
    kind: str = "account"


@dataclass(frozen=True)
class NamedAsset:
    symbol: str
    key: str


@dataclass(frozen=True)
class Policy:
    vaults: tuple[Vault, ...]
    assets: tuple[NamedAsset, ...] = (NamedAsset("HSK", NATIVE), NamedAsset("HKDH", HKDH))
    cold_threshold_bp: int = 9800
    version: int = 4
    digest_hex: str = "0x" + "ab" * 32


POLICY = Policy((Vault(CLIENT, "warm", True, "Client vault", "safe"), Vault(TREASURY, "hot", False, "Treasury", "safe"),
                 Vault(COLD, "cold", True, "Cold vault"), Vault(HOT, "hot", True, "Hot wallet")))


def holding(account: str, asset: str, balance: int, *, value: int | None = None, symbol: str = "TOK",
            standard: Standard = Standard.ERC20, token_id: int | None = None, decimals: int = 6,
            verified: bool = True) -> Holding:
    return Holding(account, asset, standard, token_id, symbol, symbol, decimals, balance, 0, None, value,
                   Compliance(), verified)


def snapshot(*holdings: Holding, unreadable: tuple[str, ...] = ()) -> HoldingsSnapshot:
    return HoldingsSnapshot(block_number=77, block_hash=bytes(range(32)), read_at=datetime(2026, 1, 2, tzinfo=UTC),
                            accounts=(), holdings=holdings, unreadable=unreadable)


def only(policy: StoragePolicy, *holdings: Holding) -> dict[str, StorageAsset]:
    report = build_storage_report(policy, snapshot(*holdings))
    return {a.asset: a for a in report.assets}


@pytest.mark.parametrize(("cold", "total", "bp", "below"), [
    (98, 100, 9800, False),  # exactly at the threshold: not below
    (97, 100, 9700, True),
    (979_999, 1_000_000, 9799, True),  # 97.9999 % is shown 97.99, never rounded up to 98.00
    (2, 3, 6666, True),  # 66.666… % -> 66.66
    (1, 1, 10000, False),
    (0, 5, 0, True),
    (10**30 - 1, 10**30, 9999, False),  # huge token amounts stay exact integers
])
def test_the_cold_share_is_rounded_down_and_the_threshold_compared_exactly(cold: int, total: int, bp: int,
                                                                           below: bool) -> None:
    assert compute_cold_share_bp(cold, total) == bp
    assert is_below_threshold(cold, total, 9800) is below


def test_a_share_that_rounds_to_the_threshold_is_still_below_it() -> None:
    # 9,799,999 of 10,000,000 is 97.99999 %: shown 97.99 and below 98.00
    assets = only(POLICY, holding(COLD, HKDH, 9_799_999), holding(CLIENT, HKDH, 200_001))
    hkdh = assets[HKDH]
    assert hkdh.cold_share_bp == 9799 and hkdh.below_threshold
    assets = only(POLICY, holding(COLD, HKDH, 9_800_000), holding(CLIENT, HKDH, 200_000))
    assert assets[HKDH].cold_share_bp == 9800 and not assets[HKDH].below_threshold


def test_units_and_values_add_up_by_tier_and_the_treasury_is_not_counted() -> None:
    report = build_storage_report(POLICY, snapshot(
        holding(COLD, HKDH, 990, value=990_000), holding(CLIENT, HKDH, 6, value=6_000),
        holding(HOT, HKDH, 4, value=4_000), holding(TREASURY, HKDH, 5_000, value=5_000_000),
        holding(address("stranger"), HKDH, 7_000)))
    (hkdh,) = report.assets
    assert (hkdh.units.hot, hkdh.units.warm, hkdh.units.cold, hkdh.total) == (4, 6, 990, 1000)
    assert hkdh.value_hkd == 1_000_000 and hkdh.unpriced == 0 and hkdh.symbol == "HKDH" and hkdh.named_by_policy
    assert (hkdh.cold_share_bp, hkdh.below_threshold) == (9900, False)
    assert report.tier_values_hkd.cold == 990_000 and report.tier_values_hkd.hot == 4_000
    assert [v.address for v in report.client_vaults] == [CLIENT, COLD, HOT]
    assert [v.address for v in report.vaults] == [CLIENT, TREASURY, COLD, HOT]


def test_assets_held_only_by_the_treasury_or_with_zero_balances_are_left_out() -> None:
    report = build_storage_report(POLICY, snapshot(holding(TREASURY, HMMF, 10), holding(CLIENT, HGB29, 0,
                                                   standard=Standard.ERC3643, decimals=0)))
    assert report.assets == () and report.below == ()


def test_nfts_of_one_contract_count_as_one_asset_and_the_native_coin_as_native() -> None:
    assets = only(POLICY,
                  holding(CLIENT, HDEED, 1, standard=Standard.ERC721, token_id=1, symbol="HDEED", decimals=0),
                  holding(COLD, HDEED, 1, standard=Standard.ERC721, token_id=2, symbol="HDEED", decimals=0),
                  holding(COLD, HDEED, 1, standard=Standard.ERC721, token_id=9, symbol="HDEED", decimals=0),
                  holding(CLIENT, SHARES, 10_000, standard=Standard.ERC1155, token_id=1, symbol="", decimals=0),
                  holding(COLD, SHARES, 2_500, standard=Standard.ERC1155, token_id=2, symbol="", decimals=0),
                  holding(COLD, NATIVE, 49 * 10**18, standard=Standard.NATIVE, symbol="HSK", decimals=18),
                  holding(HOT, NATIVE, 10**18, standard=Standard.NATIVE, symbol="HSK", decimals=18))
    deed, shares, native = assets[HDEED], assets[SHARES], assets[NATIVE]
    assert (deed.total, deed.units.cold, deed.cold_share_bp, deed.below_threshold) == (3, 2, 6666, True)
    assert (shares.total, shares.units.warm, shares.units.cold, shares.cold_share_bp) == (12_500, 10_000, 2_500, 2000)
    assert (native.total, native.units.hot, native.cold_share_bp, native.below_threshold) == (50 * 10**18, 10**18,
                                                                                               9800, False)
    assert native.symbol == "HSK" and native.named_by_policy and deed.symbol == "HDEED" and not deed.named_by_policy
    report = build_storage_report(POLICY, snapshot(*[holding(COLD, NATIVE, 1, standard=Standard.NATIVE)],
                                                   holding(CLIENT, HKDH, 1)))
    assert [a.asset for a in report.assets] == [NATIVE, HKDH]  # the policy's [[assets]] order


def test_value_is_null_when_nothing_is_priced_and_partly_unpriced_is_counted() -> None:
    assets = only(POLICY, holding(COLD, HMMF, 100), holding(CLIENT, HMMF, 1),
                  holding(COLD, HKDH, 100, value=100), holding(CLIENT, HKDH, 1))
    assert assets[HMMF].value_hkd is None and assets[HMMF].unpriced == 2
    assert assets[HKDH].value_hkd == 100 and assets[HKDH].unpriced == 1


def test_a_token_s_own_symbol_is_bounded_and_unreviewed_tokens_are_marked() -> None:
    long = "\u202eFREE" + "X" * 100
    assets = only(POLICY, holding(COLD, SPAM, 5, symbol=long, verified=False))
    spam = assets[SPAM]
    assert len(spam.symbol) == 32 and spam.symbol.endswith("…") and not spam.reviewed and not spam.named_by_policy
    lines = "\n".join(build_report_lines(build_storage_report(POLICY, snapshot(holding(COLD, SPAM, 5, symbol=long,
                                                                                          verified=False)))))
    assert "\u202e" not in lines and "\\u202e" in lines and "[unreviewed token]" in lines


def test_the_threshold_comes_from_the_policy() -> None:
    strict = replace(POLICY, cold_threshold_bp=9950)
    assets = only(strict, holding(COLD, HKDH, 99), holding(CLIENT, HKDH, 1))
    assert assets[HKDH].below_threshold  # 99 % < 99.50 %
    assert not only(replace(POLICY, cold_threshold_bp=9900), holding(COLD, HKDH, 99),
                    holding(CLIENT, HKDH, 1))[HKDH].below_threshold


def test_a_real_policy_document_is_read_by_the_report() -> None:
    document = parse_policy(with_vaults(storage='[storage]\ncold_threshold_pct = "99.5"\n\n'))
    report = build_storage_report(document, snapshot(holding(COLD, HKDH, 995), holding(CLIENT, HKDH, 5),
                                                     holding(TREASURY, HKDH, 10**9)))
    assert report.threshold_bp == 9950 and report.policy_version == document.version
    (hkdh,) = report.assets
    assert (hkdh.total, hkdh.cold_share_bp, hkdh.below_threshold, hkdh.symbol) == (1000, 9950, False, "HKDH")
    assert [(v.storage, v.client_assets) for v in report.vaults] == [("warm", True), ("hot", False), ("cold", True)]


def test_the_json_has_exactly_the_documented_keys() -> None:
    report = build_storage_report(POLICY, snapshot(holding(COLD, HKDH, 97, value=97_000_000),
                                                   holding(CLIENT, HKDH, 3, value=3_000_000),
                                                   holding(COLD, HMMF, 5)))
    out = build_report_json(report)
    assert set(out) == REQUIRED_KEYS | {"block_hash"}
    assert out["threshold_pct"] == "98.00" and out["block_number"] == 77
    hkdh, hmmf = out["assets"]
    assert set(hkdh) == ASSET_KEYS and set(hkdh["tiers"]) == {"hot", "warm", "cold"}
    assert hkdh == {"asset": HKDH, "symbol": "HKDH", "total": 100, "tiers": {"hot": 0, "warm": 3, "cold": 97},
                    "value_hkd": "100", "cold_share_pct": "97.00", "below_threshold": True}
    assert hmmf["value_hkd"] is None and hmmf["cold_share_pct"] == format_pct(10000) == "100.00"
    assert out["vaults"] == [{"address": v.address, "storage": v.storage, "client_assets": v.client_assets}
                             for v in POLICY.vaults]


def test_unreadable_reads_are_reported_in_an_extra_key_and_in_the_text() -> None:
    report = build_storage_report(POLICY, snapshot(holding(COLD, HKDH, 1), unreadable=(f"{HKDH} did not answer "
                                                                                       f"balanceOf({CLIENT})",)))
    assert not report.complete
    out = build_report_json(report)
    assert set(out) == REQUIRED_KEYS | {"block_hash", "unreadable"} and out["unreadable"][0].startswith(HKDH)
    text = "\n".join(build_report_lines(report))
    assert "INCOMPLETE: 1 read(s) failed" in text and "did not answer" in text


def test_the_text_table_flags_assets_below_the_threshold_in_words() -> None:
    report = build_storage_report(POLICY, snapshot(holding(COLD, HKDH, 97, value=97), holding(CLIENT, HKDH, 3),
                                                   holding(COLD, NATIVE, 1, standard=Standard.NATIVE, decimals=18)))
    lines = build_report_lines(report)
    text = "\n".join(lines)
    assert "Cold-storage threshold: 98.00 %" in text
    row = next(line for line in lines if line.startswith("HKDH "))
    assert "BELOW 98.00 %" in row and "97.00" in row and "(partly unpriced)" in row
    assert next(line for line in lines if line.startswith("HSK ")).rstrip().endswith("ok")
    assert "1 asset(s) below 98.00 % cold: HKDH" in text and "Treasury" in text and "not counted" in text


class FakeActive:
    def __init__(self, document: StoragePolicy) -> None:
        self.document = document


class FakePolicy:
    def __init__(self, document: StoragePolicy) -> None:
        self._document = document

    def active(self, now: datetime | None = None) -> FakeActive:
        return FakeActive(self._document)


class FakeHoldings:
    def __init__(self) -> None:
        self.asked: list[tuple[list[str] | None, int | None]] = []

    def fetch_holdings(self, accounts: list[str] | None = None, block: int | None = None) -> HoldingsSnapshot:
        self.asked.append((accounts, block))
        return snapshot(holding(COLD, HKDH, 1))


def test_the_service_reads_only_the_client_vaults_at_the_block_asked() -> None:
    holdings = FakeHoldings()
    report = fetch_storage_report(policy=FakePolicy(POLICY), holdings=holdings, block=12)
    assert holdings.asked == [([CLIENT, COLD, HOT], 12)] and report.assets[0].units.cold == 1


def test_a_policy_without_client_vaults_is_refused_in_words() -> None:
    holdings = FakeHoldings()
    treasury_only = replace(POLICY, vaults=(Vault(TREASURY, "hot", False),))
    with pytest.raises(NoClientAssetVaults, match="marks no vault as holding client assets"):
        fetch_storage_report(policy=FakePolicy(treasury_only), holdings=holdings)
    with pytest.raises(NoClientAssetVaults):
        fetch_storage_report(policy=FakePolicy(replace(POLICY, vaults=())), holdings=holdings)
    assert holdings.asked == []


class FakeAudit:
    def __init__(self) -> None:
        self.entries: list[dict[str, object]] = []

    def record(self, *, actor: str, action: str, subject: str = "", detail: object = None) -> None:
        self.entries.append({"actor": actor, "action": action, "subject": subject, "detail": detail})


def test_the_audit_entry_names_the_block_threshold_and_assets_below() -> None:
    report = build_storage_report(POLICY, snapshot(holding(COLD, HKDH, 97), holding(CLIENT, HKDH, 3),
                                                   holding(COLD, HMMF, 5)))
    audit = FakeAudit()
    record_storage_report(audit, report)
    (entry,) = audit.entries
    assert entry["action"] == STORAGE_REPORT == "storage_report" and entry["actor"] == "operator"
    assert entry["subject"] == "block 77, below the threshold: HKDH"
    assert entry["detail"] == build_audit_detail(report)
    detail = build_audit_detail(report)
    assert detail["block"] == 77 and detail["threshold_bp"] == 9800 and detail["complete"] is True
    assert detail["below_threshold"] == [{"asset": HKDH, "symbol": "HKDH", "cold_share_bp": 9700}]
