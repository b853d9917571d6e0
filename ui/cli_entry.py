"""The `custos` console command: the core's command line, plus the Qt PDF writers for statements and storage reports.

The core stays free of Qt; Qt is only loaded when a PDF is actually written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wallet_app import cli

if TYPE_CHECKING:
    from wallet_app.holdings.storage_report import StorageReport


def _render_pdf(bundle: Mapping[str, Any], path: Path) -> Path:
    """A statement's proof bundle as its PDF form: the holdings, hashes in full, and the bundle as QR codes."""
    from ui.proof_pdf import render_bundle_pdf

    return render_bundle_pdf(bundle, path)


def _render_storage_pdf(report: StorageReport, path: Path) -> Path:
    """A storage-tier report as PDF: the threshold, each asset's split by tier, those under the threshold."""
    from ui.storage_report_pdf import render_storage_report_pdf

    return render_storage_report_pdf(report, path)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, pdf_renderer=_render_pdf, storage_pdf_renderer=_render_storage_pdf)


if __name__ == "__main__":
    raise SystemExit(main())
