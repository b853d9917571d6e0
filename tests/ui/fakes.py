"""Fakes with the exact shapes of the core's profile, snapshot and services (see ui.session)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QWidget

from wallet_app.domain.network import PRESETS, ChainStatus, ConnectionState, NetworkPreset
from wallet_app.domain.vaults import VaultInfo

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


class FakeServices:
    def __init__(self, vaults: FakeVaults | None = None, network: FakeNetwork | None = None) -> None:
        self.vaults = vaults or FakeVaults(make_vaults())
        self.network = network or FakeNetwork()
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
