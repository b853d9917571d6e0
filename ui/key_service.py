"""The key service as the front end sees it (`wallet_app.keys.service.KeyService`), and the kinds of key.

`wallet_app.keys` imports the signature code (eth_keys) at import time, which the window must not load before it
is shown; so `KeyView` is imported for type checking only and kinds are compared by their value.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from wallet_app.keys.registry import OfflineOrigin
    from wallet_app.keys.views import KeyView

KEYSTORE = "keystore"
HSM = "hsm"
WATCH = "watch"
OFFLINE = "offline"

DEFAULT_DERIVATION_PATH = "m/44'/60'/0'/0/0"


def kind_of(view: KeyView) -> str:
    """"keystore", "hsm", "watch" or "offline" (the `KeyKind` value)."""
    return str(getattr(view.kind, "value", view.kind))


def can_unlock(view: KeyView) -> bool:
    return kind_of(view) in (KEYSTORE, HSM)


def kind_text(view: KeyView) -> str:
    return {KEYSTORE: "Keystore", HSM: "HSM", WATCH: "Watch-only", OFFLINE: "Offline signer"}.get(
        kind_of(view), kind_of(view)
    )


def key_origin_text(path: str | None, fingerprint: int | None) -> str:
    """A paired offline signer's key origin as it declared it, in words: path and master fingerprint (BIP-32)."""
    where = path or "not declared by the signer"
    return where if fingerprint is None else f"{where} (master fingerprint {fingerprint:08x})"


def secret_name(view: KeyView) -> str:
    """What unlocks it, in words: a keystore's password or an HSM token's PIN."""
    return "PIN" if kind_of(view) == HSM else "password"


def idle_text(seconds: int) -> str:
    if seconds <= 0:
        return "Unlocked keys stay unlocked until you lock them."
    minutes, rest = divmod(int(seconds), 60)
    if minutes and not rest:
        amount = f"{minutes} minute{'s' if minutes != 1 else ''}"
    elif minutes:
        amount = f"{minutes} min {rest} s"
    else:
        amount = f"{rest} second{'s' if rest != 1 else ''}"
    return f"Unlocked keys lock again after {amount} without use."


class KeyServiceLike(Protocol):
    """Every method may block (disk, scrypt, HSM, OS keyring): call them on the serial lane, except `load_keys`
    and `offline_origin`, which only read and may run on the parallel lane."""

    @property
    def idle_timeout_seconds(self) -> int: ...
    @property
    def remembering_allowed(self) -> bool: ...
    def load_keys(self) -> list[KeyView]: ...
    def create_key(self, label: str, password: str) -> KeyView: ...
    def import_private_key(self, private_key_hex: str, label: str, password: str) -> KeyView: ...
    def import_mnemonic(self, mnemonic: str, path: str, label: str, password: str) -> KeyView: ...
    def export_backup(self, address: str, out: Path, password: str) -> Path: ...
    def change_password(self, address: str, old: str, new: str) -> None: ...
    def delete_key(self, address: str) -> None: ...
    def add_watch(self, address: str, label: str) -> KeyView: ...
    def add_hsm_key(self, module: str, token: str, key_label: str, pin: str, label: str, generate: bool) -> KeyView: ...
    def add_offline(self, address: str, label: str, *, device: str, path: str | None,
                    fingerprint: int | None) -> KeyView: ...
    def offline_origin(self, address: str) -> OfflineOrigin | None: ...
    def unlock(self, address: str, secret: str, *, remember: bool = False) -> None: ...
    def unlock_from_keyring(self, address: str) -> bool: ...
    def forget_remembered(self, address: str) -> None: ...
    def lock(self, address: str) -> None: ...
    def lock_all(self) -> None: ...
    def lock_idle(self) -> list[str]: ...
