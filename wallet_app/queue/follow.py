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

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from wallet_app.audit import actions
from wallet_app.audit.entry import as_utc, entry_signer
from wallet_app.audit.log import AuditLog
from wallet_app.chain.client import ChainClient, Receipt
from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import ChainError, TransactionRejected, WalletError
from wallet_app.faults import faultpoint
from wallet_app.keys.signer import Signer
from wallet_app.queue.exec_settings import ExecutionSettings
from wallet_app.queue.exec_store import (
    CLEARED_CLAIM,
    executor_rows,
    move_claimed,
    rows_with_token,
    set_columns,
    take_exec_lock,
)
from wallet_app.queue.exec_tx import (
    SUCCESS,
    SendVerdict,
    classify_refusal,
    decode_exec,
    execution_outcome,
    sign_exec_transaction,
)
from wallet_app.queue.fees import Fees, bump_fees, describe_wei_per_gas
from wallet_app.queue.records import BroadcastRow, QueueItem
from wallet_app.queue.states import (
    BROADCAST,
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
from wallet_app.queue.store import QueueStore
from wallet_app.safe.signing import is_rejection
from wallet_app.storage.retry import run_in_transaction

Progress = Callable[[str], None]
SENT_STATES = (SIGNED_FOR_EXECUTION, BROADCAST)
INCIDENT_TEXT = "possible key compromise of the executor key"


class SendRefused(WalletError):
    """The node did not take the executor transaction; its signed bytes are kept and sent again later."""

    code = "queue_send_refused"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a key of the profile (its audit entries signed), or Custos itself following the chain."""

    address: str
    signer: Signer | None = None

    @property
    def sign(self) -> Callable[[str], bytes] | None:
        return None if self.signer is None else entry_signer(self.signer)

    @classmethod
    def of(cls, signer: Signer | None) -> Actor:
        return cls(actions.SYSTEM) if signer is None else cls(to_checksum(signer.address), signer)


@dataclass(frozen=True)
class ExecDeps:
    store: QueueStore
    chain: ChainClient
    audit: AuditLog
    clock: Callable[[], datetime]
    host: str
    settings: ExecutionSettings
    read_vault: Callable[[str], VaultInfo]
    # The policy's fee cap for a replacement, decided now (PolicyDenied/QueueError when it may not be replaced).
    replacement_cap: Callable[[QueueItem], int | None]


def claim_abandoned(item: QueueItem, now: datetime) -> bool:
    """A claim nobody can still act on: its lease expired, or it is this machine's and its process is gone (a
    crash; `host_name` is "<host>:<pid>"), so there is no need to wait for the lease."""
    if item.claim_expires_at is not None and as_utc(item.claim_expires_at) < now:
        return True
    host, _, pid_text = (item.claimed_by or "").rpartition(":")
    if host != socket.gethostname()[:60] or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists (another user's process) or cannot be asked
        return False
    return False


def label(item: QueueItem) -> str:
    return f"{item.safe_tx_hash[:12]}… (nonce {item.nonce})"


def _hash_bytes(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))


def _hex(raw: bytes) -> str:
    return "0x" + raw.hex()


def _noop(_message: str) -> None:
    return None


class Follower:
    def __init__(self, deps: ExecDeps) -> None:
        self._d = deps

    @property
    def store(self) -> QueueStore:
        return self._d.store

    # -- the whole queue ------------------------------------------------------------------------------------------
    def follow(self, *, safe: str | None = None, actor: Actor, progress: Progress | None = None) -> list[str]:
        say = progress or _noop
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
            return self._check_mined(item, actor, say)
        return []

    def reload(self, item: QueueItem) -> QueueItem:
        current = self.store.load_item(item.safe_tx_hash)
        if current is None:
            raise SendRefused(f"{item.safe_tx_hash} is no longer in the queue")
        return current

    # -- claims ---------------------------------------------------------------------------------------------------
    def _expire_claim(self, item: QueueItem) -> list[str]:
        now = self._d.clock()
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

    # -- signed, sent, not mined -----------------------------------------------------------------------------------
    def current_row(self, item: QueueItem, rows: list[BroadcastRow]) -> BroadcastRow:
        """The transaction the item stands on: the one its exec_tx_hash names (the last replacement, or the one
        mined), else the newest."""
        named = [r for r in rows if item.exec_tx_hash and r.tx_hash.lower() == item.exec_tx_hash.lower()]
        return named[-1] if named else rows[-1]

    def _advance(self, item: QueueItem, actor: Actor, say: Progress, *, replace_ok: bool) -> list[str]:
        rows = self.store.load_broadcasts(item.safe_tx_hash)
        if not rows:
            return [f"{label(item)}: is {item.state} but no signed transaction is stored for it; the database was "
                    "edited outside Custos"]
        current = self.current_row(item, rows)
        latest = self._d.chain.fetch_transaction_count(current.executor, "latest")  # before the receipts (G3)
        found = self.find_receipt(rows)
        if found is not None:
            return self._record_receipt(item, found[0], found[1], actor, say)
        if latest > current.eoa_nonce:
            return self._nonce_used(item, rows, actor)
        if item.state == SIGNED_FOR_EXECUTION or current.sent_at is None:
            return self.send(item, current, actor, say, replace_ok=replace_ok)
        age = (self._d.clock() - as_utc(current.sent_at)).total_seconds()
        known = self._d.chain.fetch_transaction(_hash_bytes(current.tx_hash))
        lines: list[str] = []
        if replace_ok and age >= self._d.settings.replace_after_seconds:
            why = (f"not {'mined' if known else 'known to the node'} {age:.0f} s after it was sent")
            if actor.signer is not None and actor.address == current.executor:
                return self.replace(item, current, actor, say, why=why)
            lines.append(f"{label(item)}: {current.tx_hash} is {why}; a replacement with higher fees needs the "
                         f"executor key {current.executor}: run custos safe execute {item.safe_tx_hash} --key "
                         f"{current.executor}")
        if known is None:  # dropped (G1): the identical bytes again
            lines += self.resend(item, current, actor, say, replace_ok=replace_ok)
        return lines

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
            self._d.chain.send_raw_transaction(row.raw_tx)
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
            receipt = self._d.chain.fetch_receipt(_hash_bytes(row.tx_hash))
            if receipt is not None:
                lines += self._record_receipt(self.reload(item), row, receipt, actor, say)
            return lines
        if verdict is SendVerdict.NONCE_USED:
            rows = self.store.load_broadcasts(item.safe_tx_hash)
            found = self.find_receipt(rows)
            if found is not None:  # our own bytes were mined already (sent before a crash)
                return self._record_receipt(self.reload(item), found[0], found[1], actor, say)
            if self._d.chain.fetch_transaction_count(row.executor, "latest") > row.eoa_nonce:
                return self._nonce_used(self.reload(item), rows, actor)
        if verdict is SendVerdict.UNDERPRICED and replace_ok:
            if actor.signer is not None and actor.address == row.executor:
                why = "the node refused it: another transaction at its nonce pays more (replacement underpriced)"
                return self.replace(item, row, actor, say, why=why)
        raise SendRefused(f"The node refused the executor transaction {row.tx_hash}: {message[:200]}. Its signed "
                          "bytes are kept and sent again by the next follow (custos safe queue); nothing was signed "
                          "twice")

    def _mark_sent(self, item: QueueItem, row: BroadcastRow, actor: Actor) -> list[str]:
        now = self._d.clock()

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

    def find_receipt(self, rows: list[BroadcastRow]) -> tuple[BroadcastRow, Receipt] | None:
        for row in reversed(rows):
            receipt = self._d.chain.fetch_receipt(_hash_bytes(row.tx_hash))
            if receipt is not None:
                return row, receipt
        return None

    # -- a fee replacement (G1, G2) ---------------------------------------------------------------------------------
    def replace(self, item: QueueItem, row: BroadcastRow, actor: Actor, say: Progress, *, why: str) -> list[str]:
        """Sign and send the same transaction as `row` with both fees at least 10 % higher, under the policy's cap
        decided now; stored before it is sent, naming the row it replaces."""
        signer = actor.signer
        assert signer is not None
        cap = self._d.replacement_cap(item)
        old = Fees(row.max_fee_per_gas, row.max_priority_fee_per_gas)
        new = bump_fees(old, self._d.chain.fetch_fees(), cap)
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
        now = self._d.clock()

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

    # -- the executor's nonce used elsewhere (G3) --------------------------------------------------------------------
    def _nonce_used(self, item: QueueItem, rows: list[BroadcastRow], actor: Actor) -> list[str]:
        current = self.current_row(item, rows)
        executor, eoa_nonce = current.executor, current.eoa_nonce
        for row in rows:  # a node whose receipts lag its nonces: ours is mined, its receipt comes at the next follow
            known = self._d.chain.fetch_transaction(_hash_bytes(row.tx_hash))
            if known is not None and known.block_number is not None:
                return []
        ours = [r for r in executor_rows(None, self.store.engine, self.store.chain_id, executor, eoa_nonce)
                if r.safe_tx_hash.lower() != item.safe_tx_hash.lower()]
        own = next((r for r in ours if self._d.chain.fetch_receipt(_hash_bytes(r.tx_hash)) is not None), None)
        vault = self._d.read_vault(item.safe)
        new = STALE if vault.nonce > item.nonce else READY
        now = self._d.clock()
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

    # -- mined ------------------------------------------------------------------------------------------------------
    def _record_receipt(self, item: QueueItem, row: BroadcastRow, receipt: Receipt, actor: Actor,
                        say: Progress) -> list[str]:
        faultpoint("exec.after_receipt_before_mined")
        now = self._d.clock()
        outcome = execution_outcome(receipt, item.safe, _hash_bytes(item.safe_tx_hash)) if receipt.status == 1 \
            else None
        if outcome is None:
            return self._not_executed(item, row, receipt, actor)
        block_hash = receipt.block_hash or self._d.chain.fetch_block(receipt.block_number).hash

        def work(conn: Connection) -> bool:
            take_exec_lock(conn)
            self.store.mark_sent(conn, row.id, now)
            current = self.store.load_item(item.safe_tx_hash, conn)
            if current is None or current.state not in SENT_STATES:
                return False
            moved = self.store.move(conn, item.safe_tx_hash, current.state, MINED, at=now, exec_tx_hash=row.tx_hash,
                                    executor=row.executor, mined_block=receipt.block_number,
                                    mined_block_hash=_hex(block_hash), outcome=outcome)
            if moved:
                self.audit_step(conn, actor, current, "mined", {
                    "tx_hash": row.tx_hash, "block_number": receipt.block_number, "block_hash": _hex(block_hash),
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
        vault = self._d.read_vault(item.safe)
        new = STALE if vault.nonce > item.nonce else READY
        what = "reverted (status 0)" if receipt.status != 1 else "carries no ExecutionSuccess or ExecutionFailure"
        reason = (f"the executor transaction {row.tx_hash} {what} in block {receipt.block_number}; the vault's nonce "
                  + (f"{item.nonce} was used by another transaction" if new == STALE
                     else f"{item.nonce} is still unused, so it may be executed again"))
        now = self._d.clock()

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

    def _check_mined(self, item: QueueItem, actor: Actor, say: Progress) -> list[str]:
        receipt = self._d.chain.fetch_receipt(_hash_bytes(item.exec_tx_hash or "0x"))
        if self._reorganised(item, receipt):
            return self._reorg(item, receipt, actor, say)
        return self._promote(item, actor, say)

    def _reorganised(self, item: QueueItem, receipt: Receipt | None) -> bool:
        stored = (item.mined_block_hash or "").lower()
        if receipt is None or receipt.block_number != item.mined_block:
            return True
        if receipt.block_hash and _hex(receipt.block_hash) != stored:
            return True
        assert item.mined_block is not None
        if self._d.chain.fetch_block_number() < item.mined_block:
            return True
        return _hex(self._d.chain.fetch_block(item.mined_block).hash) != stored

    def _reorg(self, item: QueueItem, receipt: Receipt | None, actor: Actor, say: Progress) -> list[str]:
        faultpoint("follow.after_reorg_seen_before_move")
        now = self._d.clock()
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
            return lines + self._record_receipt(current, found[0], found[1], actor, say)
        return lines + self.send(current, self.current_row(current, rows), actor, say, replace_ok=False)

    def _promote(self, item: QueueItem, actor: Actor, say: Progress) -> list[str]:
        assert item.mined_block is not None
        head = self._d.chain.fetch_block_number()
        depth = head - item.mined_block + 1
        wanted = self._d.settings.confirmations
        if depth < wanted:
            say(f"{max(depth, 0)} of {wanted} confirmations")
            return []
        faultpoint("follow.before_final")
        if _hex(self._d.chain.fetch_block(item.mined_block).hash) != (item.mined_block_hash or "").lower():
            return self._reorg(item, self._d.chain.fetch_receipt(_hash_bytes(item.exec_tx_hash or "0x")), actor,
                               say)
        new = FINAL if item.outcome == SUCCESS else FAILED
        now = self._d.clock()
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

    # -- nonces the vault has used (G5) ------------------------------------------------------------------------------
    def settle_used_nonces(self, safe: str | None = None) -> list[str]:
        items, _broken = self.store.load_items(safe=safe)
        waiting = [i for i in items if i.state in OPEN]
        lines: list[str] = []
        for vault_address in sorted({i.safe for i in waiting}):
            try:
                vault_nonce = self._d.read_vault(vault_address).nonce
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
        now = self._d.clock()

        def work(conn: Connection) -> bool:
            take_exec_lock(conn)
            moved = self.store.move(conn, item.safe_tx_hash, item.state, new, at=now, reason=reason)
            if moved:
                self.audit_step(conn, Actor(actions.SYSTEM), item, new, {
                    "used_by": holder.safe_tx_hash if holder is not None else "", "vault_nonce": vault_nonce})
            return moved

        return [f"{label(item)}: {new}: {reason}"] if run_in_transaction(self.store.engine, work) else []

    # -- the audit entry of a change -------------------------------------------------------------------------------
    def audit_step(self, conn: Connection, actor: Actor, item: QueueItem, step: str, detail: dict[str, Any], *,
               action: str = actions.EXECUTE) -> None:
        self._d.audit.append(conn, actor=actor.address, action=action, subject=item.safe_tx_hash,
                             detail={"step": step, "safe": item.safe, "nonce": str(item.nonce), **detail},
                             sign=actor.sign)


def lease_end(now: datetime, settings: ExecutionSettings) -> datetime:
    return now + timedelta(seconds=settings.claim_lease_seconds)
