"""Writing a proof bundle as JSON or as its PDF form from the Proofs page: asking where (a save dialog that never offers
to overwrite), then, on the serial lane, creating the file (an existing one is refused, never overwritten) and
recording the export in the audit log."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QBoxLayout, QFileDialog, QLayout, QPushButton, QWidget

from ui.new_files import FileRefused, write_new_file

AskSavePath = Callable[[QWidget, str], str | None]
"""(parent, suggested file name) -> chosen path, or None if cancelled."""

RecordProofExport = Callable[[str, str, Path], object]
"""Records a written bundle in the audit log: (account, "json" or "pdf", path)."""


def ask_json_path(parent: QWidget, suggested: str) -> str | None:
    return ask_save_path(parent, "Export the proof bundle", suggested, "Proof bundle (*.json)", ".json")


def ask_pdf_path(parent: QWidget, suggested: str) -> str | None:
    return ask_save_path(parent, "Export as PDF, with the bundle as QR codes", suggested, "PDF (*.pdf)", ".pdf")


def ask_save_path(parent: QWidget, caption: str, suggested: str, filters: str, suffix: str) -> str | None:
    """A file name to write to, chosen by the user (`suffix` added when missing); None when cancelled."""
    path, _filter = QFileDialog.getSaveFileName(parent, caption, suggested, filters,
                                                options=QFileDialog.Option.DontConfirmOverwrite)
    if not path:
        return None
    return path if Path(path).suffix.lower() == suffix else path + suffix


def add_pdf_button(export_button: QPushButton) -> QPushButton:
    """An "Export PDF…" button placed just after `export_button` in the row of buttons that holds it."""
    button = QPushButton("Export P&DF…")
    button.setObjectName("proofExportPdf")
    button.setToolTip("Write the bundle just made as a PDF to print or send: what it proves, the block and signature "
                      "hashes in full, and the whole bundle as QR codes (never over an existing file)")
    box = export_button.parentWidget()
    top = box.layout() if box is not None else None
    rows: list[QLayout] = [top] if top is not None else []
    while rows:
        row = rows.pop()
        index = row.indexOf(export_button)
        if index >= 0 and isinstance(row, QBoxLayout):
            row.insertWidget(index + 1, button)
            return button
        rows += [child for child in row.children() if isinstance(child, QLayout)]
    raise RuntimeError("the Export JSON button is not in a row of buttons")  # a programming error, caught by tests


def write_new_json(path: Path, data: bytes, record: RecordProofExport | None, account: str) -> str:
    write_new_file(path, data)
    if record is not None:
        record(account, "json", path)
    return str(path)


def write_new_pdf(path: Path, bundle: Mapping[str, Any], record: RecordProofExport | None, account: str) -> str:
    """The bundle's PDF form written to a new file at `path` (typeset first, so a refusal leaves nothing behind)."""
    from ui.proof_pdf import render_bundle_pdf  # loads the proof reader and the PDF writer: on a worker lane only

    if path.exists():
        raise FileRefused(f"Not written: {path} already exists. Exports are never overwritten.")
    with tempfile.TemporaryDirectory(prefix=".custos-pdf-", dir=path.parent) as folder:
        typeset = render_bundle_pdf(bundle, Path(folder) / path.name)
        write_new_file(path, typeset.read_bytes())
    if record is not None:
        record(account, "pdf", path)
    return str(path)
