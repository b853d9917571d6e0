"""A bundle as QR codes: the compact JSON, compressed, cut into parts that each fit one readable code.

A part is `CUSTOS-PROOF:<i>/<n>:<digest>:<data>` in QR alphanumeric characters only (upper-case base32 without
padding), so the codes stay small: `digest` is the first 8 hex digits (upper case) of the SHA-256 of the whole
compressed payload, the same in every part, so that parts of two bundles are never mixed; the payload is checked
against it when the parts are joined. Parts may be read in any order.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zlib
from collections.abc import Iterable
from typing import Any

from wallet_app.proofs.errors import UnusableInput

PREFIX = "CUSTOS-PROOF"
PART_CHARS = 1000  # of data per code: a version 25 or so code at level M, easy to read from a screen or paper
MAX_PARTS = 200
MAX_INFLATED = 64 * 1024 * 1024
_PART = re.compile(r"CUSTOS-PROOF:(\d{1,3})/(\d{1,3}):([0-9A-F]{8}):([A-Z2-7]+)")


def bundle_parts(bundle: Any) -> list[str]:
    payload = zlib.compress(json.dumps(bundle, separators=(",", ":")).encode("utf-8"), 9)
    digest = hashlib.sha256(payload).hexdigest()[:8].upper()
    text = base64.b32encode(payload).decode("ascii").rstrip("=")
    chunks = [text[i:i + PART_CHARS] for i in range(0, len(text), PART_CHARS)] or [""]
    if len(chunks) > MAX_PARTS:
        raise UnusableInput(f"the bundle needs {len(chunks)} QR codes; at most {MAX_PARTS} are made: export JSON")
    return [f"{PREFIX}:{i}/{len(chunks)}:{digest}:{chunk}" for i, chunk in enumerate(chunks, 1)]


def join_parts(texts: Iterable[str]) -> bytes:
    """The bundle's JSON bytes from its parts; UnusableInput naming what is missing or mixed."""
    found: dict[int, str] = {}
    total, digest = 0, ""
    for text in texts:
        match = _PART.fullmatch(text.strip())
        if match is None:
            raise UnusableInput(f"a code that is not part of a Custos proof: {text.strip()[:40]!r}")
        index, count, part_digest, data = int(match[1]), int(match[2]), match[3], match[4]
        if not 1 <= index <= count <= MAX_PARTS:
            raise UnusableInput(f"a part numbered {index} of {count}")
        if total and (count != total or part_digest != digest):
            raise UnusableInput("the codes are parts of more than one proof")
        total, digest = count, part_digest
        found[index] = data
    if not found:
        raise UnusableInput("no Custos proof code was read")
    missing = [str(i) for i in range(1, total + 1) if i not in found]
    if missing:
        raise UnusableInput(f"parts {', '.join(missing)} of {total} are missing")
    text = "".join(found[i] for i in range(1, total + 1))
    try:
        payload = base64.b32decode(text + "=" * (-len(text) % 8))
    except ValueError:
        raise UnusableInput("the codes' data is not valid base32") from None
    if hashlib.sha256(payload).hexdigest()[:8].upper() != digest:
        raise UnusableInput("the joined codes do not match their digest: a part was misread or belongs elsewhere")
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(payload, MAX_INFLATED)
    except zlib.error:
        raise UnusableInput("the codes' data does not decompress") from None
    if inflater.unconsumed_tail:
        raise UnusableInput(f"the proof in the codes is larger than {MAX_INFLATED:,} bytes")
    return data
