"""Fakes with the exact shapes of the core's profile, snapshot and services (see ui.session)."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QWidget

from tests.ui.history_fakes import FakeHistory
from tests.ui.holdings_fakes import FakeHoldings
from wallet_app.domain.network import PRESETS, ChainStatus, ConnectionState, NetworkPreset
from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import (
    ConfigError,
    HsmError,
    InvalidAddress,
    KeyNotFound,
    KeyringUnavailable,
    KeystoreInvalid,
    WatchOnly,
    WrongPassword,
)
from wallet_app.keys.signer import KeyKind
from wallet_app.keys.views import KeyView

DEVNET = PRESETS["devnet"]
OWNERS = (
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
)
TREASURY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
OPERATIONS = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"


def make_vaults(block: int = 120, *, nonce: int = 3) -> list[VaultInfo]:
    return [
        VaultInfo(TREASURY, "Treasury", "1.4.1", OWNERS, 2, nonce, 1_250 * 10**18 + 5 * 10**17, block),
        VaultInfo(OPERATIONS, "Operations", "1.4.1", OWNERS[:2], 1, 0, 42 * 10**16, block),
    ]


@dataclass
class FakeSnapshot:
    vaults: list[VaultInfo]
    block_number: int
    fetched_at: datetime = field(default_factory=lambda: datetime(2025, 11, 26, 9, 30, tzinfo=UTC))


@dataclass
class FakePeek:
    snapshot: FakeSnapshot | None
    name: str = "demo"
    is_demo: bool = True
    preset: NetworkPreset = DEVNET
    allows_quorum_on_device: bool = True


@dataclass
class FakeLabel:
    label: str


@dataclass
class FakeProfile:
    name: str = "demo"
    is_demo: bool = True
    preset: NetworkPreset = DEVNET
    snapshot: FakeSnapshot | None = None
    closed: bool = False
    allows_quorum_on_device: bool = True

    names: dict[str, str] = field(default_factory=dict)

    def load_vault_snapshot(self) -> FakeSnapshot | None:
        return self.snapshot

    def load_labels(self) -> dict[str, FakeLabel]:
        return {address: FakeLabel(name) for address, name in self.names.items()}

    def close(self) -> None:
        self.closed = True


class FakeVaults:
    def __init__(self, vaults: list[VaultInfo], *, gate: threading.Event | None = None, delay: float = 0.0):
        self.vaults = vaults
        self.gate = gate
        self.delay = delay
        self.error: BaseException | None = None
        self.calls = 0

    def fetch_vaults(self) -> list[VaultInfo]:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(5)
        if self.delay:
            time.sleep(self.delay)  # a deliberately slow chain call
        if self.error is not None:
            raise self.error
        return list(self.vaults)


class FakeNetwork:
    def __init__(self, block: int = 120, state: ConnectionState = ConnectionState.CONNECTED, message: str = ""):
        self.block = block
        self.state = state
        self.message = message
        self.calls = 0

    def fetch_status(self) -> ChainStatus:
        self.calls += 1
        connected = self.state is ConnectionState.CONNECTED
        return ChainStatus(
            network_name=DEVNET.name,
            chain_id=DEVNET.chain_id,
            block_number=self.block if connected else None,
            state=self.state,
            endpoint="in-process",
            message=self.message,
        )


DEMO_PASSWORD = "custos-demo"
HSM_PIN = "4711-2309"
WATCHED = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def make_keys() -> list[KeyView]:
    """Demo-like keys: two keystore officers owning both vaults (a quorum of Treasury on one device, as the demo
    allows), an HSM key and a watch-only address."""
    return [
        KeyView(OWNERS[0], KeyKind.KEYSTORE, "Alice Chan (treasury officer)", True, False, ("Treasury", "Operations")),
        KeyView(OWNERS[1], KeyKind.KEYSTORE, "Bob Okafor (treasury officer)", False, True, ("Treasury", "Operations")),
        KeyView(OWNERS[2], KeyKind.HSM, "Vault HSM (slot 0)", False, False, ("Treasury",)),
        KeyView(WATCHED, KeyKind.WATCH, "Auditor (watch-only)", False, False, ()),
    ]


def _fake_address(seed: str) -> str:
    return "0x" + hashlib.sha256(seed.encode()).hexdigest()[:40]


class FakeKeyService:
    """The core's `KeyService` surface (exact method names and arguments), in memory. `unlock` sleeps like scrypt;
    a wrong secret raises `WrongPassword`. It records which method ran on which thread, never a secret."""

    def __init__(self, keys: list[KeyView] | None = None, *, unlock_delay: float = 0.0) -> None:
        self._lock = threading.Lock()
        self.keys: list[KeyView] = list(make_keys() if keys is None else keys)
        self.secrets: dict[str, str] = {
            k.address: (HSM_PIN if k.kind is KeyKind.HSM else DEMO_PASSWORD) for k in self.keys if k.can_sign
        }
        self.keyring: dict[str, str] = {}
        self.keyring_error: KeyringUnavailable | None = None
        self.unlock_delay = unlock_delay
        self.idle: list[str] = []  # what the next lock_idle finds idle
        self.idle_timeout_seconds = 900
        self.remembering_allowed = True
        self.calls: list[str] = []
        self.threads: dict[str, int] = {}
        self.remember_flags: list[bool] = []
        self.mnemonic_paths: list[str] = []
        self.deleted: list[str] = []
        self.load_error: BaseException | None = None

    # -- bookkeeping ----------------------------------------------------------------------------------------
    def _called(self, name: str) -> None:
        with self._lock:
            self.calls.append(name)
            self.threads[name] = threading.get_ident()

    def _find(self, address: str) -> KeyView:
        for key in self.keys:
            if key.address.lower() == address.lower():
                return key
        raise KeyNotFound(f"This profile has no key {address}")

    def _set(self, address: str, **changes: object) -> None:
        with self._lock:
            self.keys = [replace(k, **changes) if k.address == address else k for k in self.keys]  # type: ignore[arg-type]

    def _add(self, key: KeyView, secret: str | None) -> KeyView:
        with self._lock:
            if any(k.address.lower() == key.address.lower() for k in self.keys):
                raise ConfigError(f"This profile already holds {key.address}")
            self.keys.append(key)
            if secret is not None:
                self.secrets[key.address] = secret
        return key

    @staticmethod
    def _check_new_password(password: str) -> None:
        if len(password) < 8:
            raise ConfigError("A password needs at least 8 characters")

    def key(self, address: str) -> KeyView:
        return self._find(address)

    # -- KeyService -----------------------------------------------------------------------------------------
    def load_keys(self) -> list[KeyView]:
        self._called("load_keys")
        if self.load_error is not None:
            raise self.load_error
        with self._lock:
            return list(self.keys)

    def create_key(self, label: str, password: str) -> KeyView:
        self._called("create_key")
        self._check_new_password(password)
        key = KeyView(_fake_address(f"new {len(self.keys)}"), KeyKind.KEYSTORE, label, False, False, ())
        return self._add(key, password)

    def import_private_key(self, private_key_hex: str, label: str, password: str) -> KeyView:
        self._called("import_private_key")
        text = private_key_hex.strip().removeprefix("0x")
        if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
            raise KeystoreInvalid("The private key must be 64 hex digits")
        self._check_new_password(password)
        return self._add(KeyView(_fake_address(text), KeyKind.KEYSTORE, label, False, False, ()), password)

    def import_mnemonic(self, mnemonic: str, path: str, label: str, password: str) -> KeyView:
        self._called("import_mnemonic")
        if len(mnemonic.split()) not in (12, 15, 18, 21, 24):
            raise KeystoreInvalid("A recovery phrase has 12, 15, 18, 21 or 24 words")
        if not path.startswith("m/"):
            raise ConfigError(f"'{path}' is not a derivation path (it starts with m/)")
        self._check_new_password(password)
        self.mnemonic_paths.append(path)
        key = KeyView(_fake_address(mnemonic + path), KeyKind.KEYSTORE, label, False, False, ())
        return self._add(key, password)

    def export_backup(self, address: str, out: Path, password: str) -> Path:
        self._called("export_backup")
        key = self._find(address)
        if key.kind is not KeyKind.KEYSTORE:
            raise WatchOnly("Only keystore keys can be exported")
        if self.secrets.get(key.address) != password:
            raise WrongPassword("Wrong password.")
        if out.exists():
            raise ConfigError(f"{out} already exists; choose another file name")
        out.write_text(json.dumps({"version": 3, "address": key.address[2:].lower()}), encoding="utf-8")
        return out

    def change_password(self, address: str, old: str, new: str) -> None:
        self._called("change_password")
        key = self._find(address)
        if self.secrets.get(key.address) != old:
            raise WrongPassword("Wrong password.")
        self._check_new_password(new)
        with self._lock:
            self.secrets[key.address] = new
            self.keyring.pop(key.address, None)
        self._set(key.address, remembered=False)

    def delete_key(self, address: str) -> None:
        self._called("delete_key")
        key = self._find(address)
        with self._lock:
            self.keys = [k for k in self.keys if k.address != key.address]
            self.deleted.append(key.address)

    def add_watch(self, address: str, label: str) -> KeyView:
        self._called("add_watch")
        if not _ADDRESS.match(address.strip()):
            raise InvalidAddress(f"'{address[:50]}' is not an address: expected 0x followed by 40 hex digits")
        return self._add(KeyView(address.strip(), KeyKind.WATCH, label, False, False, ()), None)

    def add_hsm_key(self, module: str, token: str, key_label: str, pin: str, label: str, generate: bool) -> KeyView:
        self._called("add_hsm_key")
        if pin != HSM_PIN:
            raise HsmError("The token refused the PIN")
        key = KeyView(_fake_address(f"{module} {token} {key_label}"), KeyKind.HSM, label, False, False, ())
        return self._add(key, pin)

    def unlock(self, address: str, secret: str, *, remember: bool = False) -> None:
        self._called("unlock")
        self.remember_flags.append(remember)
        key = self._find(address)
        if key.kind is KeyKind.WATCH:
            raise WatchOnly(f"{key.label} is a watch-only address: it has nothing to unlock")
        time.sleep(self.unlock_delay)  # scrypt (or an HSM) takes its time
        if self.secrets.get(key.address) != secret:
            raise WrongPassword("Wrong password. Wait a moment before trying again.")
        if remember:
            if self.keyring_error is not None:
                raise self.keyring_error
            with self._lock:
                self.keyring[key.address] = secret
        self._set(key.address, unlocked=True, remembered=key.remembered or remember)

    def unlock_from_keyring(self, address: str) -> bool:
        self._called("unlock_from_keyring")
        key = self._find(address)
        if self.keyring_error is not None:
            raise self.keyring_error
        secret = self.keyring.get(key.address)
        if secret is None or self.secrets.get(key.address) != secret:
            return False
        self._set(key.address, unlocked=True, remembered=True)
        return True

    def forget_remembered(self, address: str) -> None:
        self._called("forget_remembered")
        key = self._find(address)
        with self._lock:
            self.keyring.pop(key.address, None)
        self._set(key.address, remembered=False)

    def lock(self, address: str) -> None:
        self._called("lock")
        self._set(self._find(address).address, unlocked=False)

    def lock_all(self) -> None:
        self._called("lock_all")
        with self._lock:
            self.keys = [replace(k, unlocked=False) for k in self.keys]

    def lock_idle(self) -> list[str]:
        self._called("lock_idle")
        with self._lock:
            idle, self.idle = list(self.idle), []
        for address in idle:
            self._set(address, unlocked=False)
        return idle


class FakeServices:
    def __init__(
        self,
        vaults: FakeVaults | None = None,
        network: FakeNetwork | None = None,
        keys: FakeKeyService | None = None,
        holdings: FakeHoldings | None = None,
        history: FakeHistory | None = None,
    ) -> None:
        self.vaults = vaults or FakeVaults(make_vaults())
        self.network = network or FakeNetwork()
        self.keys = keys or FakeKeyService()
        self.holdings = holdings or FakeHoldings()
        self.history = history or FakeHistory()
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


class RecordingPresenter:
    """Stands in for ui.errors.ErrorPresenter: records instead of opening dialogs."""

    def __init__(self) -> None:
        self.calls: list[tuple[BaseException, QWidget | None]] = []
        self.threads: list[int] = []

    def __call__(self, exc: BaseException, parent: QWidget | None = None) -> None:
        self.calls.append((exc, parent))
        self.threads.append(threading.get_ident())

    @property
    def errors(self) -> list[BaseException]:
        return [exc for exc, _ in self.calls]


def opener(profile: FakeProfile | None = None, error: BaseException | None = None) -> Callable[..., FakeProfile]:
    def open_profile(home: Path | None, name: str) -> FakeProfile:
        if error is not None:
            raise error
        assert profile is not None
        return profile

    return open_profile


def builder(services: FakeServices | None = None, error: BaseException | None = None) -> Callable[..., FakeServices]:
    def build_services(profile: object) -> FakeServices:
        if error is not None:
            raise error
        assert services is not None
        return services

    return build_services
