"""A real demo profile for the approval-queue UI tests: `custos demo init` runs once per test session (in a child
process, as a person would run it), and each test gets its own copy with the real core built on it
(`build_services`: the embedded devnet, the policy in force, Dana Ho who proposes, Alice, Ben and Carmen who own the
2-of-3 client vault and the 3-of-3 treasury; password custos-demo)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.demo_template import demo_template  # one demo per test process
from wallet_app.domain.abi import build_call

DEMO_PASSWORD = "custos-demo"  # the documented demo password
ALICE = "Alice Chan (officer)"
BEN = "Ben Wong (officer)"
CARMEN = "Carmen Lee (offline signer)"
DANA = "Dana Ho (operations)"
CLIENT_VAULT = "Harbour client vault"
TREASURY = "Harbour treasury"
HKDH = "Harbour HKD"
KOWLOON = "Kowloon Pension Trust (investor)"
LION_ROCK = "Lion Rock Family Office (investor)"
SANCTIONED = "Sanctioned Shell Co."


@dataclass
class Demo:
    home: Path
    profile: Any
    services: Any
    names: dict[str, str]  # label -> address (labels, vaults, keys)

    def __getitem__(self, label: str) -> str:
        return self.names[label]

    def transfer_request(self, *, to: str = KOWLOON, units: int = 1_000 * 10**6, vault: str = CLIENT_VAULT,
                         nonce: int | None = None) -> Any:
        from wallet_app.policy.check_request import CheckRequest

        data = build_call("transfer(address,uint256)", self[to] if to in self.names else to, units)
        return CheckRequest(safe=self[vault], to=self[HKDH], data=data, nonce=nonce)

    def signer(self, label: str) -> Any:
        """The key of `label` as a signer, decrypted once per test run (scrypt is slow; what the tests check through
        the dialogs still types the password)."""
        from wallet_app.keys.keystore_signer import KeystoreSigner

        address = self[label]
        return KeystoreSigner(address=address, private_key=_private_key(self.home, address))

    def propose(self, *, by: str = DANA, queue: Any = None, **kwargs: Any) -> Any:
        """Queue an HKDH transfer through the core (as another officer would), returning its QueueEntry."""
        result = (queue or self.services.queue).propose_with(self.transfer_request(**kwargs), self.signer(by))
        assert result.entry is not None, result.check.decision.reasons
        return result.entry

    def approve(self, entry: Any, by: str, queue: Any = None) -> Any:
        return (queue or self.services.queue).approve_with(entry.safe_tx_hash, self.signer(by))


_KEYS: dict[str, bytes] = {}


def _private_key(home: Path, address: str) -> bytes:
    if address not in _KEYS:
        from wallet_app.keys.keystore import decrypt_keystore, load_keystore_file

        path = home / "profiles" / "demo" / "keystores" / f"{address}.json"
        _KEYS[address] = decrypt_keystore(load_keystore_file(path), DEMO_PASSWORD)
    return _KEYS[address]


def sql(demo: Demo, statement: str, **params: Any) -> int:
    """Write to the profile's database as someone with access to it would: not through Custos."""
    from sqlalchemy import create_engine, text

    engine = create_engine(demo.profile.engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as conn:
            return int(conn.execute(text(statement), params).rowcount)
    finally:
        engine.dispose()


@contextmanager
def open_demo(directory: Path) -> Iterator[Demo]:
    """A private copy of the demo home in `directory`, with the real services built on it."""
    from wallet_app.profiles import open_profile
    from wallet_app.services import build_services

    home = directory / "home"
    shutil.copytree(demo_template(), home)
    profile = open_profile(home, "demo")
    services = build_services(profile)
    try:
        names = {entry.label: address for address, entry in profile.load_labels().items()}
        names.update({v.label: v.address for v in profile.vault_registry.load_entries()})
        names.update({k.label: k.address for k in services.keys.load_keys()})
        yield Demo(home, profile, services, names)
    finally:
        services.close()
        profile.close()


@contextmanager
def second_desktop(demo: Demo) -> Iterator[Any]:
    """Another QueueService on the same profile database (its own engine and connections), sharing the chain: what a
    colleague's desktop on a shared queue is to this one."""
    from wallet_app.profiles import open_profile
    from wallet_app.services import build_services

    profile = open_profile(demo.home, "demo")
    services = build_services(profile, chain=demo.services.chain)
    try:
        yield services.queue
    finally:
        services.keys.lock_all()
        profile.close()
