"""Unlock secrets kept in the operating system's keyring (Secret Service, Keychain, Credential Locker).

Only backends that encrypt at rest are accepted; a plaintext, null or failing backend is refused with a message
that says why (H5).
"""

from __future__ import annotations

from wallet_app.errors import KeyringUnavailable

# Backends that keep secrets encrypted by the operating system.
TRUSTED_BACKENDS = {
    "keyring.backends.SecretService.Keyring",
    "keyring.backends.libsecret.Keyring",
    "keyring.backends.macOS.Keyring",
    "keyring.backends.Windows.WinVaultKeyring",
    "keyring.backends.kwallet.DBusKeyring",
}


class OsKeyring:
    def __init__(self, *, service: str) -> None:
        self._service = service

    def _backend(self) -> object:
        import keyring
        from keyring.backends.chainer import ChainerBackend

        backend = keyring.get_keyring()
        candidates = backend.backends if isinstance(backend, ChainerBackend) else [backend]
        for candidate in candidates:
            name = f"{type(candidate).__module__}.{type(candidate).__qualname__}"
            if name in TRUSTED_BACKENDS:
                return candidate
        shown = f"{type(backend).__module__}.{type(backend).__qualname__}"
        raise KeyringUnavailable(
            f"The OS keyring available here ({shown}) does not keep secrets encrypted, or does not keep them at "
            "all; Custos will not remember unlock secrets on this device. Unlock with the password instead."
        )

    def save(self, account: str, secret: str) -> None:
        backend = self._backend()
        try:
            backend.set_password(self._service, account, secret)  # type: ignore[attr-defined]
        except Exception as exc:
            raise KeyringUnavailable(f"The OS keyring refused to store the secret ({exc.__class__.__name__})") from None

    def load(self, account: str) -> str | None:
        backend = self._backend()
        try:
            value = backend.get_password(self._service, account)  # type: ignore[attr-defined]
        except Exception as exc:
            raise KeyringUnavailable(f"The OS keyring could not be read ({exc.__class__.__name__})") from None
        return value if isinstance(value, str) else None

    def delete(self, account: str) -> None:
        from keyring.errors import PasswordDeleteError

        backend = self._backend()
        try:
            backend.delete_password(self._service, account)  # type: ignore[attr-defined]
        except PasswordDeleteError:
            pass  # nothing was stored: nothing to forget
        except Exception as exc:
            raise KeyringUnavailable(f"The OS keyring could not forget the secret ({exc.__class__.__name__})") from None
