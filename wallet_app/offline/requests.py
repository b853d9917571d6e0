"""The online desktop's side of offline signing: a sign request for one owner of one pending approval, and the
answer taken back.

`create` checks the item as an approval would (the policy decides now, with this owner's approval counted) and
refuses to send what the policy denies; it keeps a row for the request so that `import_answer` accepts a signature
only for a request this profile made, from the owner it was made for, over the safeTxHash it named (SECURITY K2),
and only once (K3). The signature is then stored through the queue's own import, which verifies it again against
the vault's owners now.
"""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from wallet_app.audit import actions
from wallet_app.audit.log import AuditLog
from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.safe_tx import SafeTxHashes, compute_hashes
from wallet_app.errors import WalletError
from wallet_app.keys.registry import OfflineOrigin
from wallet_app.keys.signature import recover_address
from wallet_app.offline.online_check import UR_TYPE as CHECK_TYPE
from wallet_app.offline.online_check import MessageCheck, OnlineCheck
from wallet_app.queue.errors import PolicyDenied, QueueError
from wallet_app.queue.message_service import MessageQueue
from wallet_app.queue.service import QueueService, hash_arg
from wallet_app.safe.messages import safe_message_hashes
from wallet_app.safe.tx_typed_data import safe_message_typed_data, safe_tx_typed_data
from wallet_app.storage.schema import offline_requests
from wallet_app.ur.eth_requests import DATA_TYPE_TYPED_DATA, EthSignature, EthSignRequest
from wallet_app.ur.keypath import KeyPath, parse_path
from wallet_app.ur.ur import UR

KIND_SAFE_TX = "safe_tx"
KIND_SAFE_MESSAGE = "safe_message"
SOURCE_OFFLINE = "offline"
ORIGIN = "Custos"
DEFAULT_PATH = "m/44'/60'/0'/0/0"  # the owner's key origin when no paired device recorded another


class AnswerRefused(WalletError):
    """A signature brought back from an offline signer that does not answer a request of this profile."""

    code = "offline_answer_refused"


@dataclass(frozen=True)
class SentRequest:
    sign_request: EthSignRequest
    check: OnlineCheck | MessageCheck
    subject_hash: str  # the safeTxHash or SafeMessage hash asked for
    hashes: SafeTxHashes
    block_number: int | None = None  # where the chain facts were read (a transaction's)
    decision: str = ""

    @property
    def urs(self) -> tuple[UR, UR]:
        return (UR(EthSignRequest.UR_TYPE, self.sign_request.to_cbor()), UR(CHECK_TYPE, self.check.to_cbor()))


@dataclass(frozen=True, slots=True)
class ImportedAnswer:
    subject_hash: str
    state: str
    signed: int
    threshold: int


class OfflineRequests:
    def __init__(self, *, queue: QueueService, engine: Engine, audit: AuditLog, messages: MessageQueue | None = None,
                 key_origins: Callable[[str], OfflineOrigin | None] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        """`key_origins`: the key origin a paired offline signer declared for an owner (KeyService.offline_origin),
        which the request names as its derivation path (an ERC-4527 signer finds its key by it)."""
        self._queue = queue
        self._key_origins = key_origins
        self._messages = messages
        self._engine = engine
        self._audit = audit
        self._clock = clock

    def create(self, subject_hash: str, owner: str) -> SentRequest:
        """A sign request for `owner` of the queued transaction (safeTxHash) or Safe message (SafeMessage hash)."""
        key = hash_arg(subject_hash, "safeTxHash or SafeMessage hash")
        signer = to_checksum(owner)
        origin = self._key_origins(signer) if self._key_origins is not None else None
        path = parse_path(DEFAULT_PATH) if origin is None or origin.path is None else \
            parse_path(origin.path, source_fingerprint=origin.fingerprint)
        if self._messages is not None and self._messages.has(key):
            sent = self._message_request(key, signer, path)
        else:
            sent = self._transaction_request(key, signer, path)
        with self._engine.begin() as conn:
            conn.execute(insert(offline_requests).values(
                request_id=str(sent.sign_request.request_id), chain_id=self._queue.chain_id,
                kind=KIND_SAFE_TX if isinstance(sent.check, OnlineCheck) else KIND_SAFE_MESSAGE, subject_hash=key,
                safe=sent.check.safe, owner=signer, created_at=self._clock(), answered_at=None))
            self._audit.append(conn, actor=actions.OPERATOR, action=actions.OFFLINE_REQUEST, subject=key, detail={
                "request_id": str(sent.sign_request.request_id), "owner": signer, "safe": sent.check.safe,
                "decision": sent.decision, "block_number": sent.block_number})
        return sent

    def _transaction_request(self, key: str, signer: str, path: KeyPath) -> SentRequest:
        entry = self._queue.entry(key)
        if entry.quarantined:
            raise QueueError(f"{key} is quarantined: {entry.quarantined}")
        _require_owner(signer, entry.owners, entry.signers, entry.item.safe, key)
        approvers = (*entry.signers, signer)
        result = self._queue.check_policy(key, approvers=approvers)
        if result.decision.decision == "deny":
            raise PolicyDenied("The policy denies this transaction now, so no sign request was made: "
                               + "; ".join(result.decision.reasons)[:600], result)
        if result.carried is None or result.block_number is None or result.block_hash is None:
            raise QueueError("The chain facts of the policy check could not be gathered; no sign request was made")
        request_id = uuid.uuid4()
        tx = result.safe_tx
        d = result.decision
        check = OnlineCheck(
            request_id=request_id, safe_tx_hash=result.safe_tx_hash, chain_id=tx.chain_id, safe=tx.safe,
            nonce=tx.nonce, block_number=result.block_number, block_hash=result.block_hash,
            checked_at=result.checked_at, decision=d.decision, rules=tuple((v.id, v.verdict) for v in d.rules),
            policy_digest=result.policy_digest, policy_version=result.policy_version,
            proposer=entry.item.proposer, approvers=approvers, simulation=result.simulation_text[:4_000],
            facts=result.carried)
        request = _sign_request(request_id, safe_tx_typed_data(tx), tx.chain_id, path, signer)
        return SentRequest(request, check, key, compute_hashes(tx), result.block_number, d.decision)

    def _message_request(self, key: str, signer: str, path: KeyPath) -> SentRequest:
        assert self._messages is not None
        entry = self._messages.entry(key)
        if entry.quarantined:
            raise QueueError(f"{key} is quarantined: {entry.quarantined}")
        _require_owner(signer, entry.owners, entry.signers, entry.item.safe, key)
        item = entry.item
        digest = item.digest()
        hashes = safe_message_hashes(item.safe, item.chain_id, entry.version, digest)
        request_id = uuid.uuid4()
        check = MessageCheck(request_id=request_id, message_hash=hashes.safe_tx_hash, chain_id=item.chain_id,
                             safe=item.safe, kind=item.kind, statement=item.typed(), proposer=item.proposer)
        request = _sign_request(request_id, safe_message_typed_data(item.safe, item.chain_id, digest), item.chain_id,
                                path, signer)
        return SentRequest(request, check, key, hashes)

    def import_answer(self, answer: EthSignature, *, transport: str) -> ImportedAnswer:
        """Store the signature of an offline owner for the request it answers; refused (nothing stored, the refusal
        logged) when it answers no request of this profile, another hash or owner, or was imported already."""
        if answer.request_id is None:
            raise self._refused("The signature names no request id, so it cannot be matched to a request of this "
                                "desktop", None)
        with self._engine.connect() as conn:
            row = conn.execute(select(offline_requests).where(
                offline_requests.c.request_id == str(answer.request_id))).first()
        if row is None or int(row.chain_id) != self._queue.chain_id:
            raise self._refused(f"The signature answers request {answer.request_id}, which this desktop did not make "
                                "(or made on another chain)", answer)
        if row.answered_at is not None:
            raise self._refused(f"The answer to request {answer.request_id} was imported already "
                                f"({row.answered_at:%Y-%m-%d %H:%M} UTC); a second copy is not counted", answer)
        digest = bytes.fromhex(str(row.subject_hash)[2:])
        signature = _normalised(answer.signature)
        signer = _recover(digest, signature)
        if signer is None or not hmac.compare_digest(signer, str(row.owner)):
            raise self._refused(f"The signature is not {row.owner}'s signature of {row.subject_hash} (the request it "
                                "answers): it may be for another transaction, vault, chain or nonce", answer)
        detail = {"transport": transport, "request_id": str(answer.request_id)}
        imported: ImportedAnswer
        if str(row.kind) == KIND_SAFE_MESSAGE and self._messages is not None:
            message = self._messages.import_signature(str(row.subject_hash), signature, str(row.owner),
                                                      source=SOURCE_OFFLINE, detail=detail)
            imported = ImportedAnswer(message.message_hash, message.state, message.valid_signatures,
                                      message.threshold)
        else:
            entry = self._queue.import_signature(str(row.subject_hash), "0x" + signature.hex(), str(row.owner),
                                                 source=SOURCE_OFFLINE, detail=detail)
            imported = ImportedAnswer(entry.safe_tx_hash, entry.state, len(entry.signers), entry.threshold)
        with self._engine.begin() as conn:
            conn.execute(update(offline_requests).where(offline_requests.c.request_id == str(answer.request_id))
                         .values(answered_at=self._clock()))
        return imported

    def _refused(self, message: str, answer: EthSignature | None) -> AnswerRefused:
        self._audit.record(actor=actions.OPERATOR, action=actions.OFFLINE_REFUSED,
                           subject=str(answer.request_id) if answer and answer.request_id else "",
                           detail={"why": message[:300]})
        return AnswerRefused(message)


def _require_owner(signer: str, owners: tuple[str, ...], signers: tuple[str, ...], safe: str, key: str) -> None:
    if signer not in owners:
        raise QueueError(f"{signer} is not an owner of {safe} now, so it cannot approve")
    if signer in signers:
        raise QueueError(f"{signer} has approved {key} already")


def _sign_request(request_id: uuid.UUID, typed: dict[str, object], chain_id: int, path: KeyPath,
                  signer: str) -> EthSignRequest:
    return EthSignRequest(request_id=request_id, data_type=DATA_TYPE_TYPED_DATA, chain_id=chain_id,
                          sign_data=json.dumps(typed, separators=(",", ":")).encode("utf-8"), derivation_path=path,
                          address=bytes.fromhex(signer[2:]), origin=ORIGIN)


def _normalised(signature: bytes) -> bytes:
    """r || s || v with v 27 or 28 (ERC-4527 signers may give 0 or 1 for typed data); a longer signature (a legacy
    transaction's EIP-155 v) answers no request Custos makes and is refused by the recovery check."""
    if len(signature) != 65:
        return b""
    v = signature[64]
    return signature[:64] + bytes([v + 27]) if v in (0, 1) else signature


def _recover(digest: bytes, signature: bytes) -> str | None:
    if len(signature) != 65:
        return None
    r, s, v = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"), signature[64]
    if v not in (27, 28):
        return None
    try:
        return recover_address(digest, r, s, v - 27)
    except Exception:
        return None
