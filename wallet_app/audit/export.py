"""The audit log as a file for auditors: CSV (every cell a spreadsheet would run as a formula made inert, M6) or JSON
(each entry with every hashed field, so anyone can recompute the chain; see `entry` for the hash)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wallet_app.audit.entry import AuditEntry, format_at
from wallet_app.audit.log import AuditLog
from wallet_app.audit.stored import AuditHead
from wallet_app.domain.csv_cells import inert_cell
from wallet_app.errors import ConfigError

FORMATS = ("csv", "json")
COLUMNS = ("seq", "at", "monotonic_ns", "host", "actor", "actor_label", "role", "action", "chain_id", "subject",
           "detail", "prev_hash", "entry_hash", "signature")
JSON_FORMAT = "custos-audit-log"
JSON_VERSION = 1


def render_audit(entries: Sequence[AuditEntry], fmt: str) -> str:
    if fmt == "csv":
        return render_csv(entries)
    if fmt == "json":
        return render_json(entries)
    raise ValueError(f"an audit export is {' or '.join(FORMATS)}, not {fmt!r}")


def _cells(entry: AuditEntry) -> tuple[str, ...]:
    return (str(entry.seq), format_at(entry.at), str(entry.monotonic_ns), entry.host, entry.actor, entry.actor_label,
            entry.role, entry.action, "" if entry.chain_id is None else str(entry.chain_id), entry.subject,
            entry.detail, entry.prev_hash, entry.entry_hash, entry.signature or "")


def render_csv(entries: Sequence[AuditEntry]) -> str:
    """A header row, then one row per entry, oldest first; `detail` is its canonical JSON text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow([inert_cell(cell) for cell in _cells(entry)])
    return out.getvalue()


def render_json(entries: Sequence[AuditEntry]) -> str:
    """{"format", "version", "hash", "head", "entries"}; `detail` of each entry is an object whose canonical JSON
    text (keys sorted, no whitespace, UTF-8) is what was hashed."""
    head = AuditHead(entries[-1].seq, entries[-1].entry_hash) if entries else None
    document = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "hash": "entry_hash = keccak256(canonical JSON of seq, at, monotonic_ns, host, actor, actor_label, role, "
                "action, chain_id, subject, detail (as its canonical JSON text), prev_hash); signature = EIP-191 "
                "personal_sign of 'Custos audit entry <entry_hash>'",
        "head": None if head is None else {"seq": head.seq, "entry_hash": head.entry_hash},
        "entries": [entry.to_json() for entry in entries],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True, slots=True)
class AuditExport:
    text: str  # what was written (the caller prints it when there is no file)
    path: Path | None
    entries: int
    head: AuditHead | None


def export_audit(audit: AuditLog, fmt: str, out: Path | None) -> AuditExport:
    """Render every entry, write `out` (never over an existing file) and record the export as an audit entry
    (after the file is written: the log never claims an export that did not happen). Without `out` the caller
    shows the text."""
    if fmt not in FORMATS:
        raise ConfigError(f"An audit export is {' or '.join(FORMATS)}, not '{fmt[:12]}'")
    if out is not None and out.exists():
        raise ConfigError(f"{out} already exists; choose another file name (exports are never overwritten)")
    entries = audit.load_all()
    text = render_audit(entries, fmt)
    if out is not None:
        with open(out, "x", encoding="utf-8", newline="") as stream:  # "x": refuses a file created meanwhile
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
    head = AuditHead(entries[-1].seq, entries[-1].entry_hash) if entries else None
    audit.record_export(kind="audit log", fmt=fmt, path=out, detail={
        "entries": len(entries), "head": head.text() if head is not None else None})
    return AuditExport(text, out, len(entries), head)
