"""Writing a proof bundle as JSON from the Proofs page: asking where (a save dialog that never offers to overwrite),
then, on the serial lane, creating the file (an existing one is refused, never overwritten) and recording the export
in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from wallet_app.errors import WalletError

AskSavePath = Callable[[QWidget, str], str | None]
"""(parent, suggested file name) -> chosen path, or None if cancelled."""

RecordProofExport = Callable[[str, str, Path], object]
"""Records a written bundle in the audit log: (account, "json", path)."""


class ExportRefused(WalletError):
    code = "proof_export_refused"


def ask_json_path(parent: QWidget, suggested: str) -> str | None:
    path, _filter = QFileDialog.getSaveFileName(parent, "Export the proof bundle", suggested, "Proof bundle (*.json)",
                                                options=QFileDialog.Option.DontConfirmOverwrite)
    if not path:
        return None
    return path if Path(path).suffix.lower() == ".json" else path + ".json"


def write_new_json(path: Path, data: bytes, record: RecordProofExport | None, account: str) -> str:
    try:
        with path.open("xb") as out:  # exclusive: never over a file that appeared meanwhile
            out.write(data)
    except FileExistsError:
        raise ExportRefused(f"Not written: {path} already exists. Exports are never overwritten.") from None
    except OSError as exc:
        raise ExportRefused(f"{path} could not be written ({exc.strerror or type(exc).__name__}).") from None
    if record is not None:
        record(account, "json", path)
    return str(path)
