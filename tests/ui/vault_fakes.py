"""A fake of the core's VaultService for the Vaults page dialogs: a known Safe passes, a Bybit-style one is blocked."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.ui.fakes import OWNERS
from wallet_app.domain.vaults import VaultCheck, VaultInfo
from wallet_app.errors import ConfigError
from wallet_app.vaults.service import AddedVault, DeployedVault

KNOWN_SAFE = "0x0916816d3642f8b709Fc58a9923ed885807caF47"
TAKEN_OVER = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
ATTACKER = "0xbDd077f651EBe7f7b3cE16fe5F2b025BE2969516"
SINGLETON = "0x29fcB43b46531BcA003ddC8FCB67FFE91900C762"
HANDLER = "0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99"
NEW_SAFE = "0x5F04B821B1A191C87ed8123175f86735a76aD11e"
OK = VaultCheck("ok", False, "Known Safe 1.4.1 (L2) singleton and Safe 1.4.1 proxy", (), SINGLETON, "1.4.1", True,
                "", HANDLER, (), 120)
BLOCKED_MESSAGE = (f"The vault's singleton (slot 0) is {ATTACKER}, which is not a known Safe singleton: signing is "
                   "blocked for this vault. This is what a Bybit-style takeover looks like afterwards; treat it as an "
                   "incident.")
BLOCKED = VaultCheck("unknown_singleton", True, BLOCKED_MESSAGE, (), ATTACKER, "", None, "", HANDLER, (), 120)


def vault(address: str, label: str, check: VaultCheck | None, owners: Sequence[str] = OWNERS) -> VaultInfo:
    version = "1.4.1" if check is None or not check.blocking else ""
    return VaultInfo(address, label, version, tuple(owners), 2, 3, 10**18, 120, check)


@dataclass
class FakeVaultCommands:
    delay: float = 0.02
    threads: list[int] = field(default_factory=list)
    deployed: list[tuple[tuple[str, ...], int, str, str]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    keys: tuple[str, ...] = (OWNERS[0], OWNERS[1])

    def add_vault(self, address: str, label: str = "") -> AddedVault:
        self.threads.append(threading.get_ident())
        time.sleep(self.delay)
        if address in self.added:
            raise ConfigError(f"{address} is already one of this profile's vaults")
        self.added.append(address)
        check = BLOCKED if address == TAKEN_OVER else OK
        info = vault(address, label or "Safe", check)
        return AddedVault(info, check, tuple(o for o in info.owners if o in self.keys), ())

    def deploy_safe(self, owners: Sequence[str], threshold: int, key: str, password: str, *, label: str,
                    salt_nonce: int | None = None) -> DeployedVault:
        self.threads.append(threading.get_ident())
        time.sleep(self.delay)
        if password != "custos-demo":
            from wallet_app.errors import WrongPassword

            raise WrongPassword("Wrong password")
        self.deployed.append((tuple(owners), threshold, key, label))
        info = VaultInfo(NEW_SAFE, label, "1.4.1", tuple(owners), threshold, 0, 0, 121, OK)
        warnings = ("This device holds 2 owner key(s) of the vault, a quorum (2 of 3): whoever has this device can "
                    "move the vault's assets alone.",)
        added = AddedVault(info, OK, tuple(o for o in owners if o in self.keys), warnings)
        return DeployedVault(added, bytes.fromhex("1d" * 32), 121, 305_895, key, 7, "1.4.1", True, SINGLETON,
                             "0x4e1DCf7AD4e460CfD30791CCC4F9c8a4f820ec67", HANDLER)
