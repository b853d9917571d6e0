"""Every document Custos issues, kept as written (`issued_documents`, migration 0014): holding statements, storage
reports and the manifests of evidence packs, each with its SHA-256, who issued it and when, in the profile's database.

An inspector's evidence pack (`wallet_app.evidence`) carries the documents of its period with the digest recorded
here at issue, so a copy handed out earlier can be compared byte for byte. Rows are only ever added.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath

from sqlalchemy import Connection, Engine, insert, select

from wallet_app.storage.schema import issued_documents

KIND_STATEMENT = "statement"
KIND_STORAGE_REPORT = "storage-report"
KIND_EVIDENCE_MANIFEST = "evidence-manifest"
KINDS = (KIND_STATEMENT, KIND_STORAGE_REPORT, KIND_EVIDENCE_MANIFEST)
MAX_CONTENT_BYTES = 64 * 1024 * 1024  # a statement's PDF with its QR codes is well under a megabyte
MAX_FILE_NAME = 200
MAX_SUBJECT = 500


@dataclass(frozen=True, slots=True)
class IssuedDocument:
    id: int
    chain_id: int
    kind: str  # statement, storage-report, evidence-manifest
    subject: str  # what it is about: an account and block, a report's block, a period
    file_name: str  # the name it was written under (no folder)
    content: bytes  # as written
    sha256: str  # of `content`, 64 lowercase hex digits, computed when it was issued
    issued_at: datetime  # aware, UTC
    issued_by: str  # the person at the desktop (operator name) or the signing officer's address


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class IssuedDocuments:
    def __init__(self, engine: Engine, chain_id: int) -> None:
        self._engine = engine
        self._chain_id = chain_id

    def record(self, conn: Connection | None, *, kind: str, subject: str, file_name: str, content: bytes,
               issued_by: str) -> str:
        """Keep one issued document: in the caller's transaction when `conn` is given, else in one of its own.
        Returns its SHA-256 (hex). ValueError: an unknown kind, an empty file name, or content over the bound."""
        if kind not in KINDS:
            raise ValueError(f"an issued document is one of {', '.join(KINDS)}, not {kind[:40]!r}")
        name = PurePath(file_name.replace("\\", "/")).name[:MAX_FILE_NAME]
        if not name:
            raise ValueError("an issued document needs the name of the file it was written to")
        data = bytes(content)
        if len(data) > MAX_CONTENT_BYTES:
            raise ValueError(f"an issued document is kept up to {MAX_CONTENT_BYTES:,} bytes")
        digest = hashlib.sha256(data).hexdigest()
        values = {"chain_id": self._chain_id, "kind": kind, "subject": subject[:MAX_SUBJECT], "file_name": name,
                  "content": data, "sha256": digest, "issued_at": datetime.now(UTC), "issued_by": issued_by[:200]}
        if conn is not None:
            conn.execute(insert(issued_documents).values(**values))
        else:
            with self._engine.begin() as own:
                own.execute(insert(issued_documents).values(**values))
        return digest

    def between(self, start: datetime, end: datetime) -> list[IssuedDocument]:
        """The documents issued from `start` (included) to `end` (excluded), oldest first; both aware."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("the bounds of a period are aware datetimes")
        t = issued_documents.c
        # SQLite keeps the UTC wall time without an offset: compare in UTC on both sides.
        query = (select(issued_documents)
                 .where(t.chain_id == self._chain_id, t.issued_at >= _bound(start, self._engine),
                        t.issued_at < _bound(end, self._engine))
                 .order_by(t.issued_at, t.id))
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [IssuedDocument(id=int(r.id), chain_id=int(r.chain_id), kind=str(r.kind), subject=str(r.subject),
                               file_name=str(r.file_name), content=bytes(r.content), sha256=str(r.sha256),
                               issued_at=_aware(r.issued_at), issued_by=str(r.issued_by)) for r in rows]


def _bound(moment: datetime, engine: Engine) -> datetime:
    utc = moment.astimezone(UTC)
    return utc.replace(tzinfo=None) if engine.dialect.name == "sqlite" else utc
