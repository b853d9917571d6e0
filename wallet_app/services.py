"""Composition root: everything the front ends use, built in one place.

`wallet_app.profiles.open_profile` is light (config and database, no chain stack) so that a window can show cached
data at once; `build_services` loads the chain stack and opens the chain.
"""

from __future__ import annotations

from dataclasses import dataclass

from wallet_app.chain.client import ChainClient
from wallet_app.chain.connect import open_chain
from wallet_app.chain.monitor import NetworkMonitor
from wallet_app.profiles import Profile
from wallet_app.vaults.service import VaultService


@dataclass(frozen=True)
class Services:
    profile: Profile
    chain: ChainClient
    vaults: VaultService
    network: NetworkMonitor
    _close_chain: object

    def close(self) -> None:
        close = self._close_chain
        if callable(close):
            close()


def build_services(profile: Profile, *, chain: ChainClient | None = None) -> Services:
    """Build the services of a profile; `chain` replaces the profile's own node (tests, tools)."""
    close: object = None
    if chain is None:
        opened = open_chain(profile.config, profile.paths.devnet)
        chain, close = opened.client, opened.close
    return Services(
        profile=profile,
        chain=chain,
        vaults=VaultService(
            chain=chain,
            registry=profile.vault_registry,
            chain_id=profile.config.chain_id,
            snapshot_path=profile.paths.vault_snapshot,
        ),
        network=NetworkMonitor(chain=chain, network_name=profile.preset.name, chain_id=profile.config.chain_id),
        _close_chain=close,
    )
