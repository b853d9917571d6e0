"""The devnet's key-value store: one SQLite file, with writes held in memory until `commit`.

py-evm writes trie nodes, headers and indexes into a `BaseDB` as it goes. This store keeps those
writes in a pending map that reads see first, and `commit` moves the whole map to disk in one SQLite
transaction. The devnet commits once per mined block, so the file only ever holds complete blocks: a
crash while mining leaves the previous block as the head.

A `meta` table beside the key-value table records the format and the chain id.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from eth.db.backends.base import BaseDB

FORMAT_VERSION = "1"

_SCHEMA = (
    "CREATE TABLE kv (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID",
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


class SqliteStore(BaseDB):
    """bytes -> bytes on SQLite. Not thread-safe by itself: the devnet serialises access."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._pending: dict[bytes, bytes | None] = {}  # None marks a pending delete

    @classmethod
    def create_file(cls, path: Path, meta: Mapping[str, str]) -> SqliteStore:
        """Make a new store file; fails if `path` already exists."""
        if path.exists():
            raise FileExistsError(path)
        conn = _connect(path, "rwc")
        conn.execute("PRAGMA journal_mode=WAL")
        with _transaction(conn):
            for statement in _SCHEMA:
                conn.execute(statement)
            rows = {"format": FORMAT_VERSION, **meta}
            conn.executemany("INSERT INTO meta (name, value) VALUES (?, ?)", rows.items())
        return cls(conn)

    @classmethod
    def open_file(cls, path: Path) -> SqliteStore:
        """Open an existing store without writing to it (raises sqlite3.Error or FileNotFoundError)."""
        if not path.is_file():
            raise FileNotFoundError(path)
        return cls(_connect(path, "rw"))

    def check_integrity(self) -> None:
        """Raise ValueError if SQLite finds the file damaged (reads it all: ~1.5 ms per MiB)."""
        problems = [str(row[0]) for row in self._conn.execute("PRAGMA quick_check(3)").fetchall()]
        if problems != ["ok"]:
            raise ValueError(f"integrity check failed: {problems[0]}")

    def load_meta(self) -> dict[str, str]:
        rows = self._conn.execute("SELECT name, value FROM meta").fetchall()
        return {str(name): str(value) for name, value in rows}

    # -- BaseDB --

    def __getitem__(self, key: bytes) -> bytes:
        if key in self._pending:
            value = self._pending[key]
            if value is None:
                raise KeyError(key)
            return value
        row = self._conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return bytes(row[0])

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._pending[bytes(key)] = bytes(value)

    def __delitem__(self, key: bytes) -> None:
        if not self._exists(key):
            raise KeyError(key)
        self._pending[bytes(key)] = None

    def _exists(self, key: bytes) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True

    # -- durability --

    @property
    def has_pending_writes(self) -> bool:
        return bool(self._pending)

    def commit(self) -> None:
        """Write every pending change in one transaction; on failure nothing is written."""
        if not self._pending:
            return
        upserts = [(k, v) for k, v in self._pending.items() if v is not None]
        deletes = [(k,) for k, v in self._pending.items() if v is None]
        with _transaction(self._conn):
            self._conn.executemany("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", upserts)
            self._conn.executemany("DELETE FROM kv WHERE key = ?", deletes)
        self._pending.clear()

    def discard(self) -> None:
        """Forget every write since the last commit."""
        self._pending.clear()

    def close(self) -> None:
        self._pending.clear()
        self._conn.close()


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=5.0)
    conn.execute("PRAGMA synchronous=FULL")
    return conn
