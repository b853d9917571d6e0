"""One process per state directory: an exclusive, non-blocking `flock` on a lock file.

The holder writes its pid into the lock file after it has the lock (never before: truncating first
would wipe the real holder's pid). The kernel drops the lock when the holder exits, however it exits,
so a stale pid in the file means nothing unless the lock is also held.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

_RETRY_INTERVAL = 0.02


class StateLock:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, *, patience: float = 0.2) -> bool:
        """Take the lock and record our pid; False if another holder keeps it for `patience` seconds.

        The short patience covers `probe_lock_held`, which takes the lock for an instant.
        """
        if self._fd is not None:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + patience
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(_RETRY_INTERVAL)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the last descriptor drops the flock


def read_holder_pid(path: Path) -> int | None:
    """The pid written in the lock file, if any (meaningful only while the lock is held)."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def probe_lock_held(path: Path) -> bool:
    """True if some process (this one included, through another descriptor) holds the lock."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops the shared lock if we got it
    return False
