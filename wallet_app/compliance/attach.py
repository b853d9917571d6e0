"""Attaching a Travel Rule record to a transfer queued without one (before this version of Custos, or before the
rule applied): checked as at proposal, against the policy's decision now, signed into the audit log by the officer.
A record already there is never replaced."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete

from wallet_app.audit.entry import entry_signer
from wallet_app.compliance.travel_rule import TravelRuleDesk, TravelRuleMissing
from wallet_app.queue.service import QueueService
from wallet_app.queue.states import CLOSED
from wallet_app.storage.schema import travel_rule_records


def attach_travel_rule(desk: TravelRuleDesk, queue: QueueService, safe_tx_hash: str, payload: Mapping[str, Any],
                       officer: str, password: str) -> str:
    entry = queue.entry(safe_tx_hash)
    if entry.item.state in CLOSED:
        raise TravelRuleMissing(f"{safe_tx_hash} is {entry.state}: there is nothing left to attach a record to")
    existing = desk.load(safe_tx_hash)
    if existing is not None and existing.payload is not None:
        raise TravelRuleMissing(f"{safe_tx_hash} has a Travel Rule record already (digest {existing.digest}); it "
                                "is never replaced")
    result = queue.check_policy(safe_tx_hash, entry.signers)
    requirement = desk.requirement(result)
    checked = desk.checked_payload(result, requirement, payload)
    address = queue.signing_key(officer)
    with queue.unlocked(address, password) as signer, queue.store.engine.begin() as conn:
        if existing is not None:
            conn.execute(delete(travel_rule_records).where(
                travel_rule_records.c.chain_id == queue.chain_id,
                travel_rule_records.c.safe_tx_hash == safe_tx_hash))
        digest = desk.store(conn, safe_tx_hash=safe_tx_hash, safe=entry.item.safe, requirement=requirement,
                            payload=checked, actor=address, sign=entry_signer(signer))
    return digest or ""
