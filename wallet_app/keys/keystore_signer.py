"""A signer over a decrypted keystore key, held in memory only while unlocked."""

from __future__ import annotations

import threading

from eth_keys.datatypes import PrivateKey

from wallet_app.errors import KeyLocked
from wallet_app.keys.signature import Signature, finalize_signature
from wallet_app.keys.signer import KeyKind


class KeystoreSigner:
    def __init__(self, *, address: str, private_key: bytes) -> None:
        self._address = address
        self._key: bytearray | None = bytearray(private_key)
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        return self._address

    @property
    def kind(self) -> KeyKind:
        return KeyKind.KEYSTORE

    @property
    def unlocked(self) -> bool:
        return self._key is not None

    def sign_digest(self, digest: bytes) -> Signature:
        with self._lock:
            if self._key is None:
                raise KeyLocked(f"The key {self._address} is locked; unlock it to sign")
            raw = PrivateKey(bytes(self._key)).sign_msg_hash(digest)
        return finalize_signature(digest, raw.r, raw.s, self._address)

    def lock(self) -> None:
        """Forget the key. Python cannot promise the bytes leave memory; the buffer is at least overwritten."""
        with self._lock:
            if self._key is not None:
                self._key[:] = bytes(len(self._key))
                self._key = None
