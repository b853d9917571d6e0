"""The offline signer: reviews a sign request on its own machine and signs it only when nothing refuses it and the
officer confirmed the very safeTxHash this machine computed (no blind signing).

Built by `build_offline_signer` from an offline profile without the chain stack: keys, the signature journal, the
anchored vaults, the policy imported from a signed bundle, and the audit log.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from wallet_app.audit import actions
from wallet_app.audit.entry import entry_signer
from wallet_app.audit.log import AuditLog
from wallet_app.audit.profile_log import build_audit_log
from wallet_app.errors import ConfigError
from wallet_app.keys.service import KeyService
from wallet_app.offline.message_review import MessageReview, review_message_request
from wallet_app.offline.online_check import MessageCheck
from wallet_app.offline.pairing import account_ur
from wallet_app.offline.review import OfflineReview, RequestRefused, review_request
from wallet_app.offline.transport import ReadRequest
from wallet_app.policy.checker_setup import policy_directory
from wallet_app.policy.document import read_denylist
from wallet_app.policy.governance import PolicyNotInForce
from wallet_app.policy.policy_store import ActivePolicyFile, PolicyStore
from wallet_app.policy.service import PolicyService
from wallet_app.policy.service_setup import policy_file_path
from wallet_app.profile_keys import build_key_service
from wallet_app.profiles import Profile
from wallet_app.safe.journal import SigningJournal
from wallet_app.safe.signing import sign_safe_message, sign_safe_tx
from wallet_app.ur.eth_requests import EthSignature
from wallet_app.ur.ur import UR
from wallet_app.vaults.anchors import AnchorStore

ORIGIN = "Custos offline signer"


@dataclass
class OfflineSigner:
    keys: KeyService
    journal: SigningJournal
    anchors: AnchorStore
    policy: PolicyService
    audit: AuditLog
    chain_id: int
    policy_dir: Path
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def check(self, read: ReadRequest) -> OfflineReview | MessageReview:
        """The review of a request, decided now on this machine (hashes, policy, journal); see offline.review."""
        now = self.clock()
        if isinstance(read.check, MessageCheck):
            own = {k.address: k.label for k in self.keys.load_keys() if k.can_sign}
            return review_message_request(read, chain_id=self.chain_id, anchors=self.anchors, own_keys=own, now=now)
        try:
            active = self.policy.active(now)
        except PolicyNotInForce as exc:
            raise RequestRefused("No policy is in force on this signer, so nothing can be checked or signed: "
                                 f"{exc.user_message} (import the policy bundle: custos policy import FILE)") from None
        own = {k.address: k.label for k in self.keys.load_keys() if k.can_sign}
        return review_request(read, chain_id=self.chain_id, anchors=self.anchors, policy=active,
                              denylist=read_denylist(self.policy_dir, active.document), journal=self.journal,
                              own_keys=own, now=now)

    def approve(self, read: ReadRequest, password: str, *, confirmed_hash: str) -> EthSignature:
        """Sign the request's safeTxHash (or SafeMessage hash) with the key it names, after the officer typed or
        confirmed that hash; returns the ERC-4527 answer bound to the request id. The request is checked again
        here, just before the key is asked (the policy, the clock or the journal may have changed since the review
        was shown); a refusal is logged and raises RequestRefused."""
        review = self.check(read)
        recomputed = "0x" + review.hashes.safe_tx_hash.hex()
        if not review.can_sign:
            self.refuse(review)
        if not hmac.compare_digest(confirmed_hash.strip().lower(), recomputed):
            raise RequestRefused(f"The hash confirmed ({confirmed_hash.strip()[:70]}) is not the safeTxHash this "
                                 f"signer computed ({recomputed}); nothing was signed")
        address = review.signer
        was_unlocked = any(k.address == address and k.unlocked for k in self.keys.load_keys())
        self.keys.unlock(address, password)
        try:
            signer = self.keys.signer(address)
            facts = review.vault.facts
            detail: dict[str, object]
            if isinstance(review, MessageReview):
                signature = sign_safe_message(signer, self.journal, safe=facts.address, chain_id=self.chain_id,
                                              version=facts.version, digest=review.digest,
                                              displayed_hash=review.hashes.safe_tx_hash)
                detail = {"kind": review.check.kind, "safe": facts.address}
            else:
                signature = sign_safe_tx(signer, self.journal, review.tx, facts.version, self.chain_id,
                                         displayed_hash=review.hashes.safe_tx_hash)
                detail = {"safe": review.tx.safe, "nonce": str(review.tx.nonce), "decision": review.decision.decision,
                          "policy_version": review.policy_version, "online_block": review.online_block}
            self.audit.record(actor=address, action=actions.OFFLINE_SIGN, subject=recomputed, detail={
                "request_id": str(review.request.request_id), **detail, "action_signature": "0x" + signature.hex()},
                sign=entry_signer(signer))
        finally:
            if not was_unlocked:
                self.keys.lock(address)
        return EthSignature(request_id=review.request.request_id, signature=signature, origin=ORIGIN)

    def account_ur(self, address: str, password: str, device: str) -> UR:
        """The crypto-hdkey UR of one of this signer's keys, for pairing (the key signs the pairing digest once)."""
        was_unlocked = any(k.address == address and k.unlocked for k in self.keys.load_keys())
        self.keys.unlock(address, password)
        try:
            return account_ur(self.keys.signer(address), device)
        finally:
            if not was_unlocked:
                self.keys.lock(address)

    def refuse(self, review: OfflineReview | MessageReview) -> None:
        """Record that a refused request was not signed, and raise RequestRefused with the reasons."""
        self._log_refusal(review, "; ".join(review.refusals))
        raise RequestRefused("Custos will not sign this request: " + "; ".join(review.refusals)[:900])

    def _log_refusal(self, review: OfflineReview | MessageReview, why: str) -> None:
        self.audit.record(actor=actions.OPERATOR, action=actions.OFFLINE_REFUSED,
                          subject="0x" + review.hashes.safe_tx_hash.hex(),
                          detail={"request_id": str(review.request.request_id), "why": why[:600]})


def build_offline_signer(profile: Profile) -> OfflineSigner:
    if not profile.is_offline:
        raise ConfigError(f"'{profile.name}' is an online profile; offline signing runs on an offline signer profile "
                          "(custos profile create NAME --offline --network NETWORK)")
    audit = build_audit_log(profile)
    chain_id = profile.config.chain_id
    anchors = AnchorStore(engine=profile.engine, chain_id=chain_id, audit=audit)
    keys = build_key_service(profile, audit)
    policy = PolicyService(store=PolicyStore(engine=profile.engine, chain_id=chain_id, audit=audit),
                           load_owners=anchors.owner_reader(), chain_id=chain_id,
                           active_file=ActivePolicyFile(policy_file_path(profile.paths)), keys=keys)
    return OfflineSigner(keys=keys, journal=SigningJournal(profile.engine), anchors=anchors, policy=policy,
                         audit=audit, chain_id=chain_id, policy_dir=policy_directory(profile.paths))


