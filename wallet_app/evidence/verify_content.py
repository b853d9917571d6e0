"""The checks of an evidence pack that read inside its files, with nothing but the pack:

- `audit chain`: the entries of audit/audit-log.json rebuilt from the JSON and the hash chain verified again from the
  first entry (`audit.verify.verify_entries`: every hash recomputed, every link, every signature recovered to its
  actor; which addresses were the profile's keys is not known here), and the file's stated head is its last entry;
- `audit heads`: audit/heads.json's head at the end of the period is that last entry, and every head recorded by an
  earlier export is the entry of the chain at that seq;
- `policy digests`: each version's digest in policy/versions.json is keccak-256 of its text;
- `documents`: each document listed in documents/index.json is in the pack with the SHA-256 recorded at issue.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eth_hash.auto import keccak

from wallet_app.audit.entry import AuditEntry, canonical_json
from wallet_app.audit.verify import verify_entries
from wallet_app.domain.strict_json import StrictJsonError, loads_strict
from wallet_app.evidence.check import Check
from wallet_app.evidence.pack_zip import MAX_FILE_BYTES, PackReader, PackUnreadable
from wallet_app.evidence.sections_audit import AUDIT_LOG, HEADS
from wallet_app.evidence.sections_documents import INDEX as DOCUMENT_INDEX
from wallet_app.evidence.sections_policy import VERSIONS

MAX_DEPTH = 96  # an audit entry's detail nests a few levels inside the file's own


class _Unusable(ValueError):
    """A file a content check needs is missing or does not read as JSON of its kind."""


def _json(reader: PackReader, name: str) -> Any:
    if name not in reader:
        raise _Unusable(f"not checked: {name} is missing from the zip")
    try:
        return loads_strict(reader.read(name), name, limit=MAX_FILE_BYTES, max_depth=MAX_DEPTH)
    except (PackUnreadable, StrictJsonError) as exc:
        raise _Unusable(f"{name} cannot be read ({getattr(exc, 'user_message', exc)})") from None


def _list(reader: PackReader, name: str, key: str) -> list[Any]:
    """The list under `key` of the JSON file `name`; _Unusable when it is not there."""
    document = _json(reader, name)
    found = document.get(key) if isinstance(document, dict) else None
    if not isinstance(found, list):
        raise _Unusable(f"{name} has no list of {key}")
    return found


def _entry(item: Any, index: int) -> AuditEntry:
    """One entry of the exported JSON as the log stored it (its detail as the canonical text that was hashed)."""
    try:
        chain_id = item["chain_id"]
        if chain_id is not None and (isinstance(chain_id, bool) or not isinstance(chain_id, int)):
            raise TypeError("chain_id")
        texts = {k: item[k] for k in ("host", "actor", "actor_label", "role", "action", "subject", "prev_hash",
                                      "entry_hash")}
        if not all(isinstance(v, str) for v in texts.values()) or not isinstance(item["at"], str):
            raise TypeError("text fields")
        numbers = (item["seq"], item["monotonic_ns"])
        if any(isinstance(n, bool) or not isinstance(n, int) for n in numbers):
            raise TypeError("seq")
        signature = item["signature"]
        if signature is not None and not isinstance(signature, str):
            raise TypeError("signature")
        return AuditEntry(seq=item["seq"], at=datetime.fromisoformat(item["at"]), monotonic_ns=item["monotonic_ns"],
                          chain_id=chain_id, detail=canonical_json(item["detail"]).decode("utf-8"),
                          signature=signature, **texts)
    except (KeyError, TypeError, ValueError) as exc:
        raise _Unusable(f"{AUDIT_LOG}: entry {index + 1} is malformed ({exc})") from None


def load_exported_entries(reader: PackReader) -> tuple[list[AuditEntry], Any]:
    document = _json(reader, AUDIT_LOG)
    if not isinstance(document, dict) or document.get("format") != "custos-audit-log" or \
            not isinstance(document.get("entries"), list):
        raise _Unusable(f"{AUDIT_LOG} is not a Custos audit log export")
    return [_entry(item, i) for i, item in enumerate(document["entries"])], document.get("head")


def check_audit_chain(reader: PackReader) -> tuple[Check, list[AuditEntry]]:
    try:
        entries, stated = load_exported_entries(reader)
    except _Unusable as exc:
        return Check("audit chain", False, str(exc)), []
    report = verify_entries(entries)
    if not report.intact:
        return Check("audit chain", False, f"{AUDIT_LOG}: {report.describe()}"), entries
    last = {"seq": entries[-1].seq, "entry_hash": entries[-1].entry_hash} if entries else None
    if stated != last:
        return Check("audit chain", False, f"{AUDIT_LOG} states a head that is not its last entry"), entries
    return Check("audit chain", True, report.describe()), entries


def check_audit_heads(reader: PackReader, entries: list[AuditEntry]) -> Check:
    try:
        heads = _json(reader, HEADS)
        if not isinstance(heads, dict) or not isinstance(heads.get("recorded", []), list):
            raise _Unusable(f"{HEADS} is not a list of audit heads")
    except _Unusable as exc:
        return Check("audit heads", False, str(exc))
    by_seq = {e.seq: e.entry_hash for e in entries}
    end = heads.get("period_end")
    last = {"seq": entries[-1].seq, "entry_hash": entries[-1].entry_hash} if entries else None
    if (end and {"seq": end.get("seq"), "entry_hash": end.get("entry_hash")}) != (last or None):
        return Check("audit heads", False, f"{HEADS}: the head at the end of the period is not the last entry of "
                                           f"{AUDIT_LOG}")
    checked = 0
    for item in heads.get("recorded", []):
        head = item.get("head") if isinstance(item, dict) else None
        if not isinstance(head, dict):
            return Check("audit heads", False, f"{HEADS}: a recorded head is malformed")
        seq, digest = head.get("seq"), head.get("entry_hash")
        if seq in by_seq:
            if by_seq[seq] != digest:
                return Check("audit heads", False, f"{HEADS}: the head {seq}:{digest} recorded in entry "
                                                   f"{item.get('recorded_in')} is not entry {seq} of the log")
            checked += 1
    return Check("audit heads", True, f"the period's last entry, and {checked} head(s) recorded by earlier exports, "
                                      "match the chain")


def check_policy_digests(reader: PackReader) -> Check:
    try:
        versions = _list(reader, VERSIONS, "versions")
    except _Unusable as exc:
        return Check("policy digests", False, str(exc))
    for item in versions:
        text, digest = (item.get("text"), item.get("digest")) if isinstance(item, dict) else (None, None)
        if not isinstance(text, str) or not isinstance(digest, str):
            return Check("policy digests", False, f"{VERSIONS}: a version without text or digest")
        if "0x" + keccak(text.encode("utf-8")).hex() != digest.lower():
            return Check("policy digests", False, f"{VERSIONS}: version {item.get('version')}'s text does not hash "
                                                  f"to its digest {digest[:18]}…")
    return Check("policy digests", True, f"{len(versions)} version(s), each text hashes to its digest")


def check_documents(reader: PackReader) -> Check:
    try:
        listed = _list(reader, DOCUMENT_INDEX, "documents")
    except _Unusable as exc:
        return Check("documents", False, str(exc))
    for item in listed:
        path, recorded = (item.get("file"), item.get("sha256")) if isinstance(item, dict) else (None, None)
        if not isinstance(path, str) or path not in reader:
            return Check("documents", False, f"{DOCUMENT_INDEX} lists {str(path)[:80]}, which is not in the zip")
        try:
            found = reader.digest(path)
        except PackUnreadable as exc:
            return Check("documents", False, str(exc))
        if found.sha256 != recorded:
            return Check("documents", False, f"{path} is not the document issued (its SHA-256 is {found.sha256}, "
                                             f"recorded at issue {str(recorded)[:64]})")
    return Check("documents", True, f"{len(listed)} document(s), each as recorded when it was issued")


def content_checks(reader: PackReader) -> list[Check]:
    chain, entries = check_audit_chain(reader)
    return [chain, check_audit_heads(reader, entries), check_policy_digests(reader), check_documents(reader)]
