"""The queue's rows: reading them, and every change as a conditional statement in the caller's transaction.

The service runs each change and its audit entry in one transaction (`run_in_transaction`, retried on 40001/40P01).
State changes are conditional (`WHERE state IN (...)`): a desktop that read an old state changes nothing and learns
so from the row count, which is how two desktops never both claim one item (G7)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from wallet_app.domain.safe_tx import SafeTx, compute_hashes
from wallet_app.queue.records import BroadcastRow, QueueItem, SignatureRow, safe_tx_from_row, safe_tx_to_row
from wallet_app.queue.states import require_legal
from wallet_app.storage.schema import queue_broadcasts, queue_items, queue_signatures

_I = queue_items.c
_S = queue_signatures.c
_B = queue_broadcasts.c


class UnreadableRow(ValueError):
    """A queue row whose fields cannot be a Safe transaction (edited in the database)."""

    def __init__(self, safe_tx_hash: str, reason: str) -> None:
        super().__init__(reason)
        self.safe_tx_hash = safe_tx_hash
        self.reason = reason


def hash_text(tx: SafeTx) -> str:
    return "0x" + compute_hashes(tx).safe_tx_hash.hex()


class QueueStore:
    def __init__(self, engine: Engine, chain_id: int) -> None:
        self._engine = engine
        self._chain_id = chain_id

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def chain_id(self) -> int:
        return self._chain_id

    # -- reading ----------------------------------------------------------------------------------------------
    def load_items(self, conn: Connection | None = None, *, safe: str | None = None,
                   hashes: Collection[str] | None = None) -> tuple[list[QueueItem], list[UnreadableRow]]:
        """Items of the chain (optionally of one vault or some hashes), oldest nonce first, and the rows that are
        not transactions at all."""
        query = select(queue_items).where(_I.chain_id == self._chain_id)
        if safe is not None:
            query = query.where(_I.safe == safe)
        if hashes is not None:
            query = query.where(_I.safe_tx_hash.in_([h.lower() for h in hashes]))
        rows = self._rows(conn, query)
        items: list[QueueItem] = []
        broken: list[UnreadableRow] = []
        for row in rows:
            try:
                items.append(item_from_row(row))
            except (ValueError, TypeError) as exc:
                broken.append(UnreadableRow(str(row.safe_tx_hash), f"{exc}"[:200]))
        items.sort(key=lambda i: (i.safe, i.nonce, i.proposed_at, i.safe_tx_hash))
        return items, broken

    def load_item(self, safe_tx_hash: str, conn: Connection | None = None) -> QueueItem | None:
        items, broken = self.load_items(conn, hashes=[safe_tx_hash])
        if broken:
            raise broken[0]
        return items[0] if items else None

    def load_signatures(self, hashes: Collection[str], conn: Connection | None = None) -> dict[str, list[SignatureRow]]:
        found: dict[str, list[SignatureRow]] = {h.lower(): [] for h in hashes}
        if not found:
            return found
        query = select(queue_signatures).where(_S.chain_id == self._chain_id,
                                               _S.safe_tx_hash.in_(list(found))).order_by(_S.added_at, _S.owner)
        for row in self._rows(conn, query):
            found.setdefault(str(row.safe_tx_hash), []).append(SignatureRow(
                str(row.safe_tx_hash), str(row.owner), str(row.signature), str(row.source), row.added_at,
                str(row.added_by)))
        return found

    def live_transactions(self, safe: str, exclude_safe_tx_hash: bytes) -> list[SafeTx]:
        """The vault's queued transactions that may still execute (not closed), except one: for velocity limits.
        Rows that fail verification (fields not hashing to their key, a proposal record not signed by its proposer)
        can never be approved or executed, so they are left out."""
        from wallet_app.queue.records import proposal_signer
        from wallet_app.queue.states import CLOSED

        skip = "0x" + exclude_safe_tx_hash.hex()
        items, _broken = self.load_items(safe=safe)
        return [i.safe_tx for i in items
                if i.state not in CLOSED and i.safe_tx_hash != skip and i.fields_match
                and (proposal_signer(i) or "").lower() == i.proposer.lower()]

    def load_broadcasts(self, safe_tx_hash: str | None = None, conn: Connection | None = None) -> list[BroadcastRow]:
        query = select(queue_broadcasts).where(_B.chain_id == self._chain_id)
        if safe_tx_hash is not None:
            query = query.where(_B.safe_tx_hash == safe_tx_hash.lower())
        return [broadcast_from_row(r) for r in self._rows(conn, query.order_by(_B.id))]

    def _rows(self, conn: Connection | None, query: Any) -> Sequence[Any]:
        if conn is not None:
            return conn.execute(query).all()
        with self._engine.connect() as own:
            return own.execute(query).all()

    # -- writing (in the caller's transaction) ------------------------------------------------------------------
    def insert_item(self, conn: Connection, tx: SafeTx, *, proposer: str, proposer_signature: str, at: datetime,
                    state: str) -> bool:
        """Insert a proposal; False when an identical one (same fields, same hash) is already queued, which is left
        as it is. Two desktops inserting it at once: the second waits for the first and then does nothing."""
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        inserted = conn.execute(dialect_insert(queue_items).values(
            chain_id=self._chain_id, safe_tx_hash=hash_text(tx), **safe_tx_to_row(tx), proposer=proposer,
            proposer_signature=proposer_signature, proposed_at=at, state=state, state_reason="", updated_at=at,
        ).on_conflict_do_nothing(index_elements=[_I.chain_id, _I.safe_tx_hash]).returning(_I.safe_tx_hash)).first()
        return inserted is not None

    def add_signature(self, conn: Connection, safe_tx_hash: str, owner: str, signature: bytes, *, source: str,
                      at: datetime, added_by: str) -> bool:
        """Store an owner's signature; False when that owner already has one for this item (J1: one row per owner;
        the same signature again is an idempotent success, another one is left out). Two desktops storing the same
        owner's row at once: the second's insert waits for the first and then does nothing (ON CONFLICT DO NOTHING),
        where a plain insert would fail with a unique violation that no retry could cure."""
        key = safe_tx_hash.lower()
        existing = conn.execute(select(_S.signature).where(
            _S.chain_id == self._chain_id, _S.safe_tx_hash == key, _S.owner == owner)).first()
        if existing is not None:
            return False
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        inserted = conn.execute(dialect_insert(queue_signatures).values(
            chain_id=self._chain_id, safe_tx_hash=key, owner=owner, signature="0x" + signature.hex(), source=source,
            added_at=at, added_by=added_by,
        ).on_conflict_do_nothing(index_elements=[_S.chain_id, _S.safe_tx_hash, _S.owner]).returning(_S.owner)).first()
        return inserted is not None  # (rowcount is -1 for an INSERT through psycopg here; RETURNING tells)

    def lock_item(self, conn: Connection, safe_tx_hash: str) -> None:
        """Serialise changes to one item across desktops for the rest of the transaction (PostgreSQL: the row is
        locked; SQLite has one writer at a time and reads after its first write see every commit before it)."""
        if conn.dialect.name == "postgresql":
            conn.execute(select(_I.state).where(_I.chain_id == self._chain_id,
                                                _I.safe_tx_hash == safe_tx_hash.lower()).with_for_update())

    def replace_signature(self, conn: Connection, safe_tx_hash: str, owner: str, signature: bytes, *, source: str,
                          at: datetime, added_by: str) -> None:
        """Put a verified signature in place of a stored row of that owner that does not verify (tampered, J2)."""
        conn.execute(update(queue_signatures).where(
            _S.chain_id == self._chain_id, _S.safe_tx_hash == safe_tx_hash.lower(), _S.owner == owner,
        ).values(signature="0x" + signature.hex(), source=source, added_at=at, added_by=added_by))

    def move(self, conn: Connection, safe_tx_hash: str, old: str, new: str, *, at: datetime, reason: str = "",
             **columns: Any) -> bool:
        """Change the item's state from `old` to `new` (and other columns) if it is still `old`; False otherwise."""
        require_legal(old, new)
        result = conn.execute(update(queue_items).where(
            _I.chain_id == self._chain_id, _I.safe_tx_hash == safe_tx_hash.lower(), _I.state == old,
        ).values(state=new, state_reason=reason[:500], updated_at=at, **columns))
        return result.rowcount == 1

    def claim(self, conn: Connection, safe_tx_hash: str, *, token: str, by: str, at: datetime,
              expires: datetime, from_states: Sequence[str]) -> bool:
        """The conditional claim (G7): this desktop takes the item if it is in one of `from_states` and nobody holds
        a live claim on it. One statement, so exactly one of two racing desktops gets rowcount 1."""
        for old in from_states:
            require_legal(old, "claimed")
        result = conn.execute(update(queue_items).where(
            _I.chain_id == self._chain_id, _I.safe_tx_hash == safe_tx_hash.lower(), _I.state.in_(list(from_states)),
            or_(_I.state != "claimed", _I.claim_expires_at < at),
        ).values(state="claimed", state_reason="", updated_at=at, claim_token=token, claimed_by=by,
                 claim_expires_at=expires))
        return result.rowcount == 1

    def insert_broadcast(self, conn: Connection, safe_tx_hash: str, *, executor: str, eoa_nonce: int, raw_tx: bytes,
                         tx_hash: str, gas: int, max_fee_per_gas: int, max_priority_fee_per_gas: int,
                         claim_token: str, at: datetime, replaces: int | None = None) -> int:
        result = conn.execute(insert(queue_broadcasts).values(
            chain_id=self._chain_id, safe_tx_hash=safe_tx_hash.lower(), executor=executor, eoa_nonce=eoa_nonce,
            raw_tx="0x" + raw_tx.hex(), tx_hash=tx_hash.lower(), gas=gas, max_fee_per_gas=str(max_fee_per_gas),
            max_priority_fee_per_gas=str(max_priority_fee_per_gas), replaces=replaces, claim_token=claim_token,
            created_at=at, sent_at=None))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def mark_sent(self, conn: Connection, broadcast_id: int, at: datetime) -> None:
        conn.execute(update(queue_broadcasts).where(_B.id == broadcast_id, _B.sent_at.is_(None)).values(sent_at=at))


def item_from_row(row: Any) -> QueueItem:
    return QueueItem(
        chain_id=int(row.chain_id), safe_tx_hash=str(row.safe_tx_hash), safe_tx=safe_tx_from_row(row),
        proposer=str(row.proposer), proposer_signature=str(row.proposer_signature), proposed_at=row.proposed_at,
        state=str(row.state), state_reason=str(row.state_reason or ""), updated_at=row.updated_at,
        ready_at=row.ready_at, claim_token=row.claim_token, claimed_by=row.claimed_by,
        claim_expires_at=row.claim_expires_at, executor=row.executor, exec_tx_hash=row.exec_tx_hash,
        mined_block=None if row.mined_block is None else int(row.mined_block), mined_block_hash=row.mined_block_hash,
        outcome=row.outcome, final_at=row.final_at,
    )


def broadcast_from_row(row: Any) -> BroadcastRow:
    return BroadcastRow(
        id=int(row.id), safe_tx_hash=str(row.safe_tx_hash), executor=str(row.executor), eoa_nonce=int(row.eoa_nonce),
        raw_tx=bytes.fromhex(str(row.raw_tx).removeprefix("0x")), tx_hash=str(row.tx_hash), gas=int(row.gas),
        max_fee_per_gas=int(row.max_fee_per_gas), max_priority_fee_per_gas=int(row.max_priority_fee_per_gas),
        replaces=None if row.replaces is None else int(row.replaces), claim_token=str(row.claim_token),
        created_at=row.created_at, sent_at=row.sent_at,
    )
