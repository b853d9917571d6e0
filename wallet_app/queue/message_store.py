"""The queue's Safe message rows: reading them, and every change as a statement in the caller's transaction (as
`wallet_app.queue.store` does for transactions: one row per owner, conditional state changes)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from wallet_app.queue.message_records import MessageItem, MessageSignatureRow
from wallet_app.storage.schema import queue_message_signatures, queue_messages

_M = queue_messages.c
_S = queue_message_signatures.c


class MessageStore:
    def __init__(self, engine: Engine, chain_id: int) -> None:
        self._engine = engine
        self._chain_id = chain_id

    @property
    def engine(self) -> Engine:
        return self._engine

    def load_messages(self, conn: Connection | None = None, *, safe: str | None = None,
                      hashes: Collection[str] | None = None) -> list[MessageItem]:
        query = select(queue_messages).where(_M.chain_id == self._chain_id)
        if safe is not None:
            query = query.where(_M.safe == safe)
        if hashes is not None:
            query = query.where(_M.message_hash.in_([h.lower() for h in hashes]))
        items = [MessageItem(
            chain_id=int(r.chain_id), message_hash=str(r.message_hash), safe=str(r.safe), kind=str(r.kind),
            typed_data=str(r.typed_data), attachment=str(r.attachment), proposer=str(r.proposer),
            proposer_signature=str(r.proposer_signature), proposed_at=r.proposed_at, state=str(r.state),
            updated_at=r.updated_at, ready_at=r.ready_at) for r in self._rows(conn, query.order_by(_M.proposed_at))]
        return items

    def load_message(self, message_hash: str, conn: Connection | None = None) -> MessageItem | None:
        found = self.load_messages(conn, hashes=[message_hash])
        return found[0] if found else None

    def load_signatures(self, hashes: Collection[str],
                        conn: Connection | None = None) -> dict[str, list[MessageSignatureRow]]:
        found: dict[str, list[MessageSignatureRow]] = {h.lower(): [] for h in hashes}
        if not found:
            return found
        query = select(queue_message_signatures).where(
            _S.chain_id == self._chain_id, _S.message_hash.in_(list(found))).order_by(_S.added_at, _S.owner)
        for row in self._rows(conn, query):
            found.setdefault(str(row.message_hash), []).append(MessageSignatureRow(
                str(row.message_hash), str(row.owner), str(row.signature), str(row.source), row.added_at,
                str(row.added_by)))
        return found

    def _rows(self, conn: Connection | None, query: Any) -> Sequence[Any]:
        if conn is not None:
            return conn.execute(query).all()
        with self._engine.connect() as own:
            return own.execute(query).all()

    # -- writing (in the caller's transaction) ------------------------------------------------------------------
    def insert_message(self, conn: Connection, *, message_hash: str, safe: str, kind: str, typed_data: str,
                       attachment: str, proposer: str, proposer_signature: str, at: datetime) -> bool:
        """False when the same message is already queued (left as it is)."""
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        inserted = conn.execute(dialect_insert(queue_messages).values(
            chain_id=self._chain_id, message_hash=message_hash.lower(), safe=safe, kind=kind, typed_data=typed_data,
            attachment=attachment, proposer=proposer, proposer_signature=proposer_signature, proposed_at=at,
            state="proposed", updated_at=at,
        ).on_conflict_do_nothing(index_elements=[_M.chain_id, _M.message_hash]).returning(_M.message_hash)).first()
        return inserted is not None

    def lock_message(self, conn: Connection, message_hash: str) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(select(_M.state).where(_M.chain_id == self._chain_id,
                                                _M.message_hash == message_hash.lower()).with_for_update())

    def add_signature(self, conn: Connection, message_hash: str, owner: str, signature: bytes, *, source: str,
                      at: datetime, added_by: str) -> bool:
        """False when that owner already has a row for this message (one row per owner)."""
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        inserted = conn.execute(dialect_insert(queue_message_signatures).values(
            chain_id=self._chain_id, message_hash=message_hash.lower(), owner=owner, signature="0x" + signature.hex(),
            source=source, added_at=at, added_by=added_by,
        ).on_conflict_do_nothing(index_elements=[_S.chain_id, _S.message_hash, _S.owner]).returning(_S.owner)).first()
        return inserted is not None

    def replace_signature(self, conn: Connection, message_hash: str, owner: str, signature: bytes, *, source: str,
                          at: datetime, added_by: str) -> None:
        """Put a verified signature in place of a stored row of that owner that does not verify (tampered)."""
        conn.execute(update(queue_message_signatures).where(
            _S.chain_id == self._chain_id, _S.message_hash == message_hash.lower(), _S.owner == owner,
        ).values(signature="0x" + signature.hex(), source=source, added_at=at, added_by=added_by))

    def set_state(self, conn: Connection, message_hash: str, old: str, new: str, *, at: datetime,
                  ready_at: datetime | None = None) -> bool:
        values: dict[str, Any] = {"state": new, "updated_at": at}
        if ready_at is not None:
            values["ready_at"] = ready_at
        result = conn.execute(update(queue_messages).where(
            _M.chain_id == self._chain_id, _M.message_hash == message_hash.lower(), _M.state == old).values(**values))
        return result.rowcount == 1
