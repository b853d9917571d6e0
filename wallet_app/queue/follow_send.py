"""Sending an executor transaction and what the node answers (G1-G3): the stored bytes sent (never signed again),
a same-intent replacement with higher fees under the policy's cap, and the executor's nonce used by a transaction
Custos did not sign (an incident)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from wallet_app.audit import actions
from wallet_app.errors import ChainError, TransactionRejected
from wallet_app.faults import faultpoint
from wallet_app.queue.exec_store import (
    CLEARED_CLAIM,
    executor_rows,
    set_columns,
    take_exec_lock,
)
from wallet_app.queue.exec_tx import (
    SendVerdict,
    classify_refusal,
    decode_exec,
    sign_exec_transaction,
)
from wallet_app.queue.fees import Fees, bump_fees, describe_wei_per_gas
from wallet_app.queue.follow_base import (
    SENT_STATES,
    Actor,
    FollowSteps,
    Progress,
    SendRefused,
    hash_bytes,
    label,
)
from wallet_app.queue.records import BroadcastRow, QueueItem
from wallet_app.queue.states import (
    BROADCAST,
    READY,
    SIGNED_FOR_EXECUTION,
    STALE,
)
from wallet_app.storage.retry import run_in_transaction

INCIDENT_TEXT = "possible key compromise of the executor key"


class SendingSteps(FollowSteps):
    def resend(self, item: QueueItem, row: BroadcastRow, actor: Actor, say: Progress, *,
               replace_ok: bool) -> list[str]:
        lines = [f"{label(item)}: the node did not know {row.tx_hash}; the same signed bytes were sent again"]
        return lines + self.send(item, row, actor, say, replace_ok=replace_ok)

    def send(self, item: QueueItem, row: BroadcastRow, actor: Actor, say: Progress, *,
             replace_ok: bool = True) -> list[str]:
        """Send the stored bytes of `row` (never anything else) and act on the node's answer."""
        say(f"Sending the executor transaction {row.tx_hash} (nonce {row.eoa_nonce} of {row.executor})")
        message = ""
        try:
            self.deps.chain.send_raw_transaction(row.raw_tx)
            verdict = SendVerdict.ACCEPTED
        except TransactionRejected as exc:
            message = exc.user_message
            verdict = classify_refusal(message)
        except ChainError as exc:  # unreachable, a bad reply: the node may or may not have the bytes now
            raise SendRefused(f"The executor transaction {row.tx_hash} could not be sent: {exc.user_message}. Its "
                              "signed bytes are kept and sent again by the next follow (custos safe queue); nothing "
                              "was signed twice") from None
        faultpoint("exec.after_send_before_broadcast_mark")
        if verdict in (SendVerdict.ACCEPTED, SendVerdict.KNOWN):
            lines = self._mark_sent(item, row, actor)
            receipt = self.deps.chain.fetch_receipt(hash_bytes(row.tx_hash))
            if receipt is not None:
                lines += self.record_receipt(self.reload(item), row, receipt, actor, say)
            return lines
        if verdict is SendVerdict.NONCE_USED:
            rows = self.store.load_broadcasts(item.safe_tx_hash)
            found = self.find_receipt(rows)
            if found is not None:  # our own bytes were mined already (sent before a crash)
                return self.record_receipt(self.reload(item), found[0], found[1], actor, say)
            if self.deps.chain.fetch_transaction_count(row.executor, "latest") > row.eoa_nonce:
                return self.nonce_used(self.reload(item), rows, actor)
        if verdict is SendVerdict.UNDERPRICED and replace_ok:
            if actor.signer is not None and actor.address == row.executor:
                why = "the node refused it: another transaction at its nonce pays more (replacement underpriced)"
                return self.replace(item, row, actor, say, why=why)
        raise SendRefused(f"The node refused the executor transaction {row.tx_hash}: {message[:200]}. Its signed "
                          "bytes are kept and sent again by the next follow (custos safe queue); nothing was signed "
                          "twice")

    def _mark_sent(self, item: QueueItem, row: BroadcastRow, actor: Actor) -> list[str]:
        now = self.deps.clock()

        def work(conn: Connection) -> bool:
            take_exec_lock(conn)
            self.store.mark_sent(conn, row.id, now)
            current = self.store.load_item(item.safe_tx_hash, conn)
            if current is None or current.state != SIGNED_FOR_EXECUTION:
                return False
            moved = self.store.move(conn, item.safe_tx_hash, SIGNED_FOR_EXECUTION, BROADCAST, at=now,
                                    exec_tx_hash=row.tx_hash)
            if moved:
                self.audit_step(conn, actor, current, "sent", {"tx_hash": row.tx_hash, "executor": row.executor,
                                                            "eoa_nonce": row.eoa_nonce})
            return moved

        if run_in_transaction(self.store.engine, work):
            return [f"{label(item)}: sent {row.tx_hash} from {row.executor}"]
        return []

    def replace(self, item: QueueItem, row: BroadcastRow, actor: Actor, say: Progress, *, why: str) -> list[str]:
        """Sign and send the same transaction as `row` with both fees at least 10 % higher, under the policy's cap
        decided now; stored before it is sent, naming the row it replaces."""
        signer = actor.signer
        assert signer is not None
        cap = self.deps.replacement_cap(item)
        old = Fees(row.max_fee_per_gas, row.max_priority_fee_per_gas)
        new = bump_fees(old, self.deps.chain.fetch_fees(), cap)
        if new is None:
            shown = describe_wei_per_gas(cap or 0)
            return [f"{label(item)}: {row.tx_hash} is {why}, but both fees 10 % higher would exceed the policy's cap "
                    f"of {shown} per gas: no replacement was signed"]
        tx, sender = decode_exec(row.raw_tx)
        if sender != row.executor or tx.nonce != row.eoa_nonce:
            raise SendRefused(f"The stored bytes of {row.tx_hash} are not the executor's transaction at nonce "
                              f"{row.eoa_nonce}: the database was edited; nothing was signed")
        say(f"Signing a replacement of {row.tx_hash} with higher fees ({describe_wei_per_gas(new.max_fee_per_gas)})")
        signed = sign_exec_transaction(tx.with_fees(new), signer)
        now = self.deps.clock()

        def work(conn: Connection) -> int | None:
            take_exec_lock(conn)
            current = self.store.load_item(item.safe_tx_hash, conn)
            if current is None or current.state not in SENT_STATES or \
                    (current.exec_tx_hash or "").lower() != row.tx_hash.lower():
                return None  # changed meanwhile (mined, or replaced by another desktop): this one is dropped
            new_id = self.store.insert_broadcast(
                conn, item.safe_tx_hash, executor=row.executor, eoa_nonce=row.eoa_nonce, raw_tx=signed.raw,
                tx_hash=signed.tx_hash, gas=row.gas, max_fee_per_gas=new.max_fee_per_gas,
                max_priority_fee_per_gas=new.max_priority_fee_per_gas, claim_token=row.claim_token, at=now,
                replaces=row.id)
            set_columns(conn, self.store.chain_id, item.safe_tx_hash, current.state, at=now,
                        exec_tx_hash=signed.tx_hash)
            self.audit_step(conn, actor, current, "replaced", {
                "tx_hash": signed.tx_hash, "replaces": row.tx_hash, "eoa_nonce": row.eoa_nonce, "why": why,
                "max_fee_per_gas": str(new.max_fee_per_gas), "max_priority_fee_per_gas":
                    str(new.max_priority_fee_per_gas), "previous_max_fee_per_gas": str(old.max_fee_per_gas),
                "previous_max_priority_fee_per_gas": str(old.max_priority_fee_per_gas)})
            return new_id

        new_id = run_in_transaction(self.store.engine, work)
        if new_id is None:
            return []
        replacement = next(r for r in self.store.load_broadcasts(item.safe_tx_hash) if r.id == new_id)
        lines = [f"{label(item)}: {row.tx_hash} was {why}; replaced by {signed.tx_hash}, the same transaction with "
                 f"fees {describe_wei_per_gas(old.max_fee_per_gas)} -> {describe_wei_per_gas(new.max_fee_per_gas)} "
                 f"(priority {describe_wei_per_gas(old.max_priority_fee_per_gas)} -> "
                 f"{describe_wei_per_gas(new.max_priority_fee_per_gas)})"]
        return lines + self.send(self.reload(item), replacement, actor, say, replace_ok=False)

    def nonce_used(self, item: QueueItem, rows: list[BroadcastRow], actor: Actor) -> list[str]:
        current = self.current_row(item, rows)
        executor, eoa_nonce = current.executor, current.eoa_nonce
        for row in rows:  # a node whose receipts lag its nonces: ours is mined, its receipt comes at the next follow
            known = self.deps.chain.fetch_transaction(hash_bytes(row.tx_hash))
            if known is not None and known.block_number is not None:
                return []
        ours = [r for r in executor_rows(None, self.store.engine, self.store.chain_id, executor, eoa_nonce)
                if r.safe_tx_hash.lower() != item.safe_tx_hash.lower()]
        own = next((r for r in ours if self.deps.chain.fetch_receipt(hash_bytes(r.tx_hash)) is not None), None)
        vault = self.deps.read_vault(item.safe)
        new = STALE if vault.nonce > item.nonce else READY
        now = self.deps.clock()
        if own is not None:
            reason = (f"the executor's nonce {eoa_nonce} was used by Custos's transaction for {own.safe_tx_hash}; "
                      f"nothing was sent at that nonce for this item")
        else:
            reason = (f"INCIDENT: the executor {executor}'s nonce {eoa_nonce} was used by a transaction Custos did "
                      f"not sign: {INCIDENT_TEXT}. Nothing is signed again at that nonce")
        if new == READY and own is None:
            reason += f"; the vault's nonce {item.nonce} is unused, so the item is ready again"

        def work(conn: Connection) -> bool:
            take_exec_lock(conn)
            current_item = self.store.load_item(item.safe_tx_hash, conn)
            if current_item is None or current_item.state not in SENT_STATES:
                return False
            moved = self.store.move(conn, item.safe_tx_hash, current_item.state, new, at=now, reason=reason,
                                    executor=None, exec_tx_hash=None, **CLEARED_CLAIM)
            if not moved:
                return False
            detail: dict[str, Any] = {"executor": executor, "eoa_nonce": eoa_nonce, "new_state": new,
                                      "our_transactions": [r.tx_hash for r in rows]}
            if own is None:
                self.audit_step(conn, Actor(actions.SYSTEM), current_item, "executor_nonce_used_elsewhere",
                            {**detail, "message": INCIDENT_TEXT}, action=actions.INCIDENT)
            else:
                self.audit_step(conn, actor, current_item, "executor_nonce_used", {**detail, "used_by": own.tx_hash})
            return True

        if run_in_transaction(self.store.engine, work):
            return [f"{label(item)}: {reason}"]
        return []
