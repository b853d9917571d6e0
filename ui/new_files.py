"""Files the desktop writes for people outside it (exports, requests, answers): always new files, written whole and
linked into place (`wallet_app.storage.atomic.write_new`), never over an existing one. On a worker lane."""

from __future__ import annotations

from pathlib import Path

from wallet_app.errors import WalletError


class FileRefused(WalletError):
    code = "file_refused"


def write_new_file(path: Path, data: bytes) -> str:
    """`data` as a new file at `path`; FileRefused says why not. Returns the path written, as text."""
    from wallet_app.storage.atomic import write_new

    try:
        write_new(path, data)
    except FileExistsError:
        raise FileRefused(f"Not written: {path} already exists. Files are never overwritten.") from None
    except OSError as exc:
        raise FileRefused(f"{path} could not be written ({exc.strerror or type(exc).__name__}).") from None
    return str(path)
