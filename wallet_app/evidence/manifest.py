"""The manifest of an evidence pack (`manifest.json`): the pack's format and version, chain, period, when it was made
and by whom, and for every other file its path, size, SHA-256 and description in both languages.

Its bytes are what the exporting officer signs (EIP-191, `signing`): JSON indented by two spaces, UTF-8, with no
line break at the end, so that `"$(cat manifest.json)"` in a shell passes exactly those bytes to a signature checker.
Reading one back (`parse_manifest`) is strict: bounded, no duplicate keys, every field of the expected type.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wallet_app.evidence.pack_zip import name_problem
from wallet_app.evidence.texts import LANGUAGES, TITLE, Description

FORMAT = "custos-evidence-pack"
VERSION = 1
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
README_NAME = "README.txt"
RESERVED = frozenset({MANIFEST_NAME, SIGNATURE_NAME})  # the files the manifest does not list
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
SIGNATURE_SCHEME = "EIP-191 personal_sign of the bytes of manifest.json, 65 bytes r || s || v as 0x-hex"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


class ManifestError(ValueError):
    """The manifest cannot be read as one; the message says what is wrong, in one line."""


@dataclass(frozen=True, slots=True)
class PackFile:
    """A file of the pack as it is written: its path inside the zip, its bytes, and what it holds."""

    path: str
    content: bytes
    description: Description


@dataclass(frozen=True, slots=True)
class ListedFile:
    """A file as the manifest lists it."""

    path: str
    size: int
    sha256: str
    description: dict[str, str]


@dataclass(frozen=True, slots=True)
class Manifest:
    chain_id: int
    exporter: str
    period: dict[str, Any]
    created_at: str
    files: tuple[ListedFile, ...]
    raw: dict[str, Any]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_manifest(*, chain_id: int, network: str, period: dict[str, Any], created_at: str, exporter: str,
                   exporter_label: str, files: Sequence[PackFile]) -> bytes:
    """The manifest's bytes (what is signed)."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "title": TITLE.to_json(),
        "chain_id": chain_id,
        "network": network,
        "period": period,
        "created_at": created_at,
        "exporter": exporter,
        "exporter_label": exporter_label,
        "signature": {"file": SIGNATURE_NAME, "scheme": SIGNATURE_SCHEME, "signer": exporter},
        "files": [{"path": f.path, "size": len(f.content), "sha256": sha256_hex(f.content),
                   "description": f.description.to_json()} for f in sorted(files, key=lambda f: f.path)],
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")


def parse_manifest(data: bytes) -> Manifest:
    """The manifest read back strictly; ManifestError (one line) when it is not one this version writes."""
    from wallet_app.domain.strict_json import StrictJsonError, loads_strict

    try:
        document = loads_strict(data, "manifest.json", limit=MAX_MANIFEST_BYTES)
    except StrictJsonError as exc:
        raise ManifestError(exc.user_message) from None
    if not isinstance(document, dict):
        raise ManifestError("manifest.json is not a JSON object")
    if document.get("format") != FORMAT:
        raise ManifestError(f"manifest.json is not a Custos evidence pack's manifest (format is not '{FORMAT}')")
    if document.get("version") != VERSION:
        raise ManifestError(f"manifest.json is version {_shown(document.get('version'))}; this Custos reads "
                            f"version {VERSION}")
    chain_id = document.get("chain_id")
    if isinstance(chain_id, bool) or not isinstance(chain_id, int) or chain_id < 0:
        raise ManifestError("manifest.json has no chain id")
    exporter = document.get("exporter")
    if not isinstance(exporter, str) or not _ADDRESS.fullmatch(exporter):
        raise ManifestError("manifest.json names no exporter address (0x and 40 hex digits)")
    period = document.get("period")
    if not isinstance(period, dict) or not isinstance(period.get("from"), str) or not isinstance(period.get("to"), str):
        raise ManifestError("manifest.json has no period (from, to)")
    created_at = document.get("created_at")
    if not isinstance(created_at, str):
        raise ManifestError("manifest.json has no creation time")
    files = document.get("files")
    if not isinstance(files, list):
        raise ManifestError("manifest.json has no list of files")
    listed = tuple(_listed(item, index) for index, item in enumerate(files))
    seen: set[str] = set()
    for item in listed:
        if item.path.casefold() in seen:
            raise ManifestError(f"manifest.json lists {_shown(item.path)} twice")
        seen.add(item.path.casefold())
    return Manifest(chain_id=chain_id, exporter=exporter, period=period, created_at=created_at, files=listed,
                    raw=document)


def _listed(item: Any, index: int) -> ListedFile:
    if not isinstance(item, dict):
        raise ManifestError(f"manifest.json: file {index + 1} is not an object")
    path, size, digest, description = item.get("path"), item.get("size"), item.get("sha256"), item.get("description")
    if not isinstance(path, str) or name_problem(path) or path in RESERVED:
        raise ManifestError(f"manifest.json: file {index + 1} has an unusable path {_shown(path)}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ManifestError(f"manifest.json: {_shown(path)} has no size")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise ManifestError(f"manifest.json: {_shown(path)} has no SHA-256 (64 lowercase hex digits)")
    if not isinstance(description, dict) or not all(isinstance(description.get(k), str) for k in LANGUAGES):
        raise ManifestError(f"manifest.json: {_shown(path)} is not described in {' and '.join(LANGUAGES)}")
    return ListedFile(path, size, digest, {k: str(description[k]) for k in LANGUAGES})


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True)[:80]
