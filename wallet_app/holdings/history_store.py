"""The history tables of the profile database: indexed transfers, per-token progress, and block hashes read.

Every change is one transaction, so a crash between two ranges leaves the index consistent: the transfers of a range
are never stored without the progress (`history_index_state`) that says they were read, nor the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, func, insert, or_, select, update

from wallet_app.holdings.history_decode import DecodedTransfer
from wallet_app.storage.schema import history_blocks, history_index_state, transfers


class BlockHashChanged(Exception):
    """A block already recorded has another hash now: the chain reorganised while the index was read."""


@dataclass(frozen=True, slots=True)
class IndexState:
    token: str
    last_block: int
    last_hash: bytes
    accounts_digest: str


@dataclass(frozen=True, slots=True)
class StoredTransfer:
    tx_hash: bytes
    log_index: int
    batch_index: int
    block_number: int
    block_hash: bytes
    block_time: int
    token: str
    standard: str
    token_id: int | None
    sender: str
    receiver: str
    amount: int


def _hex(raw: bytes) -> str:
    return "0x" + raw.hex()


def _raw(text: str) -> bytes:
    return bytes.fromhex(text[2:]) if text.startswith("0x") else bytes.fromhex(text)


class HistoryStore:
    def __init__(self, *, engine: Engine, chain_id: int) -> None:
        self._engine = engine
        self._chain_id = chain_id

    def load_state(self, token: str) -> IndexState | None:
        query = select(history_index_state).where(history_index_state.c.chain_id == self._chain_id,
                                                  history_index_state.c.token == token)
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return IndexState(str(row.token), int(row.last_block), _raw(str(row.last_hash)), str(row.accounts_digest))

    def reset_token(self, token: str) -> None:
        """Forget what was read of `token` (its set of accounts changed): it is read again from the start."""
        with self._engine.begin() as conn:
            conn.execute(delete(transfers).where(transfers.c.chain_id == self._chain_id, transfers.c.token == token))
            conn.execute(delete(history_index_state).where(history_index_state.c.chain_id == self._chain_id,
                                                           history_index_state.c.token == token))

    def load_recent_blocks(self) -> list[tuple[int, bytes]]:
        """Recorded (number, hash) pairs, newest first."""
        query = (select(history_blocks.c.block_number, history_blocks.c.block_hash)
                 .where(history_blocks.c.chain_id == self._chain_id)
                 .order_by(history_blocks.c.block_number.desc()))
        with self._engine.connect() as conn:
            return [(int(r.block_number), _raw(str(r.block_hash))) for r in conn.execute(query)]

    def rewind(self, first_bad: int, kept: tuple[int, bytes] | None) -> None:
        """Drop everything read from block `first_bad` on; progress beyond it goes back to `kept` (the newest
        recorded block that still matches the chain), or to nothing."""
        c = self._chain_id
        with self._engine.begin() as conn:
            conn.execute(delete(transfers).where(transfers.c.chain_id == c, transfers.c.block_number >= first_bad))
            conn.execute(delete(history_blocks).where(history_blocks.c.chain_id == c,
                                                      history_blocks.c.block_number >= first_bad))
            beyond = (history_index_state.c.chain_id == c) & (history_index_state.c.last_block >= first_bad)
            if kept is None:
                conn.execute(delete(history_index_state).where(beyond))
            else:
                conn.execute(update(history_index_state).where(beyond)
                             .values(last_block=kept[0], last_hash=_hex(kept[1])))

    def commit_range(self, token: str, found: list[tuple[DecodedTransfer, bytes, int]],
                     blocks: dict[int, bytes], last: tuple[int, bytes], accounts_digest: str) -> None:
        """Store the transfers of one range (each with its block hash and time), the hashes of the blocks read, and
        the token's new progress, in one transaction. Raises BlockHashChanged when a block is already recorded with
        another hash (nothing is stored then)."""
        with self._engine.begin() as conn:
            self._record_blocks(conn, {**blocks, last[0]: last[1]})
            if found:
                conn.execute(insert(transfers), [self._transfer_row(t, h, ts) for t, h, ts in found])
            values = {"last_block": last[0], "last_hash": _hex(last[1]), "accounts_digest": accounts_digest}
            where = (history_index_state.c.chain_id == self._chain_id) & (history_index_state.c.token == token)
            if conn.execute(update(history_index_state).where(where).values(**values)).rowcount == 0:
                conn.execute(insert(history_index_state).values(chain_id=self._chain_id, token=token, **values))

    def _record_blocks(self, conn: Connection, blocks: dict[int, bytes]) -> None:
        if not blocks:
            return
        query = select(history_blocks.c.block_number, history_blocks.c.block_hash).where(
            history_blocks.c.chain_id == self._chain_id, history_blocks.c.block_number.in_(list(blocks)))
        known = {int(r.block_number): _raw(str(r.block_hash)) for r in conn.execute(query)}
        for number, block_hash in known.items():
            if blocks[number] != block_hash:
                raise BlockHashChanged(f"block {number} changed its hash")
        new = [{"chain_id": self._chain_id, "block_number": n, "block_hash": _hex(h)}
               for n, h in sorted(blocks.items()) if n not in known]
        if new:
            conn.execute(insert(history_blocks), new)

    def _transfer_row(self, t: DecodedTransfer, block_hash: bytes, block_time: int) -> dict[str, object]:
        return {"chain_id": self._chain_id, "tx_hash": _hex(t.tx_hash), "log_index": t.log_index,
                "batch_index": t.batch_index, "block_number": t.block_number, "block_hash": _hex(block_hash),
                "token": t.token, "standard": t.standard.value,
                "token_id": None if t.token_id is None else str(t.token_id),
                "from_address": t.sender, "to_address": t.receiver, "amount": str(t.amount), "block_time": block_time}

    def load_first_block(self) -> int | None:
        """The lowest block holding an indexed transfer, or None when nothing is indexed."""
        query = select(func.min(transfers.c.block_number)).where(transfers.c.chain_id == self._chain_id)
        with self._engine.connect() as conn:
            first = conn.execute(query).scalar()
        return None if first is None else int(first)

    def load_transfers(self, account: str | None = None) -> list[StoredTransfer]:
        """Stored transfers (of `account`, sent or received, when given), newest first."""
        query = select(transfers).where(transfers.c.chain_id == self._chain_id)
        if account is not None:
            query = query.where(or_(transfers.c.from_address == account, transfers.c.to_address == account))
        query = query.order_by(transfers.c.block_number.desc(), transfers.c.log_index.desc(),
                               transfers.c.batch_index.desc())
        with self._engine.connect() as conn:
            rows = list(conn.execute(query))
        return [StoredTransfer(tx_hash=_raw(str(r.tx_hash)), log_index=int(r.log_index),
                               batch_index=int(r.batch_index), block_number=int(r.block_number),
                               block_hash=_raw(str(r.block_hash)), block_time=int(r.block_time), token=str(r.token),
                               standard=str(r.standard), token_id=None if r.token_id is None else int(r.token_id),
                               sender=str(r.from_address), receiver=str(r.to_address), amount=int(r.amount))
                for r in rows]
