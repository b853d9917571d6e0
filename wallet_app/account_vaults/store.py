"""The rows of the account vaults' approval queue, read as untrusted values: each item's unsigned transaction is
parsed again and hashed, and an item whose bytes do not give its key is quarantined (shown, never signed or sent)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from wallet_app.domain.account_tx import AccountTx, AccountTxError, parse_unsigned
from wallet_app.storage.schema import account_queue_approvals, account_queue_items

PROPOSED, READY, SIGNED, BROADCAST, FINAL, FAILED = "proposed", "ready", "signed", "broadcast", "final", "failed"
OPEN = (PROPOSED, READY)  # still collecting approvals (a ready item may still take more)
LIVE = (PROPOSED, READY, SIGNED, BROADCAST)  # holds its nonce


@dataclass(frozen=True, slots=True)
class ApprovalRow:
    approver: str
    signature: bytes
    policy_digest: str  # 0x + 64 hex, the policy the approver approved under
    added_at: datetime
    added_by: str


@dataclass(frozen=True, slots=True)
class AccountItem:
    chain_id: int
    tx_hash: str  # the row's key: 0x + 64 lowercase hex, as stored
    vault: str
    nonce: int
    tx: AccountTx | None  # parsed from the stored bytes; None when they do not parse
    proposer: str
    proposer_signature: str
    proposed_at: datetime
    state: str
    state_reason: str
    updated_at: datetime
    signed_tx: bytes | None = None
    sent_tx_hash: str | None = None
    mined_block: int | None = None
    mined_block_hash: str | None = None
    outcome: str | None = None
    final_at: datetime | None = None

    @property
    def quarantined(self) -> str:
        """Why the row cannot be trusted ("" when it can)."""
        if self.tx is None:
            return "its stored transaction does not parse as an EIP-1559 transaction"
        if "0x" + self.tx.signing_hash().hex() != self.tx_hash.lower():
            return "its stored transaction does not hash to its key: the row was altered"
        if self.tx.nonce != self.nonce or self.tx.chain_id != self.chain_id:
            return "its nonce or chain differs from its stored transaction's"
        return ""


class AccountQueueStore:
    def __init__(self, engine: Engine, chain_id: int) -> None:
        self.engine = engine
        self.chain_id = chain_id

    def insert_item(self, conn: Connection, tx: AccountTx, *, vault: str, proposer: str, proposer_signature: str,
                    at: datetime) -> bool:
        """Queue `tx`; False (nothing changed) when the same transaction is queued already."""
        key = "0x" + tx.signing_hash().hex()
        if conn.execute(select(account_queue_items.c.tx_hash).where(*self._key(key))).first() is not None:
            return False
        conn.execute(insert(account_queue_items).values(
            chain_id=self.chain_id, tx_hash=key, vault=vault, nonce=str(tx.nonce),
            unsigned_tx="0x" + tx.unsigned_bytes().hex(), proposer=proposer, proposer_signature=proposer_signature,
            proposed_at=at, state=PROPOSED, state_reason="", updated_at=at))
        return True

    def load_items(self, vault: str | None = None) -> list[AccountItem]:
        query = select(account_queue_items).where(account_queue_items.c.chain_id == self.chain_id)
        if vault is not None:
            query = query.where(account_queue_items.c.vault == vault)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(account_queue_items.c.proposed_at)).all()
        return [_item(row) for row in rows]

    def load_item(self, tx_hash: str, conn: Connection | None = None) -> AccountItem | None:
        query = select(account_queue_items).where(*self._key(tx_hash))
        if conn is not None:
            row = conn.execute(query).first()
        else:
            with self.engine.connect() as own:
                row = own.execute(query).first()
        return None if row is None else _item(row)

    def load_approvals(self, tx_hashes: Iterable[str], conn: Connection | None = None) -> dict[str, list[ApprovalRow]]:
        keys = list(tx_hashes)
        out: dict[str, list[ApprovalRow]] = {k: [] for k in keys}
        if not keys:
            return out
        query = select(account_queue_approvals).where(account_queue_approvals.c.chain_id == self.chain_id,
                                                      account_queue_approvals.c.tx_hash.in_(keys))
        if conn is not None:
            rows = conn.execute(query.order_by(account_queue_approvals.c.added_at)).all()
        else:
            with self.engine.connect() as own:
                rows = own.execute(query.order_by(account_queue_approvals.c.added_at)).all()
        for row in rows:
            out[row.tx_hash].append(ApprovalRow(row.approver, _hex_bytes(row.signature), row.policy_digest,
                                                _aware(row.added_at), row.added_by))
        return out

    def add_approval(self, conn: Connection, tx_hash: str, approver: str, signature: bytes, *, policy_digest: str,
                     at: datetime, added_by: str) -> bool:
        """Store `approver`'s approval; False (nothing changed) when that approver's row is there already."""
        exists = conn.execute(select(account_queue_approvals.c.approver).where(
            *self._approval_key(tx_hash, approver))).first()
        if exists is not None:
            return False
        conn.execute(insert(account_queue_approvals).values(
            chain_id=self.chain_id, tx_hash=tx_hash, approver=approver, signature="0x" + signature.hex(),
            policy_digest=policy_digest, added_at=at, added_by=added_by))
        return True

    def move(self, conn: Connection, tx_hash: str, from_state: str, to_state: str, *, at: datetime,
             reason: str = "", **values: Any) -> bool:
        """Change the item's state only if it is still `from_state` (another desktop may have moved it)."""
        done = conn.execute(update(account_queue_items).where(
            *self._key(tx_hash), account_queue_items.c.state == from_state).values(
            state=to_state, state_reason=reason, updated_at=at, **values))
        return bool(done.rowcount)

    def lock_item(self, conn: Connection, tx_hash: str) -> None:
        """Serialise writers of one item (PostgreSQL row lock; SQLite serialises whole transactions)."""
        if conn.dialect.name == "postgresql":
            conn.execute(select(account_queue_items.c.tx_hash).where(*self._key(tx_hash)).with_for_update())

    def _key(self, tx_hash: str) -> tuple[Any, ...]:
        return account_queue_items.c.chain_id == self.chain_id, account_queue_items.c.tx_hash == tx_hash

    def _approval_key(self, tx_hash: str, approver: str) -> tuple[Any, ...]:
        return (account_queue_approvals.c.chain_id == self.chain_id, account_queue_approvals.c.tx_hash == tx_hash,
                account_queue_approvals.c.approver == approver)


def _item(row: Any) -> AccountItem:
    try:
        tx: AccountTx | None = parse_unsigned(_hex_bytes(row.unsigned_tx))
    except (AccountTxError, ValueError):
        tx = None
    try:
        nonce = int(row.nonce)
    except ValueError:
        nonce = -1
    return AccountItem(
        chain_id=int(row.chain_id), tx_hash=row.tx_hash, vault=row.vault, nonce=nonce, tx=tx, proposer=row.proposer,
        proposer_signature=row.proposer_signature, proposed_at=_aware(row.proposed_at), state=row.state,
        state_reason=row.state_reason, updated_at=_aware(row.updated_at),
        signed_tx=_hex_bytes(row.signed_tx) if row.signed_tx else None, sent_tx_hash=row.sent_tx_hash,
        mined_block=row.mined_block, mined_block_hash=row.mined_block_hash, outcome=row.outcome,
        final_at=_aware(row.final_at) if row.final_at is not None else None)


def _hex_bytes(text: str) -> bytes:
    try:
        return bytes.fromhex(str(text).removeprefix("0x"))
    except ValueError:
        return b""


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
