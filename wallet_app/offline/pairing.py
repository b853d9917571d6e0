"""Pairing: an offline signer shows its account as a `crypto-hdkey` UR (public key, key origin, device name; never a
secret) and the online desktop records it as a key of kind offline.

The public key is not in a keystore file, so the offline side signs a fixed pairing digest once and recovers it from
the signature: one way for every kind of key (keystore, HSM) and a proof the key is there. On the online side an
account-level key with a chain code (as a Keystone shows its standard account, m/44'/60'/0') stands for its first
address, child 0/0; a key without a chain code is the account itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import coincurve
from eth_hash.auto import keccak

from wallet_app.keys.signer import Signer
from wallet_app.ur.accounts import CoinInfo, CryptoAccount, CryptoHDKey
from wallet_app.ur.errors import URError
from wallet_app.ur.eth_types import decode_registry_ur
from wallet_app.ur.keypath import KeyPath
from wallet_app.ur.ur import UR

PAIRING_TEXT = b"Custos offline signer pairing: this key shows its public key"
ETHEREUM = 60


def pairing_digest() -> bytes:
    """keccak-256 of a fixed text no Safe, policy or audit digest can be: signed once to show the public key."""
    return keccak(PAIRING_TEXT)


@dataclass(frozen=True, slots=True)
class PairedAccount:
    address: str
    path: str | None
    fingerprint: int | None
    device: str


def account_ur(signer: Signer, device: str, origin: KeyPath | None = None) -> UR:
    """The crypto-hdkey UR of `signer`'s account, named `device`."""
    digest = pairing_digest()
    signature = signer.sign_digest(digest)
    recoverable = signature.r.to_bytes(32, "big") + signature.s.to_bytes(32, "big") + bytes([signature.recovery_id])
    public = coincurve.PublicKey.from_signature_and_message(recoverable, digest, hasher=None)
    key = CryptoHDKey(key_data=public.format(compressed=True), use_info=CoinInfo(ETHEREUM), origin=origin,
                      name=device[:64] or None, note="account.standard")
    if key.address != signer.address:
        raise URError("The public key recovered from the pairing signature is not this key's; nothing was shown")
    return UR(CryptoHDKey.UR_TYPE, key.to_cbor())


def paired_accounts(ur: UR) -> list[PairedAccount]:
    """The accounts a crypto-hdkey or crypto-account UR declares."""
    item = decode_registry_ur(ur.type, ur.cbor)
    keys: tuple[CryptoHDKey, ...]
    if isinstance(item, CryptoHDKey):
        keys = (item,)
    elif isinstance(item, CryptoAccount):
        keys = item.keys
    else:
        raise URError(f"A UR of type {ur.type} declares no account; pairing reads crypto-hdkey or crypto-account")
    return [_account(key) for key in keys]


def _account(key: CryptoHDKey) -> PairedAccount:
    first = key.derive_child(0).derive_child(0) if key.chain_code is not None else key
    origin = first.origin
    return PairedAccount(address=first.address, path=None if origin is None or not origin.components else origin.text,
                         fingerprint=None if origin is None else origin.source_fingerprint,
                         device=" ".join((key.name or "offline signer").split())[:64])
