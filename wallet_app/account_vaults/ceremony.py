"""The online side of an account vault's signing ceremony: the sign request for a ready transfer, the signed
transaction taken back, and sending it.

`request` makes an ERC-4527 `eth-sign-request` of data type 4 (the unsigned EIP-1559 transaction) addressed to the
vault, and a `custos-check` (custos-account-check/1) carrying the online decision, the chain facts it rested on and
the approvers' EIP-712 approvals, which the offline signer verifies against its own copy of the policy. A cold vault's
key is not derived from a seed, so the request's derivation path is only the placeholder ERC-4527 requires.

`import_answer` accepts an eth-signature only for a request this profile made for that transfer, once, and only when
it is the vault's signature of the transaction's signing hash; the signed bytes are stored before anything is sent.
`send` checks the policy once more (A15), sends the stored bytes (never re-signed), and `follow_one` records the receipt
and counts confirmations to `final` (or `failed` when the transfer reverted), sending the bytes again after a
reorganisation dropped them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from eth_hash.auto import keccak
from sqlalchemy import Connection, Engine, insert, select, update

from wallet_app.account_vaults.service import AccountEntry, AccountVaultQueue
from wallet_app.account_vaults.store import BROADCAST, FAILED, FINAL, READY, SIGNED, AccountItem
from wallet_app.audit import actions
from wallet_app.audit.log import AuditLog
from wallet_app.chain.client import ChainClient
from wallet_app.errors import ChainError
from wallet_app.keys.signature import recover_address
from wallet_app.offline.online_check import UR_TYPE as CHECK_TYPE
from wallet_app.offline.online_check import OnlineCheck
from wallet_app.offline.requests import DEFAULT_PATH, ORIGIN, AnswerRefused
from wallet_app.policy.engine import Decision
from wallet_app.queue.errors import PolicyDenied, QueueError
from wallet_app.queue.exec_settings import ExecutionSettings
from wallet_app.queue.exec_tx import SendVerdict, classify_refusal
from wallet_app.storage.retry import run_in_transaction
from wallet_app.storage.schema import offline_requests
from wallet_app.ur.eth_requests import DATA_TYPE_TYPED_TRANSACTION, EthSignature, EthSignRequest
from wallet_app.ur.keypath import parse_path
from wallet_app.ur.ur import UR

KIND_ACCOUNT_TX = "account_tx"


@dataclass(frozen=True)
class AccountRequest:
    sign_request: EthSignRequest
    check: OnlineCheck
    tx_hash: str
    decision: str
    block_number: int

    @property
    def urs(self) -> tuple[UR, UR]:
        return (UR(EthSignRequest.UR_TYPE, self.sign_request.to_cbor()), UR(CHECK_TYPE, self.check.to_cbor()))


class AccountCeremony:
    def __init__(self, *, queue: AccountVaultQueue, chain: ChainClient, engine: Engine, audit: AuditLog,
                 settings: ExecutionSettings | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._queue = queue
        self._chain = chain
        self._engine = engine
        self._audit = audit
        self._settings = settings or ExecutionSettings()
        self._clock = clock

    # -- to the offline signer --------------------------------------------------------------------------------------
    def request(self, tx_hash: str) -> AccountRequest:
        entry = self._queue.entry(tx_hash)
        if entry.item.state != READY:
            raise QueueError(f"{entry.tx_hash} is {entry.item.state}; only a transfer with its approvals complete "
                             "(ready) goes to the cold ceremony")
        result = self._queue.check_policy(entry)
        if not result.decision.approvals_met:
            raise PolicyDenied(_not_met(result.decision, "no sign request was made"), result)
        if result.carried is None or result.block_number is None or result.block_hash is None:
            raise QueueError("The chain facts of the policy check could not be gathered; no sign request was made")
        tx = entry.item.tx
        assert tx is not None
        rows = self._queue.store.load_approvals([entry.tx_hash])[entry.tx_hash]
        approvals = tuple((row.approver, row.signature) for row in rows if row.approver in entry.approvers)
        request_id = uuid.uuid4()
        d = result.decision
        check = OnlineCheck(
            request_id=request_id, safe_tx_hash=tx.signing_hash(), chain_id=tx.chain_id, safe=entry.item.vault,
            nonce=tx.nonce, block_number=result.block_number, block_hash=result.block_hash,
            checked_at=result.checked_at, decision=d.decision, rules=tuple((v.id, v.verdict) for v in d.rules),
            policy_digest=result.policy_digest, policy_version=result.policy_version, proposer=entry.item.proposer,
            approvers=entry.approvers, simulation=result.simulation_text[:4_000], facts=result.carried,
            account=True, approvals=approvals)
        sign_request = EthSignRequest(
            request_id=request_id, sign_data=tx.unsigned_bytes(), data_type=DATA_TYPE_TYPED_TRANSACTION,
            chain_id=tx.chain_id, derivation_path=parse_path(DEFAULT_PATH), address=bytes.fromhex(entry.item.vault[2:]),
            origin=ORIGIN)
        with self._engine.begin() as conn:
            conn.execute(insert(offline_requests).values(
                request_id=str(request_id), chain_id=tx.chain_id, kind=KIND_ACCOUNT_TX, subject_hash=entry.tx_hash,
                safe=entry.item.vault, owner=entry.item.vault, created_at=self._clock(), answered_at=None))
            self._audit.append(conn, actor=actions.OPERATOR, action=actions.OFFLINE_REQUEST, subject=entry.tx_hash,
                               detail={"kind": "account", "request_id": str(request_id), "vault": entry.item.vault,
                                       "nonce": str(tx.nonce), "approvers": list(entry.approvers),
                                       "decision": d.decision, "block_number": result.block_number})
        return AccountRequest(sign_request, check, entry.tx_hash, d.decision, result.block_number)

    def answers_account_request(self, answer: EthSignature) -> bool:
        """Whether `answer` names a request this profile made for an account vault's transfer."""
        if answer.request_id is None:
            return False
        with self._engine.connect() as conn:
            kind = conn.execute(select(offline_requests.c.kind).where(
                offline_requests.c.request_id == str(answer.request_id))).scalar()
        return kind == KIND_ACCOUNT_TX

    def import_answer(self, answer: EthSignature, *, transport: str) -> AccountEntry:
        """Store the signed transaction the cold ceremony returned; refused (nothing stored, the refusal logged)
        unless it answers a request of this profile, once, with the vault's signature of that transaction."""
        if answer.request_id is None:
            raise self._refused("The signature names no request id, so it cannot be matched to a request", answer)
        with self._engine.connect() as conn:
            row = conn.execute(select(offline_requests).where(
                offline_requests.c.request_id == str(answer.request_id))).first()
        if row is None or int(row.chain_id) != self._queue.chain_id or row.kind != KIND_ACCOUNT_TX:
            raise self._refused(f"The signature answers request {answer.request_id}, which this desktop did not make "
                                "for an account vault's transfer", answer)
        if row.answered_at is not None:
            raise self._refused(f"The answer to request {answer.request_id} was imported already", answer)
        entry = self._queue.entry(str(row.subject_hash))
        tx = entry.item.tx
        if entry.quarantined or tx is None:
            raise self._refused(f"{entry.tx_hash} is quarantined: {entry.quarantined}", answer)
        parts = _signature_parts(answer.signature)
        if parts is None:
            raise self._refused("The answer is not a 65-byte signature (r, s, v)", answer)
        y_parity, r, s = parts
        try:
            signer = recover_address(tx.signing_hash(), r, s, y_parity)
        except Exception:
            signer = ""
        if signer != entry.item.vault:
            raise self._refused(f"The signature is not the vault {entry.item.vault}'s signature of {entry.tx_hash}: "
                                "the shares may be of another vault, or the transaction another", answer)
        raw = tx.signed_bytes(y_parity, r, s)
        now = self._clock()

        def work(conn: Connection) -> None:
            if not self._queue.store.move(conn, entry.tx_hash, READY, SIGNED, at=now, signed_tx="0x" + raw.hex(),
                                          sent_tx_hash="0x" + keccak(raw).hex()):
                raise QueueError(f"{entry.tx_hash} is no longer ready; the signed transaction was not stored")
            conn.execute(update(offline_requests).where(offline_requests.c.request_id == str(answer.request_id))
                         .values(answered_at=now))
            self._audit.append(conn, actor=entry.item.vault, action=actions.COLD_SIGNED, subject=entry.tx_hash,
                               detail={"transport": transport, "request_id": str(answer.request_id),
                                       "vault": entry.item.vault, "nonce": str(tx.nonce),
                                       "tx_hash": "0x" + keccak(raw).hex()})

        run_in_transaction(self._engine, work)
        return self._queue.entry(entry.tx_hash)

    def _refused(self, message: str, answer: EthSignature) -> AnswerRefused:
        self._audit.record(actor=actions.OPERATOR, action=actions.OFFLINE_REFUSED,
                           subject=str(answer.request_id) if answer.request_id else "", detail={"why": message[:300]})
        return AnswerRefused(message)

    # -- to the chain -----------------------------------------------------------------------------------------------
    def send(self, tx_hash: str, *, wait_seconds: float = 60.0,
             progress: Callable[[str], None] | None = None) -> AccountEntry:
        """Send the signed transfer after one more policy check, then follow it (up to `wait_seconds`)."""
        say = progress or (lambda _text: None)
        entry = self._queue.entry(tx_hash)
        item = entry.item
        if item.state == SIGNED:
            result = self._queue.check_policy(entry)
            if not result.decision.approvals_met:
                raise PolicyDenied(_not_met(result.decision, "it was not sent"), result)
            gate = self._queue.travel_rule
            if gate is not None:
                gate.require_for_execution(item.tx_hash, result)
            say("Sending the signed transaction")
            self._broadcast(item)
            with self._engine.begin() as conn:
                self._queue.store.move(conn, item.tx_hash, SIGNED, BROADCAST, at=self._clock())
                self._audit.append(conn, actor=actions.OPERATOR, action=actions.EXECUTE, subject=item.tx_hash,
                                   detail={"kind": "account", "vault": item.vault, "nonce": str(item.nonce),
                                           "tx_hash": item.sent_tx_hash, "decision_id": result.decision_id})
        elif item.state != BROADCAST:
            raise QueueError(f"{item.tx_hash} is {item.state}: only a signed transfer is sent")
        deadline = self._clock().timestamp() + wait_seconds
        while True:
            entry = self.follow_one(entry.tx_hash, say)
            if entry.item.state in (FINAL, FAILED) or self._clock().timestamp() >= deadline:
                return entry
            time.sleep(0.5)

    def follow_one(self, tx_hash: str, say: Callable[[str], None]) -> AccountEntry:
        entry = self._queue.entry(tx_hash)
        item = entry.item
        if item.state != BROADCAST or item.sent_tx_hash is None:
            return entry
        receipt = self._chain.fetch_receipt(bytes.fromhex(item.sent_tx_hash[2:]))
        now = self._clock()
        if receipt is None:
            if item.mined_block is not None:
                say("The block that held it was reorganised away: sending the same bytes again")
                with self._engine.begin() as conn:
                    self._queue.store.move(conn, item.tx_hash, BROADCAST, BROADCAST, at=now, mined_block=None,
                                           mined_block_hash=None, outcome=None)
            self._broadcast(item)
            say("Waiting for the transaction to be mined")
            return self._queue.entry(tx_hash)
        outcome = "success" if receipt.status == 1 else "reverted"
        head = self._chain.fetch_block_number()
        depth = head - receipt.block_number + 1
        with self._engine.begin() as conn:
            self._queue.store.move(conn, item.tx_hash, BROADCAST, BROADCAST, at=now,
                                   mined_block=receipt.block_number, mined_block_hash="0x" + receipt.block_hash.hex(),
                                   outcome=outcome)
            if depth >= self._settings.confirmations:
                new = FINAL if outcome == "success" else FAILED
                reason = "" if new == FINAL else "the transaction reverted on chain"
                self._queue.store.move(conn, item.tx_hash, BROADCAST, new, at=now, reason=reason, final_at=now)
                self._audit.append(conn, actor=actions.SYSTEM, action=actions.EXECUTE, subject=item.tx_hash,
                                   detail={"kind": "account", "state": new, "block_number": receipt.block_number,
                                           "confirmations": depth, "outcome": outcome})
        say(f"Mined in block {receipt.block_number}: {max(depth, 0)} of {self._settings.confirmations} confirmations")
        return self._queue.entry(tx_hash)

    def _broadcast(self, item: AccountItem) -> None:
        assert item.signed_tx is not None
        try:
            self._chain.send_raw_transaction(item.signed_tx)
        except ChainError as exc:
            verdict = classify_refusal(exc.user_message + " " + (exc.detail or ""))
            if verdict == SendVerdict.KNOWN:
                return
            if verdict == SendVerdict.NONCE_USED and self._chain.fetch_receipt(
                    bytes.fromhex((item.sent_tx_hash or "0x")[2:])) is not None:
                return  # these very bytes were mined
            raise ChainError(f"The node did not take the transfer: {exc.user_message}") from exc


def _not_met(decision: Decision, what: str) -> str:
    if decision.decision == "deny":
        return f"The policy denies this transfer now, so {what}: " + "; ".join(decision.reasons)[:600]
    roles = f" and the roles {', '.join(decision.roles_missing)}" if decision.roles_missing else ""
    return (f"The policy asks for {decision.required_approvals} approvals{roles}; {len(decision.approvals_counted)} "
            f"count now, so {what}")


def _signature_parts(signature: bytes) -> tuple[int, int, int] | None:
    """(y parity, r, s) from r || s || v, v being 0/1 (typed transactions, as Keystone sends) or 27/28."""
    if len(signature) != 65 or signature[64] not in (0, 1, 27, 28):
        return None
    v = signature[64]
    return (v - 27 if v >= 27 else v), int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big")
