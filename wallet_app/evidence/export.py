"""Making an evidence pack (`custos evidence export`, the Audit page's "Export evidence pack…").

In this order, so that a refusal changes nothing:
1. the output must be a new `.zip` file in an existing folder (checked first, and again when it is written);
2. the officer's key is unlocked with its password (a wrong one stops here: nothing read, written or logged as done);
3. the sections are read from the profile's database (read-only) and the receipts from the node when it answers;
4. the manifest is built and signed by the key (EIP-191, journaled), the zip made in memory and verified;
5. the zip is written under a temporary name beside the target and linked into place (never over a file), then read
   back from disk and verified again; a pack that does not read back is removed and the export fails;
6. in one database transaction, the manifest is kept among the issued documents and the export is logged (action
   `evidence_export`, signed by the key): the exporter's address and the manifest's SHA-256 go into the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from wallet_app.audit.actions import EVIDENCE_EXPORT
from wallet_app.audit.entry import AuditEntry, entry_signer
from wallet_app.audit.log import AuditLog
from wallet_app.audit.verify import KeyLookup
from wallet_app.compliance.issued import KIND_EVIDENCE_MANIFEST, IssuedDocuments
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import FileRefused, StorageError, WalletError
from wallet_app.evidence import texts
from wallet_app.evidence.intents import IntentReader
from wallet_app.evidence.manifest import (
    MANIFEST_NAME,
    README_NAME,
    SIGNATURE_NAME,
    PackFile,
    build_manifest,
    sha256_hex,
)
from wallet_app.evidence.pack_zip import write_pack
from wallet_app.evidence.period import Period
from wallet_app.evidence.receipts import ReceiptReader
from wallet_app.evidence.sections_audit import build_audit_section
from wallet_app.evidence.sections_book import build_book_section
from wallet_app.evidence.sections_documents import build_documents_section
from wallet_app.evidence.sections_policy import build_policy_section
from wallet_app.evidence.sections_transfers import TransferInputs, build_transfer_section
from wallet_app.evidence.signing import sign_manifest, unlocked_signer
from wallet_app.evidence.verify import verify_pack
from wallet_app.holdings.registry import TokenRegistry
from wallet_app.keys.service import KeyService
from wallet_app.keys.signer import Signer
from wallet_app.policy.policy_store import PolicyStore
from wallet_app.safe.journal import SigningJournal
from wallet_app.storage.atomic import write_new_file
from wallet_app.storage.schema import labels, vaults

Progress = Callable[[str], object]


class EvidenceError(WalletError):
    """The pack could not be made as it must be; nothing is claimed in the audit log."""

    code = "evidence"


@dataclass(frozen=True)
class EvidenceSources:
    """What an export reads and uses: the profile's database, audit log and keys, the signing journal, the node's
    receipts (when it answers), and every address that was ever one of the profile's keys."""

    engine: Engine
    chain_id: int
    network: str
    native: tuple[str, int]  # the chain's coin: symbol, decimals
    audit: AuditLog
    keys: KeyService
    journal: SigningJournal
    receipts: ReceiptReader
    key_lookup: KeyLookup | None = None


@dataclass(frozen=True)
class EvidenceExport:
    path: Path
    exporter: str
    manifest_sha256: str
    pack_sha256: str
    size: int
    files: int  # listed in the manifest
    period: Period
    audit_seq: int  # the audit entry recording the export
    receipts_fetched: int
    receipts_missing: int

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "exporter": self.exporter, "manifest_sha256": self.manifest_sha256,
                "pack_sha256": self.pack_sha256, "size": self.size, "files": self.files,
                "period": {"from": self.period.first_day.isoformat(), "to": self.period.last_day.isoformat()},
                "audit_seq": self.audit_seq,
                "receipts": {"fetched": self.receipts_fetched, "not_fetched": self.receipts_missing}}


def check_output(out: Path) -> Path:
    """`out` as a new .zip file in an existing folder; FileRefused in words otherwise."""
    if out.suffix.lower() != ".zip":
        raise FileRefused(f"{out.name}: an evidence pack is written as a .zip file")
    if out.exists() or out.is_symlink():
        raise FileRefused(f"Not written: {out} already exists. Evidence packs are never overwritten.")
    if not out.parent.is_dir():
        raise FileRefused(f"Not written: the folder {out.parent} does not exist.")
    return out


def _names(engine: Engine, chain_id: int) -> dict[str, str]:
    with engine.connect() as conn:
        names = {str(r.address): str(r.label) for r in conn.execute(
            select(labels.c.address, labels.c.label).where(labels.c.chain_id == chain_id))}
        names.update({str(r.address): str(r.label) for r in conn.execute(
            select(vaults.c.address, vaults.c.label).where(vaults.c.chain_id == chain_id))})
    return names


def gather_files(sources: EvidenceSources, period: Period, *, now: datetime,
                 say: Progress) -> tuple[list[PackFile], str | None]:
    """Every file of the pack but README, manifest and signature; and the audit head at the end of the period."""
    engine, chain_id = sources.engine, sources.chain_id
    say("Reading the audit log…")
    audit = build_audit_section(sources.audit.load_all(), period, key_lookup=sources.key_lookup, now=now)
    say("Reading the policy versions…")
    policies = PolicyStore(engine=engine, chain_id=chain_id).load_records()
    files = [*audit.files, *build_policy_section(policies, period, chain_id)]
    say("Reading the transfers and their receipts…")
    names = _names(engine, chain_id)
    intents = IntentReader(policies=policies, tokens=TokenRegistry(engine=engine, chain_id=chain_id).load_tokens(),
                           labels=names, native=sources.native)
    files += build_transfer_section(TransferInputs(engine, chain_id, names, intents, sources.receipts), period)
    say("Reading the address book…")
    with engine.connect() as conn:
        files += build_book_section(conn, chain_id)
    say("Reading the statements and reports issued…")
    files += build_documents_section(IssuedDocuments(engine, chain_id).between(period.start, period.end), chain_id)
    head = audit.period_end_head.text() if audit.period_end_head is not None else None
    return files, head


def export_evidence(sources: EvidenceSources, *, period: Period, out: Path, key: str, password: str,
                    progress: Progress | None = None, now: datetime | None = None) -> EvidenceExport:
    """Make the pack of `period` at `out`, signed by `key` (unlocked with `password`)."""
    say: Progress = progress or (lambda _text: None)
    out = check_output(Path(out))
    exporter = to_checksum(key)
    say("Unlocking the key…")
    with unlocked_signer(sources.keys, exporter, password) as signer:
        created = (now or datetime.now(UTC)).astimezone(UTC)
        files, head = gather_files(sources, period, now=created, say=say)
        label = next((k.label for k in sources.keys.load_keys() if k.address == exporter), "")
        readme = build_readme_file(exporter, period, sources.chain_id, created)
        listed = [readme, *files]
        manifest = build_manifest(chain_id=sources.chain_id, network=sources.network, period=period.to_json(),
                                  created_at=created.isoformat(timespec="seconds"), exporter=exporter,
                                  exporter_label=label, files=listed)
        say("Signing the manifest…")
        signature = sign_manifest(signer, sources.journal, sources.chain_id, manifest)
        entries = [(MANIFEST_NAME, manifest), (SIGNATURE_NAME, ("0x" + signature.hex() + "\n").encode("ascii")),
                   *((f.path, f.content) for f in sorted(listed, key=lambda f: (f.path != README_NAME, f.path)))]
        data = write_pack(entries, created)
        say("Checking the pack…")
        _require_verified(verify_pack(data), "The pack made does not verify")
        say(f"Writing {out.name}…")
        write_new_file(out, data)
        _check_written(out, data)
        say("Recording the export in the audit log…")
        entry = _record(sources, signer, exporter=exporter, manifest=manifest, pack=data, out=out, period=period,
                        head=head, files=len(listed))
    return EvidenceExport(path=out, exporter=exporter, manifest_sha256=sha256_hex(manifest),
                          pack_sha256=sha256_hex(data), size=len(data), files=len(listed), period=period,
                          audit_seq=entry.seq, receipts_fetched=sources.receipts.fetched,
                          receipts_missing=sources.receipts.missing)


def build_readme_file(exporter: str, period: Period, chain_id: int, created: datetime) -> PackFile:
    text = texts.build_readme(exporter=exporter, period_text=period.text(), chain_id=chain_id,
                              created_at=created.isoformat(timespec="seconds"))
    return PackFile(README_NAME, text.encode("utf-8"), texts.README)


def _require_verified(report: Any, what: str) -> None:
    if not report.ok:
        failed = report.failed[0]
        raise EvidenceError(f"{what} ({failed.name}: {failed.detail}); nothing was recorded")


def _check_written(out: Path, data: bytes) -> None:
    """The file on disk is the pack made, and it verifies; otherwise it is removed."""
    try:
        written = out.read_bytes()
        if sha256_hex(written) != sha256_hex(data):
            raise EvidenceError(f"{out} does not read back as it was written; it was removed and nothing was recorded")
        _require_verified(verify_pack(out), f"{out} does not verify once written; it was removed")
    except OSError as exc:
        out.unlink(missing_ok=True)
        raise FileRefused(f"{out} cannot be read back ({exc.strerror or type(exc).__name__}); it was removed") \
            from None
    except EvidenceError:
        out.unlink(missing_ok=True)
        raise


def _record(sources: EvidenceSources, signer: Signer, *, exporter: str, manifest: bytes, pack: bytes, out: Path,
            period: Period, head: str | None, files: int) -> AuditEntry:
    manifest_sha = sha256_hex(manifest)
    detail = {"exporter": exporter, "manifest_sha256": manifest_sha, "pack_sha256": sha256_hex(pack),
              "file": out.name, "from": period.first_day.isoformat(), "to": period.last_day.isoformat(),
              "files": files, "audit_head": head,
              "receipts": {"fetched": sources.receipts.fetched, "not_fetched": sources.receipts.missing}}
    try:
        with sources.engine.begin() as conn:
            IssuedDocuments(sources.engine, sources.chain_id).record(
                conn, kind=KIND_EVIDENCE_MANIFEST, subject=f"evidence pack {period.text()} ({out.name})",
                file_name=f"{out.stem}-{MANIFEST_NAME}", content=manifest, issued_by=exporter)
            return sources.audit.append(conn, actor=exporter, action=EVIDENCE_EXPORT, subject=manifest_sha,
                                        detail=detail, sign=entry_signer(signer))
    except WalletError:
        raise
    except Exception as exc:
        raise StorageError(f"{out} was written, but the export could not be recorded in the audit log "
                           f"({type(exc).__name__})") from None
