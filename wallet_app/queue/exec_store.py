"""The executing desktop's own conditional statements on the queue tables, in the caller's transaction (next to
`QueueStore`, which the approval side uses): a move that also requires the claim to be this desktop's, a change of
columns that keeps the state, the executor's stored transactions by EOA nonce, and the write lock an execution's
bookkeeping takes first (so that choosing an EOA nonce and storing the transaction that uses it cannot interleave
between two desktops, and SQLite never has to upgrade a read transaction to a write one).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select, text, update

from wallet_app.queue.records import BroadcastRow
from wallet_app.queue.states import require_legal
from wallet_app.queue.store import broadcast_from_row
from wallet_app.storage.schema import queue_broadcasts, queue_items

_I = queue_items.c
_B = queue_broadcasts.c
EXEC_LOCK_KEY = 0x637573746F730065  # "custos\0e": PostgreSQL advisory lock of executions (the audit log has its own)
CLEARED_CLAIM: dict[str, Any] = {"claim_token": None, "claimed_by": None, "claim_expires_at": None}


def take_exec_lock(conn: Connection) -> None:
    """Serialise executions' bookkeeping: PostgreSQL's transaction-level advisory lock; SQLite's write lock taken at
    BEGIN (an IMMEDIATE transaction), which also makes the reads that follow part of the same snapshot."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EXEC_LOCK_KEY})
    elif dialect == "sqlite":
        raw: Any = conn.connection.driver_connection
        if raw is not None and not raw.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def move_claimed(conn: Connection, chain_id: int, safe_tx_hash: str, token: str, new: str, *, at: Any,
                 reason: str = "", **columns: Any) -> bool:
    """claimed -> `new` only while the claim is still `token` (a desktop whose lease was taken over changes nothing)."""
    require_legal("claimed", new)
    result = conn.execute(update(queue_items).where(
        _I.chain_id == chain_id, _I.safe_tx_hash == safe_tx_hash.lower(), _I.state == "claimed",
        _I.claim_token == token,
    ).values(state=new, state_reason=reason[:500], updated_at=at, **columns))
    return result.rowcount == 1


def set_columns(conn: Connection, chain_id: int, safe_tx_hash: str, state: str, *, at: Any, **columns: Any) -> bool:
    """Change columns of an item that is still in `state`, keeping the state (a replacement's transaction hash)."""
    result = conn.execute(update(queue_items).where(
        _I.chain_id == chain_id, _I.safe_tx_hash == safe_tx_hash.lower(), _I.state == state,
    ).values(updated_at=at, **columns))
    return result.rowcount == 1


def executor_rows(conn: Connection | None, engine: Any, chain_id: int, executor: str,
                  eoa_nonce: int | None = None) -> list[BroadcastRow]:
    """The transactions Custos stored for `executor` (at one EOA nonce, or all), oldest first."""
    query = select(queue_broadcasts).where(_B.chain_id == chain_id, _B.executor == executor)
    if eoa_nonce is not None:
        query = query.where(_B.eoa_nonce == eoa_nonce)
    query = query.order_by(_B.id)
    if conn is not None:
        return [broadcast_from_row(r) for r in conn.execute(query).all()]
    with engine.connect() as own:
        return [broadcast_from_row(r) for r in own.execute(query).all()]


def highest_eoa_nonce(conn: Connection, chain_id: int, executor: str) -> int | None:
    value = conn.execute(select(func.max(_B.eoa_nonce)).where(_B.chain_id == chain_id,
                                                               _B.executor == executor)).scalar()
    return None if value is None else int(value)


def rows_with_token(conn: Connection, chain_id: int, safe_tx_hash: str, token: str | None) -> int:
    if token is None:
        return 0
    return int(conn.execute(select(func.count()).select_from(queue_broadcasts).where(
        _B.chain_id == chain_id, _B.safe_tx_hash == safe_tx_hash.lower(), _B.claim_token == token)).scalar() or 0)
