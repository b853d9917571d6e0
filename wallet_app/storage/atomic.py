"""Crash-safe file replacement: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_new(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """`data` as a new file at `path`, never over one: written whole and synced under a temporary name beside it, then
    linked into place only if nothing is there. FileExistsError when something is (even a file that appeared
    meanwhile); a reader never sees half of it."""
    if path.exists():
        raise FileExistsError(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        write_atomic(temporary, data, mode=mode)
        try:
            os.link(temporary, path)  # atomic, and fails if `path` exists
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: create it exclusively
            with path.open("xb") as out:
                out.write(data)
        fsync_directory(path.parent)
    finally:
        temporary.unlink(missing_ok=True)


def write_new_file(path: Path, data: bytes) -> str:
    """`data` as a new file (`write_new`): FileRefused in words when something is there already or the folder
    refuses it. Returns the path written, as text."""
    from wallet_app.errors import FileRefused

    try:
        write_new(path, data)
    except FileExistsError:
        raise FileRefused(f"Not written: {path} already exists. Files are never overwritten.") from None
    except OSError as exc:
        raise FileRefused(f"{path} could not be written ({exc.strerror or type(exc).__name__}).") from None
    return str(path)
