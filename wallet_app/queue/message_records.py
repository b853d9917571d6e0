"""Safe messages in the queue, as values: a message waiting for its vault's owners, its entry as verified now, and
the proposal record its proposer signs.

A message has no nonce: it is keyed by its SafeMessage hash, which `MessageItem.recomputed_hash` derives again from
the stored typed data for the vault's chain and version. A row whose typed data does not hash to its key, or whose
proposal record is not signed by its proposer, is quarantined: it can be neither approved nor exported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wallet_app.domain.addresses import to_checksum
from wallet_app.holdings.token_approval import compute_eip191_digest
from wallet_app.queue.records import record_signer
from wallet_app.safe.messages import safe_message_hash, typed_data_digest
from wallet_app.safe.signatures import SignatureTally

MESSAGE_PROPOSAL_TITLE = "Custos message proposal"
HOLDING_STATEMENT = "holding-statement"
PROPOSED, READY = "proposed", "ready"


@dataclass(frozen=True, slots=True)
class MessageItem:
    chain_id: int
    message_hash: str  # 0x + 64 lowercase hex: the row's key, as stored
    safe: str
    kind: str
    typed_data: str  # the EIP-712 JSON as stored
    attachment: str
    proposer: str
    proposer_signature: str
    proposed_at: datetime
    state: str
    updated_at: datetime
    ready_at: datetime | None = None

    def typed(self) -> dict[str, Any]:
        """The typed data; ValueError when the stored text is not a JSON object."""
        value = json.loads(self.typed_data)
        if not isinstance(value, dict):
            raise ValueError("the typed data is not a JSON object")
        return value

    def digest(self) -> bytes:
        return typed_data_digest(self.typed())

    def recomputed_hash(self, version: str) -> str:
        return "0x" + safe_message_hash(self.safe, self.chain_id, version, self.digest()).hex()


@dataclass(frozen=True, slots=True)
class MessageSignatureRow:
    message_hash: str
    owner: str  # the row's claim; never trusted
    signature: str
    source: str
    added_at: datetime
    added_by: str


@dataclass(frozen=True, slots=True)
class MessageEntry:
    item: MessageItem
    state: str  # proposed or ready, from the signatures that verify now
    threshold: int  # 0 when the vault could not be read
    owners: tuple[str, ...]
    version: str
    tally: SignatureTally | None  # None when quarantined or the vault could not be read
    signature_rows: int
    digest: str = ""  # the EIP-712 digest, 0x hex ("" when quarantined)
    flagged: tuple[str, ...] = ()
    quarantined: str = ""
    proposer_verified: bool = False
    words: tuple[str, ...] = ()  # every field of the typed data, in plain words (no blind signing)
    notes: tuple[str, ...] = field(default=())

    @property
    def message_hash(self) -> str:
        return self.item.message_hash

    @property
    def valid_signatures(self) -> int:
        return 0 if self.tally is None else self.tally.valid_count

    @property
    def signers(self) -> tuple[str, ...]:
        return () if self.tally is None else self.tally.signers

    def to_json(self) -> dict[str, Any]:
        item = self.item
        return {
            "kind": "message", "message_kind": item.kind, "message_hash": item.message_hash, "safe": item.safe,
            "digest": self.digest, "state": self.state, "valid_signatures": self.valid_signatures,
            "threshold": self.threshold, "signature_rows": self.signature_rows, "signers": list(self.signers),
            "flagged": list(self.flagged), "quarantined": self.quarantined, "proposer": item.proposer,
            "proposer_verified": self.proposer_verified, "proposed_at": item.proposed_at.isoformat(),
            "words": list(self.words), "notes": list(self.notes),
        }


def message_proposal_text(chain_id: int, safe: str, message_hash: str) -> str:
    return (f"{MESSAGE_PROPOSAL_TITLE}\nchain id: {chain_id}\nvault: {to_checksum(safe)}\n"
            f"SafeMessage hash: {message_hash.lower()}")


def message_proposal_digest(chain_id: int, safe: str, message_hash: str) -> bytes:
    return compute_eip191_digest(message_proposal_text(chain_id, safe, message_hash))


def message_proposer(item: MessageItem, recomputed_hash: str) -> str | None:
    """Who signed the proposal record over the recomputed hash; None when it is not a usable signature."""
    return record_signer(item.proposer_signature, message_proposal_digest(item.chain_id, item.safe, recomputed_hash))


def typed_data_words(typed: dict[str, Any]) -> tuple[str, ...]:
    """Every field of the typed data's domain and message, one line each (arrays: one line per element), in the
    order its types declare them."""
    declared = typed.get("types")
    types: dict[str, Any] = declared if isinstance(declared, dict) else {}
    primary = str(typed.get("primaryType", "?"))
    lines = [f"{primary[:80]} for {_struct(typed.get('domain'), types, 'EIP712Domain')}"]
    message = typed.get("message")
    if isinstance(message, dict):
        for key, kind in _fields(message, types, primary):
            value = message.get(key)
            if isinstance(value, list):
                element = kind.removesuffix("[]")
                lines.append(f"{key}: {len(value)} item(s)")
                lines += [f"  {index + 1}. {_struct(item, types, element)}" for index, item in enumerate(value[:200])]
            else:
                lines.append(f"{key}: {_struct(value, types, kind)}")
    return tuple(lines)


def _fields(value: dict[str, Any], types: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    declared = types.get(kind)
    if isinstance(declared, list):
        named = [(str(f.get("name")), str(f.get("type"))) for f in declared if isinstance(f, dict)]
        return named + [(k, "") for k in value if k not in {n for n, _ in named}]
    return [(k, "") for k in value]


def _struct(value: Any, types: dict[str, Any], kind: str) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_short(value.get(k))}" for k, _ in _fields(value, types, kind))[:400]
    return _short(value)


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_short(v)}" for k, v in value.items())[:400]
    return str(value)[:200]
