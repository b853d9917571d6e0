"""The exporting officer's signature of an evidence pack's manifest, and its check.

The key signs the EIP-191 "personal_sign" digest of the manifest's exact bytes,
    keccak256("\\x19Ethereum Signed Message:\\n" + decimal length of the bytes + the bytes),
built here from the manifest (never a digest handed in; SECURITY I8). It starts with "\\x19E", so it is never a
SafeTx hash (keccak of "\\x19\\x01" || domain || struct), and the manifest is JSON opening with "{", so it is never one
of Custos's other EIP-191 texts ("Custos audit entry ...", "Custos proposal ...", the token review). Any Ethereum
tool verifies it (`cast wallet verify`, eth-account's `recover_message(encode_defunct(primitive=...))`).

Like every signature Custos asks for, it is journaled before the key is asked (kind `evidence_manifest`, no vault
and no nonce), checked to recover to the key after, and only then released.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from eth_hash.auto import keccak

from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import KeyLocked, SignerMismatch, WatchOnly
from wallet_app.keys.service import KeyService
from wallet_app.keys.signature import recover_signature_text
from wallet_app.keys.signer import Signer
from wallet_app.safe.journal import SigningJournal

EIP191_PREFIX = b"\x19Ethereum Signed Message:\n"
KIND_EVIDENCE_MANIFEST = "evidence_manifest"


def compute_manifest_digest(manifest: bytes) -> bytes:
    """The EIP-191 personal_sign digest of the manifest's bytes."""
    return keccak(EIP191_PREFIX + str(len(manifest)).encode("ascii") + bytes(manifest))


@contextmanager
def unlocked_signer(keys: KeyService, address: str, password: str) -> Iterator[Signer]:
    """The key at `address`, unlocked with its password (or PIN) for this export and locked again after unless it
    was unlocked before. A wrong password raises WrongPassword (recorded by the key service as a failed unlock)."""
    checksummed = to_checksum(address)
    was_unlocked = any(k.address == checksummed and k.unlocked for k in keys.load_keys())
    keys.unlock(checksummed, password)  # the password is asked every time, unlocked or not
    try:
        yield keys.signer(checksummed)
    finally:
        if not was_unlocked:
            keys.lock(checksummed, reason="evidence pack signed")


def sign_manifest(signer: Signer, journal: SigningJournal, chain_id: int, manifest: bytes) -> bytes:
    """The 65-byte signature r || s || v (v 27 or 28, low s) of `manifest` by `signer`, journaled first."""
    address = to_checksum(signer.address)
    digest = compute_manifest_digest(manifest)
    ticket = journal.record_request(chain_id, address, KIND_EVIDENCE_MANIFEST, digest)
    try:
        signature = signer.sign_digest(digest)
    except (KeyLocked, WatchOnly) as exc:
        journal.mark_failed(ticket, exc.user_message, signature_possible=False)
        raise
    except BaseException as exc:
        journal.mark_failed(ticket, f"{exc.__class__.__name__}: {exc}"[:300])
        raise
    raw = signature.to_bytes()
    try:
        recovered = recover_manifest_signer(manifest, "0x" + raw.hex())
    except ValueError:
        recovered = ""
    if recovered != address:
        journal.mark_failed(ticket, "the signer's signature did not recover to its address (discarded)")
        raise SignerMismatch(f"The signature from {address} did not check out; it was discarded")
    journal.mark_released(ticket)
    return raw


def recover_manifest_signer(manifest: bytes, signature: str) -> str:
    """The address whose EIP-191 signature of `manifest` this is (0x and 130 hex digits). ValueError: not 65 bytes
    of hex, v not 27 or 28, r or s out of range, a high s (a malleated copy), or no key recovers."""
    return recover_signature_text(compute_manifest_digest(manifest), signature)
