"""A storage-tier report as rows ready to paint (the Holdings page's "Storage tiers" view): every display string
computed once, off the GUI thread, right after the report is read. Pure Python, no Qt.

Untrusted text (token symbols, vault labels, read errors) has its invisible characters made visible; the view shows
it as plain text. An asset under the threshold says so in words ("BELOW 98.00 %"): colour is never the only signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

from ui.models.holdings_rows import NO_PRICE_TEXT, hkd_text, short_hash
from ui.plain_text import reveal_invisible
from wallet_app.domain.units import format_units
from wallet_app.holdings.model import STANDARD_NAMES

if TYPE_CHECKING:
    from wallet_app.holdings.storage_report import StorageAsset, StorageReport

OK_TEXT = "at or above"
PARTLY_UNPRICED = " (partly unpriced)"


class StorageColumn(IntEnum):
    ASSET = 0
    TOTAL = 1
    HOT = 2
    WARM = 3
    COLD = 4
    COLD_SHARE = 5
    VALUE = 6
    STATUS = 7


HEADINGS = ("Asset", "Total", "Hot", "Warm", "Cold", "Cold share", "Value (HKD)", "Status")


@dataclass(frozen=True, slots=True)
class StorageRow:
    cells: tuple[str, ...]  # by StorageColumn
    below: bool
    tooltip: str  # the asset's address and standard, and where its symbol comes from


@dataclass(frozen=True, slots=True)
class PreparedStorage:
    report: StorageReport
    header: str
    verdict: str
    below_count: int
    rows: tuple[StorageRow, ...]
    vaults: tuple[str, ...]  # one line per vault of the policy
    totals: str
    problems: tuple[str, ...]  # incomplete reads, providers that disagree

    @property
    def block_number(self) -> int:
        return self.report.block_number


def prepare_storage(report: StorageReport) -> PreparedStorage:
    """On the worker lane: the policy package (for `format_pct`) loads the chain stack, never at the UI's start."""
    from wallet_app.policy.vault_section import format_pct

    threshold = format_pct(report.threshold_bp)
    below = report.below
    verdict = (f"{len(below)} asset{'s' if len(below) != 1 else ''} below {threshold} % cold: "
               + ", ".join(reveal_invisible(a.symbol, max_length=40) for a in below)
               if below else f"Every asset is at or above {threshold} % cold.")
    if not report.assets:
        verdict = "The client-asset vaults hold nothing at this block."
    values = report.tier_values_hkd
    unpriced = (f"; {report.unpriced:,} holding{'s' if report.unpriced != 1 else ''} without an HKD value not "
                "counted" if report.unpriced else "")
    problems: list[str] = []
    if report.unreadable:
        problems.append(f"Incomplete: {len(report.unreadable):,} read(s) failed, so the assets they concern may be "
                        f"missing or understated. {report.unreadable[0]}")
    if report.inconsistencies:
        problems.append(f"The providers disagree at this block; the lower values are counted. "
                        f"{report.inconsistencies[0]}")
    return PreparedStorage(
        report=report,
        header=(f"Block {report.block_number:,} (hash {short_hash(report.block_hash)}) · cold-storage threshold "
                f"{threshold} % of each asset · policy version {report.policy_version}"),
        verdict=verdict,
        below_count=len(below),
        rows=tuple(_row(a, threshold, format_pct(a.cold_share_bp)) for a in report.assets),
        vaults=tuple(
            f"{reveal_invisible(v.label, max_length=60) or '(no label)'} ({v.kind}), {v.storage}: "
            f"{'client assets' if v.client_assets else 'not counted, no client assets'} · {v.address}"
            for v in report.vaults),
        totals=(f"Value by tier (priced holdings, HKD): hot {hkd_text(values.hot)}, warm {hkd_text(values.warm)}, "
                f"cold {hkd_text(values.cold)}{unpriced}"),
        problems=tuple(reveal_invisible(p, max_length=400) for p in problems),
    )


def _row(a: StorageAsset, threshold: str, cold_share: str) -> StorageRow:
    def units(value: int) -> str:
        return format_units(value, a.decimals)

    if a.value_hkd is None:
        value = NO_PRICE_TEXT
    else:
        value = hkd_text(a.value_hkd) + (PARTLY_UNPRICED if a.unpriced else "")
    status = f"BELOW {threshold} %" if a.below_threshold else OK_TEXT
    if not a.reviewed:
        status += " · unreviewed token"
    symbol = reveal_invisible(a.symbol, max_length=40) or "(no symbol)"
    origin = "symbol from the policy's assets" if a.named_by_policy else "the token's own symbol (not in the policy)"
    tooltip = f"{a.asset}\n{STANDARD_NAMES[a.standard]} · {origin}"
    cells = (symbol, units(a.total), units(a.units.hot), units(a.units.warm), units(a.units.cold),
             f"{cold_share} %", value, status)
    return StorageRow(cells, a.below_threshold, tooltip)
