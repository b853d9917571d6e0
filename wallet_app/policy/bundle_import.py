"""Importing a policy bundle on an offline signer: all of it, or nothing.

The bundle is read strictly (`bundle`) and its signatures and quorums are checked against the anchored owners
(`bundle_verify`) before anything is written. The records are then written through `PolicyStore`, exactly as the
online desktop's store wrote them (proposal, approvals, quorum, coming into force, each with its audit entry), all
on one database connection in one transaction; inside that transaction `PolicyService.active()` verifies the result
from the rows, as it will before every decision. Only then is the transaction committed. Any refusal rolls it back:
the database, `policy/active.toml` (written after the commit) and the denylist files (restored if the commit fails)
stay as they were.

A bundle is accepted only if it continues what the signer already has: the policy in force here must be in its
history (or the signer has none yet). Records already stored and identical are skipped, so importing the same
bundle twice changes nothing; a bundle whose policy in force is older than the one here is refused.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Engine

from wallet_app.errors import WalletError
from wallet_app.policy.bundle import (
    MAX_BUNDLE_BYTES,
    PolicyBundle,
    PolicyBundleError,
    denylist_fingerprint,
    read_bundle,
)
from wallet_app.policy.bundle_fields import plain
from wallet_app.policy.bundle_ladder import BundleLadder
from wallet_app.policy.bundle_verify import check_quorums, check_signatures
from wallet_app.policy.governance import APPROVED, LoadOwners, PolicyNotInForce
from wallet_app.policy.policy_store import ActivePolicyFile, PolicyStore
from wallet_app.policy.reading import PolicyReader
from wallet_app.policy.service import PolicyService
from wallet_app.storage.atomic import write_atomic

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog
    from wallet_app.policy.views import ActivePolicy, PolicyDraft


@dataclass(frozen=True, slots=True)
class PolicySite:
    """Where a profile's policy lives: its database, chain, the owners its governance is checked against (on an
    offline signer, the anchored ones), the on-disk copy, the policy directory (denylists) and the audit log."""

    engine: Engine
    chain_id: int
    load_owners: LoadOwners
    active_file: ActivePolicyFile
    policy_dir: Path
    audit: AuditLog | None = None

    def build_store(self, engine: Engine | None = None) -> PolicyStore:
        return PolicyStore(engine=engine or self.engine, chain_id=self.chain_id, audit=self.audit)

    def build_service(self, store: PolicyStore | None = None,
                      active_file: ActivePolicyFile | None = None) -> PolicyService:
        return PolicyService(store=store or self.build_store(), load_owners=self.load_owners, chain_id=self.chain_id,
                             active_file=active_file or self.active_file)


@dataclass(frozen=True, slots=True)
class ImportedBundle:
    active: ActivePolicy  # the policy in force after the import, verified
    written: tuple[str, ...]  # what changed, one line each; empty when the bundle held nothing new
    waiting: tuple[PolicyDraft, ...]  # changes of the policy in force waiting for their cooling-off
    denylists: tuple[tuple[str, str, bool], ...]  # (file, its keccak-256, whether it was written now)


def load_bundle_file(path: Path) -> bytes:
    """The bytes of a bundle file: only a regular file (a FIFO or a device could block or never end), and at most
    `MAX_BUNDLE_BYTES` of it, so a huge file is refused without being read whole."""
    name = plain(str(path), 200)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise PolicyBundleError(f"{name} is not a regular file")
        if info.st_size > MAX_BUNDLE_BYTES:
            raise PolicyBundleError(f"{name} is larger than {MAX_BUNDLE_BYTES // (1024 * 1024)} MiB: not a policy "
                                    "bundle")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO swapped in meanwhile never blocks
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read(MAX_BUNDLE_BYTES + 1)
    except OSError as exc:
        raise PolicyBundleError(f"{name} cannot be read ({exc.strerror or type(exc).__name__})") from None
    if len(raw) > MAX_BUNDLE_BYTES:
        raise PolicyBundleError(f"{name} is larger than {MAX_BUNDLE_BYTES // (1024 * 1024)} MiB: not a policy bundle")
    return raw


def import_bundle(raw: bytes, *, site: PolicySite, now: datetime | None = None) -> ImportedBundle:
    """Read, verify and store the bundle in `raw`; `PolicyBundleError` (and nothing changed) when any part of it is
    refused, naming the record or signature and why."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    bundle = read_bundle(raw, chain_id=site.chain_id)
    check_signatures(bundle)
    check_quorums(bundle, PolicyReader(store=site.build_store(), load_owners=site.load_owners,
                                       chain_id=site.chain_id, active_file=site.active_file), moment)
    with site.engine.connect() as conn:
        transaction = conn.begin()
        try:
            _take_write_lock(conn)
            store = site.build_store(cast(Engine, _OneConnection(conn)))
            reader = PolicyReader(store=store, load_owners=site.load_owners, chain_id=site.chain_id,
                                  active_file=site.active_file)
            written = BundleLadder(bundle=bundle, store=store, reader=reader).climb()
            active = _verify_in_transaction(site, store, moment)
            previous = _write_denylists(site.policy_dir, bundle)
            try:
                transaction.commit()
            except BaseException:
                _restore(previous)
                raise
        except WalletError as exc:
            transaction.rollback()
            if isinstance(exc, PolicyBundleError):
                raise
            raise PolicyBundleError(f"The bundle is refused, nothing changed: {plain(exc.user_message)}") from None
        except BaseException:
            transaction.rollback()
            raise
    if site.active_file.load_text() != active.document.text:
        site.active_file.save_text(active.document.text)
    service = site.build_service()
    final = service.active(moment)
    waiting = tuple(d for d in service.drafts(moment) if d.state == APPROVED and d.supersedes == final.digest)
    denylists = tuple((name, denylist_fingerprint(text), any(p.name == name for p, _old in previous))
                      for name, text in bundle.denylists)
    return ImportedBundle(final, tuple(written), waiting, denylists)


def _verify_in_transaction(site: PolicySite, store: PolicyStore, now: datetime) -> ActivePolicy:
    """`active()` over the rows as they stand in the transaction, with the on-disk copy held in memory."""
    service = site.build_service(store, _ScratchFile(site.active_file))
    try:
        return service.active(now)
    except PolicyNotInForce as exc:
        raise PolicyBundleError(f"The bundle is refused, nothing changed: once stored, the policy would not be in "
                                f"force: {plain(exc.user_message)}") from None


def _take_write_lock(conn: Connection) -> None:
    """SQLite: BEGIN IMMEDIATE now, so the SAVEPOINTs of the store's writes nest in one real transaction (the
    sqlite3 driver would otherwise commit at the first RELEASE) and no other writer interleaves."""
    if conn.dialect.name == "sqlite":
        raw: Any = conn.connection.driver_connection
        if raw is not None and not raw.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


class _OneConnection:
    """Stands in for the engine of the store the import writes through: every read runs on the import's connection
    and every write in a SAVEPOINT of its transaction, so they commit or roll back together."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        yield self._conn

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self._conn.begin_nested():
            yield self._conn


class _ScratchFile(ActivePolicyFile):
    """The on-disk copy as the verification inside the transaction sees it: read from the real file, written only in
    memory (the real one is written after the commit)."""

    def __init__(self, real: ActivePolicyFile) -> None:
        super().__init__(real.path)
        self._text = real.load_text()

    def load_text(self) -> str | None:
        return self._text

    def save_text(self, text: str) -> None:
        self._text = text


def _write_denylists(policy_dir: Path, bundle: PolicyBundle) -> list[tuple[Path, bytes | None]]:
    """Each denylist file whose content differs, written atomically; returns what each replaced, to restore."""
    previous: list[tuple[Path, bytes | None]] = []
    try:
        for name, text in bundle.denylists:
            path = policy_dir / name
            if path.parent != policy_dir:  # the policy parser allows plain names only; never write elsewhere
                raise PolicyBundleError(f"The bundle is refused: the denylist name {name!a} is not a plain file name")
            data = text.encode("utf-8")
            try:
                old: bytes | None = path.read_bytes()
            except FileNotFoundError:
                old = None
            if old == data:
                continue
            write_atomic(path, data, mode=0o644)
            previous.append((path, old))
    except OSError as exc:
        _restore(previous)
        raise PolicyBundleError(f"A denylist file could not be written ({exc.strerror or type(exc).__name__}); "
                                "nothing changed") from None
    except BaseException:
        _restore(previous)
        raise
    return previous


def _restore(previous: list[tuple[Path, bytes | None]]) -> None:
    for path, old in reversed(previous):
        if old is None:
            path.unlink(missing_ok=True)
        else:
            write_atomic(path, old, mode=0o644)
