"""The record of policy decisions (`policy_decisions`, migration 0006): one row per transaction the checker decided on,
appended, never changed. It is what `custos policy decisions` and the Policy page list. With an `audit` log each
decision is also an audit entry (`policy_decision`: the SafeTx hash, the decision, each rule's id and verdict, the
policy version and digest), appended in the same transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, insert, select

from wallet_app.audit import actions
from wallet_app.policy.engine import RuleVerdict, VerdictKind
from wallet_app.storage.schema import policy_decisions

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog

MAX_LIMIT = 10_000
_VERDICTS: frozenset[str] = frozenset({"pass", "deny", "escalate", "skip", "match"})


@dataclass(frozen=True, slots=True)
class RecordedDecision:
    id: int
    chain_id: int
    checked_at: datetime
    safe: str
    nonce: int
    safe_tx_hash: str  # 0x + 64 hex
    intent_text: str  # untrusted names inside: shown as plain text
    decision: str  # allow, deny, escalate
    rules: tuple[RuleVerdict, ...]
    policy_version: int | None  # None: no policy was in force (the decision is then a deny)
    policy_digest: str | None
    proposer: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "chain_id": self.chain_id, "checked_at": self.checked_at.isoformat(), "safe": self.safe,
            "nonce": str(self.nonce), "safe_tx_hash": self.safe_tx_hash, "intent_text": self.intent_text,
            "decision": self.decision,
            "rules": [{"id": r.id, "verdict": r.verdict, "reason": r.reason} for r in self.rules],
            "policy_version": self.policy_version, "policy_digest": self.policy_digest, "proposer": self.proposer,
        }


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """What is written for one decision."""

    checked_at: datetime
    safe: str
    nonce: int
    safe_tx_hash: str
    intent_text: str
    decision: str
    rules: tuple[RuleVerdict, ...]
    policy_version: int | None
    policy_digest: str | None
    proposer: str | None


class DecisionStore:
    def __init__(self, *, engine: Engine, chain_id: int, audit: AuditLog | None = None) -> None:
        self._engine = engine
        self._chain_id = chain_id
        self._audit = audit

    def save_decision(self, row: DecisionRow) -> int:
        """Append one decision; returns its id."""
        if row.checked_at.tzinfo is None:
            raise ValueError("checked_at must be an aware datetime")
        values = {
            "chain_id": self._chain_id, "checked_at": row.checked_at.astimezone(UTC), "safe": row.safe,
            "nonce": str(row.nonce), "safe_tx_hash": row.safe_tx_hash, "intent_text": row.intent_text,
            "decision": row.decision,
            "rules_json": json.dumps([{"id": r.id, "verdict": r.verdict, "reason": r.reason} for r in row.rules]),
            "policy_version": row.policy_version, "policy_digest": row.policy_digest, "proposer": row.proposer,
        }
        with self._engine.begin() as conn:
            key = conn.execute(insert(policy_decisions).values(**values)).inserted_primary_key
            assert key is not None
            if self._audit is not None:  # the person who ran the check; the proposer it names is in the detail
                self._audit.append(conn, actor=actions.OPERATOR, action=actions.POLICY_DECISION,
                                   subject=row.safe_tx_hash, detail={
                                       "decision_id": int(key[0]), "decision": row.decision, "safe": row.safe,
                                       "nonce": str(row.nonce), "proposer": row.proposer,
                                       "rules": [{"id": r.id, "verdict": r.verdict} for r in row.rules],
                                       "policy_version": row.policy_version, "policy_digest": row.policy_digest,
                                   })
        return int(key[0])

    def load_recent(self, limit: int = 50) -> list[RecordedDecision]:
        """The newest `limit` decisions of the profile's chain, newest first."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be a whole number from 1 to {MAX_LIMIT}")
        t = policy_decisions
        query = select(t).where(t.c.chain_id == self._chain_id).order_by(t.c.id.desc()).limit(limit)
        with self._engine.connect() as conn:
            rows = list(conn.execute(query))
        return [RecordedDecision(
            id=int(r.id), chain_id=int(r.chain_id), checked_at=_aware(r.checked_at), safe=str(r.safe),
            nonce=int(r.nonce), safe_tx_hash=str(r.safe_tx_hash), intent_text=str(r.intent_text),
            decision=str(r.decision), rules=_rules(str(r.rules_json)),
            policy_version=None if r.policy_version is None else int(r.policy_version),
            policy_digest=None if r.policy_digest is None else str(r.policy_digest),
            proposer=None if r.proposer is None else str(r.proposer),
        ) for r in rows]


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _rules(text: str) -> tuple[RuleVerdict, ...]:
    """The verdicts as stored; a row edited into something unreadable is shown as one verdict saying so."""
    try:
        items = json.loads(text)
        out = []
        for item in items:
            verdict = str(item["verdict"])
            if verdict not in _VERDICTS:
                raise ValueError(verdict)
            kind: VerdictKind = verdict  # type: ignore[assignment]  # checked against the literal's values above
            out.append(RuleVerdict(str(item["id"]), kind, str(item["reason"])))
        return tuple(out)
    except (ValueError, TypeError, KeyError):
        return (RuleVerdict("record", "deny", "the stored verdicts of this decision cannot be read"),)
