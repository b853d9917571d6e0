"""Tampering with an evidence pack the way someone holding the zip could: rewrite it with one file's bytes changed,
a file left out or one added, every other entry kept as it was (name, date, mode, compression)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping


def read_all(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rezip(data: bytes, *, change: Mapping[str, bytes] | None = None, drop: tuple[str, ...] = (),
          add: Mapping[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            content = (change or {}).get(info.filename, source.read(info))
            target.writestr(info, content)
        for name, content in (add or {}).items():
            target.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), content)
    return out.getvalue()


def flip_one_byte(content: bytes) -> bytes:
    """The same bytes with one changed, in the middle (one bit, so text stays text)."""
    middle = len(content) // 2
    return content[:middle] + bytes([content[middle] ^ 0x01]) + content[middle + 1:]
