"""Exporting a holding statement from the Holdings page: asking where to write it (a save dialog that never offers to
overwrite), and, on the serial lane, reading the chosen account at the latest block and writing its statement as CSV or
PDF by the file name's suffix. An existing file is refused, never overwritten; a written one is recorded: kept among the
profile's issued documents (content and SHA-256, `wallet_app.compliance.issued`) and logged as an export.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QWidget

from wallet_app.holdings.model import HoldingsSnapshot

STATEMENT_FILTERS = "CSV statement (*.csv);;PDF statement (*.pdf)"

AskPath = Callable[[QWidget, str], str | None]
"""Asks where to write a statement: (parent, suggested file name) -> chosen path, or None if cancelled."""

RecordExport = Callable[[str, str, Path, int], object]
"""Records a written statement in the audit log: (account, "csv"/"pdf", path, block)."""


def statement_recorder(audit: Any, chain_id: int) -> RecordExport:
    """What the session gives the page as `record_export`: the statement as written on disk is kept among the issued
    documents of the profile (`audit.engine`'s database), then the export is logged. Runs on the serial lane."""

    def record(account: str, fmt: str, path: Path, block: int) -> object:
        from wallet_app.audit.log import operator_name
        from wallet_app.compliance.issued import KIND_STATEMENT, IssuedDocuments

        IssuedDocuments(audit.engine, chain_id).record(
            None, kind=KIND_STATEMENT, subject=f"statement of {account} at block {block}", file_name=path.name,
            content=path.read_bytes(), issued_by=operator_name())
        return audit.record_export(kind="holding statement", fmt=fmt, path=path, subject=account,
                                   detail={"block": block})

    return record


def ask_statement_path(parent: QWidget, suggested: str) -> str | None:
    """The save dialog. It does not offer to overwrite: the page refuses existing files itself."""
    path, chosen_filter = QFileDialog.getSaveFileName(
        parent,
        "Export holding statement",
        suggested,
        STATEMENT_FILTERS,
        options=QFileDialog.Option.DontConfirmOverwrite,
    )
    if not path:
        return None
    if Path(path).suffix.lower() not in (".csv", ".pdf"):
        path += ".pdf" if "pdf" in chosen_filter.lower() else ".csv"
    return path


def write_statement_file(write: Callable[[Path], object], path: Path) -> Path:
    """Refuse an existing file; otherwise let `write` write `path`."""
    if path.exists():
        raise FileExistsError(f"{path} already exists; choose another file name (statements are never overwritten)")
    write(path)
    return path


def read_and_write_statement(
    fetch_holdings: Callable[[list[str]], HoldingsSnapshot],
    account: str,
    path: Path,
    *,
    chain_id: int,
    network: str,
    record: RecordExport | None,
) -> str:
    """Read `account` at the latest block and write its statement to `path` (".csv" or ".pdf"), then `record` it;
    the path written. Runs on the serial lane."""
    from ui.statement_pdf import render_statement_pdf
    from wallet_app.holdings.statement import build_statement, render_csv

    kind = path.suffix.lower()
    statement = build_statement(fetch_holdings([account]), account, chain_id=chain_id, network=network)
    if kind == ".csv":
        with open(path, "x", encoding="utf-8", newline="") as out:  # "x": refuses an existing file
            out.write(render_csv(statement))
    else:
        write_statement_file(lambda p: render_statement_pdf(statement, p), path)
    if record is not None:
        record(account, kind[1:], path, statement.block_number)
    return os.fspath(path)
