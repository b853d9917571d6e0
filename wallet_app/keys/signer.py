"""The one protocol every kind of key signs through."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # keeps this module light: the window imports KeyKind before the crypto stack loads
    from wallet_app.keys.signature import Signature


class KeyKind(Enum):
    KEYSTORE = "keystore"
    HSM = "hsm"
    WATCH = "watch"
    OFFLINE = "offline"  # a paired offline signer's key: its secret is on that device, never here

    @property
    def secret_is_here(self) -> bool:
        """Whether this device holds the key's secret (a keystore file or an HSM token) and can sign with it."""
        return self in (KeyKind.KEYSTORE, KeyKind.HSM)


class Signer(Protocol):
    @property
    def address(self) -> str: ...

    @property
    def kind(self) -> KeyKind: ...

    def sign_digest(self, digest: bytes) -> Signature:
        """Sign a 32-byte digest computed by Custos's own hashing code. The result is low-s and verified to
        recover to `address`; a locked or watch-only signer raises instead."""
        ...
