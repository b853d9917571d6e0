"""The `custos` console command: the core's command line, plus the Qt PDF writer for statements.

The core stays free of Qt; Qt is only loaded when a PDF is actually written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from wallet_app import cli

if TYPE_CHECKING:
    from wallet_app.holdings.statement import Statement


def _render_pdf(statement: Statement, path: Path) -> Path:
    from ui.statement_pdf import render_statement_pdf

    return render_statement_pdf(statement, path)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, pdf_renderer=_render_pdf)


if __name__ == "__main__":
    raise SystemExit(main())
