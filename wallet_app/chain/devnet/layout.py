"""Where the devnet keeps its files inside a state directory, and making renames there durable."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# SQLite keeps these beside the main file while it is open or after a crash; they belong to it.
_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


@dataclass(frozen=True, slots=True)
class StateLayout:
    root: Path

    @property
    def db_path(self) -> Path:
        return self.root / "chain.sqlite3"

    @property
    def creating_path(self) -> Path:
        """Where a new chain is built before it is renamed to `db_path`."""
        return self.root / "chain.sqlite3.creating"

    @property
    def lock_path(self) -> Path:
        return self.root / "devnet.lock"

    @property
    def endpoint_path(self) -> Path:
        return self.root / "endpoint.json"

    def db_files(self) -> tuple[Path, ...]:
        """The main database file and its SQLite companions (which may or may not exist)."""
        return (self.db_path, *(self.db_path.with_name(self.db_path.name + s) for s in _SQLITE_COMPANIONS))

    def creating_files(self) -> tuple[Path, ...]:
        p = self.creating_path
        return (p, *(p.with_name(p.name + s) for s in _SQLITE_COMPANIONS))


def fsync_directory(path: Path) -> None:
    """Make renames inside `path` survive a power cut."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
