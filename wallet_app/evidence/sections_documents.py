"""The `documents/` folder of an evidence pack: every document Custos issued in the period (holding statements,
storage reports, the manifests of earlier packs; `compliance.issued`), each byte for byte as issued under
`documents/<id>-<file name>`, and `index.json` listing them with the SHA-256 recorded when each was issued."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from wallet_app.compliance.issued import KIND_EVIDENCE_MANIFEST, KIND_STATEMENT, IssuedDocument
from wallet_app.evidence import texts
from wallet_app.evidence.manifest import PackFile
from wallet_app.evidence.rows import json_bytes, utc_text

INDEX = "documents/index.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def document_path(document: IssuedDocument) -> str:
    """Its path in the pack: the row id keeps names apart; the file name is reduced to safe characters."""
    name = _UNSAFE.sub("_", document.file_name).strip("._")[:120] or "document"
    return f"documents/{document.id:06d}-{name}"


def _description(kind: str) -> texts.Description:
    if kind == KIND_STATEMENT:
        return texts.STATEMENT
    if kind == KIND_EVIDENCE_MANIFEST:
        return texts.EVIDENCE_MANIFEST
    return texts.STORAGE_REPORT


def index_entry(document: IssuedDocument) -> dict[str, Any]:
    return {"id": document.id, "kind": document.kind, "subject": document.subject, "file": document_path(document),
            "file_name": document.file_name, "size": len(document.content), "sha256": document.sha256,
            "issued_at": utc_text(document.issued_at), "issued_by": document.issued_by}


def build_documents_section(documents: Sequence[IssuedDocument], chain_id: int) -> tuple[PackFile, ...]:
    index = {"chain_id": chain_id, "documents": [index_entry(d) for d in documents]}
    files = [PackFile(INDEX, json_bytes(index), texts.DOCUMENT_INDEX)]
    for document in documents:
        description = _description(document.kind)
        subject = f" ({document.subject})" if document.subject else ""
        files.append(PackFile(document_path(document), document.content,
                              texts.Description(description.en + subject, description.zh + subject)))
    return tuple(files)
