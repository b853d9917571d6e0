"""The `policy/` folder of an evidence pack: `versions.json`, every version of the policy proposed before the end of
the period, oldest first, with its text, digest (keccak-256 of the UTF-8 text), state, the times it reached its quorum,
came into force and was closed, and every approval (the officers' EIP-712 votes) as stored."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wallet_app.evidence import texts
from wallet_app.evidence.manifest import PackFile
from wallet_app.evidence.period import Period
from wallet_app.evidence.rows import json_bytes, utc_text
from wallet_app.policy.governance import PolicyRecord

VERSIONS = "policy/versions.json"
DIGEST_RULE = "digest = 0x + keccak-256 of the UTF-8 bytes of text"


def _signature(raw: bytes | None) -> str | None:
    return "0x" + raw.hex() if raw else None


def version_json(record: PolicyRecord) -> dict[str, Any]:
    return {
        "version": record.version, "digest": record.digest, "state": record.state, "text": record.text,
        "proposed_by": record.proposed_by, "proposed_at": utc_text(record.proposed_at),
        "proposer_signature": _signature(record.proposer_signature), "supersedes": record.supersedes,
        "quorum_reached_at": utc_text(record.quorum_reached_at), "effective_at": utc_text(record.effective_at),
        "closed_at": utc_text(record.closed_at), "closed_by": record.closed_by,
        "closed_signature": _signature(record.closed_signature), "closed_reason": record.closed_reason,
        "approvals": [{"signer": a.signer, "signature": _signature(a.signature), "signed_at": utc_text(a.signed_at)}
                      for a in record.approvals],
    }


def build_policy_section(records: Sequence[PolicyRecord], period: Period, chain_id: int) -> tuple[PackFile, ...]:
    chosen = [r for r in records if r.proposed_at < period.end]
    document = {"chain_id": chain_id, "digest_rule": DIGEST_RULE, "versions": [version_json(r) for r in chosen]}
    return (PackFile(VERSIONS, json_bytes(document), texts.POLICY_VERSIONS),)
