"""What the online desktop checked before it asked an offline signer: its decision, every rule's verdict, and the
chain facts at the block it read them, bound to the request by the request id and the safeTxHash.

It travels beside the ERC-4527 `eth-sign-request` as a UR of Custos's own type, `custos-check`, whose CBOR is a map
{1: request id (tag 37, 16 bytes), 2: safeTxHash (32 bytes), 3: the check as JSON text}. A signer that does not know
the type ignores it; Custos's offline signer never takes it as its own finding: it re-decides with these facts and
shows every verdict that rests on them as checked online at block N.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.strict_json import loads_strict
from wallet_app.errors import WalletError
from wallet_app.policy.carried_facts import CarriedFacts, CarriedFactsError
from wallet_app.ur.cbor import Tagged, dumps, loads
from wallet_app.ur.errors import URError

UR_TYPE = "custos-check"
FORMAT = "custos-check/1"
ACCOUNT_FORMAT = "custos-account-check/1"  # an account vault's transfer: the check and the approvals gathered online
MESSAGE_FORMAT = "custos-message-check/1"
MAX_JSON_BYTES = 512 * 1024
_VERDICTS = ("pass", "deny", "escalate", "skip", "match")
_DECISIONS = ("allow", "deny", "escalate")
_KEYS = {"format", "chain_id", "safe", "nonce", "block_number", "block_hash", "checked_at", "decision", "rules",
         "policy_digest", "policy_version", "proposer", "approvers", "simulation", "facts"}


class OnlineCheckError(WalletError, ValueError):
    code = "online_check"


@dataclass(frozen=True)
class OnlineCheck:
    request_id: uuid.UUID
    safe_tx_hash: bytes
    chain_id: int
    safe: str
    nonce: int
    block_number: int
    block_hash: bytes
    checked_at: datetime
    decision: str
    rules: tuple[tuple[str, str], ...]  # (rule id, verdict); the words are the signer's own
    policy_digest: str | None
    policy_version: int | None
    proposer: str | None
    approvers: tuple[str, ...]
    simulation: str
    facts: CarriedFacts
    # An account vault's transfer (`safe` is the vault, `safe_tx_hash` the unsigned transaction's signing hash): the
    # approvers' EIP-712 approvals gathered online, (approver, 65-byte signature), which the signer verifies itself.
    account: bool = False
    approvals: tuple[tuple[str, bytes], ...] = ()

    def to_cbor(self) -> bytes:
        body: dict[str, Any] = {
            "format": ACCOUNT_FORMAT if self.account else FORMAT, "chain_id": self.chain_id, "safe": self.safe,
            "nonce": str(self.nonce),
            "block_number": self.block_number, "block_hash": "0x" + self.block_hash.hex(),
            "checked_at": self.checked_at.isoformat(), "decision": self.decision,
            "rules": [list(v) for v in self.rules], "policy_digest": self.policy_digest,
            "policy_version": self.policy_version, "proposer": self.proposer, "approvers": list(self.approvers),
            "simulation": self.simulation, "facts": self.facts.to_json(),
        }
        if self.account:
            body["approvals"] = [[approver, "0x" + signature.hex()] for approver, signature in self.approvals]
        elif self.approvals:
            raise ValueError("only an account vault's check carries approvals")
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return dumps({1: Tagged(37, self.request_id.bytes), 2: self.safe_tx_hash, 3: text})

    @classmethod
    def from_cbor(cls, cbor: bytes) -> OnlineCheck:
        check = read_check(cbor)
        if not isinstance(check, OnlineCheck):
            raise OnlineCheckError("This online check is about a Safe message, not a transaction")
        return check


@dataclass(frozen=True)
class MessageCheck:
    """For a Safe message (a holding statement a vault's quorum signs): the statement's own typed data, whose EIP-712
    digest is the message inside the SafeMessage the owner signs, so that the signer shows the statement itself."""

    request_id: uuid.UUID
    message_hash: bytes  # the SafeMessage hash
    chain_id: int
    safe: str
    kind: str
    statement: dict[str, Any]  # EIP-712 typed data
    proposer: str

    def to_cbor(self) -> bytes:
        body = {"format": MESSAGE_FORMAT, "chain_id": self.chain_id, "safe": self.safe, "kind": self.kind,
                "statement": self.statement, "proposer": self.proposer}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return dumps({1: Tagged(37, self.request_id.bytes), 2: self.message_hash, 3: text})


def read_check(cbor: bytes) -> OnlineCheck | MessageCheck:
    """The check that came with a request: about a Safe transaction or a Safe message."""
    try:
        return _read(cbor)
    except (CarriedFactsError, WalletError, ValueError) as exc:
        if isinstance(exc, OnlineCheckError):
            raise
        message = exc.user_message if isinstance(exc, WalletError) else str(exc)
        raise OnlineCheckError(f"The online check that came with the request is malformed: {message}") from None


def _read(cbor: bytes) -> OnlineCheck | MessageCheck:
    item = loads(cbor, max_depth=4)
    if not isinstance(item, dict) or set(item) != {1, 2, 3}:
        raise OnlineCheckError("The online check must be a map with the keys 1, 2 and 3")
    rid, digest, text = item[1], item[2], item[3]
    if not isinstance(rid, Tagged) or rid.tag != 37 or not isinstance(rid.value, bytes) or len(rid.value) != 16:
        raise OnlineCheckError("The online check's request id is not a UUID")
    if not isinstance(digest, bytes) or len(digest) != 32 or not isinstance(text, str):
        raise OnlineCheckError("The online check's safeTxHash or body is malformed")
    body = loads_strict(text, "the online check", limit=MAX_JSON_BYTES)
    if isinstance(body, dict) and body.get("format") == MESSAGE_FORMAT:
        if set(body) != {"format", "chain_id", "safe", "kind", "statement", "proposer"} or \
                not isinstance(body["statement"], dict):
            raise OnlineCheckError(f"The message check is not in the form {MESSAGE_FORMAT}")
        return MessageCheck(request_id=uuid.UUID(bytes=rid.value), message_hash=digest,
                            chain_id=_count(body["chain_id"]), safe=to_checksum(_text(body["safe"], 42)),
                            kind=_text(body["kind"], 40), statement=body["statement"],
                            proposer=to_checksum(_text(body["proposer"], 42)))
    account = isinstance(body, dict) and body.get("format") == ACCOUNT_FORMAT
    if not isinstance(body, dict) or set(body) != (_KEYS | {"approvals"} if account else _KEYS) or \
            body["format"] not in (FORMAT, ACCOUNT_FORMAT):
        raise OnlineCheckError(f"The online check is not in the form {FORMAT} or {ACCOUNT_FORMAT}")
    rules = []
    for row in _list(body["rules"]):
        if not isinstance(row, list) or len(row) != 2 or row[1] not in _VERDICTS:
            raise OnlineCheckError("A rule verdict in the online check is malformed")
        rules.append((_text(row[0], 80), str(row[1])))
    if body["decision"] not in _DECISIONS:
        raise OnlineCheckError("The online check's decision is not allow, deny or escalate")
    checked_at = datetime.fromisoformat(_text(body["checked_at"], 40))
    if checked_at.tzinfo is None:
        raise OnlineCheckError("The online check's time names no offset")
    block_hash = _text(body["block_hash"], 66)
    if len(block_hash) != 66 or not block_hash.startswith("0x"):
        raise OnlineCheckError("The online check's block hash is not 0x and 64 hex digits")
    proposer = body["proposer"]
    version = body["policy_version"]
    digest_text = body["policy_digest"]
    return OnlineCheck(
        request_id=uuid.UUID(bytes=rid.value), safe_tx_hash=digest, chain_id=_count(body["chain_id"]),
        safe=to_checksum(_text(body["safe"], 42)), nonce=_count(int(_text(body["nonce"], 78))),
        block_number=_count(body["block_number"]), block_hash=bytes.fromhex(block_hash[2:]), checked_at=checked_at,
        decision=body["decision"], rules=tuple(rules),
        policy_digest=None if digest_text is None else _text(digest_text, 66),
        policy_version=None if version is None else _count(version),
        proposer=None if proposer is None else to_checksum(_text(proposer, 42)),
        approvers=tuple(to_checksum(_text(a, 42)) for a in _list(body["approvers"])),
        simulation=_text(body["simulation"], 4_000),
        facts=CarriedFacts.from_json(body["facts"]),
        account=account, approvals=tuple(_approval(row) for row in _list(body["approvals"])) if account else (),
    )


def _approval(row: object) -> tuple[str, bytes]:
    if not isinstance(row, list) or len(row) != 2:
        raise OnlineCheckError("An approval in the online check is not [approver, signature]")
    signature = _text(row[1], 2 + 2 * 65)
    if len(signature) != 132 or not signature.startswith("0x"):
        raise OnlineCheckError("An approval signature in the online check is not 0x and 130 hex digits")
    return to_checksum(_text(row[0], 42)), bytes.fromhex(signature[2:])


def _list(value: object) -> list[Any]:
    if not isinstance(value, list) or len(value) > 1_000:
        raise OnlineCheckError("A list in the online check is malformed or too long")
    return value


def _text(value: object, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise OnlineCheckError("A text in the online check is malformed or too long")
    return value


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise OnlineCheckError("A number in the online check is not a whole number")
    return value


__all__ = ["UR_TYPE", "MessageCheck", "OnlineCheck", "OnlineCheckError", "URError", "read_check"]
