"""The signing journal (SECURITY SC-7, A11; issue "Parts that must hold" 4).

Every signature Custos is asked for is a row of `signing_journal`, written and committed before the signer is
asked: requested -> released (the signature left the signer) or failed (the signer was asked and did not answer
cleanly: a signature may exist all the same, so it still counts). `aborted` marks a request that certainly produced
nothing (the key was locked before anything was signed). `incident` rows record a refused or aborted request.

The rule (the WazirX and Radiant pattern): once a signer has a requested, released or failed row at a (chain,
vault, nonce), a request to sign another digest there is refused with `SigningBlocked` and recorded as an incident;
the way out is burning the nonce with a rejection (to = the vault, nothing else), which may be signed beside one
transaction at its nonce. Asking again for the same digest is a retry and gets the same ticket.

Two requests racing at one nonce are serialised: `BEGIN IMMEDIATE` on SQLite, a transaction-scoped advisory lock
on (chain, signer, vault, nonce) on PostgreSQL (the schema has no unique index to lean on: it keeps every request).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eth_hash.auto import keccak
from sqlalchemy import Connection, Engine, Row, select, text, update
from sqlalchemy.exc import DBAPIError

from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import StorageError, WalletError
from wallet_app.storage.schema import signing_journal, vaults

REQUESTED = "requested"
RELEASED = "released"
FAILED = "failed"
ABORTED = "aborted"
INCIDENT = "incident"
BLOCKING_STATES = (REQUESTED, RELEASED, FAILED)  # a signature may exist for each of these

KIND_SAFE_TX = "safe_tx"
KIND_SAFE_REJECTION = "safe_rejection"
KIND_SAFE_MESSAGE = "safe_message"  # a SafeMessage hash (no nonce): a statement a vault vouches for

INCIDENT_SECOND_DIGEST = "second_digest_at_nonce"
INCIDENT_DISPLAY_MISMATCH = "display_mismatch"


class SigningBlocked(WalletError):
    """A second, different digest at a nonce this signer already signed (or was asked to sign): refused (A11)."""

    code = "signing_blocked"

    def __init__(self, user_message: str, *, chain_id: int, signer: str, safe: str, nonce: int,
                 first_digest: bytes, blocked_digest: bytes, incident_id: int, detail: str | None = None) -> None:
        super().__init__(user_message, detail=detail)
        self.chain_id = chain_id
        self.signer = signer
        self.safe = safe
        self.nonce = nonce
        self.first_digest = first_digest
        self.blocked_digest = blocked_digest
        self.incident_id = incident_id


@dataclass(frozen=True, slots=True)
class JournalTicket:
    id: int
    chain_id: int
    signer: str
    kind: str
    digest: bytes
    safe: str | None
    nonce: int | None
    fresh: bool  # False: a retry of a request already journaled (it may have been signed before)


@dataclass(frozen=True, slots=True)
class JournalEntry:
    id: int
    chain_id: int
    signer: str
    kind: str
    safe: str | None
    nonce: int | None
    digest: bytes
    requested_at: datetime
    state: str
    detail: dict[str, Any]


def _digest_hex(digest: bytes | str) -> str:
    if isinstance(digest, str):
        text_ = digest.strip().lower().removeprefix("0x")
        try:
            raw = bytes.fromhex(text_)
        except ValueError:
            raise ValueError("a digest is 32 bytes (64 hex digits)") from None
    else:
        raw = bytes(digest)
    if len(raw) != 32:
        raise ValueError("a digest is 32 bytes")
    return "0x" + raw.hex()


def _nonce_text(nonce: int | None) -> str | None:
    if nonce is None:
        return None
    if isinstance(nonce, bool) or not isinstance(nonce, int) or not 0 <= nonce < 2**256:
        raise ValueError("a nonce is an integer from 0 to 2**256 - 1")
    return str(nonce)


def _entry(row: Row[Any]) -> JournalEntry:
    try:
        detail = json.loads(row.detail) if row.detail else {}
    except ValueError:
        detail = {"text": row.detail}
    return JournalEntry(
        id=int(row.id), chain_id=int(row.chain_id), signer=str(row.signer), kind=str(row.kind),
        safe=row.safe, nonce=None if row.nonce is None else int(row.nonce), digest=bytes.fromhex(row.digest[2:]),
        requested_at=row.requested_at, state=str(row.state), detail=detail if isinstance(detail, dict) else {},
    )


def _conflicts(new_kind: str, old_kind: str) -> bool:
    """A rejection (burning the nonce) may stand beside one transaction at its nonce; anything else may not."""
    return (new_kind == KIND_SAFE_REJECTION) == (old_kind == KIND_SAFE_REJECTION)


class SigningJournal:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- writing ---------------------------------------------------------------------------------------------
    @contextmanager
    def _serialized(self, lock_key: str | None = None) -> Iterator[Connection]:
        """One write transaction that no other request for the same key can interleave with."""
        dialect = self._engine.dialect.name
        try:
            with self._engine.connect() as conn:
                if dialect == "sqlite":
                    conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock before reading
                elif dialect == "postgresql":
                    conn = conn.execution_options(isolation_level="READ COMMITTED")
                    if lock_key is not None:
                        key = int.from_bytes(keccak(lock_key.encode("utf-8"))[:8], "big", signed=True)
                        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
                try:
                    yield conn
                except BaseException:
                    conn.rollback()
                    raise
                conn.commit()
        except DBAPIError as exc:
            raise StorageError(
                "The signing journal could not be written, so nothing was signed "
                f"({exc.orig.__class__.__name__ if exc.orig is not None else 'database error'})"
            ) from None

    def record_request(
        self,
        chain_id: int,
        signer: str,
        kind: str,
        digest: bytes | str,
        safe: str | None = None,
        nonce: int | None = None,
    ) -> JournalTicket:
        """Journal a request to sign `digest` and commit it; call before the signer is asked. Raises SigningBlocked
        (after committing an incident row) for another digest at a (chain, vault, nonce) this signer already has."""
        signer = to_checksum(signer)
        safe = to_checksum(safe) if safe is not None else None
        digest_hex = _digest_hex(digest)
        nonce_text = _nonce_text(nonce)
        if not kind or len(kind) > 24:
            raise ValueError("a journal kind has 1 to 24 characters")
        blocked: SigningBlocked | None = None
        ticket: JournalTicket | None = None
        with self._serialized(f"{chain_id}|{signer}|{safe}|{nonce_text}") as conn:
            t = signing_journal.c
            rows = conn.execute(
                select(signing_journal).where(
                    t.chain_id == chain_id, t.signer == signer, t.safe == safe, t.nonce == nonce_text,
                    t.state.in_(BLOCKING_STATES),
                ).order_by(t.id)
            ).all()
            same = [r for r in rows if r.digest == digest_hex and r.kind == kind]
            conflicting = [r for r in rows if r.digest != digest_hex and _conflicts(kind, r.kind)]
            if same:
                row = same[0]
                ticket = JournalTicket(int(row.id), chain_id, signer, kind, bytes.fromhex(digest_hex[2:]), safe,
                                       nonce, fresh=False)
            elif conflicting and safe is not None and nonce is not None:
                first = conflicting[0]
                label = conn.execute(
                    select(vaults.c.label).where(vaults.c.chain_id == chain_id, vaults.c.address == safe)
                ).scalar()
                incident_id = self._insert(conn, chain_id, signer, kind, digest_hex, safe, nonce_text, INCIDENT, {
                    "incident": INCIDENT_SECOND_DIGEST, "conflicts_with": int(first.id),
                    "first_digest": first.digest, "first_state": first.state,
                    "offer": "burn the nonce with a rejection",
                })
                vault = f"{label} ({safe})" if label else f"the vault {safe}"
                blocked = SigningBlocked(
                    f"You already signed another transaction at nonce {nonce} of {vault}: signing a second one at "
                    "the same nonce is how attackers harvest signatures (WazirX, Radiant). Custos refuses; if the "
                    "first is abandoned, burn the nonce with a rejection.",
                    chain_id=chain_id, signer=signer, safe=safe, nonce=nonce,
                    first_digest=bytes.fromhex(first.digest[2:]), blocked_digest=bytes.fromhex(digest_hex[2:]),
                    incident_id=incident_id,
                    detail=f"journal row {first.id} ({first.state}) holds {first.digest}; refused {digest_hex}",
                )
            else:
                row_id = self._insert(conn, chain_id, signer, kind, digest_hex, safe, nonce_text, REQUESTED, {})
                ticket = JournalTicket(row_id, chain_id, signer, kind, bytes.fromhex(digest_hex[2:]), safe, nonce,
                                       fresh=True)
        if blocked is not None:
            raise blocked  # after the incident row is committed
        assert ticket is not None
        return ticket

    def record_incident(
        self,
        chain_id: int,
        signer: str,
        kind: str,
        digest: bytes | str,
        incident: str,
        *,
        safe: str | None = None,
        nonce: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> int:
        """An incident row (nothing was signed), committed; returns its id."""
        signer = to_checksum(signer)
        safe = to_checksum(safe) if safe is not None else None
        with self._serialized() as conn:
            return self._insert(conn, chain_id, signer, kind, _digest_hex(digest), safe, _nonce_text(nonce),
                                INCIDENT, {"incident": incident, **(detail or {})})

    def mark_released(self, ticket: JournalTicket) -> None:
        """The signature left the signer."""
        with self._serialized() as conn:
            done = conn.execute(
                update(signing_journal).where(signing_journal.c.id == ticket.id,
                                              signing_journal.c.state.in_(BLOCKING_STATES))
                .values(state=RELEASED)
            ).rowcount
        if done != 1:
            raise StorageError(f"Signing journal row {ticket.id} is missing or was not a signing request")

    def mark_failed(self, ticket: JournalTicket, reason: str, *, signature_possible: bool = True) -> None:
        """The signer did not hand back a usable signature. Unless it certainly signed nothing (a locked key, and
        only on a fresh request), the row keeps blocking other digests at its nonce: the device may have signed."""
        new_state = ABORTED if not signature_possible and ticket.fresh else FAILED
        with self._serialized() as conn:
            conn.execute(
                update(signing_journal).where(signing_journal.c.id == ticket.id,
                                              signing_journal.c.state == REQUESTED)
                .values(state=new_state, detail=json.dumps({"reason": reason[:500]}, sort_keys=True))
            )

    @staticmethod
    def _insert(conn: Connection, chain_id: int, signer: str, kind: str, digest_hex: str, safe: str | None,
                nonce_text: str | None, state: str, detail: dict[str, Any]) -> int:
        result = conn.execute(signing_journal.insert().values(
            chain_id=chain_id, signer=signer, kind=kind, safe=safe, nonce=nonce_text, digest=digest_hex,
            requested_at=datetime.now(UTC), state=state,
            detail=json.dumps(detail, sort_keys=True) if detail else "",
        ))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    # -- reading ---------------------------------------------------------------------------------------------
    def entries(self, *, chain_id: int | None = None, safe: str | None = None, nonce: int | None = None,
                signer: str | None = None, state: str | None = None) -> list[JournalEntry]:
        t = signing_journal.c
        query = select(signing_journal).order_by(t.id)
        if chain_id is not None:
            query = query.where(t.chain_id == chain_id)
        if safe is not None:
            query = query.where(t.safe == to_checksum(safe))
        if nonce is not None:
            query = query.where(t.nonce == _nonce_text(nonce))
        if signer is not None:
            query = query.where(t.signer == to_checksum(signer))
        if state is not None:
            query = query.where(t.state == state)
        with self._engine.connect() as conn:
            return [_entry(r) for r in conn.execute(query).all()]

    def incidents(self, *, chain_id: int | None = None, safe: str | None = None) -> list[JournalEntry]:
        """Refused or aborted requests; the approval queue offers a rejection for each blocked nonce."""
        return self.entries(chain_id=chain_id, safe=safe, state=INCIDENT)

    def signed_at(self, chain_id: int, signer: str, safe: str, nonce: int) -> list[JournalEntry]:
        """What this signer signed, or may have signed, at a vault's nonce."""
        return [e for e in self.entries(chain_id=chain_id, safe=safe, nonce=nonce, signer=signer)
                if e.state in BLOCKING_STATES]
