"""Executing a queued transaction (issue 6; SECURITY A15, G1-G7, 6.2): `Executor.execute`, run by
`QueueService.execute_with`.

1. The vault's items in flight are followed first (used nonces settled), then the item is loaded and verified now.
   Refused: quarantined; fewer valid signatures than the threshold; a nonce the vault used already, or one above the
   vault's nonce (the earlier nonce is named); a vault blocked for signing (F4).
2. The policy decides again, with the signatures that count now (A15): it must allow it with its approvals met and
   its delay passed since the quorum was complete; its `max_fee_per_gas` caps the fees.
3. A lagging state is caught up (approving whose signatures now meet the threshold -> ready), then the item is
   claimed with one conditional UPDATE (G7), or an expired claim under which nothing was signed is taken over. The
   unique index of in-flight items refuses a second item at one vault nonce (G5).
4. execTransaction is simulated from the executor (it must return true), its gas estimated (+ margin), the EIP-1559
   fees set under the cap (a base fee above the cap: refused), the executor's balance checked. Any refusal here
   releases the claim; nothing was signed.
5. The EOA nonce: the node's pending count, never one of Custos's own stored transactions of that executor. The
   transaction is signed, and its raw bytes stored with the state change and the signed audit entry in one
   transaction, BEFORE they are sent.
6-7. The stored bytes are sent and followed to the receipt, the Safe's ExecutionSuccess/ExecutionFailure and the
   configured confirmations (`wallet_app.queue.follow`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from wallet_app.audit import actions
from wallet_app.audit.entry import as_utc
from wallet_app.domain.safe_tx import build_exec_transaction
from wallet_app.errors import CallReverted, WalletError
from wallet_app.faults import faultpoint
from wallet_app.keys.signer import Signer
from wallet_app.policy.checker import CheckResult
from wallet_app.queue.errors import PolicyDenied, QueueError
from wallet_app.queue.exec_store import (
    CLEARED_CLAIM,
    highest_eoa_nonce,
    move_claimed,
    rows_with_token,
    take_exec_lock,
)
from wallet_app.queue.exec_tx import ExecTx, SignedExec, revert_reason, sign_exec_transaction
from wallet_app.queue.fees import describe_wei_per_gas, plan_fees
from wallet_app.queue.follow import Follower
from wallet_app.queue.follow_base import Actor, ExecDeps, Progress, claim_abandoned, label, lease_end, noop
from wallet_app.queue.records import BroadcastRow, QueueItem
from wallet_app.queue.states import (
    APPROVING,
    BROADCAST,
    CLAIMED,
    CLOSED,
    FAILED,
    FINAL,
    IN_FLIGHT,
    MINED,
    NONCE_HOLDERS,
    PROPOSED,
    READY,
    REJECTED,
    SIGNED_FOR_EXECUTION,
    STALE,
)
from wallet_app.queue.store import QueueStore
from wallet_app.queue.views import ExecutionResult, QueueEntry
from wallet_app.storage.retry import run_in_transaction

NONCE_ATTEMPTS = 3


class FeesAboveCap(QueueError):
    code = "queue_fees_above_cap"


class ExecutorWithoutFunds(QueueError):
    code = "queue_executor_without_funds"


@dataclass(frozen=True)
class ExecutionChecks:
    load_entry: Callable[[str], QueueEntry]  # verified now (QueueService.entry)
    check_policy: Callable[[QueueEntry, tuple[str, ...]], CheckResult]  # decided and recorded now
    check_vault: Callable[[str], Any]  # F4: raises when the vault may not be signed for
    # The Travel Rule: raises when it applies and the transfer's record is missing or does not hold
    check_travel_rule: Callable[[str, CheckResult], None] | None = None


class Executor:
    def __init__(self, deps: ExecDeps, follower: Follower, checks: ExecutionChecks) -> None:
        self._d = deps
        self._follower = follower
        self._checks = checks

    @property
    def _store(self) -> QueueStore:
        return self._d.store

    def execute(self, safe_tx_hash: str, signer: Signer, *, wait_seconds: float = 60.0,
                progress: Progress | None = None) -> ExecutionResult:
        say = progress or noop
        actor = Actor.of(signer)
        first = self._store.load_item(safe_tx_hash)
        if first is None:
            raise QueueError(f"No queued transaction has the safeTxHash {safe_tx_hash}")
        say("Following the vault's transactions on chain")
        notes = self._follower.follow(safe=first.safe, actor=actor, progress=say)
        entry = self._checks.load_entry(safe_tx_hash)
        item = entry.item
        if item.state in (SIGNED_FOR_EXECUTION, BROADCAST, MINED):  # signed before: followed, never signed again
            if item.executor != actor.address:
                raise QueueError(f"{item.safe_tx_hash} is already {item.state}: {item.executor} sent it "
                                 f"({item.exec_tx_hash}); nothing was signed here, and custos safe queue follows it")
            notes.append(f"{label(item)} was signed for execution before (by {item.executor}); its stored "
                         "transaction was followed and nothing was signed again")
            return self._finish(item, actor, wait_seconds, say, notes)
        self._refuse_closed(entry)
        self._checks.check_vault(item.safe)  # F4 first: a vault taken over no longer reads as a Safe at all
        self._refuse_unexecutable(entry)
        check = self._decide(entry)
        entry = self._catch_up(entry)
        self._require_delay(entry, check)
        token = self._claim(entry, actor)
        say(f"Claimed {label(item)} for execution on {self._d.host}")
        faultpoint("exec.after_claim_before_sign")
        try:
            row = self._sign_and_store(entry, actor, check, token, say)
        except Exception as exc:
            self._release(entry.item, token, actor, getattr(exc, "user_message", exc.__class__.__name__))
            raise
        faultpoint("exec.after_persist_before_send")
        notes += self._follower.send(self._follower.reload(item), row, actor, say)
        return self._finish(self._follower.reload(item), actor, wait_seconds, say, notes)

    # -- refusals -----------------------------------------------------------------------------------------------
    @staticmethod
    def _refuse_closed(entry: QueueEntry) -> None:
        item = entry.item
        if item.state in (FINAL, FAILED):
            never = " A failed transaction is never executed again (the vault used its nonce)." \
                if item.state == FAILED else ""
            raise QueueError(f"{item.safe_tx_hash} was executed already: it is {item.state} (executor transaction "
                             f"{item.exec_tx_hash}, block {item.mined_block}).{never}")
        if item.state in (STALE, REJECTED):
            raise QueueError(f"{item.safe_tx_hash} is {item.state}: {item.state_reason or 'its nonce is used'}; it "
                             "can never execute")

    def _refuse_unexecutable(self, entry: QueueEntry) -> None:
        item = entry.item
        if entry.quarantined:
            raise QueueError(f"{item.safe_tx_hash} is quarantined: {entry.quarantined}")
        if entry.vault_nonce is None or entry.threshold <= 0:
            raise QueueError(f"{item.safe} could not be read, so the signatures cannot be counted; nothing was "
                             "signed. Try again when the node answers")
        if entry.valid_signatures < entry.threshold:
            summary = entry.tally.summary() if entry.tally is not None else \
                f"0 valid signatures of threshold {entry.threshold}"
            raise QueueError(f"{item.safe_tx_hash} has {summary}: it cannot be executed yet")
        if item.nonce < entry.vault_nonce:
            raise QueueError(f"The vault's nonce is already {entry.vault_nonce}: nonce {item.nonce} is used, so "
                             f"{item.safe_tx_hash} can never execute")
        if item.nonce > entry.vault_nonce:
            items, _broken = self._store.load_items(safe=item.safe)
            earlier = [i.safe_tx_hash for i in items if i.nonce == entry.vault_nonce and i.state not in CLOSED]
            waiting = f" (queued there: {', '.join(earlier)})" if earlier else \
                " (nothing in the queue uses it: propose a transaction or a rejection at that nonce)"
            raise QueueError(f"{item.safe_tx_hash} has nonce {item.nonce}, but the vault's next nonce is "
                             f"{entry.vault_nonce}: nonce {entry.vault_nonce} must execute first{waiting}")

    def _decide(self, entry: QueueEntry) -> CheckResult:
        check = self._checks.check_policy(entry, tuple(entry.signers))
        decision = check.decision
        if decision.decision == "deny":
            raise PolicyDenied("The policy denies this transaction at execution, so nothing was signed: "
                               + "; ".join(decision.reasons)[:600], check)
        if not decision.approvals_met:
            roles = f" ({', '.join(decision.required_roles)} among them)" if decision.required_roles else ""
            missing = f", and no approver holds the role {', '.join(decision.roles_missing)}" \
                if decision.roles_missing else ""
            raise PolicyDenied(f"The policy needs {decision.required_approvals} approvals from owners other than the "
                               f"proposer{roles}; {len(decision.approvals_counted)} count now{missing}. Nothing was "
                               "signed", check)
        if self._checks.check_travel_rule is not None:
            self._checks.check_travel_rule(entry.safe_tx_hash, check)
        return check

    def _require_delay(self, entry: QueueEntry, check: CheckResult) -> None:
        delay = check.decision.delay_seconds
        if delay <= 0:
            return
        ready_at = as_utc(entry.item.ready_at) if entry.item.ready_at is not None else self._d.clock()
        opens = ready_at.timestamp() + delay
        if self._d.clock().timestamp() < opens:
            moment = datetime.fromtimestamp(opens, tz=ready_at.tzinfo).isoformat(timespec="seconds")
            raise QueueError(f"The policy delays this transaction {delay} s after its quorum was complete: it may be "
                             f"executed from {moment}; nothing was signed")

    # -- state -----------------------------------------------------------------------------------------------------
    def _catch_up(self, entry: QueueEntry) -> QueueEntry:
        """A stored state that lags the signatures (approving, while they now meet the threshold) moves to ready."""
        item = entry.item
        if item.state not in (PROPOSED, APPROVING) or entry.state != READY:
            return entry
        now = self._d.clock()

        def work(conn: Connection) -> None:
            take_exec_lock(conn)
            if self._store.move(conn, item.safe_tx_hash, item.state, READY, at=now,
                                ready_at=item.ready_at or now):
                self._follower.audit_step(conn, Actor(actions.SYSTEM), item, "ready", {
                    "valid_signatures": entry.valid_signatures, "threshold": entry.threshold})

        run_in_transaction(self._store.engine, work)
        return self._checks.load_entry(item.safe_tx_hash)

    def _claim(self, entry: QueueEntry, actor: Actor) -> str:
        item = entry.item
        token = uuid.uuid4().hex
        now = self._d.clock()
        expires = lease_end(now, self._d.settings)

        def work(conn: Connection) -> QueueItem | None:
            take_exec_lock(conn)
            current = self._store.load_item(item.safe_tx_hash, conn)
            if current is None:
                raise QueueError(f"{item.safe_tx_hash} is no longer in the queue")
            if current.state == CLAIMED and current.claim_token is not None and claim_abandoned(current, now) \
                    and not rows_with_token(conn, self._store.chain_id, item.safe_tx_hash, current.claim_token):
                # its desktop went away before signing anything: taken over (released, then claimed, atomically)
                move_claimed(conn, self._store.chain_id, item.safe_tx_hash, current.claim_token, READY, at=now,
                             reason=f"the claim of {current.claimed_by} ended with nothing signed", **CLEARED_CLAIM)
            if not self._store.claim(conn, item.safe_tx_hash, token=token, by=self._d.host, at=now, expires=expires,
                                     from_states=[READY]):
                return current
            self._follower.audit_step(conn, actor, current, "claimed", {
                "executor": actor.address, "claim_expires_at": expires.isoformat(timespec="seconds"),
                "taken_over_from": (current.claimed_by or "") if current.state == CLAIMED else ""})
            return None

        try:
            refused = run_in_transaction(self._store.engine, work)
        except IntegrityError:
            raise QueueError(self._nonce_busy(item)) from None
        if refused is not None:
            raise QueueError(self._held(refused))
        return token

    def _held(self, current: QueueItem) -> str:
        if current.state == CLAIMED:
            until = as_utc(current.claim_expires_at).isoformat(timespec="seconds") if current.claim_expires_at \
                else "?"
            return (f"{current.safe_tx_hash} is being executed by {current.claimed_by} (its claim runs until "
                    f"{until}); nothing was done here")
        if current.state in IN_FLIGHT or current.state in CLOSED:
            who = current.executor or current.claimed_by or "another desktop"
            return f"{current.safe_tx_hash} is already {current.state} (executed by {who}); nothing was done here"
        return f"{current.safe_tx_hash} is {current.state} now, not ready; nothing was done here"

    def _nonce_busy(self, item: QueueItem) -> str:
        items, _broken = self._store.load_items(safe=item.safe)
        other = next((i for i in items if i.nonce == item.nonce and i.state in NONCE_HOLDERS
                      and i.safe_tx_hash != item.safe_tx_hash), None)
        named = f"{other.safe_tx_hash} ({other.state})" if other is not None else "another transaction"
        return (f"Another transaction at nonce {item.nonce} of {item.safe} is executing or executed: {named}. A "
                f"vault nonce is used once, so {item.safe_tx_hash} was not claimed; it becomes stale when that one "
                "is final (G5)")

    def _release(self, item: QueueItem, token: str, actor: Actor, reason: str) -> None:
        now = self._d.clock()

        def work(conn: Connection) -> None:
            take_exec_lock(conn)
            if rows_with_token(conn, self._store.chain_id, item.safe_tx_hash, token):
                return  # something was stored under this claim: it is followed, never released
            if move_claimed(conn, self._store.chain_id, item.safe_tx_hash, token, READY, at=now,
                            reason=f"not executed: {reason}"[:500], **CLEARED_CLAIM):
                self._follower.audit_step(conn, actor, item, "released", {"reason": reason[:300]})

        try:
            run_in_transaction(self._store.engine, work)
        except Exception:  # noqa: S110 - the original error is what the person sees; the lease frees it later
            pass

    # -- building, signing, storing --------------------------------------------------------------------------------
    def _sign_and_store(self, entry: QueueEntry, actor: Actor, check: CheckResult, token: str,
                        say: Progress) -> BroadcastRow:
        item = entry.item
        signer = actor.signer
        assert signer is not None and entry.tally is not None
        executor = actor.address
        chain = self._d.chain
        data = build_exec_transaction(item.safe_tx, entry.tally.encode_for_execution())
        say("Simulating execTransaction from the executor")
        try:
            returned = chain.call(item.safe, data, sender=executor)
        except CallReverted as exc:
            raise QueueError(f"The vault would refuse this execution now ({revert_reason(exc.revert_data)}); "
                             "nothing was signed") from None
        if len(returned) < 32 or int.from_bytes(returned[:32], "big") != 1:
            raise QueueError("The simulated execTransaction did not return true; nothing was signed")
        gas = chain.estimate_gas(executor, item.safe, data) * (100 + self._d.settings.gas_margin_percent) // 100
        quote = chain.fetch_fees()
        cap = check.decision.max_fee_per_gas
        fees = plan_fees(quote, cap)
        if fees is None:
            assert cap is not None
            raise FeesAboveCap(f"The network's fees are above the policy's cap: the base fee is "
                               f"{describe_wei_per_gas(quote.base_fee)} per gas and the policy allows at most "
                               f"{describe_wei_per_gas(cap)}. Nothing was signed; the item is ready again")
        worst = gas * fees.max_fee_per_gas
        balance = chain.fetch_balance(executor, "pending")
        if balance < worst:
            raise ExecutorWithoutFunds(
                f"Executor without funds: {executor} holds {balance} wei, and executing may cost up to {worst} wei "
                f"({gas:,} gas at up to {describe_wei_per_gas(fees.max_fee_per_gas)} per gas). Fund it or execute "
                "with another key; nothing was signed and the item is ready again")
        for _attempt in range(NONCE_ATTEMPTS):
            nonce = self._pick_nonce(executor)
            tx = ExecTx(chain_id=self._store.chain_id, nonce=nonce, to=item.safe, value=0, data=data, gas=gas,
                        fees=fees)
            say(f"Signing the executor transaction (nonce {nonce} of {executor}, up to "
                f"{describe_wei_per_gas(fees.max_fee_per_gas)} per gas)")
            signed = sign_exec_transaction(tx, signer)
            faultpoint("exec.after_sign_before_persist")
            row = self._store_signed(item, signed, actor, token, check)
            if row is not None:
                return row
        raise QueueError("Another desktop kept taking the executor's next nonce; nothing was sent. Try again")

    def _pick_nonce(self, executor: str) -> int:
        pending = self._d.chain.fetch_transaction_count(executor, "pending")
        with self._store.engine.connect() as conn:
            highest = highest_eoa_nonce(conn, self._store.chain_id, executor)
        return pending if highest is None else max(pending, highest + 1)

    def _store_signed(self, item: QueueItem, signed: SignedExec, actor: Actor, token: str,
                      check: CheckResult) -> BroadcastRow | None:
        """The write-ahead: raw bytes, hash, EOA nonce and fees stored, claimed -> signed_for_execution and the
        executor's signed audit entry, in one transaction, before anything is sent. None when another desktop
        stored a transaction at that EOA nonce meanwhile (this signature is dropped, never sent)."""
        now = self._d.clock()
        tx = signed.tx

        def work(conn: Connection) -> int | None:
            take_exec_lock(conn)
            current = self._store.load_item(item.safe_tx_hash, conn)
            if current is None or current.state != CLAIMED or current.claim_token != token:
                raise QueueError(f"The claim on {item.safe_tx_hash} was lost (its lease expired and another desktop "
                                 "took it over); nothing was sent from here")
            highest = highest_eoa_nonce(conn, self._store.chain_id, actor.address)
            if highest is not None and highest >= tx.nonce:
                return None
            row_id = self._store.insert_broadcast(
                conn, item.safe_tx_hash, executor=actor.address, eoa_nonce=tx.nonce, raw_tx=signed.raw,
                tx_hash=signed.tx_hash, gas=tx.gas, max_fee_per_gas=tx.fees.max_fee_per_gas,
                max_priority_fee_per_gas=tx.fees.max_priority_fee_per_gas, claim_token=token, at=now)
            if not move_claimed(conn, self._store.chain_id, item.safe_tx_hash, token, SIGNED_FOR_EXECUTION, at=now,
                                executor=actor.address, exec_tx_hash=signed.tx_hash):
                raise QueueError(f"The claim on {item.safe_tx_hash} was lost; nothing was sent from here")
            self._follower.audit_step(conn, actor, current, "signed", {
                "tx_hash": signed.tx_hash, "executor": actor.address, "eoa_nonce": tx.nonce, "gas": tx.gas,
                "max_fee_per_gas": str(tx.fees.max_fee_per_gas),
                "max_priority_fee_per_gas": str(tx.fees.max_priority_fee_per_gas),
                "decision": check.decision.decision, "decision_id": check.decision_id,
                "policy_max_fee_per_gas": None if check.decision.max_fee_per_gas is None
                else str(check.decision.max_fee_per_gas)})
            return row_id

        row_id = run_in_transaction(self._store.engine, work)
        if row_id is None:
            return None
        rows: Sequence[BroadcastRow] = self._store.load_broadcasts(item.safe_tx_hash)
        return next(r for r in rows if r.id == row_id)

    # -- waiting for the chain ---------------------------------------------------------------------------------------
    def _finish(self, item: QueueItem, actor: Actor, wait_seconds: float, say: Progress,
                notes: list[str]) -> ExecutionResult:
        start = time.monotonic()
        deadline = start + max(0.0, wait_seconds)
        said = start
        delay = 0.05
        current = item
        trouble = ""
        while True:
            current = self._follower.reload(current)
            if current.state in IN_FLIGHT:
                try:
                    notes += self._follower.follow_item(current, actor, say, replace_ok=False)
                except WalletError as exc:  # the node is unwell now: the stored bytes stay, waiting goes on
                    trouble = exc.user_message
                current = self._follower.reload(current)
            if current.state not in IN_FLIGHT:
                break
            now = time.monotonic()
            if now >= deadline:
                notes.append(f"{label(current)} is {current.state} after {wait_seconds:.0f} s; custos safe queue "
                             "follows it to the final state" + (f" (last trouble: {trouble})" if trouble else ""))
                break
            if now - said >= 5:
                said = now
                say(f"Waiting for {current.exec_tx_hash} ({current.state}, {now - start:.0f} s)")
            time.sleep(min(delay, max(0.0, deadline - now)))
            delay = min(delay * 2, self._d.settings.poll_seconds)
        if current.state in (READY, STALE):
            raise QueueError(f"{label(current)} is {current.state} again: {current.state_reason}")
        if current.state in (FINAL, FAILED):
            notes += self._follower.settle_used_nonces(current.safe)
        return self._result(current, notes)

    def _result(self, item: QueueItem, notes: list[str]) -> ExecutionResult:
        rows = self._store.load_broadcasts(item.safe_tx_hash)
        row = self._follower.current_row(item, rows)
        gas_used = None
        if item.state in (MINED, FINAL, FAILED):
            receipt = self._d.chain.fetch_receipt(bytes.fromhex(row.tx_hash[2:]))
            gas_used = receipt.gas_used if receipt is not None else None
        entry = self._checks.load_entry(item.safe_tx_hash)
        return ExecutionResult(entry=entry, chain_tx_hash=row.tx_hash, executor=row.executor,
                               eoa_nonce=row.eoa_nonce, max_fee_per_gas=row.max_fee_per_gas,
                               max_priority_fee_per_gas=row.max_priority_fee_per_gas,
                               block_number=item.mined_block, outcome=item.outcome, gas_used=gas_used,
                               notes=tuple(notes))

