"""The storage-tier report (issue 15, item 5): per asset, how much of the client assets sits in hot, warm and cold
vaults at one block, and which assets fall under the institution's cold-storage threshold (98 % by default).

The policy's vault section says each vault's storage tier and whether it holds client assets; only those vaults
count (the institution's own treasury does not). Per asset (a token address, or "native"; every id of an ERC-721 or
ERC-1155 contract counts towards that contract), the report adds up the units each tier holds and the HKD value of
the priced holdings. The cold share is floor(cold * 10000 / total) hundredths of a percent: rounded down, never
overstated; an asset is below the threshold when cold * 10000 < threshold * total (exact, in integers). Assets that
the client vaults do not hold at all are left out.

`build_storage_report` is pure; `fetch_storage_report` reads the policy in force and the holdings of every client
vault at one block; `record_storage_report` writes the audit entry. The policy is taken through small protocols
(`StoragePolicy`), which `wallet_app.policy.document.PolicyDocument` satisfies, so that this package keeps below
the policy package. The shares are formatted with `wallet_app.policy.vault_section.format_pct` where they are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from wallet_app.audit.actions import OPERATOR, STORAGE_REPORT
from wallet_app.errors import ConfigError
from wallet_app.holdings.model import NATIVE, Holding, HoldingsSnapshot, Standard

TIERS = ("hot", "warm", "cold")
SYMBOL_MAX = 32  # a token's own symbol is untrusted: at most this many characters are kept
FULL = 10_000  # 100 %, in hundredths of a percent


class NoClientAssetVaults(ConfigError):
    code = "no_client_asset_vaults"


# -- what the report reads from the policy (PolicyDocument satisfies these) -------------------------------------------
class TierVault(Protocol):
    @property
    def address(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def storage(self) -> str: ...
    @property
    def client_assets(self) -> bool: ...


class NamedAsset(Protocol):
    @property
    def symbol(self) -> str: ...
    @property
    def key(self) -> str: ...  # EIP-55 token address, or "native"


class StoragePolicy(Protocol):
    @property
    def version(self) -> int: ...
    @property
    def digest_hex(self) -> str: ...
    @property
    def vaults(self) -> Sequence[TierVault]: ...
    @property
    def assets(self) -> Sequence[NamedAsset]: ...
    @property
    def cold_threshold_bp(self) -> int: ...


class ActivePolicyLike(Protocol):
    @property
    def document(self) -> StoragePolicy: ...


class PolicySource(Protocol):
    """`PolicyService`: the policy in force (raises `PolicyNotInForce` when there is none)."""

    def active(self, now: datetime | None = None) -> ActivePolicyLike: ...


class HoldingsSource(Protocol):
    def fetch_holdings(self, accounts: list[str] | None = None, block: int | None = None) -> HoldingsSnapshot: ...


class AuditRecorder(Protocol):
    def record(self, *, actor: str, action: str, subject: str = "", detail: Any = None) -> object: ...


# -- the report -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Tiers:
    hot: int = 0
    warm: int = 0
    cold: int = 0

    @property
    def total(self) -> int:
        return self.hot + self.warm + self.cold

    def of(self, tier: str) -> int:
        return {"hot": self.hot, "warm": self.warm, "cold": self.cold}[tier]


@dataclass(frozen=True, slots=True)
class ReportVault:
    address: str
    label: str
    kind: str  # safe | account
    storage: str  # hot | warm | cold
    client_assets: bool


@dataclass(frozen=True, slots=True)
class StorageAsset:
    asset: str  # token address, or NATIVE
    symbol: str  # the policy's [[assets]] symbol, else the token's own (untrusted, at most SYMBOL_MAX characters)
    named_by_policy: bool
    standard: Standard
    decimals: int  # for showing units; the amounts themselves are integers in the token's units
    units: Tiers
    value_hkd: int | None  # 10^-6 HKD: the priced holdings; None when none is priced
    tier_values_hkd: Tiers  # the priced holdings' value per tier
    unpriced: int  # holdings of the asset without an HKD value (a value that is partly unpriced says so)
    cold_share_bp: int  # floor(cold * 10000 / total)
    below_threshold: bool  # cold * 10000 < threshold * total
    reviewed: bool  # every holding of it is a token approved in the profile's registry (or the native coin)

    @property
    def total(self) -> int:
        return self.units.total


@dataclass(frozen=True, slots=True)
class StorageReport:
    block_number: int
    block_hash: bytes
    block_time: datetime | None
    read_at: datetime
    threshold_bp: int
    policy_version: int
    policy_digest: str
    assets: tuple[StorageAsset, ...]
    vaults: tuple[ReportVault, ...]  # every [[vaults]] entry of the policy, client assets or not
    unreadable: tuple[str, ...] = ()  # reads that failed: the report is incomplete (never taken as zero)
    inconsistencies: tuple[str, ...] = ()  # F2: the providers disagreed; the lower values are counted

    @property
    def client_vaults(self) -> tuple[ReportVault, ...]:
        return tuple(v for v in self.vaults if v.client_assets)

    @property
    def below(self) -> tuple[StorageAsset, ...]:
        return tuple(a for a in self.assets if a.below_threshold)

    @property
    def complete(self) -> bool:
        return not self.unreadable

    @property
    def tier_values_hkd(self) -> Tiers:
        """The priced client holdings' value in each tier, over every asset (10^-6 HKD)."""
        return Tiers(*(sum(a.tier_values_hkd.of(t) for a in self.assets) for t in TIERS))

    @property
    def unpriced(self) -> int:
        return sum(a.unpriced for a in self.assets)


def compute_cold_share_bp(cold: int, total: int) -> int:
    """The cold share in hundredths of a percent, rounded down (0 for nothing held)."""
    return cold * FULL // total if total > 0 else 0


def is_below_threshold(cold: int, total: int, threshold_bp: int) -> bool:
    return cold * FULL < threshold_bp * total


@dataclass
class _Sum:
    first: Holding
    units: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))
    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))
    priced: bool = False
    unpriced: int = 0
    reviewed: bool = True


def build_storage_report(policy: StoragePolicy, snapshot: HoldingsSnapshot) -> StorageReport:
    """The report of `snapshot` (which should hold every client vault of `policy` at one block). Pure."""
    tier_of = {v.address.lower(): v.storage for v in policy.vaults if v.client_assets}
    sums: dict[str, _Sum] = {}
    for holding in snapshot.holdings:
        tier = tier_of.get(holding.account.lower())
        if tier is None or holding.balance <= 0:
            continue
        key = holding.asset if holding.asset == NATIVE else holding.asset.lower()
        acc = sums.setdefault(key, _Sum(holding))
        acc.units[tier] += holding.balance
        acc.reviewed = acc.reviewed and (holding.verified_token or holding.asset == NATIVE)
        if holding.value_hkd is None:
            acc.unpriced += 1
        else:
            acc.values[tier] += holding.value_hkd
            acc.priced = True
    named = {a.key if a.key == NATIVE else a.key.lower(): a.symbol for a in policy.assets}
    assets = [_asset(acc, named.get(key), policy.cold_threshold_bp) for key, acc in sums.items()]
    order = {key: i for i, key in enumerate(named)}
    standards = list(Standard)
    assets = [a for a in assets if a.total > 0]
    assets.sort(key=lambda a: (order.get(a.asset if a.asset == NATIVE else a.asset.lower(), len(order)),
                               standards.index(a.standard), a.symbol, a.asset))
    return StorageReport(
        block_number=snapshot.block_number,
        block_hash=snapshot.block_hash,
        block_time=snapshot.block_time,
        read_at=snapshot.read_at,
        threshold_bp=policy.cold_threshold_bp,
        policy_version=policy.version,
        policy_digest=policy.digest_hex,
        assets=tuple(assets),
        vaults=tuple(ReportVault(v.address, v.label, v.kind, v.storage, v.client_assets) for v in policy.vaults),
        unreadable=snapshot.unreadable,
        inconsistencies=snapshot.inconsistencies,
    )


def _asset(acc: _Sum, policy_symbol: str | None, threshold_bp: int) -> StorageAsset:
    h = acc.first
    units = Tiers(*(acc.units[t] for t in TIERS))
    symbol = policy_symbol if policy_symbol is not None else bound_symbol(h.symbol)
    return StorageAsset(
        asset=h.asset,
        symbol=symbol,
        named_by_policy=policy_symbol is not None,
        standard=h.standard,
        decimals=h.decimals,
        units=units,
        value_hkd=sum(acc.values.values()) if acc.priced else None,
        tier_values_hkd=Tiers(*(acc.values[t] for t in TIERS)),
        unpriced=acc.unpriced,
        cold_share_bp=compute_cold_share_bp(units.cold, units.total),
        below_threshold=is_below_threshold(units.cold, units.total, threshold_bp),
        reviewed=acc.reviewed,
    )


def bound_symbol(symbol: str) -> str:
    """A token's own symbol, untrusted: at most SYMBOL_MAX characters (an ellipsis says it was cut)."""
    return symbol if len(symbol) <= SYMBOL_MAX else symbol[: SYMBOL_MAX - 1] + "…"


# -- reading and recording ------------------------------------------------------------------------------------------
def client_vault_addresses(policy: StoragePolicy) -> list[str]:
    """The client-asset vaults of `policy`, in its order; NoClientAssetVaults when it marks none."""
    addresses = [v.address for v in policy.vaults if v.client_assets]
    if not addresses:
        raise NoClientAssetVaults(
            "The policy in force marks no vault as holding client assets, so there is nothing to report: add a "
            "[[vaults]] entry with client_assets = true for each client vault (with its storage tier) to the policy")
    return addresses


def fetch_storage_report(*, policy: PolicySource, holdings: HoldingsSource, block: int | None = None,
                         ) -> StorageReport:
    """The report of the policy in force over the holdings of its client vaults at `block` (default: the latest),
    all read at that one block. Raises `PolicyNotInForce` without a policy, `NoClientAssetVaults` when it marks no
    client vault."""
    document = policy.active().document
    snapshot = holdings.fetch_holdings(accounts=client_vault_addresses(document), block=block)
    return build_storage_report(document, snapshot)


def build_audit_detail(report: StorageReport) -> dict[str, Any]:
    return {
        "block": report.block_number,
        "block_hash": "0x" + report.block_hash.hex(),
        "threshold_bp": report.threshold_bp,
        "policy_version": report.policy_version,
        "assets": len(report.assets),
        "below_threshold": [{"asset": a.asset, "symbol": a.symbol, "cold_share_bp": a.cold_share_bp}
                            for a in report.below],
        "complete": report.complete,
    }


def record_storage_report(audit: AuditRecorder, report: StorageReport) -> None:
    """The audit entry of a report made (by the person at this desktop): its block, threshold and the assets under
    the threshold."""
    below = ", ".join(a.symbol for a in report.below) or "none"
    subject = f"block {report.block_number}, below the threshold: {below}"
    audit.record(actor=OPERATOR, action=STORAGE_REPORT, subject=subject[:200], detail=build_audit_detail(report))
