"""Signing a cold vault's transfer in a ceremony on the offline signer (issue 15, 3): K officers enter their shares,
the key is rebuilt in memory only for this one signature, and wiped.

`sign_cold` signs only a review without refusals (`wallet_app.cold.review.review_cold_request`) whose signing hash
the officers compared and confirmed. It recomputes that hash from the request's own bytes, rebuilds the key from the
shares (`open_cold_key`: every refusal there, fewer than K shares, another or a retired set, a mistyped word, a wrong
passphrase, a key that is not the vault's, signs nothing and journals nothing), journals the digest before the key
signs (a second digest at the vault's nonce is refused there, SC-7/A11), signs (low-s, checked to recover to the
vault), zeroes the key, marks the journal released and records an audit entry naming the vault, nonce, hash, share
set and which holders' shares were entered; never a share, a word or a passphrase.

The answer is an ERC-4527 `eth-signature`: r (32 bytes) || s (32 bytes) || v, with v the y parity, 0 or 1, as an
EIP-1559 transaction carries it and as Keystone answers for typed transactions (data type 4). The online side puts
it into the transaction with `AccountTx.signed_bytes(v, r, s)`.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import NoReturn

from eth_keys.datatypes import PrivateKey

from wallet_app.audit import actions
from wallet_app.audit.log import AuditLog
from wallet_app.cold.opening import EncryptedShare, EnteredShare, open_cold_key
from wallet_app.cold.review import KIND_ACCOUNT_TX, ColdReview
from wallet_app.cold.share_file import read_share_meta
from wallet_app.cold.shares import share_info
from wallet_app.cold.store import ColdStore, ShareSet
from wallet_app.domain.account_tx import parse_unsigned
from wallet_app.holdings.views import make_visible
from wallet_app.keys.signature import finalize_signature
from wallet_app.offline.review import RequestRefused
from wallet_app.safe.journal import SigningJournal
from wallet_app.ur.eth_requests import EthSignature

ORIGIN = "Custos offline signer (cold vault)"


def sign_cold(review: ColdReview, shares: Sequence[EnteredShare], *, store: ColdStore, journal: SigningJournal,
              audit: AuditLog, confirmed_hash: str, min_scrypt_n: int | None = None) -> EthSignature:
    """The vault's signature over the reviewed transaction's signing hash, once `confirmed_hash` (the hash the
    officers compared with the online screen) equals the one computed here. RequestRefused (after an audit entry)
    for a review with refusals or another hash; the share refusals of `open_cold_key` as they are. `min_scrypt_n`
    lowers the share files' scrypt floor, for tests only."""
    if review.refusals:
        refuse_cold(review, audit)
    tx = parse_unsigned(review.request.sign_data)  # a private copy of the fields, from the request's own bytes
    digest = tx.signing_hash()
    if digest != review.signing_hash or tx != review.tx:
        raise RequestRefused("The transaction is not the one reviewed; nothing was signed")
    shown = check_confirmed(review, confirmed_hash)
    vault = store.require(review.vault.address)
    with open_cold_key(vault, shares, min_scrypt_n=min_scrypt_n) as key:
        holders = _holders(vault.active, shares)
        ticket = journal.record_request(store.chain_id, vault.address, KIND_ACCOUNT_TX, digest, safe=vault.address,
                                        nonce=tx.nonce)
        try:
            raw = PrivateKey(key.private_key_bytes()).sign_msg_hash(digest)
            signature = finalize_signature(digest, raw.r, raw.s, vault.address)
        except BaseException as exc:
            journal.mark_failed(ticket, f"the cold vault's key did not give a usable signature ({type(exc).__name__})")
            raise
    answer = (signature.r.to_bytes(32, "big") + signature.s.to_bytes(32, "big")
              + bytes([signature.recovery_id]))
    journal.mark_released(ticket)
    audit.record(actor=vault.address, action=actions.OFFLINE_SIGN, subject=shown, detail={
        "request_id": str(review.request.request_id), "kind": "cold", "vault": vault.address,
        "nonce": str(tx.nonce), "to": tx.to, "value": str(tx.value), "decision": review.decision.decision,
        "policy_version": review.policy_version, "online_block": review.online_block,
        "approvals": list(review.approvals), "share_set": vault.active.identifier, "shares_entered": holders,
        "action_signature": "0x" + answer.hex()})
    return EthSignature(request_id=review.request.request_id, signature=answer, origin=ORIGIN)


def check_confirmed(review: ColdReview, confirmed_hash: str) -> str:
    """The signing hash, if `confirmed_hash` is it (0x and 64 hex digits, any letter case); RequestRefused if not."""
    shown = "0x" + review.signing_hash.hex()
    typed = confirmed_hash.strip().lower()
    if not hmac.compare_digest(typed.encode("ascii", "replace"), shown.encode("ascii")):
        raise RequestRefused(f"The hash confirmed ({make_visible(typed[:70])}) is not the signing hash this signer "
                             f"computed ({shown}); nothing was signed")
    return shown


def refuse_cold(review: ColdReview, audit: AuditLog) -> NoReturn:
    """Record that a refused request was not signed, and raise RequestRefused with the reasons."""
    why = "; ".join(review.refusals)
    audit.record(actor=actions.OPERATOR, action=actions.OFFLINE_REFUSED, subject="0x" + review.signing_hash.hex(),
                 detail={"request_id": str(review.request.request_id), "kind": "cold", "vault": review.vault.address,
                         "why": why[:600]})
    raise RequestRefused("Custos will not sign this request: " + why[:900])


def _holders(share_set: ShareSet, shares: Sequence[EnteredShare]) -> list[str]:
    """Who holds each share entered, as "share i: holder" (the share's member index, which the shares say and
    open_cold_key checked; never its words)."""
    by_index = {h.member_index: h.name for h in share_set.holders}
    out = []
    for share in shares:
        index = read_share_meta(share.data).member_index if isinstance(share, EncryptedShare) else \
            share_info(share.words).index
        out.append(f"share {index + 1}: {by_index.get(index, '?')}")
    return out
