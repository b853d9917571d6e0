"""What the desktop asks of proofs: prove a holding or an account's statement at one block, check a bundle from any
source, and record each check in the audit log. Checking needs no key and no chain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from wallet_app.audit.actions import OPERATOR, PROOF_VERIFY
from wallet_app.domain.network import OP_STACK_CHAIN_IDS
from wallet_app.proofs.anchor import Anchors
from wallet_app.proofs.bundle import load_json, read_bundle
from wallet_app.proofs.checks import Verdict
from wallet_app.proofs.create import Created, Target, create_bundle
from wallet_app.proofs.errors import ProofInvalid, UnusableInput
from wallet_app.proofs.statement import create_statement
from wallet_app.proofs.verify import verify_bundle

if TYPE_CHECKING:
    from typing import Any

    from wallet_app.audit.log import AuditLog
    from wallet_app.chain.client import ChainClient
    from wallet_app.holdings.service import HoldingsService
    from wallet_app.policy.checker import ActivePolicySource
    from wallet_app.queue.message_records import MessageEntry
    from wallet_app.queue.message_service import MessageQueue



@dataclass(frozen=True, slots=True)
class Checked:
    """A verdict, or why the input could not be checked at all (then `verdict` is None)."""

    verdict: Verdict | None
    unusable: str = ""


def check_bundle_bytes(data: bytes, anchors: Anchors | None = None) -> Checked:
    """Check a bundle given as bytes (a file, a paste, joined QR codes): never raises for bad input."""
    try:
        return Checked(verify_bundle(read_bundle(load_json(data, "the bundle")), anchors or Anchors()))
    except (UnusableInput, ProofInvalid) as exc:
        return Checked(None, exc.user_message)


class ProofService:
    def __init__(self, *, chain: ChainClient, chain_id: int, network: str, holdings: HoldingsService,
                 audit: AuditLog, messages: MessageQueue | None = None,
                 policy: ActivePolicySource | None = None) -> None:
        self._messages = messages  # the approvals queue's Safe messages: statements signed by a vault's quorum
        self._policy = policy  # decides who may ask for a signed statement
        self._chain = chain
        self._chain_id = chain_id
        self._network = network
        self._holdings = holdings
        self._audit = audit

    @property
    def op_stack(self) -> bool:
        return self._chain_id in OP_STACK_CHAIN_IDS

    def prove(self, targets: Sequence[Target], block: int | None = None, *, op_stack: bool = False) -> Created:
        """`op_stack` adds the message passer's proof on any chain (it is always there on an OP Stack chain)."""
        return create_bundle(self._chain, self._chain_id, targets, block=block, op_stack=op_stack or self.op_stack,
                             created_at=datetime.now(UTC))

    def statement(self, account: str, block: int | None = None) -> Created:
        snapshot = self._holdings.fetch_holdings([account], block)
        return create_statement(self._chain, self._chain_id, self._network, snapshot, account,
                                op_stack=self.op_stack, issued_at=datetime.now(UTC))

    def request_signed_statement(self, account: str, vault: str, key: str, password: str,
                                 block: int | None = None) -> MessageEntry:
        """Queue `account`'s statement for `vault`'s owners to sign, asked by `key` (the policy must let it ask)."""
        from wallet_app.proofs.signed_statement import StatementRequest, request, require_requester

        messages, policy = self._signing_parts()
        address = messages.signing_key(key)
        valid_days = require_requester(policy.active().document, address)
        snapshot = self._holdings.fetch_holdings([account], block)
        context = StatementRequest(self._chain, self._chain_id, self._network, self.op_stack)
        with messages.unlocked(address, password) as signer:
            return request(context, messages, snapshot, account, vault, signer, valid_days=valid_days,
                           issued_at=datetime.now(UTC))

    def signed_statement(self, message_hash: str) -> dict[str, Any]:
        """The statement queued as `message_hash` with its vault's signatures, once they reach the threshold."""
        from wallet_app.proofs.signed_statement import signed_bundle

        messages, _policy = self._signing_parts()
        return signed_bundle(messages, message_hash)

    def _signing_parts(self) -> tuple[MessageQueue, ActivePolicySource]:
        if self._messages is None or self._policy is None:
            raise UnusableInput("This installation has no approvals queue to sign statements with")
        return self._messages, self._policy

    def check(self, data: bytes, *, source: str, anchors: Anchors | None = None) -> Checked:
        """Check a bundle and record the verdict (valid, provisional, invalid or unusable) and its source."""
        checked = check_bundle_bytes(data, anchors)
        verdict = checked.verdict
        outcome = ("unusable" if verdict is None else "invalid" if not verdict.valid else
                   "provisional" if verdict.provisional else "valid")
        detail: dict[str, object] = {"outcome": outcome, "source": source[:200]}
        if verdict is None:
            detail["reason"] = checked.unusable[:300]
        else:
            detail["failed"] = [c.name for c in verdict.checks if not c.ok][:20]
            detail["claims"] = len(verdict.claims)
        self._audit.record(actor=OPERATOR, action=PROOF_VERIFY, subject=source[:200], detail=detail)
        return checked
