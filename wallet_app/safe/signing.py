"""Signing a SafeTx: the hash is recomputed here from the raw fields, bound to what the person was shown, and
journaled before the key is asked (SECURITY SC-1, SC-7, A7, A11).

`sign_safe_tx` takes a private copy of the transaction's fields, recomputes domain hash, message hash and safeTxHash
with Custos's own code for the vault's chain and version, and compares the safeTxHash with the one displayed. Any
difference (the fields changed between the render and the signer, or the display came from elsewhere) aborts with
an incident and nothing is signed. Otherwise the request is journaled and committed (a second digest at a nonce
this key already signed is refused there), the signer signs exactly that digest, the signature is checked again
(low-s, recovers to the key), the journal marks it released, and its 65 bytes are returned.
"""

from __future__ import annotations

import hmac
from dataclasses import replace

from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.safe_tx import ZERO_ADDRESS, Operation, SafeTx, compute_hashes
from wallet_app.errors import KeyLocked, SignerMismatch, WalletError, WatchOnly
from wallet_app.keys.service import KeyService
from wallet_app.keys.signature import HALF_N, recover_address
from wallet_app.keys.signer import Signer
from wallet_app.safe.journal import (
    INCIDENT_DISPLAY_MISMATCH,
    KIND_SAFE_MESSAGE,
    KIND_SAFE_REJECTION,
    KIND_SAFE_TX,
    SigningJournal,
)


class HashMismatch(WalletError):
    """What would be signed is not what was shown (A7): aborted before the signer was asked."""

    code = "hash_mismatch"


def is_rejection(tx: SafeTx) -> bool:
    """The transaction that burns a nonce: a call to the vault itself with nothing in it."""
    return (
        to_checksum(tx.to) == to_checksum(tx.safe) and tx.value == 0 and tx.data == b""
        and tx.operation == Operation.CALL and tx.safe_tx_gas == 0 and tx.base_gas == 0 and tx.gas_price == 0
        and to_checksum(tx.gas_token) == ZERO_ADDRESS and to_checksum(tx.refund_receiver) == ZERO_ADDRESS
    )


def rejection_for(safe: str, chain_id: int, version: str, nonce: int) -> SafeTx:
    """The rejection that burns `nonce` of `safe`."""
    return SafeTx(safe=to_checksum(safe), chain_id=chain_id, version=version, to=to_checksum(safe), value=0,
                  data=b"", operation=Operation.CALL, nonce=nonce)


def _private_copy(tx: SafeTx, version: str, chain_id: int) -> SafeTx:
    """The fields as they are now, in a copy nobody else holds (bytes are immutable; a bytearray is copied)."""
    return replace(tx, data=bytes(tx.data), operation=Operation(int(tx.operation)), chain_id=chain_id,
                   version=version)


def sign_safe_tx(
    keys: KeyService | Signer,
    journal: SigningJournal,
    tx: SafeTx,
    version: str,
    chain_id: int,
    *,
    displayed_hash: bytes,
    address: str | None = None,
) -> bytes:
    """Sign the safeTxHash of `tx` for a vault of `version` on `chain_id`, only if it equals `displayed_hash`.
    With a KeyService, `address` names the (unlocked) key. Returns the 65-byte signature r || s || v."""
    if isinstance(keys, KeyService):
        if address is None:
            raise ValueError("sign_safe_tx needs the signing key's address with a KeyService")
        signer: Signer = keys.signer(address)
    else:
        signer = keys
        if address is not None and to_checksum(address) != to_checksum(signer.address):
            raise SignerMismatch(f"The signer holds {signer.address}, not {to_checksum(address)}")
    signer_address = to_checksum(signer.address)
    canonical = _private_copy(tx, version, chain_id)
    digest = compute_hashes(canonical).safe_tx_hash
    kind = KIND_SAFE_REJECTION if is_rejection(canonical) else KIND_SAFE_TX
    displayed = bytes(displayed_hash)
    mismatch = ""
    if tx.chain_id != chain_id or tx.version != version:
        mismatch = (f"the transaction was built for chain {tx.chain_id}, Safe {tx.version[:20]}, but the vault is "
                    f"on chain {chain_id}, Safe {version[:20]}")
    elif len(displayed) != 32 or not hmac.compare_digest(digest, displayed):
        mismatch = (f"the hash shown was 0x{displayed.hex()}, the transaction's fields give 0x{digest.hex()}")
    if mismatch:
        incident = journal.record_incident(
            chain_id, signer_address, kind, digest, INCIDENT_DISPLAY_MISMATCH, safe=canonical.safe,
            nonce=canonical.nonce,
            detail={"displayed": "0x" + displayed.hex(), "recomputed": "0x" + digest.hex(), "why": mismatch},
        )
        raise HashMismatch(
            "The transaction about to be signed is not the one you were shown: nothing was signed and an incident "
            f"was recorded (journal row {incident}). Review the transaction again from its raw fields.",
            detail=mismatch,
        )
    ticket = journal.record_request(chain_id, signer_address, kind, digest, safe=canonical.safe,
                                    nonce=canonical.nonce)
    if compute_hashes(canonical).safe_tx_hash != digest:  # pragma: no cover - the copy is ours alone
        journal.mark_failed(ticket, "hash changed before signing", signature_possible=False)
        raise HashMismatch("The transaction changed before it was signed: nothing was signed")
    try:
        signature = signer.sign_digest(digest)
    except (KeyLocked, WatchOnly) as exc:
        journal.mark_failed(ticket, exc.user_message, signature_possible=False)
        raise
    except BaseException as exc:
        journal.mark_failed(ticket, f"{exc.__class__.__name__}: {exc}"[:300])
        raise
    canonical_form = 0 < signature.s <= HALF_N and signature.v in (27, 28)
    if not canonical_form or _recovers_to(digest, signature.r, signature.s, signature.v) != signer_address:
        journal.mark_failed(ticket, "the signer's signature did not recover to its address (discarded)")
        raise SignerMismatch(f"The signature from {signer_address} did not check out; it was discarded")
    journal.mark_released(ticket)
    return signature.to_bytes()


def sign_safe_message(signer: Signer, journal: SigningJournal, *, safe: str, chain_id: int, version: str,
                      digest: bytes, displayed_hash: bytes) -> bytes:
    """Sign the SafeMessage hash of a 32-byte `digest` for `safe`, recomputed here, only if it equals
    `displayed_hash`; journaled first (kind safe_message, no nonce) and checked after. Returns r || s || v."""
    from wallet_app.safe.messages import safe_message_hash

    owner = to_checksum(signer.address)
    message_hash = safe_message_hash(safe, chain_id, version, digest)
    if len(displayed_hash) != 32 or not hmac.compare_digest(message_hash, bytes(displayed_hash)):
        raise HashMismatch(f"The message hashes to 0x{message_hash.hex()}, not to the 0x{bytes(displayed_hash).hex()} "
                           "shown: nothing was signed")
    ticket = journal.record_request(chain_id, owner, KIND_SAFE_MESSAGE, message_hash, safe=to_checksum(safe))
    try:
        signature = signer.sign_digest(message_hash)
    except BaseException as exc:
        journal.mark_failed(ticket, f"{exc.__class__.__name__}: {exc}"[:300])
        raise
    if _recovers_to(message_hash, signature.r, signature.s, signature.v) != owner or not 0 < signature.s <= HALF_N:
        journal.mark_failed(ticket, "the signer's signature did not recover to its address (discarded)")
        raise SignerMismatch(f"The signature from {owner} did not check out; it was discarded")
    journal.mark_released(ticket)
    return signature.to_bytes()


def _recovers_to(digest: bytes, r: int, s: int, v: int) -> str | None:
    try:
        return recover_address(digest, r, s, v - 27)
    except Exception:
        return None
