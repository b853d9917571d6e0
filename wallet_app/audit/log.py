"""Appending to the audit log and reading it.

`append(conn, ...)` writes one entry on the caller's open connection, inside the caller's transaction, so the entry
and the change it records commit together or not at all (M1). The next `seq` is the largest one plus one, read in
that same transaction after taking the log's write lock:
- PostgreSQL: `pg_advisory_xact_lock(AUDIT_LOCK_KEY)`, held to the end of the transaction, so concurrent appends
  from several desktops queue up and each reads the head the previous one committed (READ COMMITTED takes a new
  snapshot per statement, and the head is read after the lock);
- SQLite: the database's single writer lock. If the caller's transaction has not written yet, `BEGIN IMMEDIATE`
  takes it before the head is read (a deferred transaction could read a head that another writer then moves).
Should anything still race, `seq` is the primary key and `entry_hash` is unique: the loser fails loudly and its
whole transaction, change included, rolls back.

`AuditLog` is the collaborator services receive: the database, this host's name, the profile's chain id and a way
to name actors (label and role); `record(...)` appends in a transaction of its own, for actions that change nothing
else in the database (lock, exports).
"""

from __future__ import annotations

import getpass
import logging
import time
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, func, insert, or_, select, text

from wallet_app.audit.actions import EXPORT, OPERATOR, SYSTEM
from wallet_app.audit.entry import (
    ZERO_HASH,
    AuditEntry,
    as_utc,
    build_detail,
    compute_entry_hash,
    recover_entry_signer,
)
from wallet_app.audit.stored import AuditHead, entry_from_row, load_all, load_head
from wallet_app.errors import ConfigError, SignerMismatch
from wallet_app.storage.schema import audit_log

if TYPE_CHECKING:
    from wallet_app.audit.verify import KeyLookup, VerifyReport

log = logging.getLogger(__name__)

AUDIT_LOCK_KEY = 0x435553544F534C47  # "CUSTOSLG": the advisory lock serialising appends on PostgreSQL
MAX_LIST = 100_000

Sign = Callable[[str], bytes]
"""Signs an entry with the actor's key, given its entry hash: 65 bytes r || s || v (`entry.entry_signer`)."""
DescribeActor = Callable[[Connection, str], tuple[str, str]]
"""(connection, actor address) -> (label, role), read in the appending transaction."""


def _take_write_lock(conn: Connection) -> None:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    elif dialect == "sqlite":
        raw: Any = conn.connection.driver_connection
        if raw is not None and not raw.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def append(conn: Connection, *, host: str, actor: str, action: str, subject: str = "",
           detail: Mapping[str, Any] | None = None, chain_id: int | None = None, actor_label: str = "",
           role: str = "", sign: Sign | None = None, at: datetime | None = None,
           monotonic_ns: int | None = None) -> AuditEntry:
    """Append one entry in the caller's transaction and return it. With `sign`, the actor's key signs the entry
    (EIP-191, see `entry`) and the signature must recover to `actor`, or nothing is written (SignerMismatch)."""
    detail_text = build_detail(detail)  # refused before anything is written
    _take_write_lock(conn)
    head = load_head(conn)
    seq = 1 if head is None else head.seq + 1
    prev_hash = ZERO_HASH if head is None else head.entry_hash
    moment = as_utc(at or datetime.now(UTC))
    ticks = time.monotonic_ns() if monotonic_ns is None else monotonic_ns
    fields: dict[str, Any] = {
        "seq": seq, "at": moment, "monotonic_ns": ticks, "host": host, "actor": actor, "actor_label": actor_label,
        "role": role, "action": action, "chain_id": chain_id, "subject": subject, "detail": detail_text,
        "prev_hash": prev_hash,
    }
    entry_hash = compute_entry_hash(**fields)
    signature = None
    if sign is not None:
        signature = "0x" + bytes(sign(entry_hash)).hex()
        try:
            signer = recover_entry_signer(entry_hash, signature)
        except ValueError as exc:
            raise SignerMismatch(f"The audit entry's signature is unusable ({exc}); nothing was recorded") from None
        if signer.lower() != actor.lower():
            raise SignerMismatch(f"The audit entry's signature is {signer}'s, not {actor}'s; nothing was recorded")
    conn.execute(insert(audit_log).values(**fields, entry_hash=entry_hash, signature=signature))
    return AuditEntry(**fields, entry_hash=entry_hash, signature=signature)


def operator_name() -> str:
    try:
        return getpass.getuser()[:64]
    except Exception:  # no user name in this environment (some containers)
        return ""


class AuditLog:
    def __init__(self, *, engine: Engine, host: str, chain_id: int | None = None,
                 describe_actor: DescribeActor | None = None, operator_label: str | None = None,
                 known_keys: Callable[[], Collection[str]] | None = None) -> None:
        self._engine = engine
        self._host = host
        self._chain_id = chain_id
        self._describe = describe_actor
        self._known_keys = known_keys  # every address that was ever a key of the profile (verification)
        self._operator = operator_name() if operator_label is None else operator_label

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def host(self) -> str:
        return self._host

    @property
    def chain_id(self) -> int | None:
        return self._chain_id

    # -- writing ----------------------------------------------------------------------------------------------
    def append(self, conn: Connection, *, actor: str, action: str, subject: str = "",
               detail: Mapping[str, Any] | None = None, actor_label: str | None = None, role: str | None = None,
               sign: Sign | None = None) -> AuditEntry:
        """Append in the caller's transaction (`conn` from `engine.begin()`), naming the actor."""
        label, described_role = self._name(conn, actor)
        return append(conn, host=self._host, actor=actor, action=action, subject=subject, detail=detail,
                      chain_id=self._chain_id, actor_label=label if actor_label is None else actor_label,
                      role=described_role if role is None else role, sign=sign)

    def record(self, *, actor: str, action: str, subject: str = "", detail: Mapping[str, Any] | None = None,
               actor_label: str | None = None, role: str | None = None, sign: Sign | None = None) -> AuditEntry:
        """Append in a transaction of its own: for actions that write nothing else to the database."""
        with self._engine.begin() as conn:
            return self.append(conn, actor=actor, action=action, subject=subject, detail=detail,
                               actor_label=actor_label, role=role, sign=sign)

    def record_export(self, *, kind: str, fmt: str, path: Path | None, subject: str = "",
                      detail: Mapping[str, Any] | None = None) -> AuditEntry:
        """A file written for people outside Custos (a statement, an audit export): the person at this desktop
        exported it. Only the file's name is recorded, never its content."""
        about = {"kind": kind, "format": fmt, "file": path.name if path is not None else "(standard output)"}
        return self.record(actor=OPERATOR, action=EXPORT, subject=subject or kind, detail={**about, **(detail or {})})

    def _name(self, conn: Connection, actor: str) -> tuple[str, str]:
        if actor == OPERATOR:
            return self._operator, ""
        if actor == SYSTEM:
            return "Custos", ""
        if self._describe is None:
            return "", ""
        return self._describe(conn, actor)

    # -- reading ----------------------------------------------------------------------------------------------
    def load_head(self) -> AuditHead | None:
        with self._engine.connect() as conn:
            return load_head(conn)

    def load_entries(self, *, action: str | None = None, actor: str | None = None, search: str | None = None,
                     limit: int | None = None) -> list[AuditEntry]:
        """Entries newest first; `actor` matches in any letter case, `search` any part of the actor's label, role,
        action, subject or detail (case-insensitive)."""
        if limit is not None and (isinstance(limit, bool) or not 1 <= limit <= MAX_LIST):
            raise ConfigError(f"The number of entries to list is 1 to {MAX_LIST}")
        t = audit_log
        query = select(t).order_by(t.c.seq.desc())
        if action:
            query = query.where(t.c.action == action)
        if actor:
            query = query.where(func.lower(t.c.actor) == actor.strip().lower())
        if search and search.strip():
            needle = search.strip()
            query = query.where(or_(*(column.icontains(needle, autoescape=True) for column in (
                t.c.actor, t.c.actor_label, t.c.role, t.c.action, t.c.subject, t.c.detail))))
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            return [entry_from_row(row) for row in conn.execute(query)]

    def load_all(self) -> list[AuditEntry]:
        """Every entry, oldest first (verification and exports)."""
        return load_all(self._engine)

    def verify(self, *, expect_head: AuditHead | None = None, key_lookup: KeyLookup | None = None) -> VerifyReport:
        from wallet_app.audit.verify import verify_log

        if key_lookup is None and self._known_keys is not None:
            known = {address.lower() for address in self._known_keys()}
            key_lookup = lambda address: address.lower() in known  # noqa: E731
        return verify_log(self._engine, key_lookup=key_lookup, expect_head=expect_head)
