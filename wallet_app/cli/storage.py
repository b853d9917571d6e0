"""`custos storage report`: what share of each client asset sits in hot, warm and cold vaults at one block, against
the policy's cold-storage threshold (98 % by default), as a table, as JSON (`--json`) or as a PDF (`--out FILE.pdf`).

Exit codes: 0 when the report was made from every read, whether or not assets are under the threshold (that is
the report's content: scripts read `below_threshold` in the JSON); 1 on an error (no policy in force, no vault marked
as holding client assets, the node unreachable, a file that exists) and also when some reads failed: the report is
then printed, says which reads failed (JSON: an extra key "unreadable"), but must not pass for a complete one.
Every report made is written to the audit log (action "storage_report"); `--out` also records an export. Every report
made is also kept among the profile's issued documents (`wallet_app.compliance.issued`, content and SHA-256): the PDF
with `--out`, else the report's JSON (as `--json` prints it); an evidence pack carries those of its period.

The core has no PDF writer (it has no Qt): the installed `custos` command hands it the desktop's as
`storage_pdf_renderer`, as it does for statements.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wallet_app.cli.common import EXIT_ERROR, Commands, print_json, print_lines, with_services, write_new_file

if TYPE_CHECKING:
    from wallet_app.holdings.storage_report import StorageAsset, StorageReport
    from wallet_app.services import Services

StoragePdfRenderer = Callable[["StorageReport", Path], Path]  # a storage report typeset as PDF, written at the path


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    storage = commands.add_parser("storage", help="the hot/warm/cold split of client assets (storage tiers)")
    actions = storage.add_subparsers(dest="storage_command", required=True, metavar="ACTION")
    report = actions.add_parser(
        "report", help="per asset, the client assets in each storage tier at one block, and those under the "
                       "policy's cold-storage threshold",
        description="Per asset, the units the policy's client-asset vaults hold in each storage tier (hot, warm, "
                    "cold) at one block, their value in HKD, the cold share (rounded down) and whether it is under "
                    "the policy's threshold. Exit 0 when made from every read, whether or not assets are under the "
                    "threshold (see below_threshold); 1 on an error or when some reads failed.")
    report.add_argument("--block", type=int, default=None, metavar="N", help="read at block N (default: latest)")
    report.add_argument("--json", action="store_true", help="print JSON")
    report.add_argument("--out", type=Path, default=None, metavar="FILE.pdf",
                        help="also write the report as a PDF (a new file; needs the desktop part of Custos)")
    report.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from wallet_app.errors import ConfigError
    from wallet_app.holdings.storage_report import fetch_storage_report, record_storage_report

    if args.block is not None and args.block < 0:
        raise ConfigError("--block must be a block number (0 or more)")
    out: Path | None = args.out
    renderer: StoragePdfRenderer | None = getattr(args, "storage_pdf_renderer", None)
    if out is not None:
        if out.suffix.lower() != ".pdf":
            raise ConfigError(f"{out.name}: the storage report is written as .pdf (use --json for data)")
        if renderer is None:
            raise ConfigError("This installation has no PDF writer (it needs the desktop part of Custos); use --json")
        if out.exists():
            raise ConfigError(f"{out} already exists; choose another file name")

    def make(services: Services) -> StorageReport:
        report = fetch_storage_report(policy=services.policy, holdings=services.holdings, block=args.block)
        record_storage_report(services.audit, report)
        if out is None or renderer is None:
            keep_report(services, report, f"storage-report-block-{report.block_number}.json",
                        json.dumps(build_report_json(report), indent=2).encode("utf-8") + b"\n")
        else:
            keep_report(services, report, out.name, write_report_pdf(report, out, renderer))
            services.audit.record_export(kind="storage report", fmt="pdf", path=out,
                                         subject=f"storage report at block {report.block_number}",
                                         detail={"block": report.block_number})
        return report

    report = with_services(args, make)
    if args.json:
        print_json(build_report_json(report))
    else:
        print_lines(build_report_lines(report))
        if out is not None:
            print(f"Wrote the storage report at block {report.block_number} to {out}")
    if not report.complete:
        print(f"custos: the report is incomplete: {len(report.unreadable)} read(s) failed (listed in the report); "
              "try again", file=sys.stderr)
        return EXIT_ERROR
    return 0


def write_report_pdf(report: StorageReport, out: Path, renderer: StoragePdfRenderer) -> bytes:
    """The report as a new PDF file, typeset in a temporary file beside it and then written whole; its bytes."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix=".custos-pdf-", dir=out.parent) as folder:
        data = renderer(report, Path(folder) / out.name).read_bytes()
    write_new_file(out, data)
    return data


def keep_report(services: Services, report: StorageReport, file_name: str, data: bytes) -> str:
    """Keep a report made among the profile's issued documents (content and SHA-256); its digest."""
    from wallet_app.audit.log import operator_name
    from wallet_app.compliance.issued import KIND_STORAGE_REPORT, IssuedDocuments

    return IssuedDocuments(services.profile.engine, services.profile.config.chain_id).record(
        None, kind=KIND_STORAGE_REPORT, subject=f"storage report at block {report.block_number}",
        file_name=file_name, content=data, issued_by=operator_name())


# -- views ------------------------------------------------------------------------------------------------------------
def build_report_json(report: StorageReport) -> dict[str, Any]:
    """The documented keys (amounts as integers in the token's units, percentages as "98.00"), plus "block_hash",
    and "unreadable" / "inconsistencies" only when there are such notes."""
    from wallet_app.holdings.views import format_hkd
    from wallet_app.policy.vault_section import format_pct

    out: dict[str, Any] = {
        "block_number": report.block_number,
        "block_hash": "0x" + report.block_hash.hex(),
        "threshold_pct": format_pct(report.threshold_bp),
        "assets": [
            {
                "asset": a.asset,
                "symbol": a.symbol,
                "total": a.total,
                "tiers": {"hot": a.units.hot, "warm": a.units.warm, "cold": a.units.cold},
                "value_hkd": format_hkd(a.value_hkd),
                "cold_share_pct": format_pct(a.cold_share_bp),
                "below_threshold": a.below_threshold,
            }
            for a in report.assets
        ],
        "vaults": [{"address": v.address, "storage": v.storage, "client_assets": v.client_assets}
                   for v in report.vaults],
    }
    if report.unreadable:
        out["unreadable"] = list(report.unreadable)
    if report.inconsistencies:
        out["inconsistencies"] = list(report.inconsistencies)
    return out


def build_report_lines(report: StorageReport) -> list[str]:
    """A table for people; untrusted text (token symbols, labels) with invisible characters made visible."""
    from wallet_app.holdings.views import make_visible
    from wallet_app.policy.vault_section import format_pct

    threshold = format_pct(report.threshold_bp)
    lines = [f"Storage tiers of client assets at block {report.block_number} (0x{report.block_hash.hex()})",
             f"Cold-storage threshold: {threshold} % of each asset's units (policy version {report.policy_version})"]
    if report.inconsistencies:
        lines.append("INCONSISTENT DATA: the providers disagree; the lower values are counted")
        lines.extend(f"  {make_visible(note)}" for note in report.inconsistencies)
    lines.append("")
    for vault in report.vaults:
        counted = "client assets" if vault.client_assets else "not counted (no client assets)"
        lines.append(f"  {make_visible(vault.label) or '(no label)'}  {vault.address}  {vault.kind}, "
                     f"{vault.storage}: {counted}")
    lines.append("")
    if not report.assets:
        lines.append("The client-asset vaults hold nothing at this block.")
    else:
        lines.append(f"{'Asset':<16} {'Total':>24} {'Hot':>22} {'Warm':>22} {'Cold':>24} {'Cold %':>7}  "
                     f"{'Value HKD':>20}  Status")
        lines.extend(_asset_line(a, threshold) for a in report.assets)
        lines.extend(f"* {make_visible(a.symbol)} is the token's own symbol (not in the policy's [[assets]]): "
                     f"{a.asset}" for a in report.assets if not a.named_by_policy)
    lines.append("")
    values = report.tier_values_hkd
    unpriced = f"; {report.unpriced} holding(s) without an HKD value are not in these sums" if report.unpriced else ""
    lines.append(f"Value HKD by tier (priced holdings): hot {hkd_text(values.hot)}, warm {hkd_text(values.warm)}, "
                 f"cold {hkd_text(values.cold)}{unpriced}")
    below = report.below
    lines.append(f"{len(below)} asset(s) below {threshold} % cold: " + ", ".join(make_visible(a.symbol) for a in below)
                 if below else f"Every asset is at or above {threshold} % cold.")
    if report.unreadable:
        lines.append(f"INCOMPLETE: {len(report.unreadable)} read(s) failed; the assets they concern may be missing "
                     "or understated, and their cold share is not reliable:")
        lines.extend(f"  Unreadable: {make_visible(note)}" for note in report.unreadable)
    return lines


def _asset_line(a: StorageAsset, threshold: str) -> str:
    from wallet_app.domain.units import format_units
    from wallet_app.holdings.views import make_visible
    from wallet_app.policy.vault_section import format_pct

    def amount(units: int) -> str:
        return format_units(units, a.decimals)

    if a.value_hkd is None:
        value_text = "no price"
    elif a.unpriced:
        value_text = f"{hkd_text(a.value_hkd)} (partly unpriced)"
    else:
        value_text = hkd_text(a.value_hkd)
    status = f"BELOW {threshold} %" if a.below_threshold else "ok"
    flags = "" if a.reviewed else "  [unreviewed token]"
    shown = make_visible(a.symbol) + ("" if a.named_by_policy else "*")
    return (f"{shown:<16} {amount(a.total):>24} {amount(a.units.hot):>22} {amount(a.units.warm):>22} "
            f"{amount(a.units.cold):>24} {format_pct(a.cold_share_bp):>7}  {value_text:>20}  {status}{flags}")


def hkd_text(value: int) -> str:
    """10^-6 HKD for people: grouped, with at least two decimals ("2,522,450,000.00"; JSON keeps format_hkd's)."""
    from wallet_app.domain.units import format_units
    from wallet_app.holdings.model import HKD_DECIMALS

    whole, _, frac = format_units(value, HKD_DECIMALS).partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"
