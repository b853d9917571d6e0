"""Files the desktop writes for people outside it (exports, requests, answers): always new files, written whole and
linked into place, never over an existing one (`wallet_app.storage.atomic.write_new_file`). On a worker lane."""

from __future__ import annotations

from pathlib import Path

from wallet_app.errors import FileRefused

__all__ = ["FileRefused", "write_new_file"]


def write_new_file(path: Path, data: bytes) -> str:
    """`data` as a new file at `path`; FileRefused says why not. Returns the path written, as text."""
    from wallet_app.storage.atomic import write_new_file as write  # the storage layer loads only when a file is written

    return write(path, data)
