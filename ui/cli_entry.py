"""The `custos` console command: the core's command line, plus the Qt PDF writer for statements.

The core stays free of Qt; Qt is only loaded when a PDF is actually written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from wallet_app import cli


def _render_pdf(bundle: Mapping[str, Any], path: Path) -> Path:
    """A statement's proof bundle as its PDF form: the holdings, hashes in full, and the bundle as QR codes."""
    from ui.proof_pdf import render_bundle_pdf

    return render_bundle_pdf(bundle, path)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, pdf_renderer=_render_pdf)


if __name__ == "__main__":
    raise SystemExit(main())
