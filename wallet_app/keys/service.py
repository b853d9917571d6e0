"""Everything a person does with keys: create, import, export, delete, unlock, lock, sign.

Secrets (passwords, PINs, private keys, mnemonics) arrive as arguments, are used, and are not kept: only an
unlocked signer holds key material, in memory, until it is locked (on demand or after the idle timeout).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from eth_account import Account

from wallet_app.audit import actions
from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import (
    ConfigError,
    HsmError,
    KeyLocked,
    KeyNotFound,
    KeystoreInvalid,
    WatchOnly,
    WrongPassword,
)
from wallet_app.keys.custody import enforce_custody
from wallet_app.keys.keystore import (
    check_new_password,
    decrypt_keystore,
    encrypt_key,
    load_keystore_file,
    new_private_key,
    parse_keystore,
)
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.keys.os_keyring import OsKeyring
from wallet_app.keys.registry import HsmLocation, KeyRecord, KeyRegistry, OfflineOrigin
from wallet_app.keys.signer import KeyKind, Signer
from wallet_app.keys.views import KeyView
from wallet_app.storage.atomic import write_atomic

if TYPE_CHECKING:
    from wallet_app.audit.log import AuditLog

log = logging.getLogger(__name__)
DEFAULT_PATH = "m/44'/60'/0'/0/0"
T = TypeVar("T")
MAX_BACKOFF_SECONDS = 8.0


@dataclass
class _Unlocked:
    signer: Signer
    last_used: float


@dataclass
class _Throttle:
    """Wrong passwords: a growing delay per key, so guessing is slow and every failure looks the same (H1)."""

    unit_seconds: float
    sleep: Callable[[float], None]
    failures: dict[str, int] = field(default_factory=dict)

    def failed(self, address: str) -> None:
        count = self.failures.get(address, 0) + 1
        self.failures[address] = count
        self.sleep(min(self.unit_seconds * 2 ** (count - 1), MAX_BACKOFF_SECONDS))

    def succeeded(self, address: str) -> None:
        self.failures.pop(address, None)


class KeyService:
    def __init__(
        self,
        *,
        registry: KeyRegistry,
        keystore_dir: Path,
        os_keyring: OsKeyring,
        load_vaults: Callable[[], list[VaultInfo]],
        allow_quorum_on_device: bool,
        idle_timeout_seconds: int,
        unlock_factors: int = 2,
        clock: Callable[[], float] = time.monotonic,
        backoff_unit_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        audit: AuditLog | None = None,
    ) -> None:
        self._registry = registry
        self._audit = audit  # locking writes nothing else, so its audit entry is a transaction of its own
        self._keystore_dir = keystore_dir
        self._keyring = os_keyring
        self._load_vaults = load_vaults
        self._allow_quorum = allow_quorum_on_device
        self._idle_timeout = idle_timeout_seconds
        self._unlock_factors = unlock_factors
        self._clock = clock
        self._throttle = _Throttle(backoff_unit_seconds, sleep)
        self._unlocked: dict[str, _Unlocked] = {}
        self._lock = threading.RLock()

    @property
    def idle_timeout_seconds(self) -> int:
        return self._idle_timeout

    @property
    def remembering_allowed(self) -> bool:
        """A remembered secret unlocks with one factor (this device) and is allowed only where one suffices (H10)."""
        return self._unlock_factors <= 1

    def _require_remembering_allowed(self) -> None:
        if not self.remembering_allowed:
            raise ConfigError(
                f"This profile needs {self._unlock_factors} factors to unlock a key: the typed password or PIN and "
                "the key itself. A secret remembered by the OS keyring would be one factor, so it is not used."
            )

    # -- reading ------------------------------------------------------------------------------------------
    def load_keys(self) -> list[KeyView]:
        vaults = self._load_vaults()
        with self._lock:
            unlocked = set(self._unlocked)
        return [
            KeyView(
                address=r.address,
                kind=r.kind,
                label=r.label,
                unlocked=r.address in unlocked,
                remembered=r.remembered,
                vaults=tuple(v.label for v in vaults if r.address in v.owners),
            )
            for r in self._registry.load_all()
        ]

    def _view(self, address: str) -> KeyView:
        return next(k for k in self.load_keys() if k.address == address)

    # -- adding keys --------------------------------------------------------------------------------------
    def create_key(self, label: str, password: str) -> KeyView:
        return self._add_keystore_key(new_private_key(), label, password, action="created")

    def import_private_key(self, private_key_hex: str, label: str, password: str) -> KeyView:
        text = private_key_hex.strip().removeprefix("0x")
        try:
            key = bytes.fromhex(text)
        except ValueError:
            raise KeystoreInvalid("The private key must be 64 hex digits") from None
        if len(key) != 32 or not 0 < int.from_bytes(key, "big") < 2**256:
            raise KeystoreInvalid("The private key must be 64 hex digits")
        try:
            Account.from_key(key)
        except Exception:
            raise KeystoreInvalid("This is not a valid secp256k1 private key") from None
        return self._add_keystore_key(key, label, password, action="imported (private key)")

    def import_mnemonic(self, mnemonic: str, path: str, label: str, password: str) -> KeyView:
        from wallet_app.keys.mnemonic import derive_from_mnemonic

        key = derive_from_mnemonic(mnemonic, path)
        return self._add_keystore_key(key, label, password, action=f"imported (mnemonic, {path})")

    def import_keystore(self, text: str, password: str, label: str) -> KeyView:
        data = parse_keystore(text)
        key = self._decrypt(data, password, address=None)
        return self._add_keystore_key(key, label, password, action="imported (keystore file)")

    def add_watch(self, address: str, label: str) -> KeyView:
        checksummed = to_checksum(address)
        self._refuse_existing(checksummed)
        record = KeyRecord(checksummed, KeyKind.WATCH, _clean_label(label), datetime.now(UTC))
        self._registry.save(record, action="watch-only added")
        return self._view(checksummed)

    def add_offline(self, address: str, label: str, *, device: str, path: str | None,
                    fingerprint: int | None) -> KeyView:
        """Record a paired offline signer's key (address and key origin, no secret). It signs on that device, which
        the custody rule counts as the officer's own, so it does not count as a key held here."""
        checksummed = to_checksum(address)
        self._refuse_existing(checksummed)
        record = KeyRecord(checksummed, KeyKind.OFFLINE, _clean_label(label), datetime.now(UTC),
                           offline=OfflineOrigin(_clean_label(device), path, fingerprint))
        self._registry.save(record, action="offline signer paired",
                            detail=f"device {record.offline.device if record.offline else ''}, path {path or '-'}")
        return self._view(checksummed)

    def offline_origin(self, address: str) -> OfflineOrigin | None:
        """The key origin a paired offline signer declared for `address` (None for any other key)."""
        try:
            return self._registry.load(address).offline
        except KeyNotFound:
            return None

    def add_hsm_key(self, module: str, token: str, key_label: str, pin: str, label: str, generate: bool) -> KeyView:
        from wallet_app.keys import hsm

        location = HsmLocation(module, token, key_label)
        address = hsm.generate_hsm_key(location, pin) if generate else hsm.find_hsm_key(location, pin)
        self._refuse_existing(address)
        self._enforce_custody(address)
        record = KeyRecord(address, KeyKind.HSM, _clean_label(label), datetime.now(UTC), hsm=location)
        self._registry.save(record, action="hsm key generated" if generate else "hsm key added",
                            detail=f"token {token}, object {key_label}")
        return self._view(address)

    def _add_keystore_key(self, key: bytes, label: str, password: str, *, action: str) -> KeyView:
        check_new_password(password)
        address = str(Account.from_key(key).address)
        self._refuse_existing(address)
        self._enforce_custody(address)
        keystore = encrypt_key(key, password)
        keystore["x-custos"] = {"label": _clean_label(label)}
        path = self._keystore_path(address)
        write_atomic(path, json.dumps(keystore, indent=2).encode("utf-8"))
        record = KeyRecord(address, KeyKind.KEYSTORE, _clean_label(label), datetime.now(UTC))
        try:
            self._registry.save(record, action=action)
        except Exception:
            path.unlink(missing_ok=True)  # the key was never registered: leave no orphan file
            raise
        return self._view(address)

    def _refuse_existing(self, address: str) -> None:
        if self._registry.exists(address):
            raise ConfigError(f"This profile already holds {address}")

    def _enforce_custody(self, address: str) -> None:
        held = [r.address for r in self._registry.load_all() if r.kind.secret_is_here]  # an offline key is elsewhere
        enforce_custody(address, held, self._load_vaults(), allowed=self._allow_quorum)

    # -- backups, passwords, deletion ---------------------------------------------------------------------
    def export_backup(self, address: str, out: Path, password: str) -> Path:
        """Write an encrypted copy (same scrypt floor), after proving the password opens it (H9)."""
        record = self._keystore_record(address)
        data = load_keystore_file(self._keystore_path(record.address))
        key = self._decrypt(data, password, address=record.address)
        backup = encrypt_key(key, password)
        if out.exists():
            raise ConfigError(f"{out} already exists; choose another file name")
        write_atomic(out, json.dumps(backup, indent=2).encode("utf-8"))
        self._registry.record_event("exported", record, detail=f"to {out.name}")
        return out

    def change_password(self, address: str, old: str, new: str) -> None:
        record = self._keystore_record(address)
        check_new_password(new)
        path = self._keystore_path(record.address)
        data = load_keystore_file(path)
        key = self._decrypt(data, old, address=record.address)
        keystore = encrypt_key(key, new)
        keystore["x-custos"] = data.get("x-custos", {})
        write_atomic(path, json.dumps(keystore, indent=2).encode("utf-8"))
        self.forget_remembered(record.address)  # a remembered old password is useless now
        self._registry.record_event("password changed", record)

    def delete_key(self, address: str, *, hsm_pin: str | None = None) -> None:
        """Forget a key: lock it, forget any remembered secret, remove its keystore file, and record it. An HSM key
        is destroyed inside the token when its PIN is given; without it the token keeps the key (O2)."""
        record = self._registry.load(address)
        detail = ""
        if record.kind is KeyKind.HSM and hsm_pin is not None:
            from wallet_app.keys import hsm

            if record.hsm is None:
                raise HsmError(f"The HSM location of {record.label} is missing from the profile")
            location = record.hsm
            self._throttled(record.address, lambda: hsm.destroy_hsm_key(location, hsm_pin, record.address))
            detail = f"destroyed on token {location.token}"
        elif record.kind is KeyKind.HSM:
            detail = "removed from the profile; the token still holds the key"
        self.lock(record.address)
        self.forget_remembered(record.address)
        if record.kind is KeyKind.KEYSTORE:
            self._keystore_path(record.address).unlink(missing_ok=True)
            detail = "keystore file removed"
        self._registry.remove(record, detail=detail)

    # -- unlocking and signing ----------------------------------------------------------------------------
    def unlock(self, address: str, secret: str, *, remember: bool = False) -> None:
        record = self._registry.load(address)
        if remember:
            self._require_remembering_allowed()
        try:
            signer = self._open_signer(record, secret)
        except WrongPassword:  # a wrong password or PIN: who tried is not known, so the operator is the actor
            self._record(actions.UNLOCK_FAILED, record.address, "wrong password or PIN", actor=actions.OPERATOR)
            raise
        with self._lock:
            self._unlocked[record.address] = _Unlocked(signer, self._clock())
        self._registry.record_event("unlocked", record)
        if remember:
            self._keyring.save(record.address, secret)
            if not record.remembered:
                self._registry.save_remembered(record, True)

    def unlock_from_keyring(self, address: str) -> bool:
        record = self._registry.load(address)
        self._require_remembering_allowed()
        secret = self._keyring.load(record.address)
        if secret is None:
            if record.remembered:  # removed from the keyring outside Custos
                self._registry.save_remembered(record, False)
            return False
        self.unlock(record.address, secret)
        return True

    def forget_remembered(self, address: str) -> None:
        record = self._registry.load(address)
        try:
            self._keyring.delete(record.address)
        except Exception:  # noqa: S110 - no usable keyring means nothing was remembered there
            pass
        if record.remembered:
            self._registry.save_remembered(record, False)

    def signer(self, address: str) -> Signer:
        checksummed = to_checksum(address)
        with self._lock:
            entry = self._unlocked.get(checksummed)
            if entry is not None:
                entry.last_used = self._clock()
                return entry.signer
        record = self._registry.load(checksummed)
        if record.kind is KeyKind.WATCH:
            raise WatchOnly(f"{record.label} is a watch-only address: it cannot sign")
        if record.kind is KeyKind.OFFLINE:
            raise WatchOnly(f"{record.label} signs on its offline device: send it a sign request (custos offline "
                            "request)")
        raise KeyLocked(f"{record.label} is locked; unlock it to sign")

    def lock(self, address: str, *, reason: str = "locked") -> None:
        with self._lock:
            entry = self._unlocked.pop(to_checksum(address), None)
        if entry is not None:
            _close(entry.signer)
            self._record(actions.LOCK, entry.signer.address, reason)

    def lock_all(self) -> None:
        with self._lock:
            entries, self._unlocked = list(self._unlocked.values()), {}
        for entry in entries:
            _close(entry.signer)
            self._record(actions.LOCK, entry.signer.address, "all keys locked")

    def _record(self, action: str, address: str, reason: str, *, actor: str | None = None) -> None:
        """An entry for what changes nothing in the database (a lock, a failed unlock), written after the fact: a
        failure to record never keeps a key unlocked nor hides the wrong password."""
        if self._audit is None:
            return
        try:
            self._audit.record(actor=actor or address, action=action, subject=address, detail={"reason": reason})
        except Exception:
            log.warning("the audit entry (%s) for %s could not be written", action, address, exc_info=True)

    def lock_idle(self) -> list[str]:
        now = self._clock()
        with self._lock:
            idle = [a for a, e in self._unlocked.items() if now - e.last_used >= self._idle_timeout]
        for address in idle:
            with self._lock:
                entry = self._unlocked.pop(address, None)
            if entry is not None:
                _close(entry.signer)
                self._record(actions.LOCK, address, f"idle for {self._idle_timeout} s", actor=actions.SYSTEM)
        return idle

    def _open_signer(self, record: KeyRecord, secret: str) -> Signer:
        if record.kind is KeyKind.WATCH:
            raise WatchOnly(f"{record.label} is a watch-only address: it has nothing to unlock")
        if record.kind is KeyKind.OFFLINE:
            raise WatchOnly(f"{record.label} is unlocked and signs on its own offline device, not here")
        if record.kind is KeyKind.HSM:
            from wallet_app.keys import hsm

            if record.hsm is None:
                raise HsmError(f"The HSM location of {record.label} is missing from the profile")
            location = record.hsm
            return self._throttled(record.address, lambda: hsm.open_hsm_signer(location, secret, record.address))
        data = load_keystore_file(self._keystore_path(record.address))
        key = self._decrypt(data, secret, address=record.address)
        return KeystoreSigner(address=record.address, private_key=key)

    def _decrypt(self, data: dict[str, object], password: str, *, address: str | None) -> bytes:
        key = self._throttled(address or "import", lambda: decrypt_keystore(data, password))
        if address is not None and str(Account.from_key(key).address) != address:
            raise KeystoreInvalid(f"The keystore file of {address} holds another key; it was not used")
        return key

    def _throttled(self, who: str, attempt: Callable[[], T]) -> T:
        """Run a password or PIN check; each failure in a row waits longer before it is reported (H1)."""
        try:
            result = attempt()
        except WrongPassword:
            self._throttle.failed(who)
            raise
        self._throttle.succeeded(who)
        return result

    def _keystore_record(self, address: str) -> KeyRecord:
        record = self._registry.load(address)
        if record.kind is not KeyKind.KEYSTORE:
            raise KeyNotFound(f"{record.label} is not a keystore key: there is no file to export or re-encrypt")
        return record

    def _keystore_path(self, address: str) -> Path:
        return self._keystore_dir / f"{to_checksum(address)}.json"


def _close(signer: Signer) -> None:
    close = getattr(signer, "lock", None) or getattr(signer, "close", None)
    if callable(close):
        close()


def _clean_label(label: str) -> str:
    cleaned = label.strip()
    if not cleaned or len(cleaned) > 80:
        raise ConfigError("A key label needs 1 to 80 characters")
    return cleaned
