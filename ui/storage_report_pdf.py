"""Typeset a storage-tier report (`custos storage report --out FILE.pdf`) as PDF with Qt's PDF writer. Every text from
outside (token symbols, vault labels, read errors) is escaped and its invisible characters made visible: a token's
symbol can never become markup. An asset under the threshold is said in words ("BELOW 98.00 %"), not by colour."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from ui.plain_text import reveal_invisible
from ui.statement_pdf import ensure_gui_application
from wallet_app.domain.units import format_units
from wallet_app.holdings.model import HKD_DECIMALS
from wallet_app.policy.vault_section import format_pct

if TYPE_CHECKING:
    from wallet_app.holdings.storage_report import StorageAsset, StorageReport

HEADINGS = ("Asset", "Total", "Hot", "Warm", "Cold", "Cold share", "Value (HKD)", "Status")


def hkd_text(value: int) -> str:
    """10^-6 HKD grouped, with at least two decimals: 2522450000000000 -> "2,522,450,000.00"."""
    whole, _, frac = format_units(value, HKD_DECIMALS).partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def _text(value: str, limit: int = 120) -> str:
    return html.escape(reveal_invisible(value, max_length=limit))


def _row(asset: StorageAsset, threshold: str) -> str:
    def units(value: int) -> str:
        return _text(format_units(value, asset.decimals))

    value_cell = ("no price" if asset.value_hkd is None
                  else _text(hkd_text(asset.value_hkd)) + (" (partly unpriced)" if asset.unpriced else ""))
    status = f"<b>BELOW {threshold} %</b>" if asset.below_threshold else "at or above"
    if not asset.reviewed:
        status += "<br/><small>unreviewed token</small>"
    name = f"<b>{_text(asset.symbol, 40)}</b><br/><small>{_text(asset.asset)}</small>"
    if not asset.named_by_policy:
        name += "<br/><small>the token's own symbol</small>"
    cells = (name, units(asset.total), units(asset.units.hot), units(asset.units.warm), units(asset.units.cold),
             f"{format_pct(asset.cold_share_bp)} %", value_cell, status)
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def build_storage_report_html(report: StorageReport) -> str:
    threshold = format_pct(report.threshold_bp)
    rows = "".join(_row(a, threshold) for a in report.assets) or (
        f'<tr><td colspan="{len(HEADINGS)}">The client-asset vaults hold nothing at this block.</td></tr>')
    head = "".join(f"<th>{h}</th>" for h in HEADINGS)
    vaults = "".join(
        f"<tr><td>{_text(v.label) or '(no label)'}</td><td><tt>{_text(v.address)}</tt></td><td>{_text(v.kind)}</td>"
        f"<td>{_text(v.storage)}</td><td>{'yes' if v.client_assets else 'no (not counted)'}</td></tr>"
        for v in report.vaults)
    values = report.tier_values_hkd
    unpriced = (f" {report.unpriced} holding(s) without an HKD value are not in these sums."
                if report.unpriced else "")
    below = report.below
    verdict = (f"<b>{len(below)} asset(s) below {threshold} % cold:</b> "
               + ", ".join(_text(a.symbol, 40) for a in below) if below
               else f"Every asset is at or above {threshold} % cold.")
    problems = ""
    if report.unreadable:
        items = "".join(f"<li>{_text(note, 300)}</li>" for note in report.unreadable)
        problems += (f"<p><b>INCOMPLETE: {len(report.unreadable)} read(s) failed.</b> The assets they concern may be "
                     f"missing or understated and their cold share is not reliable.</p><ul>{items}</ul>")
    if report.inconsistencies:
        items = "".join(f"<li>{_text(note, 300)}</li>" for note in report.inconsistencies)
        problems += f"<p><b>The providers disagree; the lower values are counted.</b></p><ul>{items}</ul>"
    when = report.block_time.isoformat() if report.block_time else "unknown"
    return f"""
<h2>Storage tiers of client assets</h2>
<p>Read at block {report.block_number}, block hash <tt>{_text("0x" + report.block_hash.hex())}</tt><br/>
Block time {_text(when)} &middot; read at {_text(report.read_at.isoformat())}<br/>
Policy version {report.policy_version}, digest <tt>{_text(report.policy_digest)}</tt></p>
<p><b>Cold-storage threshold: {threshold} %</b> of each asset's units held in client-asset vaults.</p>
<p>{verdict}</p>
{problems}
<table border="1" cellspacing="0" cellpadding="3" width="100%">
<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>
<p>Value by tier (priced holdings, HKD): hot {hkd_text(values.hot)}, warm {hkd_text(values.warm)}, cold
{hkd_text(values.cold)}.{unpriced}</p>
<h3>Vaults in the policy</h3>
<table border="1" cellspacing="0" cellpadding="3" width="100%">
<thead><tr><th>Vault</th><th>Address</th><th>Kind</th><th>Storage tier</th><th>Client assets</th></tr></thead>
<tbody>{vaults}</tbody></table>
<p><small>Units are read with balanceOf at the block above from each vault the policy marks as holding client
assets; every id of an ERC-721 or ERC-1155 contract counts towards that contract. The cold share is rounded down
(never overstated); an asset is below the threshold when its cold units are less than the threshold's share of its
total. Anyone can check the balances against the block hash with any node of this chain.</small></p>
"""


def render_storage_report_pdf(report: StorageReport, path: Path) -> Path:
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

    ensure_gui_application()
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageOrientation(QPageLayout.Orientation.Landscape)
    writer.setTitle("Custos storage tier report")
    writer.setCreator("Custos")
    document = QTextDocument()
    document.setHtml(build_storage_report_html(report))
    document.print_(writer)
    return path
