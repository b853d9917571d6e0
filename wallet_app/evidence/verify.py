"""Checking an evidence pack with nothing but the zip (`custos evidence verify`).

The checks, in order, each one line with its verdict:
- `zip`: the file is a zip that is safe to read (`pack_zip`: names, duplicates, links, encryption, sizes, bombs);
- `manifest`: manifest.json is there and reads as this version's manifest;
- `signature`: manifest.sig is the EIP-191 signature of manifest.json's exact bytes, and it recovers to the
  exporter the manifest names (the recovered address is reported either way);
- `file <path>`, one per listed file: it is in the zip, with the size and SHA-256 the manifest gives;
- `unlisted files`: the zip holds nothing the manifest does not list (manifest.json and manifest.sig aside);
- the content checks of `verify_content`: the audit log's hash chain recomputed from the exported JSON, its heads,
  the policy digests, the documents' recorded digests.
The pack verifies when every check holds. Nothing here raises for a bad pack: what is wrong is a failed check.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wallet_app.evidence.check import Check
from wallet_app.evidence.manifest import (
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
    RESERVED,
    SIGNATURE_NAME,
    Manifest,
    ManifestError,
    parse_manifest,
    sha256_hex,
)
from wallet_app.evidence.pack_zip import PackReader, PackUnreadable, open_pack
from wallet_app.evidence.signing import recover_manifest_signer
from wallet_app.evidence.verify_content import content_checks

MAX_SIGNATURE_BYTES = 1024


@dataclass(frozen=True, slots=True)
class PackReport:
    checks: tuple[Check, ...]
    signer: str | None  # the address the signature recovers to (whether or not it is the stated exporter)
    manifest_sha256: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "signer": self.signer, "checks": [c.to_json() for c in self.checks]}

    def lines(self) -> list[str]:
        """One line per check, then the verdict (a file that is no pack at all: its one line alone)."""
        lines = [c.line() for c in self.checks]
        if len(self.checks) == 1 and not self.ok:
            return lines
        if self.ok:
            lines.append(f"The evidence pack verifies: {len(self.checks)} checks hold; signed by {self.signer}.")
        else:
            lines.append(f"The evidence pack does NOT verify: {len(self.failed)} of {len(self.checks)} checks "
                         "failed.")
        return lines


def verify_pack(source: Path | bytes) -> PackReport:
    """Every check of the pack at `source` (a file or its bytes)."""
    try:
        reader = open_pack(source)
    except PackUnreadable as exc:
        return PackReport((Check("zip", False, str(exc)),), None)
    try:
        return _verify_open(reader)
    finally:
        reader.close()


def _read_small(reader: PackReader, name: str, limit: int) -> bytes | str:
    """The bytes of `name`, or why they cannot be had."""
    if name not in reader:
        return f"{name} is missing from the zip"
    try:
        data = reader.read(name)
    except PackUnreadable as exc:
        return str(exc)
    return data if len(data) <= limit else f"{name} is over {limit:,} bytes"


def _verify_open(reader: PackReader) -> PackReport:
    checks = [Check("zip", True, f"{len(reader.names)} files, {reader.total_bytes:,} bytes inflated; names and "
                                 "sizes are safe")]
    raw = _read_small(reader, MANIFEST_NAME, MAX_MANIFEST_BYTES)
    manifest: Manifest | None = None
    manifest_sha = None
    if isinstance(raw, str):
        checks.append(Check("manifest", False, raw))
    else:
        manifest_sha = sha256_hex(raw)
        try:
            manifest = parse_manifest(raw)
            checks.append(Check("manifest", True, f"{len(manifest.files)} files listed, chain {manifest.chain_id}, "
                                                  f"period {manifest.period['from']} to {manifest.period['to']}, "
                                                  f"SHA-256 {manifest_sha}"))
        except ManifestError as exc:
            checks.append(Check("manifest", False, str(exc)))
    signer, signature_check = _signature(reader, raw, manifest)
    checks.append(signature_check)
    if manifest is not None:
        checks.extend(_file_check(reader, f) for f in manifest.files)
        listed = {f.path for f in manifest.files} | RESERVED
        extra = sorted(name for name in reader.names if name not in listed)
        checks.append(Check("unlisted files", not extra,
                            "none" if not extra else f"{len(extra)} file(s) the manifest does not list: "
                                                     f"{', '.join(extra[:10])}{' …' if len(extra) > 10 else ''}"))
    else:
        checks.append(Check("files", False, "not checked: the manifest cannot be read"))
    checks.extend(content_checks(reader))
    return PackReport(tuple(checks), signer, manifest_sha)


def _signature(reader: PackReader, manifest_bytes: bytes | str, manifest: Manifest | None) -> tuple[str | None, Check]:
    sig = _read_small(reader, SIGNATURE_NAME, MAX_SIGNATURE_BYTES)
    if isinstance(sig, str):
        return None, Check("signature", False, sig)
    if isinstance(manifest_bytes, str):
        return None, Check("signature", False, "not checked: manifest.json cannot be read")
    try:
        signer = recover_manifest_signer(manifest_bytes, sig.decode("ascii"))
    except (ValueError, UnicodeDecodeError) as exc:
        return None, Check("signature", False, f"manifest.sig is no usable signature ({exc})")
    if manifest is None:
        return signer, Check("signature", False, f"recovers to {signer}, but the manifest names no exporter to "
                                                 "compare with")
    if signer.lower() != manifest.exporter.lower():
        return signer, Check("signature", False, f"manifest.sig recovers to {signer}, not to the exporter "
                                                 f"{manifest.exporter} that manifest.json names (manifest.json was "
                                                 "changed, or another key signed it)")
    return signer, Check("signature", True, f"EIP-191 signature of manifest.json by the exporter {signer}")


def _file_check(reader: PackReader, listed: Any) -> Check:
    name = f"file {listed.path}"
    if listed.path not in reader:
        return Check(name, False, "missing from the zip")
    try:
        found = reader.digest(listed.path)
    except PackUnreadable as exc:
        return Check(name, False, str(exc))
    if found.size != listed.size:
        return Check(name, False, f"{found.size:,} bytes, the manifest says {listed.size:,} (changed)")
    if found.sha256 != listed.sha256:
        return Check(name, False, f"SHA-256 {found.sha256}, the manifest says {listed.sha256} (changed)")
    return Check(name, True, f"SHA-256 {found.sha256}, {found.size:,} bytes")
