"""A mined executor transaction followed to its end (G4, G6): the Safe's ExecutionSuccess or ExecutionFailure read
from the receipt, confirmations counted, a reorganisation sent back to broadcast with the same bytes, a reverted
executor transaction made ready again."""

from __future__ import annotations

from sqlalchemy import Connection

from wallet_app.chain.client import Receipt
from wallet_app.domain.hex_text import hex_text
from wallet_app.faults import faultpoint
from wallet_app.queue.exec_store import (
    CLEARED_CLAIM,
    take_exec_lock,
)
from wallet_app.queue.exec_tx import (
    SUCCESS,
    execution_outcome,
)
from wallet_app.queue.follow_base import (
    SENT_STATES,
    Actor,
    FollowSteps,
    Progress,
    hash_bytes,
    label,
)
from wallet_app.queue.records import BroadcastRow, QueueItem
from wallet_app.queue.states import (
    BROADCAST,
    FAILED,
    FINAL,
    MINED,
    READY,
    STALE,
)
from wallet_app.storage.retry import run_in_transaction


class MinedSteps(FollowSteps):
    def record_receipt(self, item: QueueItem, row: BroadcastRow, receipt: Receipt, actor: Actor,
                        say: Progress) -> list[str]:
        faultpoint("exec.after_receipt_before_mined")
        now = self.deps.clock()
        outcome = execution_outcome(receipt, item.safe, hash_bytes(item.safe_tx_hash)) if receipt.status == 1 \
            else None
        if outcome is None:
            return self._not_executed(item, row, receipt, actor)
        block_hash = receipt.block_hash or self.deps.chain.fetch_block(receipt.block_number).hash

        def work(conn: Connection) -> bool:
            take_exec_lock(conn)
            self.store.mark_sent(conn, row.id, now)
            current = self.store.load_item(item.safe_tx_hash, conn)
            if current is None or current.state not in SENT_STATES:
                return False
            moved = self.store.move(conn, item.safe_tx_hash, current.state, MINED, at=now, exec_tx_hash=row.tx_hash,
                                    executor=row.executor, mined_block=receipt.block_number,
                                    mined_block_hash=hex_text(block_hash), outcome=outcome)
            if moved:
                self.audit_step(conn, actor, current, "mined", {
                    "tx_hash": row.tx_hash, "block_number": receipt.block_number, "block_hash": hex_text(block_hash),
                    "outcome": outcome, "gas_used": receipt.gas_used})
            return moved

        if not run_in_transaction(self.store.engine, work):
            return []
        event = "ExecutionSuccess" if outcome == SUCCESS else "ExecutionFailure"
        say(f"Mined in block {receipt.block_number}: the vault emitted {event}")
        lines = [f"{label(item)}: mined in block {receipt.block_number} ({row.tx_hash}): {event}"]
        return lines + self._promote(self.reload(item), actor, say)

    def _not_executed(self, item: QueueItem, row: BroadcastRow, receipt: Receipt, actor: Actor) -> list[str]:
        """The executor transaction was mined but the vault executed nothing (it reverted, status 0): the vault's
        nonce was not used by it."""
        vault = self.deps.read_vault(item.safe)
        new = STALE if vault.nonce > item.nonce else READY
        what = "reverted (status 0)" if receipt.status != 1 else "carries no ExecutionSuccess or ExecutionFailure"
        reason = (f"the executor transaction {row.tx_hash} {what} in block {receipt.block_number}; the vault's nonce "
                  + (f"{item.nonce} was used by another transaction" if new == STALE
                     else f"{item.nonce} is still unused, so it may be executed again"))
        now = self.deps.clock()

        def work(conn: Connection) -> bool:
            take_exec_lock(conn)
            self.store.mark_sent(conn, row.id, now)
            current = self.store.load_item(item.safe_tx_hash, conn)
            if current is None or current.state not in SENT_STATES:
                return False
            moved = self.store.move(conn, item.safe_tx_hash, current.state, new, at=now, reason=reason,
                                    executor=None, exec_tx_hash=None, **CLEARED_CLAIM)
            if moved:
                self.audit_step(conn, actor, current, "reverted", {"tx_hash": row.tx_hash, "new_state": new,
                                                                "block_number": receipt.block_number})
            return moved

        return [f"{label(item)}: {reason}"] if run_in_transaction(self.store.engine, work) else []

    def check_mined(self, item: QueueItem, actor: Actor, say: Progress) -> list[str]:
        receipt = self.deps.chain.fetch_receipt(hash_bytes(item.exec_tx_hash or "0x"))
        if self._reorganised(item, receipt):
            return self._reorg(item, receipt, actor, say)
        return self._promote(item, actor, say)

    def _reorganised(self, item: QueueItem, receipt: Receipt | None) -> bool:
        stored = (item.mined_block_hash or "").lower()
        if receipt is None or receipt.block_number != item.mined_block:
            return True
        if receipt.block_hash and hex_text(receipt.block_hash) != stored:
            return True
        assert item.mined_block is not None
        if self.deps.chain.fetch_block_number() < item.mined_block:
            return True
        return hex_text(self.deps.chain.fetch_block(item.mined_block).hash) != stored

    def _reorg(self, item: QueueItem, receipt: Receipt | None, actor: Actor, say: Progress) -> list[str]:
        faultpoint("follow.after_reorg_seen_before_move")
        now = self.deps.clock()
        reason = (f"its executor transaction was reorganised out of block {item.mined_block} "
                  f"({item.mined_block_hash}); the same signed bytes are sent again")

        def work(conn: Connection) -> bool:
            take_exec_lock(conn)
            moved = self.store.move(conn, item.safe_tx_hash, MINED, BROADCAST, at=now, reason=reason,
                                    mined_block=None, mined_block_hash=None, outcome=None)
            if moved:
                self.audit_step(conn, actor, item, "reorg", {"tx_hash": item.exec_tx_hash or "",
                                                          "block_number": item.mined_block or 0,
                                                          "block_hash": item.mined_block_hash or ""})
            return moved

        if not run_in_transaction(self.store.engine, work):
            return []
        say(f"Reorganisation: {item.exec_tx_hash} is no longer in block {item.mined_block}")
        lines = [f"{label(item)}: {reason}"]
        current = self.reload(item)
        rows = self.store.load_broadcasts(item.safe_tx_hash)
        found = self.find_receipt(rows)
        if found is not None:  # already mined again, elsewhere
            return lines + self.record_receipt(current, found[0], found[1], actor, say)
        return lines + self.send(current, self.current_row(current, rows), actor, say, replace_ok=False)

    def _promote(self, item: QueueItem, actor: Actor, say: Progress) -> list[str]:
        assert item.mined_block is not None
        head = self.deps.chain.fetch_block_number()
        depth = head - item.mined_block + 1
        wanted = self.deps.settings.confirmations
        if depth < wanted:
            say(f"{max(depth, 0)} of {wanted} confirmations")
            return []
        faultpoint("follow.before_final")
        if hex_text(self.deps.chain.fetch_block(item.mined_block).hash) != (item.mined_block_hash or "").lower():
            return self._reorg(item, self.deps.chain.fetch_receipt(hash_bytes(item.exec_tx_hash or "0x")), actor,
                               say)
        new = FINAL if item.outcome == SUCCESS else FAILED
        now = self.deps.clock()
        reason = "" if new == FINAL else ("the vault emitted ExecutionFailure: its inner call failed and the vault's "
                                          "nonce is used; it is never executed again")

        def work(conn: Connection) -> bool:
            take_exec_lock(conn)
            moved = self.store.move(conn, item.safe_tx_hash, MINED, new, at=now, reason=reason, final_at=now)
            if moved:
                self.audit_step(conn, actor, item, new, {"tx_hash": item.exec_tx_hash or "",
                                                      "block_number": item.mined_block or 0,
                                                      "confirmations": depth, "outcome": item.outcome or ""})
            return moved

        if not run_in_transaction(self.store.engine, work):
            return []
        say(f"{'Final' if new == FINAL else 'Failed'} after {depth} confirmation{'s' if depth != 1 else ''}")
        return [f"{label(item)}: {new} after {depth} confirmation{'s' if depth != 1 else ''}"
                + ("" if new == FINAL else f": {reason}")]
