"""What an offline signer shows before it signs a Safe message: the holding statement itself, never a bare digest.

An ERC-4527 signer is asked to sign a SafeMessage whose one field is a 32-byte digest; signed as such it would be
blind. The request's `custos-check` carries the statement's own EIP-712 typed data, and the review holds it to the
request (K1): its digest must be the SafeMessage's message, the SafeMessage hash must be the one named, and the
statement must be Custos's HoldingStatement type for this very vault and chain, not past its validUntil. Every field
of the statement is shown in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.safe_tx import SafeTxHashes
from wallet_app.offline.online_check import MessageCheck
from wallet_app.offline.review import DATA_TYPE_TYPED_DATA, RequestRefused, request_parties
from wallet_app.offline.transport import ReadRequest
from wallet_app.proofs.statement_typed_data import DOMAIN_NAME, DOMAIN_VERSION, PRIMARY_TYPE, TYPES
from wallet_app.queue.message_records import typed_data_words
from wallet_app.safe.messages import safe_message_hashes, typed_data_digest
from wallet_app.safe.tx_typed_data import safe_message_from_typed_data
from wallet_app.ur.eth_requests import EthSignRequest
from wallet_app.vaults.anchors import AnchoredVault, AnchorStore


@dataclass(frozen=True)
class MessageReview:
    request: EthSignRequest
    check: MessageCheck
    vault: AnchoredVault
    signer: str
    words: tuple[str, ...]  # every field of the statement, in words
    digest: bytes  # the statement's EIP-712 digest: the SafeMessage's message
    hashes: SafeTxHashes  # domain hash, SafeMessage struct hash, SafeMessage hash
    refusals: tuple[str, ...]

    @property
    def can_sign(self) -> bool:
        return not self.refusals


def review_message_request(read: ReadRequest, *, chain_id: int, anchors: AnchorStore, own_keys: Mapping[str, str],
                           now: datetime) -> MessageReview:
    request, check = read.sign_request, read.check
    if not isinstance(check, MessageCheck):
        raise RequestRefused("The request carries no statement to show, and Custos does not sign a bare digest")
    if request.data_type != DATA_TYPE_TYPED_DATA or request.chain_id != chain_id:
        raise RequestRefused(f"The request is not EIP-712 typed data on chain {chain_id}")
    signer, typed, vault = request_parties(request, anchors, own_keys)
    digest = safe_message_from_typed_data(typed, safe=vault.facts.address, chain_id=chain_id,
                                          version=vault.facts.version)
    hashes = safe_message_hashes(vault.facts.address, chain_id, vault.facts.version, digest)
    refusals = _statement_refusals(check.statement, vault.facts.address, chain_id, now)
    try:
        statement_digest = typed_data_digest(check.statement)
    except ValueError:
        statement_digest = b""
        refusals.append("The statement's typed data cannot be hashed")
    if statement_digest and statement_digest != digest:  # K1
        refusals.append(f"The statement hashes to 0x{statement_digest.hex()}, but the message asks a signature over "
                        f"0x{digest.hex()}: the statement or the message was altered")
    if check.message_hash != hashes.safe_tx_hash:
        refusals.append(f"The request names the SafeMessage hash 0x{check.message_hash.hex()}, but its fields give "
                        f"0x{hashes.safe_tx_hash.hex()}: the fields or the hash were altered")
    if check.chain_id != chain_id or to_checksum(check.safe) != vault.facts.address:
        refusals.append("The statement check is about another chain or vault than the request's fields")
    words = typed_data_words(check.statement) if isinstance(check.statement, dict) else ()
    return MessageReview(request=request, check=check, vault=vault, signer=signer, words=tuple(words), digest=digest,
                         hashes=hashes, refusals=tuple(refusals))


def _statement_refusals(statement: Mapping[str, Any], vault: str, chain_id: int, now: datetime) -> list[str]:
    if statement.get("types") != TYPES or statement.get("primaryType") != PRIMARY_TYPE:
        return [f"The statement is not Custos's {PRIMARY_TYPE} version {DOMAIN_VERSION}; Custos signs only those"]
    domain = statement.get("domain")
    expected = {"name": DOMAIN_NAME, "version": DOMAIN_VERSION, "chainId": chain_id, "verifyingContract": vault}
    if not isinstance(domain, dict) or set(domain) != set(expected) or domain.get("name") != DOMAIN_NAME or \
            domain.get("version") != DOMAIN_VERSION or str(domain.get("chainId")) != str(chain_id) or \
            str(domain.get("verifyingContract", "")).lower() != vault.lower():
        return [f"The statement's domain is not {DOMAIN_NAME} {DOMAIN_VERSION} of {vault} on chain {chain_id}"]
    message = statement.get("message")
    try:
        valid_until = int(str(message.get("validUntil"))) if isinstance(message, dict) else -1
    except ValueError:
        valid_until = -1
    if valid_until < now.timestamp():
        return ["The statement is past its validUntil (or has none): it is not signed"]
    return []
