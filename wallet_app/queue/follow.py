"""Following executed items on chain, and recovery after a crash (SECURITY G1-G6, 6.2, INV-1, INV-10).

For every item in flight, from what is stored and what the node says now:
- claimed, lease expired, nothing signed under that claim -> ready again;
- signed_for_execution -> the stored bytes are sent (never signed again) -> broadcast;
- broadcast -> a receipt of any of its stored transactions: mined (block number, block hash, and the Safe's own
  ExecutionSuccess/ExecutionFailure for this safeTxHash). Not known to the node (dropped, G1): the IDENTICAL bytes
  again. Not mined `replace_after_seconds` after it was sent: a same-intent replacement with both fees at least 10 %
  higher and never above the policy's cap (only with the executor's key at hand: `execute`, or `follow(signer=...)`).
  The node says "replacement transaction underpriced" (G2): that same replacement. The executor's EOA nonce used by a
  transaction Custos did not sign (G3): an incident ("possible key compromise of the executor key"), the item is
  ready again (the vault's nonce is unused) and nothing is ever signed again at that EOA nonce;
- mined -> the block hash at its height unchanged and the receipt still there: final (ExecutionSuccess) or failed
  (ExecutionFailure: the vault used its nonce, never executed again; G6) after the configured confirmations. A
  reorganisation (the hash changed, the receipt is gone): back to broadcast and the same bytes sent again (G4);
- an executor transaction that reverted (status 0) did not use the vault's nonce: ready again, or stale if another
  transaction used the nonce meanwhile.
Then every open item at a nonce the vault has used is stale, or rejected when the transaction that used it is a
rejection in this queue (G5). Running it twice changes nothing and sends nothing new (INV-10).

Each state change is written with its audit entry in one transaction; entries are Custos's own (actor "system")
unless a key acts (execute), whose entries it signs.
"""

from __future__ import annotations

from sqlalchemy import Connection

from wallet_app.audit import actions
from wallet_app.audit.entry import as_utc
from wallet_app.errors import WalletError
from wallet_app.queue.exec_store import (
    CLEARED_CLAIM,
    move_claimed,
    rows_with_token,
    take_exec_lock,
)
from wallet_app.queue.follow_base import (
    SENT_STATES,
    Actor,
    Progress,
    claim_abandoned,
    hash_bytes,
    label,
    noop,
)
from wallet_app.queue.follow_mined import MinedSteps
from wallet_app.queue.follow_send import SendingSteps
from wallet_app.queue.records import QueueItem
from wallet_app.queue.states import (
    CLAIMED,
    FAILED,
    FINAL,
    IN_FLIGHT,
    MINED,
    NONCE_HOLDERS,
    OPEN,
    READY,
    REJECTED,
    SIGNED_FOR_EXECUTION,
    STALE,
)
from wallet_app.safe.signing import is_rejection
from wallet_app.storage.retry import run_in_transaction


class Follower(SendingSteps, MinedSteps):
    """Follows every item in flight; its sending and mined steps are `follow_send` and `follow_mined`."""

    def follow(self, *, safe: str | None = None, actor: Actor, progress: Progress | None = None) -> list[str]:
        say = progress or noop
        items, _broken = self.store.load_items(safe=safe)
        lines: list[str] = []
        for item in items:
            if item.state not in IN_FLIGHT:
                continue
            try:
                lines += self.follow_item(item, actor, say)
            except WalletError as exc:  # one item's trouble (a node error, a refusal) never stops the others
                lines.append(f"{label(item)}: not followed now: {exc.user_message}")
        lines += self.settle_used_nonces(safe)
        return lines

    def follow_item(self, item: QueueItem, actor: Actor, say: Progress, *, replace_ok: bool = True) -> list[str]:
        if item.state == CLAIMED:
            return self._expire_claim(item)
        if item.state in SENT_STATES:
            return self._advance(item, actor, say, replace_ok=replace_ok)
        if item.state == MINED:
            return self.check_mined(item, actor, say)
        return []

    def _expire_claim(self, item: QueueItem) -> list[str]:
        now = self.deps.clock()
        if item.claim_token is None or not claim_abandoned(item, now):
            return []
        token = item.claim_token

        def work(conn: Connection) -> bool:
            take_exec_lock(conn)
            if rows_with_token(conn, self.store.chain_id, item.safe_tx_hash, token):
                return False  # something was signed under it: never released (INV-5)
            moved = move_claimed(conn, self.store.chain_id, item.safe_tx_hash, token, READY, at=now,
                                 reason=f"the claim of {item.claimed_by} ended before anything was signed",
                                 **CLEARED_CLAIM)
            if moved:
                self.audit_step(conn, Actor(actions.SYSTEM), item, "claim_expired",
                                {"claimed_by": item.claimed_by or "", "new_state": READY})
            return moved

        if run_in_transaction(self.store.engine, work):
            return [f"{label(item)}: the claim of {item.claimed_by} ended (lease expired or its process is gone) with "
                    "nothing signed; it is ready again"]
        return []

    def _advance(self, item: QueueItem, actor: Actor, say: Progress, *, replace_ok: bool) -> list[str]:
        rows = self.store.load_broadcasts(item.safe_tx_hash)
        if not rows:
            return [f"{label(item)}: is {item.state} but no signed transaction is stored for it; the database was "
                    "edited outside Custos"]
        current = self.current_row(item, rows)
        latest = self.deps.chain.fetch_transaction_count(current.executor, "latest")  # before the receipts (G3)
        found = self.find_receipt(rows)
        if found is not None:
            return self.record_receipt(item, found[0], found[1], actor, say)
        if latest > current.eoa_nonce:
            return self.nonce_used(item, rows, actor)
        if item.state == SIGNED_FOR_EXECUTION or current.sent_at is None:
            return self.send(item, current, actor, say, replace_ok=replace_ok)
        age = (self.deps.clock() - as_utc(current.sent_at)).total_seconds()
        known = self.deps.chain.fetch_transaction(hash_bytes(current.tx_hash))
        lines: list[str] = []
        if replace_ok and age >= self.deps.settings.replace_after_seconds:
            why = (f"not {'mined' if known else 'known to the node'} {age:.0f} s after it was sent")
            if actor.signer is not None and actor.address == current.executor:
                return self.replace(item, current, actor, say, why=why)
            lines.append(f"{label(item)}: {current.tx_hash} is {why}; a replacement with higher fees needs the "
                         f"executor key {current.executor}: run custos safe execute {item.safe_tx_hash} --key "
                         f"{current.executor}")
        if known is None:  # dropped (G1): the identical bytes again
            lines += self.resend(item, current, actor, say, replace_ok=replace_ok)
        return lines

    def settle_used_nonces(self, safe: str | None = None) -> list[str]:
        items, _broken = self.store.load_items(safe=safe)
        waiting = [i for i in items if i.state in OPEN]
        lines: list[str] = []
        for vault_address in sorted({i.safe for i in waiting}):
            try:
                vault_nonce = self.deps.read_vault(vault_address).nonce
            except WalletError:
                continue  # read again at the next follow
            for item in (i for i in waiting if i.safe == vault_address and i.nonce < vault_nonce):
                holders = [i for i in items if i.safe == vault_address and i.nonce == item.nonce
                           and i.state in NONCE_HOLDERS]
                if any(h.state in IN_FLIGHT for h in holders):
                    continue  # settled once that one is final
                holder = next((h for h in holders if h.state in (FINAL, FAILED)), None)
                lines += self._settle(item, holder, vault_nonce)
        return lines

    def _settle(self, item: QueueItem, holder: QueueItem | None, vault_nonce: int) -> list[str]:
        if holder is not None and holder.state == FINAL and is_rejection(holder.safe_tx):
            new = REJECTED
            reason = f"rejected: the rejection {holder.safe_tx_hash} used nonce {item.nonce} on chain"
        else:
            new = STALE
            used_by = holder.safe_tx_hash if holder is not None else "a transaction outside this queue"
            reason = f"the vault's nonce {item.nonce} was used by {used_by} (the vault's nonce is now {vault_nonce})"
        now = self.deps.clock()

        def work(conn: Connection) -> bool:
            take_exec_lock(conn)
            moved = self.store.move(conn, item.safe_tx_hash, item.state, new, at=now, reason=reason)
            if moved:
                self.audit_step(conn, Actor(actions.SYSTEM), item, new, {
                    "used_by": holder.safe_tx_hash if holder is not None else "", "vault_nonce": vault_nonce})
            return moved

        return [f"{label(item)}: {new}: {reason}"] if run_in_transaction(self.store.engine, work) else []
