"""The Travel Rule record of each transfer: decided at proposal, bound to the safeTxHash, checked before execution.

At proposal (`QueueService.propose_with`) the requirement is decided from the policy check of the exact transaction
(`requirement`); when it applies, the IVMS 101 payload must be given and is checked (`ivms.check_payload`: the
originator's account is the vault, the beneficiary's every recipient). The requirement and the payload are stored in
the proposal's own transaction, keyed by the safeTxHash, with digest = keccak256 of the canonical JSON of
{chain_id, safe_tx_hash, ivms101}, and the whole record goes into the audit log (action "travel_rule"). Before
execution the record is read again and its digest recomputed; the requirement is decided again from the execution's
own policy check, so a row deleted or edited outside Custos, or prices that moved over the threshold, still stop the
transfer. `export` writes it for the counterparty VASP: {"ivms101": IdentityPayload, "transfer": {...}} (the shape
Travel Rule protocols carry IVMS 101 in).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from eth_hash.auto import keccak
from sqlalchemy import Connection, Engine, insert, select

from wallet_app.audit import actions
from wallet_app.compliance import ivms
from wallet_app.compliance.requirement import Requirement, hkd_text
from wallet_app.errors import ConfigError
from wallet_app.queue.errors import QueueError
from wallet_app.storage.schema import travel_rule_records

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog, Sign
    from wallet_app.policy.checker import CheckResult

FORMAT = "custos-travel-rule/1"


class TravelRuleMissing(QueueError):
    """The Travel Rule applies and its record is missing or does not hold: nothing queued, nothing sent."""

    code = "travel_rule"


@dataclass(frozen=True, slots=True)
class TravelRuleRecord:
    safe_tx_hash: str
    safe: str
    required: bool
    value_hkd: int | None
    reason: str
    payload: dict[str, Any] | None
    digest: str | None
    recorded_at: datetime
    recorded_by: str
    intact: bool = True  # the stored digest is the one of the stored payload

    def lines(self) -> list[str]:
        state = "applies" if self.required else "does not apply"
        out = [f"Travel Rule   {state} (value {hkd_text(self.value_hkd)}): {self.reason}"]
        if self.payload is not None:
            out.append(f"Originator    {ivms.names(self.payload, 'originator')}")
            out.append(f"Beneficiary   {ivms.names(self.payload, 'beneficiary')}")
            out.append(f"Record digest {self.digest}")
        if not self.intact:
            out.append("WARNING       the stored record does not match its digest: it was edited outside Custos")
        return out

    def to_json(self) -> dict[str, Any]:
        return {"safe_tx_hash": self.safe_tx_hash, "safe": self.safe, "required": self.required,
                "value_hkd": None if self.value_hkd is None else str(self.value_hkd), "reason": self.reason,
                "ivms101": self.payload, "digest": self.digest, "intact": self.intact,
                "recorded_at": self.recorded_at.isoformat(), "recorded_by": self.recorded_by}


def record_digest(chain_id: int, safe_tx_hash: str, payload: Mapping[str, Any]) -> str:
    text = ivms.canonical({"chain_id": chain_id, "safe_tx_hash": safe_tx_hash, "ivms101": payload})
    return "0x" + keccak(text.encode("utf-8")).hex()


class TravelRuleDesk:
    def __init__(self, *, engine: Engine, chain_id: int, audit: AuditLog,
                 requirement_of: Callable[[CheckResult], Requirement],
                 from_records: Callable[[str, tuple[str, ...]], dict[str, Any] | None] = lambda _s, _b: None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._engine = engine
        self._from_records = from_records  # (vault, beneficiaries) -> the payload built from counterparty records
        self._chain_id = chain_id
        self._audit = audit
        self._requirement_of = requirement_of
        self._clock = clock

    def requirement(self, result: CheckResult) -> Requirement:
        return self._requirement_of(result)

    def checked_payload(self, result: CheckResult, requirement: Requirement,
                        payload: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """The payload checked for this transfer; refused when the rule applies and it is missing or wrong. Not
        given, it is built from the counterparty records when they hold the institution (the originator) and every
        beneficiary."""
        if payload is None and requirement.required:
            payload = self._from_records(result.safe_tx.safe, requirement.beneficiaries)
        if payload is None:
            if requirement.required:
                raise TravelRuleMissing(f"{requirement.summary()}. The originator and beneficiary information (IVMS "
                                        "101) must be given with the proposal (no counterparty record holds every "
                                        "beneficiary); nothing was queued")
            return None
        try:
            return ivms.check_payload(payload, originator_accounts=[result.safe_tx.safe],
                                      beneficiary_accounts=requirement.beneficiaries, today=self._clock().date())
        except ConfigError as exc:
            raise TravelRuleMissing(f"The Travel Rule information does not hold: {exc.user_message}; nothing was "
                                    "queued") from None

    def store(self, conn: Connection, *, safe_tx_hash: str, safe: str, requirement: Requirement,
              payload: dict[str, Any] | None, actor: str, sign: Sign | None = None) -> str | None:
        """In the proposal's transaction: the requirement and the record, and its audit entry."""
        digest = None if payload is None else record_digest(self._chain_id, safe_tx_hash, payload)
        reason = "; ".join(requirement.reasons)[:2000]
        conn.execute(insert(travel_rule_records).values(
            chain_id=self._chain_id, safe_tx_hash=safe_tx_hash, safe=safe, required=requirement.required,
            value_hkd=None if requirement.value_hkd is None else str(requirement.value_hkd), reason=reason,
            record=None if payload is None else ivms.canonical(payload), digest=digest, recorded_at=self._clock(),
            recorded_by=actor[:42]))
        self._audit.append(conn, actor=actor, action=actions.TRAVEL_RULE, subject=safe_tx_hash, detail={
            "safe": safe, "required": requirement.required,
            "value_hkd": None if requirement.value_hkd is None else str(requirement.value_hkd), "reason": reason,
            "digest": digest, "ivms101": payload}, sign=sign)
        return digest

    def load(self, safe_tx_hash: str) -> TravelRuleRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(travel_rule_records).where(
                travel_rule_records.c.chain_id == self._chain_id,
                travel_rule_records.c.safe_tx_hash == safe_tx_hash)).first()
        if row is None:
            return None
        payload: dict[str, Any] | None = None
        intact = True
        if row.record is not None:
            try:
                loaded = json.loads(row.record)
                payload = loaded if isinstance(loaded, dict) else None
            except ValueError:
                payload = None
            intact = (payload is not None and row.record == ivms.canonical(payload)
                      and row.digest == record_digest(self._chain_id, safe_tx_hash, payload))
        elif row.required or row.digest is not None:
            intact = not row.required and row.digest is None
        recorded = row.recorded_at if row.recorded_at.tzinfo else row.recorded_at.replace(tzinfo=UTC)
        return TravelRuleRecord(row.safe_tx_hash, row.safe, bool(row.required),
                                None if row.value_hkd is None else int(row.value_hkd), row.reason, payload,
                                row.digest, recorded, row.recorded_by, intact)

    def require_for_execution(self, safe_tx_hash: str, result: CheckResult) -> None:
        """Refuse execution when the rule applies (as decided at proposal, or now) and the record does not hold."""
        record = self.load(safe_tx_hash)
        now = self.requirement(result)
        needed = now.required or (record is not None and record.required)
        if not needed:
            return
        if record is None or record.payload is None:
            why = now.summary() if now.required else "The Travel Rule applied at proposal"
            raise TravelRuleMissing(f"{why}, and this transfer has no Travel Rule record: it may not be executed; "
                                    f"nothing was sent (attach one with custos travel-rule attach {safe_tx_hash})")
        if not record.intact:
            raise TravelRuleMissing("The Travel Rule record of this transfer does not match its digest (edited "
                                    "outside Custos): it may not be executed; nothing was sent")
        try:
            ivms.check_payload(record.payload, originator_accounts=[result.safe_tx.safe],
                               beneficiary_accounts=now.beneficiaries, today=self._clock().date())
        except ConfigError as exc:
            raise TravelRuleMissing(f"The Travel Rule record no longer holds for this transfer: {exc.user_message}; "
                                    "nothing was sent") from None

    def export(self, safe_tx_hash: str, transfer: Mapping[str, Any]) -> dict[str, Any]:
        record = self.load(safe_tx_hash)
        if record is None or record.payload is None:
            raise ConfigError(f"{safe_tx_hash} has no Travel Rule record to export")
        if not record.intact:
            raise ConfigError(f"The Travel Rule record of {safe_tx_hash} does not match its digest (edited outside "
                              "Custos); it is not exported")
        return {"format": FORMAT, "ivms101": record.payload,
                "transfer": {"chain_id": self._chain_id, "safe_tx_hash": safe_tx_hash, **transfer,
                             "value_hkd": None if record.value_hkd is None else str(record.value_hkd)},
                "digest": record.digest}
