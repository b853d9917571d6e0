"""The `audit/` folder of an evidence pack.

- `audit-log.json`: the log as `custos audit export --format json` writes it (`audit.export.render_json`), from its
  first entry to the last entry made before the end of the period: the entries before the period are there so that
  anyone can recompute the hash chain from its start;
- `verification.json`: Custos's verification of exactly those entries at export (`audit.verify`), the seq range of
  the entries inside the period, and how many entries the log held at export;
- `heads.json`: heads as `custos audit head --json` prints them (at the end of the period, at export) and every head
  recorded in the log by an export (an audit export's `head`, an evidence export's `audit_head`), for comparison
  with heads anchored elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wallet_app.audit.actions import EVIDENCE_EXPORT, EXPORT
from wallet_app.audit.entry import AuditEntry, format_at
from wallet_app.audit.export import render_json
from wallet_app.audit.stored import AuditHead
from wallet_app.audit.verify import KeyLookup, verify_entries
from wallet_app.errors import ConfigError
from wallet_app.evidence import texts
from wallet_app.evidence.manifest import PackFile
from wallet_app.evidence.period import Period
from wallet_app.evidence.rows import json_bytes

AUDIT_LOG = "audit/audit-log.json"
VERIFICATION = "audit/verification.json"
HEADS = "audit/heads.json"
HEAD_KEYS = {EXPORT: "head", EVIDENCE_EXPORT: "audit_head"}  # where an action's entry records a head


@dataclass(frozen=True, slots=True)
class AuditSection:
    files: tuple[PackFile, ...]
    period_end_head: AuditHead | None  # the last entry exported
    export_head: AuditHead | None  # the log's last entry at export


def head_json(head: AuditHead | None) -> dict[str, Any] | None:
    """As `custos audit head --json` prints it."""
    return None if head is None else {"seq": head.seq, "entry_hash": head.entry_hash, "head": head.text()}


def _head(entries: Sequence[AuditEntry]) -> AuditHead | None:
    return AuditHead(entries[-1].seq, entries[-1].entry_hash) if entries else None


def recorded_heads(entries: Sequence[AuditEntry]) -> list[dict[str, Any]]:
    """The heads the log's own entries recorded, each with the entry that recorded it."""
    found = []
    for entry in entries:
        key = HEAD_KEYS.get(entry.action)
        text = entry.details().get(key) if key is not None else None
        if not isinstance(text, str):
            continue
        try:
            head = AuditHead.parse(text)
        except ConfigError:
            continue
        found.append({"recorded_in": entry.seq, "at": format_at(entry.at), "action": entry.action,
                      "head": head_json(head)})
    return found


def build_audit_section(entries: Sequence[AuditEntry], period: Period, *, key_lookup: KeyLookup | None,
                        now: datetime | None = None) -> AuditSection:
    """`entries`: the whole log as stored, in seq order."""
    last = max((i for i, e in enumerate(entries) if e.at < period.end), default=-1)
    exported = list(entries[: last + 1])
    inside = [e.seq for e in exported if period.contains(e.at)]
    report = verify_entries(exported, key_lookup=key_lookup)
    verification = {
        "verified_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "verified_by": "Custos, with the profile's list of its keys (signers that were never a key are flagged)",
        "report": report.to_json(),
        "exported_entries": len(exported),
        "period": {"entries": len(inside), "first_seq": inside[0] if inside else None,
                   "last_seq": inside[-1] if inside else None},
        "log_entries_at_export": len(entries),
    }
    heads = {
        "how": "SEQ:HASH, as `custos audit head` prints it; anchor heads outside Custos and compare",
        "period_end": head_json(_head(exported)),
        "at_export": head_json(_head(entries)),
        "recorded": recorded_heads(exported),
    }
    files = (
        PackFile(AUDIT_LOG, render_json(exported).encode("utf-8"), texts.AUDIT_LOG),
        PackFile(VERIFICATION, json_bytes(verification), texts.AUDIT_VERIFICATION),
        PackFile(HEADS, json_bytes(heads), texts.AUDIT_HEADS),
    )
    return AuditSection(files, _head(exported), _head(entries))
