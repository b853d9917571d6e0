"""Holding statements signed by a vault's quorum: asked for through the approvals queue, exported once signed.

Asking (`request`): the policy in force must name the asker in a role of `[statements] requesters`; the statement is
made at one block with, beside the holdings' proofs, the proof of the signing vault's owners list, owner count,
threshold, singleton and fallback handler at that block (so the signatures check offline); its EIP-712 typed data
(`statement_typed_data`, valid for the policy's `valid_days`) goes to the queue as a Safe message, and the unsigned
bundle with it. Exporting (`signed_bundle`): once the owners' valid signatures reach the threshold, the bundle gets a
"safe-message" signature entry and is verified as a whole before anyone sees it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from wallet_app.chain.client import ChainClient
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import WalletError
from wallet_app.holdings.model import HoldingsSnapshot
from wallet_app.keys.signer import Signer
from wallet_app.policy.document import PolicyDocument
from wallet_app.proofs.anchor import Anchors
from wallet_app.proofs.bundle import bundle_json, read_bundle
from wallet_app.proofs.errors import ProofInvalid, UnusableInput
from wallet_app.proofs.signature_check import SAFE_MESSAGE
from wallet_app.proofs.statement import create_statement
from wallet_app.proofs.statement_typed_data import statement_typed_data
from wallet_app.proofs.vault_storage import vault_slots
from wallet_app.proofs.verify import verify_bundle
from wallet_app.queue.message_records import HOLDING_STATEMENT, READY, MessageEntry
from wallet_app.queue.message_service import MessageQueue


class StatementNotAllowed(WalletError):
    """The policy in force does not let this person ask for a signed statement."""

    code = "statement_not_allowed"


@dataclass(frozen=True, slots=True)
class StatementRequest:
    chain: ChainClient
    chain_id: int
    network: str
    op_stack: bool


def require_requester(policy: PolicyDocument, requester: str) -> int:
    """The days a signed statement may be relied on, when the policy lets `requester` ask for one."""
    rules = policy.statements
    if rules is None:
        raise StatementNotAllowed("The policy in force lets nobody ask for a signed statement (it has no "
                                  "[statements] table)")
    who = to_checksum(requester)
    roles = [name for name in rules.requesters if who in policy.book.roles[name].members]
    if not roles:
        raise StatementNotAllowed(f"{who} is in none of the roles the policy lets ask for a signed statement "
                                  f"({', '.join(rules.requesters)}); nothing was queued")
    return rules.valid_days


def request(context: StatementRequest, messages: MessageQueue, snapshot: HoldingsSnapshot, account: str, vault: str,
            signer: Signer, *, valid_days: int, issued_at: datetime) -> MessageEntry:
    vault = to_checksum(vault)
    created = create_statement(context.chain, context.chain_id, context.network, snapshot, to_checksum(account),
                               op_stack=context.op_stack, issued_at=issued_at,
                               also_prove=lambda block: {vault: vault_slots(context.chain, vault, block)})
    valid_until = int((issued_at + timedelta(days=valid_days)).timestamp())
    typed = statement_typed_data(created.bundle, vault, valid_until)
    return messages.propose_with(vault, HOLDING_STATEMENT, typed, bundle_json(created.bundle).decode("utf-8"),
                                 signer)


def signed_bundle(messages: MessageQueue, message_hash: str) -> dict[str, Any]:
    """The statement with its vault's signatures, verified; refused while the quorum is not complete."""
    entry = messages.entry(message_hash)
    if entry.item.kind != HOLDING_STATEMENT:
        raise UnusableInput(f"{entry.message_hash} is not a holding statement")
    if entry.quarantined:
        raise ProofInvalid(f"{entry.message_hash} is quarantined: {entry.quarantined}")
    if entry.state != READY:
        raise UnusableInput(f"{entry.message_hash} has {entry.valid_signatures} valid signature(s) of the vault's "
                            f"threshold {entry.threshold}; it is not signed yet")
    try:
        bundle: dict[str, Any] = json.loads(entry.item.attachment)
    except ValueError:
        raise ProofInvalid(f"the statement stored with {entry.message_hash} is not readable") from None
    if not isinstance(bundle, dict):
        raise ProofInvalid(f"the statement stored with {entry.message_hash} is not a bundle")
    bundle["signatures"] = [{
        "kind": SAFE_MESSAGE,
        "vault": entry.item.safe,
        "safe_version": entry.version,
        "typed_data": entry.item.typed(),
        "digest": entry.digest,
        "safe_message_hash": entry.message_hash,
        "threshold": str(entry.threshold),
        "signatures": [{"owner": owner, "signature": signature}
                       for owner, signature in messages.counted_signatures(entry)],
    }]
    verdict = verify_bundle(read_bundle(bundle), Anchors())
    if not verdict.valid:
        failed = "; ".join(f"{c.name}: {c.detail}" for c in verdict.checks if not c.ok)
        raise ProofInvalid(f"the signed statement does not check, so it was not written: {failed}"[:1200])
    return bundle
